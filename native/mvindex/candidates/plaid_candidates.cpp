#include "plaid_candidates.h"

#include <algorithm>
#include <cmath>

#include "../../core/error.h"
#include "../../kernels/kernels.h"
#include "plaid_probe.h"

namespace maxsim::mvindex {
namespace {
// k-means sample: ColBERTv2 trains on ~16·sqrt(120·docs) documents; we also cap the points per
// centroid lower than faiss' 256 so a build stays a few seconds on small machines.
constexpr uint32_t kPointsPerCentroid = 32;
constexpr uint32_t kIterations = 10;

// Centroid defaults by k (ColBERTv2 / PLAID): (ncells, threshold, ndocs).
void defaultsFor(size_t k, uint32_t* ncells, double* threshold, uint32_t* ndocs) {
  if (k <= 10) *ncells = 1, *threshold = 0.5, *ndocs = 256;
  else if (k <= 100) *ncells = 2, *threshold = 0.45, *ndocs = 1024;
  else *ncells = 4, *threshold = 0.4, *ndocs = 4096;
}
// Stage 1 hands this many times ndocs documents to the pruned centroid interaction. Measured
// on SciFact-sentences (100k documents, 4,096 centroids): 2 buys recall at small ndocs over 1
// (0.948 vs 0.928 at ncells 1, ndocs 256) for a few percent of query time.
constexpr size_t kStage1Factor = 2;
}  // namespace

uint32_t PlaidCandidates::centroidCountFor(size_t tokens) {
  const double x = 16.0 * std::sqrt(double(tokens));
  if (x < 2) return 1;
  return 1u << static_cast<uint32_t>(std::floor(std::log2(x)));
}

PlaidCandidates::PlaidCandidates(const CandidateOptions& o, uint32_t dim) : o_(o), dim_(dim) {}

void PlaidCandidates::train(const SlotDocs& docs) {
  size_t tokens = 0;
  for (uint32_t c : docs.counts) tokens += c;
  if (tokens == 0) return;  // nothing to learn from yet; the next add trains
  uint32_t k = o_.centroids ? o_.centroids : centroidCountFor(tokens);
  // Sample whole documents (ColBERTv2 rule), evenly spread over the batch.
  const size_t nd = docs.counts.size();
  const size_t sampleDocs = std::min(nd, size_t(16.0 * std::sqrt(120.0 * double(nd))) + 1);
  std::vector<float> sample;
  for (size_t j = 0; j < sampleDocs; ++j) {
    const size_t d = sampleDocs == nd ? j : (j * nd) / sampleDocs;
    sample.insert(sample.end(), docs.rows[d], docs.rows[d] + size_t(docs.counts[d]) * dim_);
  }
  quant::KMeansOptions ko;
  ko.k = k;
  ko.iterations = kIterations;
  ko.seed = o_.seed;
  ko.maxPointsPerCentroid = kPointsPerCentroid;
  ko.spherical = true;
  ko.allowFewer = true;
  quant::KMeansResult res = quant::kmeans(sample.data(), sample.size() / dim_, dim_, ko);
  k_ = res.k;
  centroids_ = std::move(res.centroids);
  search_ = std::make_unique<quant::CentroidSearch>(centroids_.data(), k_, dim_);
}

void PlaidCandidates::assign(const SlotDocs& docs, std::vector<std::vector<uint32_t>>& codes, double* simSum) const {
  const size_t n = docs.slots.size();
  codes.assign(n, {});
  // Documents are gathered into blocks of about kBlockRows rows so one assign() call (parallel
  // over rows inside) covers many small documents.
  constexpr size_t kBlockRows = 16384;
  std::vector<float> block;
  std::vector<uint32_t> idx;
  std::vector<float> score;
  for (size_t d0 = 0; d0 < n;) {
    size_t d1 = d0, rows = 0;
    while (d1 < n && (d1 == d0 || rows + docs.counts[d1] <= kBlockRows)) rows += docs.counts[d1++];
    block.resize(rows * dim_);
    size_t at = 0;
    for (size_t d = d0; d < d1; ++d) {
      std::copy(docs.rows[d], docs.rows[d] + size_t(docs.counts[d]) * dim_, block.begin() + at * dim_);
      at += docs.counts[d];
    }
    idx.resize(rows);
    score.resize(rows);
    if (rows) search_->assign(block.data(), rows, true, idx.data(), score.data());
    at = 0;
    for (size_t d = d0; d < d1; ++d) {
      for (uint32_t t = 0; t < docs.counts[d]; ++t) {
        const float* x = block.data() + (at + t) * dim_;
        double nn = 0;
        for (uint32_t j = 0; j < dim_; ++j) nn += double(x[j]) * x[j];
        if (nn > 0) *simSum += score[at + t] / std::sqrt(nn);
      }
      std::vector<uint32_t> c(idx.begin() + at, idx.begin() + at + docs.counts[d]);
      std::sort(c.begin(), c.end());
      c.erase(std::unique(c.begin(), c.end()), c.end());
      codes[d] = std::move(c);
      at += docs.counts[d];
    }
    d0 = d1;
  }
}

void PlaidCandidates::place(uint32_t slot, std::vector<uint32_t>&& codes) {
  if (docCodes_.size() <= slot) {
    docCodes_.resize(size_t(slot) + 1);
    alive_.resize(size_t(slot) + 1, 0);
  }
  for (uint32_t c : codes) lists_[c].push_back(slot);  // slots arrive ascending
  docCodes_[slot] = std::move(codes);
  alive_[slot] = 1;
}

void PlaidCandidates::add(const SlotDocs& docs) {
  if (docs.slots.empty()) return;
  size_t tokens = 0;
  for (uint32_t c : docs.counts) tokens += c;
  const bool training = k_ == 0;
  if (training) {
    train(docs);
    if (k_ == 0) {  // all documents empty: remember the slots, no codes
      for (uint32_t s : docs.slots) place(s, {});
      return;
    }
    lists_.assign(k_, {});
    // Documents placed before training had no tokens: they keep no codes.
  }
  std::vector<std::vector<uint32_t>> codes;
  double sim = 0;
  assign(docs, codes, &sim);
  if (training) {
    trainSimSum_ += sim;
    trainTokens_ += tokens;
  } else {
    addedSimSum_ += sim;
    addedTokens_ += tokens;
  }
  for (size_t i = 0; i < docs.slots.size(); ++i) place(docs.slots[i], std::move(codes[i]));
}

void PlaidCandidates::remove(uint32_t slot) {
  if (slot < alive_.size()) alive_[slot] = 0;  // lists keep the slot until compaction
}

void PlaidCandidates::compact(const std::vector<uint32_t>& oldToNew) {
  std::vector<std::vector<uint32_t>> codes;
  std::vector<uint8_t> alive;
  for (size_t s = 0; s < docCodes_.size() && s < oldToNew.size(); ++s) {
    const uint32_t to = oldToNew[s];
    if (to == kDropped) continue;
    if (codes.size() <= to) {
      codes.resize(size_t(to) + 1);
      alive.resize(size_t(to) + 1, 0);
    }
    codes[to] = std::move(docCodes_[s]);
    alive[to] = alive_[s];
  }
  docCodes_ = std::move(codes);
  alive_ = std::move(alive);
  rebuildLists();
}

void PlaidCandidates::rebuildLists() {
  lists_.assign(k_, {});
  for (uint32_t s = 0; s < docCodes_.size(); ++s)
    if (alive_[s])
      for (uint32_t c : docCodes_[s]) lists_[c].push_back(s);
}

void PlaidCandidates::retrain(const SlotDocs& all) {
  k_ = 0;
  centroids_.clear();
  search_.reset();
  docCodes_.clear();
  alive_.clear();
  lists_.clear();
  trainSimSum_ = addedSimSum_ = 0;
  trainTokens_ = addedTokens_ = 0;
  add(all);
}

float PlaidCandidates::approxScore(const std::vector<uint32_t>& codes, const float* S, uint32_t nq,
                                   const uint8_t* keep, float* best) const {
  std::fill(best, best + nq, -INFINITY);
  for (uint32_t c : codes) {
    if (keep && !keep[c]) continue;
    const float* row = S + size_t(c) * nq;
    for (uint32_t i = 0; i < nq; ++i) best[i] = std::max(best[i], row[i]);
  }
  float sum = 0;
  for (uint32_t i = 0; i < nq; ++i)
    if (best[i] > -INFINITY) sum += best[i];  // a query token with no kept code contributes nothing
  return sum;
}

std::vector<uint32_t> PlaidCandidates::generate(const float* query, uint32_t nq, size_t k,
                                                const CandidateParams& p) const {
  std::vector<uint32_t> out;
  if (k_ == 0 || nq == 0) return out;
  uint32_t ncells, ndocs;
  double threshold;
  defaultsFor(k, &ncells, &threshold, &ndocs);
  if (p.ncells) ncells = p.ncells;
  if (p.ndocs) ndocs = p.ndocs;
  if (!std::isnan(p.centroidScoreThreshold)) threshold = p.centroidScoreThreshold;
  ncells = std::min(ncells, k_);

  // layout: S (k, nq) = C·Qᵀ, so one code's scores for every query token are contiguous.
  // Plain locals for the kernel and the thread-local buffer: through the table and the TLS
  // wrapper, both were reloaded on every iteration (the stores may alias them).
  const auto dot = activeKernels().dotF32;
  thread_local std::vector<float> Sbuf;
  Sbuf.resize(size_t(k_) * nq);
  float* const S = Sbuf.data();
  const float* const cent = centroids_.data();
  for (uint32_t c = 0; c < k_; ++c)
    for (uint32_t i = 0; i < nq; ++i) S[size_t(c) * nq + i] = dot(cent + size_t(c) * dim_, query + size_t(i) * dim_, dim_);

  // Stage 1: score-at-a-time over each token's top ncells lists (plaid_probe.h), keeping the
  // best kStage1Factor·ndocs documents by estimate for centroid interaction.
  thread_local ProbePlan plan;
  thread_local std::vector<std::pair<float, uint32_t>> est;
  planProbes(S, nq, k_, ncells, plan);
  const size_t keep1 = std::max<size_t>(size_t(ndocs) * kStage1Factor, k);
  probeEstimates(plan, nq, lists_, alive_, keep1, est);
  std::vector<uint32_t> cand(est.size());
  for (size_t j = 0; j < est.size(); ++j) cand[j] = est[j].second;

  // Stage 2: centroid interaction over the centroids that score >= threshold for some token.
  thread_local std::vector<uint8_t> keepBuf;
  keepBuf.resize(k_);
  uint8_t* const keep = keepBuf.data();
  for (uint32_t c = 0; c < k_; ++c) {
    float m = -INFINITY;
    for (uint32_t i = 0; i < nq; ++i) m = std::max(m, S[size_t(c) * nq + i]);
    keep[c] = m >= threshold;
  }
  thread_local std::vector<float> bestBuf;
  bestBuf.resize(nq);
  auto topBy = [&](std::vector<uint32_t>& docs, const uint8_t* kp, size_t keepN) {
    if (docs.size() <= keepN) return;
    // Slot order walks docCodes_ (and, mostly, the code arrays, allocated in add order) forwards;
    // the prefetches hide the two dependent misses per document (vector header, then codes).
    std::sort(docs.begin(), docs.end());
    const size_t n = docs.size();
    est.resize(n);
    float* const best = bestBuf.data();
    for (size_t j = 0; j < n; ++j) {
      if (j + 16 < n) __builtin_prefetch(&docCodes_[docs[j + 16]]);
      if (j + 8 < n) __builtin_prefetch(docCodes_[docs[j + 8]].data());
      est[j] = {approxScore(docCodes_[docs[j]], S, nq, kp, best), docs[j]};
    }
    keepBest(est, keepN);
    docs.resize(keepN);
    for (size_t j = 0; j < keepN; ++j) docs[j] = est[j].second;
  };
  topBy(cand, keep, std::max<size_t>(ndocs, k));
  // Stage 3: the same without pruning, keeping ndocs / 4.
  topBy(cand, nullptr, std::max<size_t>(ndocs / 4, k));
  return cand;
}

CandidateStats PlaidCandidates::stats() const {
  CandidateStats s;
  s.centroids = k_;
  s.bytes = centroids_.size() * 4 + alive_.size();
  for (const auto& c : docCodes_) s.bytes += c.size() * 4 + sizeof(c);
  for (const auto& l : lists_) s.bytes += l.size() * 4 + sizeof(l);
  s.trainSimilarity = trainTokens_ ? trainSimSum_ / double(trainTokens_) : 0;
  s.addedSimilarity = addedTokens_ ? addedSimSum_ / double(addedTokens_) : 0;
  s.tokensSinceTrain = addedTokens_;
  s.drift = addedTokens_ ? s.trainSimilarity - s.addedSimilarity : 0;
  s.needsRetrain = addedTokens_ >= kMinDriftTokens && s.drift > o_.retrainDrift;
  return s;
}

// layout: u32 k | centroids (k, dim) f32 | f64 trainSimSum | u64 trainTokens | f64 addedSimSum |
//         u64 addedTokens | code counts (docs) u32 | codes (Σ counts) u32
void PlaidCandidates::save(FileWriter& w, const std::vector<uint32_t>& liveSlots) const {
  w.pod<uint32_t>(k_);
  w.vec(centroids_);
  w.pod<double>(trainSimSum_);
  w.pod<uint64_t>(trainTokens_);
  w.pod<double>(addedSimSum_);
  w.pod<uint64_t>(addedTokens_);
  std::vector<uint32_t> counts, flat;
  counts.reserve(liveSlots.size());
  for (uint32_t s : liveSlots) {
    const auto& c = s < docCodes_.size() ? docCodes_[s] : std::vector<uint32_t>();
    counts.push_back(static_cast<uint32_t>(c.size()));
    flat.insert(flat.end(), c.begin(), c.end());
  }
  w.vec(counts);
  w.vec(flat);
}

bool PlaidCandidates::load(FileReader& r, size_t slots) {
  k_ = r.pod<uint32_t>();
  centroids_ = r.vec<float>();
  if (centroids_.size() != size_t(k_) * dim_) r.corrupt("plaid centroid table has the wrong size");
  trainSimSum_ = r.pod<double>();
  trainTokens_ = r.pod<uint64_t>();
  addedSimSum_ = r.pod<double>();
  addedTokens_ = r.pod<uint64_t>();
  const std::vector<uint32_t> counts = r.vec<uint32_t>();
  const std::vector<uint32_t> flat = r.vec<uint32_t>();
  if (counts.size() != slots) r.corrupt("plaid code table does not match the document count");
  docCodes_.assign(slots, {});
  alive_.assign(slots, 1);
  size_t at = 0;
  for (size_t s = 0; s < slots; ++s) {
    if (counts[s] > flat.size() - at) r.corrupt("plaid code counts overrun the code array");
    docCodes_[s].assign(flat.begin() + at, flat.begin() + at + counts[s]);
    for (uint32_t c : docCodes_[s])
      if (c >= k_) r.corrupt("plaid code out of range");
    at += counts[s];
  }
  if (at != flat.size()) r.corrupt("plaid code array has trailing codes");
  if (k_) search_ = std::make_unique<quant::CentroidSearch>(centroids_.data(), k_, dim_);
  rebuildLists();
  return false;
}

}  // namespace maxsim::mvindex
