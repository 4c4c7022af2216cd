// MultiVectorIndex search: candidate slots (the strategy's, or every allowed document), exact
// pruning with the int8 sketch, full-precision MaxSim and the top k; per query and batched.
#include <algorithm>
#include <cmath>
#include <mutex>

#include "../scoring/topk.h"
#include "index_helpers.h"
#include "multi_vector_index.h"

namespace maxsim::mvindex {
namespace {

// Stored tokens are checked for NaN and Infinity when added (and files by their checksum), so a
// score that is not finite comes from values whose products overflow f32.
[[noreturn]] void throwNonFiniteScore() {
  throw Error(codes::kNonFinite,
              "a MaxSim score came out NaN or infinite: the query's and the stored tokens' values are too large to "
              "score in f32 (their products overflow)");
}

}  // namespace

void MultiVectorIndex::fillHits(const uint32_t* slots, const float* scores, size_t n, SearchHits& out) const {
  out.kind = idMap_.kind() == IdKind::String ? IdKind::String : IdKind::Number;
  out.scores.assign(scores, scores + n);
  if (out.kind == IdKind::String) {
    out.strings.resize(n);
    for (size_t i = 0; i < n; ++i) out.strings[i] = idMap_.stringAt(slots[i]);
  } else {
    out.numbers.resize(n);
    for (size_t i = 0; i < n; ++i) out.numbers[i] = idMap_.numberAt(slots[i]);
  }
}

SearchHits MultiVectorIndex::ids() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  std::vector<uint32_t> slots;
  for (uint32_t s = 0; s < alive_.size(); ++s)
    if (alive_[s]) slots.push_back(s);
  std::vector<float> zeros(slots.size(), 0.f);
  SearchHits h;
  fillHits(slots.data(), zeros.data(), slots.size(), h);
  h.scores.clear();
  return h;
}

// Live slots the filter lets through, in slot order (so ties rank the earlier document first).
std::vector<uint32_t> MultiVectorIndex::candidates(const Filter& f) const {
  std::vector<uint32_t> out;
  if (f.mode == Filter::Mode::None) {
    out.reserve(liveDocs_);
    for (uint32_t s = 0; s < alive_.size(); ++s)
      if (alive_[s]) out.push_back(s);
    return out;
  }
  if (f.ids.size() && idMap_.kind() != IdKind::Unset && f.ids.kind != idMap_.kind())
    throw Error(codes::kInvalidArgument, std::string("filter ids must be ") + idKindName(idMap_.kind()) + " ids like the index's");
  std::vector<uint8_t> listed(alive_.size(), 0);
  for (size_t i = 0; i < f.ids.size(); ++i) {
    const uint32_t s = idMap_.find(f.ids, i);  // ids not in the index are ignored
    if (s != IdMap::kNone) listed[s] = 1;
  }
  const uint8_t want = f.mode == Filter::Mode::Allow ? 1 : 0;
  for (uint32_t s = 0; s < alive_.size(); ++s)
    if (alive_[s] && listed[s] == want) out.push_back(s);
  return out;
}

CandidateParams MultiVectorIndex::resolve(const SearchParams& sp, size_t k) const {
  const CandidateParams& d = options_.searchDefaults;
  CandidateParams p = sp.candidates;
  if (!p.ef) p.ef = d.ef;
  if (!p.numCandidates) p.numCandidates = d.numCandidates;
  if (!p.ncells) p.ncells = d.ncells;
  if (!p.ndocs) p.ndocs = d.ndocs;
  if (std::isnan(p.centroidScoreThreshold)) p.centroidScoreThreshold = d.centroidScoreThreshold;
  // MUVERA: a shortlist of max(100, 10k) by FDE, searched with ef = the shortlist's length.
  if (!p.numCandidates) p.numCandidates = static_cast<uint32_t>(std::max<size_t>(100, 10 * k));
  if (!p.ef) p.ef = p.numCandidates;
  return p;  // plaid's zeros / NaN fall through to its k-based defaults
}

