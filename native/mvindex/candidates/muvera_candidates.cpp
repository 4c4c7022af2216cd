#include "muvera_candidates.h"

#include <algorithm>

#include "../../core/error.h"
#include "../../core/thread_pool.h"
#include "../../hnsw/pq_codec.h"

namespace maxsim::mvindex {
namespace {
FdeConfig fdeConfig(const CandidateOptions& o, uint32_t dim) {
  FdeConfig c;
  c.dim = dim;
  c.repetitions = o.repetitions;
  c.simhashBits = o.simhashBits;
  c.projectionDim = o.projectionDim == 0 ? dim : std::min(o.projectionDim, dim);  // clamped to dim
  c.finalDim = o.finalDim;
  c.seed = o.seed;
  c.fillEmptyPartitions = true;
  return c;
}
}  // namespace

MuveraCandidates::MuveraCandidates(const CandidateOptions& o, uint32_t dim)
    : o_(o), dim_(dim), encoder_(fdeConfig(o, dim)) {
  resetGraph();
}

void MuveraCandidates::resetGraph() {
  hnsw::HnswParams p;
  p.dim = static_cast<uint32_t>(encoder_.outputDim());
  p.metric = hnsw::Metric::IP;
  p.storage = static_cast<hnsw::StorageType>(o_.hnswStorage);
  p.M = o_.M;
  p.efConstruction = o_.efConstruction;
  // FDEs are long (10,240 floats by default): sub-vectors of 16 floats halve the table and the
  // codes against HnswIndex's default 8 (SciFact-GloVe: build 29 s instead of 45 s, recall
  // 0.002-0.026 lower at the same shortlist; bench/RESULTS.md).
  p.pqSubspaces = o_.pqSubspaces;
  if (p.storage == hnsw::StorageType::Pq && p.pqSubspaces == 0) {
    p.pqSubspaces = 1;
    for (uint32_t m = p.dim / 16; m > 1; --m)
      if (p.dim % m == 0) {
        p.pqSubspaces = m;
        break;
      }
  }
  graph_ = std::make_unique<hnsw::HnswIndex>(p);
  pendingFdes_.clear();
  pendingKeys_.clear();
}

// An untrained PQ graph collects FDEs until they are enough to train on; deleted ones are
// dropped when they finally enter.
void MuveraCandidates::addToGraph(const float* fdes, const uint64_t* keys, size_t n) {
  if (graph_->trained()) {
    graph_->add(fdes, keys, n);
    return;
  }
  const size_t od = encoder_.outputDim();
  pendingFdes_.insert(pendingFdes_.end(), fdes, fdes + n * od);
  pendingKeys_.insert(pendingKeys_.end(), keys, keys + n);
  size_t live = 0;
  for (size_t i = 0; i < pendingKeys_.size(); ++i) {
    if (keySlot_.size() > pendingKeys_[i] && keySlot_[pendingKeys_[i]] == kNoSlot) continue;  // deleted while pending
    if (live != i) {
      pendingKeys_[live] = pendingKeys_[i];
      std::copy(pendingFdes_.begin() + i * od, pendingFdes_.begin() + (i + 1) * od, pendingFdes_.begin() + live * od);
    }
    ++live;
  }
  pendingKeys_.resize(live);
  pendingFdes_.resize(live * od);
  if (live < hnsw::kPqMinTrainVectors) return;
  graph_->add(pendingFdes_.data(), pendingKeys_.data(), live);  // trains on these FDEs first
  std::vector<float>().swap(pendingFdes_);
  std::vector<uint64_t>().swap(pendingKeys_);
}

void MuveraCandidates::add(const SlotDocs& docs) {
  const size_t n = docs.slots.size();
  if (n == 0) return;
  const size_t od = encoder_.outputDim();
  // layout: fdes (n, outputDim)
  std::vector<float> fdes(n * od);
  parallelFor(n, 8, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) encoder_.encode(docs.rows[i], docs.counts[i], false, fdes.data() + i * od);
  });
  std::vector<uint64_t> keys(n);
  for (size_t i = 0; i < n; ++i) keys[i] = keySlot_.size() + i;
  addToGraph(fdes.data(), keys.data(), n);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t s = docs.slots[i];
    if (slotKey_.size() <= s) slotKey_.resize(size_t(s) + 1, ~uint64_t(0));
    slotKey_[s] = keys[i];
    keySlot_.push_back(s);
  }
}