std::vector<uint32_t> MultiVectorIndex::querySlots(const float* q, uint32_t nq, size_t k, const Filter& filter,
                                                   const SearchParams& sp) const {
  // An allow-list is usually short: scoring it exactly beats hoping the candidates cover it.
  if (!gen_ || sp.exact || filter.mode == Filter::Mode::Allow) return candidates(filter);
  std::vector<uint32_t> cand = gen_->generate(q, nq, k, resolve(sp, k));
  std::vector<uint8_t> denied;
  if (filter.mode == Filter::Mode::Deny) {
    if (filter.ids.size() && idMap_.kind() != IdKind::Unset && filter.ids.kind != idMap_.kind())
      throw Error(codes::kInvalidArgument, std::string("filter ids must be ") + idKindName(idMap_.kind()) + " ids like the index's");
    denied.assign(alive_.size(), 0);
    for (size_t i = 0; i < filter.ids.size(); ++i) {
      const uint32_t s = idMap_.find(filter.ids, i);
      if (s != IdMap::kNone) denied[s] = 1;
    }
  }
  std::sort(cand.begin(), cand.end());  // slot order, so ties rank the earlier document first
  cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
  size_t w = 0;
  for (uint32_t s : cand)
    if (s < alive_.size() && alive_[s] && (denied.empty() || !denied[s])) cand[w++] = s;
  cand.resize(w);
  return cand;
}

SearchHits MultiVectorIndex::search(const float* query, uint32_t nq, size_t k, const Filter& filter,
                                    const SearchParams& params) const {
  if (k == 0) throw Error(codes::kInvalidArgument, "k must be a positive integer");
  checkQueryRows(query, nq, options_.dim, "query");
  std::shared_lock<std::shared_mutex> lock(mutex_);
  if (params.onDevice) {
    const uint32_t offsets[2] = {0, nq};
    return std::move(searchDevice(query, offsets, 1, k, filter)[0]);
  }
  std::vector<uint32_t> cand = querySlots(query, nq, k, filter, params);
  pruneBySketch(query, nq, k, cand);
  SearchHits hits;
  hits.kind = idMap_.kind() == IdKind::String ? IdKind::String : IdKind::Number;
  if (cand.empty()) return hits;
  std::unique_ptr<ScoringQuery> q = store_->prepare(query, nq);
  std::vector<float> scores(cand.size());
  parallelFor(cand.size(), grainFor(cand.size()), [&](size_t b, size_t e) {
    bool nonFinite = false;
    for (size_t i = b; i < e; ++i) scores[i] = store_->score(*q, ranges_[cand[i]], &nonFinite);
    if (nonFinite) throwNonFiniteScore();
  });
  topHits(scores.data(), cand.data(), cand.size(), k, hits);
  return hits;
}

std::vector<SearchHits> MultiVectorIndex::searchBatch(const float* queries, const uint32_t* qoff, size_t nqueries,
                                                      size_t k, const Filter& filter, const SearchParams& params) const {
  if (k == 0) throw Error(codes::kInvalidArgument, "k must be a positive integer");
  const uint32_t dim = options_.dim;
  for (size_t i = 0; i < nqueries; ++i)
    checkQueryRows(queries + size_t(qoff[i]) * dim, qoff[i + 1] - qoff[i], dim, "query " + std::to_string(i));
  std::shared_lock<std::shared_mutex> lock(mutex_);
  if (params.onDevice) return nqueries ? searchDevice(queries, qoff, nqueries, k, filter) : std::vector<SearchHits>{};
  if (gen_ && !params.exact && filter.mode != Filter::Mode::Allow) {
    // Candidates differ per query: queries in parallel, each scoring its own short list.
    std::vector<SearchHits> out(nqueries);
    parallelFor(nqueries, 1, [&](size_t b, size_t e) {
      for (size_t qi = b; qi < e; ++qi) {
        const float* q = queries + size_t(qoff[qi]) * dim;
        const uint32_t nq = qoff[qi + 1] - qoff[qi];
        std::vector<uint32_t> cand = querySlots(q, nq, k, filter, params);
        pruneBySketch(q, nq, k, cand);
        SearchHits& hits = out[qi];
        hits.kind = idMap_.kind() == IdKind::String ? IdKind::String : IdKind::Number;
        if (cand.empty()) continue;
        std::unique_ptr<ScoringQuery> prepared = store_->prepare(q, nq);
        std::vector<float> scores(cand.size());
        bool nonFinite = false;
        for (size_t i = 0; i < cand.size(); ++i) scores[i] = store_->score(*prepared, ranges_[cand[i]], &nonFinite);
        if (nonFinite) throwNonFiniteScore();
        topHits(scores.data(), cand.data(), cand.size(), k, hits);
      }
    });
    return out;
  }
  const std::vector<uint32_t> cand = candidates(filter);
  std::vector<SearchHits> out(nqueries);
  for (auto& h : out) h.kind = idMap_.kind() == IdKind::String ? IdKind::String : IdKind::Number;
  if (cand.empty() || nqueries == 0) return out;
  // With a sketch the blocked pass below scores the sketch, and each query then rescores its
  // surviving documents in full precision.
  std::vector<std::unique_ptr<ScoringQuery>> prepared(nqueries);
  for (size_t i = 0; i < nqueries; ++i) {
    const float* q = queries + size_t(qoff[i]) * dim;
    prepared[i] = sketch_ ? sketch_->prepare(q, qoff[i + 1] - qoff[i]) : store_->prepare(q, qoff[i + 1] - qoff[i]);
  }
  // layout: scores (nqueries, ncand). Documents go in blocks of about 256 KiB of stored tokens;
  // within a block every query scores every document. The block stays in L2 while the queries
  // pass over it, and each query's prepared form (for codec stores, lookup tables of up to a
  // megabyte) stays in cache across the block's documents instead of being evicted by every
  // document in turn.
  const size_t nc = cand.size();
  std::vector<float> scores(nqueries * nc);
  const double blockTokens = std::max(64.0, 262144.0 / std::max(1.0, sketch_ ? double(dim) + 4.0 : store_->bytesPerToken()));
  std::vector<size_t> blocks{0};
  double acc = 0;
  for (size_t i = 0; i < nc; ++i) {
    acc += ranges_[cand[i]].count;
    if (acc >= blockTokens) {
      blocks.push_back(i + 1);
      acc = 0;
    }
  }
  if (blocks.back() != nc) blocks.push_back(nc);
  const size_t nblocks = blocks.size() - 1;
  parallelFor(nblocks, 1, [&](size_t b, size_t e) {
    bool nonFinite = false;
    for (size_t blk = b; blk < e; ++blk)
      for (size_t qi = 0; qi < nqueries; ++qi)
        for (size_t i = blocks[blk]; i < blocks[blk + 1]; ++i)
          scores[qi * nc + i] = sketch_ ? sketch_->score(*prepared[qi], cand[i], &nonFinite)
                                        : store_->score(*prepared[qi], ranges_[cand[i]], &nonFinite);
    if (nonFinite) throwNonFiniteScore();
  });
  if (sketch_) {
    parallelFor(nqueries, 1, [&](size_t b, size_t e) {
      bool nonFinite = false;
      for (size_t qi = b; qi < e; ++qi) {
        const float* q = queries + size_t(qoff[qi]) * dim;
        const uint32_t nq = qoff[qi + 1] - qoff[qi];
        const std::vector<uint32_t> keep =
            survivingPositions(*sketch_, QueryBound::of(q, nq, dim), cand.data(), scores.data() + qi * nc, nc, k);
        std::unique_ptr<ScoringQuery> full = store_->prepare(q, nq);
        std::vector<float> exactScores(keep.size());
        std::vector<uint32_t> slots(keep.size());
        for (size_t i = 0; i < keep.size(); ++i) {
          slots[i] = cand[keep[i]];
          exactScores[i] = store_->score(*full, ranges_[slots[i]], &nonFinite);
        }
        topHits(exactScores.data(), slots.data(), keep.size(), k, out[qi]);
      }
      if (nonFinite) throwNonFiniteScore();
    });
    return out;
  }
  parallelFor(nqueries, 1, [&](size_t b, size_t e) {
    for (size_t qi = b; qi < e; ++qi) topHits(scores.data() + qi * nc, cand.data(), nc, k, out[qi]);
  });
  return out;
}

void MultiVectorIndex::topHits(const float* scores, const uint32_t* slots, size_t n, size_t k, SearchHits& out) const {
  const size_t kk = std::min(k, n);
  std::vector<uint32_t> idx(kk);
  std::vector<float> best(kk);
  selectTopK(scores, n, kk, idx.data(), best.data());
  for (auto& i : idx) i = slots[i];
  fillHits(idx.data(), best.data(), kk, out);
}

void MultiVectorIndex::pruneBySketch(const float* query, uint32_t nq, size_t k, std::vector<uint32_t>& slots) const {
  if (!sketch_ || slots.size() <= k) return;
  std::unique_ptr<ScoringQuery> q = sketch_->prepare(query, nq);
  std::vector<float> approx(slots.size());
  parallelFor(slots.size(), grainFor(slots.size()), [&](size_t b, size_t e) {
    bool nonFinite = false;
    for (size_t i = b; i < e; ++i) approx[i] = sketch_->score(*q, slots[i], &nonFinite);
    if (nonFinite) throwNonFiniteScore();
  });
  const std::vector<uint32_t> keep =
      survivingPositions(*sketch_, QueryBound::of(query, nq, options_.dim), slots.data(), approx.data(), slots.size(), k);
  for (size_t i = 0; i < keep.size(); ++i) slots[i] = slots[keep[i]];  // keep is ascending: in place
  slots.resize(keep.size());
}

}  // namespace maxsim::mvindex