void MuveraCandidates::remove(uint32_t slot) {
  if (slot >= slotKey_.size() || slotKey_[slot] == ~uint64_t(0)) return;
  const uint64_t key = slotKey_[slot];
  if (graph_->has(key)) graph_->remove(&key, 1);  // a pending key is dropped when the graph trains
  keySlot_[key] = kNoSlot;
  slotKey_[slot] = ~uint64_t(0);
}

void MuveraCandidates::compact(const std::vector<uint32_t>& oldToNew) {
  std::vector<uint64_t> fresh;
  for (size_t s = 0; s < slotKey_.size() && s < oldToNew.size(); ++s) {
    const uint64_t key = slotKey_[s];
    const uint32_t to = oldToNew[s];
    if (key == ~uint64_t(0)) continue;
    if (to == kDropped) {  // the index dropped a slot we still had: forget it
      if (graph_->has(key)) graph_->remove(&key, 1);
      keySlot_[key] = kNoSlot;
      continue;
    }
    if (fresh.size() <= to) fresh.resize(size_t(to) + 1, ~uint64_t(0));
    fresh[to] = key;
    keySlot_[key] = to;
  }
  slotKey_ = std::move(fresh);
  const hnsw::HnswStats st = graph_->stats();
  if (st.deleted * 4 > st.slots) graph_->compact();  // drops tombstoned FDEs; labels unchanged
}

void MuveraCandidates::retrain(const SlotDocs& all) {
  // FDEs are data-independent; rebuilding the graph drops its tombstones and, with storage pq,
  // retrains the codebooks on every live document's FDE.
  resetGraph();
  slotKey_.clear();
  keySlot_.clear();
  add(all);
}

std::vector<uint32_t> MuveraCandidates::generate(const float* query, uint32_t nq, size_t k,
                                                 const CandidateParams& p) const {
  const size_t want = std::max<size_t>(k, p.numCandidates);
  std::vector<uint32_t> out;
  if (want >= graph_->size()) {  // the shortlist is everyone: skip the graph (and its reachability)
    for (uint32_t s : keySlot_)
      if (s != kNoSlot) out.push_back(s);
    return out;
  }
  std::vector<float> fde(encoder_.outputDim());
  encoder_.encode(query, nq, true, fde.data());
  std::vector<uint64_t> ids(want);
  std::vector<float> scores(want);
  const size_t got = graph_->search(fde.data(), want, std::max<uint32_t>(p.ef, 1), nullptr, ids.data(), scores.data());
  out.reserve(got);
  for (size_t i = 0; i < got; ++i) {
    const uint32_t s = ids[i] < keySlot_.size() ? keySlot_[ids[i]] : kNoSlot;
    if (s != kNoSlot) out.push_back(s);
  }
  return out;
}

CandidateStats MuveraCandidates::stats() const {
  CandidateStats s;
  s.bytes = graph_->stats().totalBytes() + slotKey_.capacity() * 8 + keySlot_.capacity() * 4 +
            pendingFdes_.capacity() * 4 + pendingKeys_.capacity() * 8;
  return s;
}

// The graph is not written: load() starts empty and the index re-adds every document (FDE
// encoding is deterministic, so the rebuilt graph indexes the same vectors; with storage pq the
// codebooks are trained again (seeded) on the re-added documents, i.e. on the first load chunk
// of up to 8,192 live documents, which may differ from the batch the original trained on).
void MuveraCandidates::save(FileWriter& w, const std::vector<uint32_t>& liveSlots) const {
  (void)w;
  (void)liveSlots;
}

bool MuveraCandidates::load(FileReader& r, size_t slots) {
  (void)r;
  (void)slots;
  resetGraph();
  slotKey_.clear();
  keySlot_.clear();
  return true;
}

}  // namespace maxsim::mvindex
