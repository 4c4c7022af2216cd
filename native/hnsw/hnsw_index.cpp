// HNSW construction and search. See hnsw_index.h for the layout and the concurrency design.
#include "hnsw_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_set>

#include "../core/error.h"
#include "../core/finite.h"
#include "../core/file_format.h"
#include "../core/thread_pool.h"
#include "atomic_words.h"
#include "pq_codec.h"

namespace maxsim::hnsw {

// Per-thread buffers, grown once and reused by every query and insert on that thread.
struct HnswIndex::SearchScratch {
  std::vector<Candidate> cand, top, sel, back;
  std::vector<uint32_t> fresh;
  QueryScratch query, heuristic, neighbour;
  AlignedBuffer vec;
  std::vector<uint64_t> bits;
};

namespace {


struct MinFirst {  // for a min-heap of candidates (std heaps are max-heaps)
  template <class C> bool operator()(const C& a, const C& b) const { return a.dist > b.dist; }
};
struct MaxFirst {
  template <class C> bool operator()(const C& a, const C& b) const { return a.dist < b.dist; }
};

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Passes the writer-preferring gate, then holds the growth lock shared.
class SharedGrowLock {
 public:
  SharedGrowLock(std::mutex& gate, std::shared_mutex& m) : m_(m) {
    { std::lock_guard<std::mutex> g(gate); }
    m_.lock_shared();
  }
  ~SharedGrowLock() { m_.unlock_shared(); }

 private:
  std::shared_mutex& m_;
};

inline size_t lowestBit(uint64_t w) {
#if defined(_MSC_VER) && !defined(__clang__)
  unsigned long i;
  _BitScanForward64(&i, w);
  return i;
#else
  return size_t(__builtin_ctzll(w));
#endif
}

inline void prefetchCode(const uint8_t* p, size_t bytes) {
  prefetchRead(p);
  if (bytes > 64) prefetchRead(p + 64);
  if (bytes > 128) prefetchRead(p + 128);
  if (bytes > 192) prefetchRead(p + 192);
}

}  // namespace

HnswIndex::SearchScratch& HnswIndex::threadScratch() {
  thread_local SearchScratch s;
  return s;
}

HnswIndex::HnswIndex(const HnswParams& p) : p_(p), efSearch_(p.efSearch), entry_(uint64_t(kNoEntry)) {
  if (p.dim == 0 || p.dim > 65536) throw Error(codes::kInvalidArgument, "dim must be in [1, 65536]");
  if (p.M < 2 || p.M > 256) throw Error(codes::kInvalidArgument, "M must be in [2, 256]");
  if (p.efConstruction < 1 || p.efConstruction > 100000)
    throw Error(codes::kInvalidArgument, "efConstruction must be in [1, 100000]");
  if (p.efSearch < 1 || p.efSearch > 100000) throw Error(codes::kInvalidArgument, "ef must be in [1, 100000]");
  codec_ = makeCodec(p.storage, p.dim, p.metric, p.pqSubspaces);
  if (!codec_) throw Error(codes::kInvalidArgument, "unknown storage type");
  p_.pqSubspaces = p.storage == StorageType::Pq ? uint32_t(codec_->codeBytes()) : 0;
  trained_.store(!codec_->needsTraining(), std::memory_order_release);
  mL_ = 1.0 / std::log(double(p.M));
  const size_t align = codec_->codeAlign();  // 32 for the SIMD codecs: whole blocks for their loads
  codeStride_ = (codec_->codeBytes() + align - 1) / align * align;
  level0Stride_ = 2 * size_t(p.M) + 1;
  linkLocks_.reset(new std::mutex[kLinkLockStripes]);
}

HnswIndex::~HnswIndex() = default;

void HnswIndex::setEfSearch(uint32_t ef) {
  if (ef < 1 || ef > 100000) throw Error(codes::kInvalidArgument, "ef must be in [1, 100000]");
  efSearch_.store(ef, std::memory_order_relaxed);
}

bool HnswIndex::isDeleted(uint32_t s) const { return loadAcquire(&deleted_[s]) != 0; }

void HnswIndex::checkWritable() const {
  if (readOnly_)
    throw Error(codes::kInvalidArgument, "this index is read-only (loaded with mmap); load it without mmap to modify it");
}

uint32_t HnswIndex::randomLevel(uint64_t sequence) const {
  // uniform in (0, 1]: 53 random bits, never 0 so the log stays finite
  const double u = (double((splitmix64(p_.seed ^ splitmix64(sequence)) >> 11)) + 1.0) * (1.0 / 9007199254740992.0);
  const double level = std::floor(-std::log(u) * mL_);
  return level > kMaxLevel ? kMaxLevel : uint32_t(level);
}

void HnswIndex::prepareVector(const float* in, float* out) const {
  std::memcpy(out, in, size_t(p_.dim) * 4);
  if (p_.metric != Metric::Cosine) return;
  const float n2 = activeKernels().dotF32(out, out, p_.dim);
  // The f32 sum of squares overflows once components pass ~1e19 and underflows below ~1e-19:
  // a huge vector would be scaled to zeros and a tiny one left unscaled. Those (rare) vectors
  // take the sum in double, where neither can happen for any finite f32.
  constexpr float kSafeLow = 1e-30f, kSafeHigh = 1e30f;
  if (n2 >= kSafeLow && n2 <= kSafeHigh) {
    const float inv = 1.f / std::sqrt(n2);
    for (uint32_t k = 0; k < p_.dim; ++k) out[k] *= inv;
    return;
  }
  double s = 0.0;
  for (uint32_t k = 0; k < p_.dim; ++k) s += double(out[k]) * double(out[k]);
  if (s > 0.0) {
    const double inv = 1.0 / std::sqrt(s);
    for (uint32_t k = 0; k < p_.dim; ++k) out[k] = float(double(out[k]) * inv);
  }
}

void HnswIndex::train(const float* vectors, size_t n) {
  std::lock_guard<std::mutex> w(writeMutex_);
  checkWritable();
  if (p_.storage != StorageType::Pq) codec_->train(vectors, n);  // throws: nothing to train
  if (count_.load() != 0)
    throw Error(codes::kInvalidArgument, "train() must come before the first add(): this index already holds vectors");
  if (const size_t i = firstNonFinite(vectors, n * p_.dim); i != n * p_.dim)
    throw Error(codes::kNonFinite, "training vector " + std::to_string(i / p_.dim) + " has a NaN or infinite value");
  trainLocked(vectors, n);
}

bool HnswIndex::trained() const { return trained_.load(std::memory_order_acquire); }

// Callers hold writeMutex_ and the index is empty, so no search reads the codec meanwhile.
void HnswIndex::trainLocked(const float* vectors, size_t n) {
  if (n < kPqMinTrainVectors || p_.metric != Metric::Cosine) {  // the first throws "too few vectors"
    codec_->train(vectors, n);
    trained_.store(true, std::memory_order_release);
    return;
  }
  std::vector<float> prepared(n * size_t(p_.dim));
  for (size_t i = 0; i < n; ++i) prepareVector(vectors + i * p_.dim, prepared.data() + i * p_.dim);
  codec_->train(prepared.data(), n);
  trained_.store(true, std::memory_order_release);
}

void HnswIndex::reserve(size_t want) {
  if (want <= capacity_) return;
  std::lock_guard<std::mutex> gate(growGate_);
  std::unique_lock<std::shared_mutex> excl(growMutex_);
  const size_t n = count_.load();
  AlignedBuffer codes, links;
  codes.reserve(want * codeStride_);
  links.reserve(want * level0Stride_ * 4);
  if (n) {
    std::memcpy(codes.as<uint8_t>(), codes_, n * codeStride_);
    std::memcpy(links.as<uint32_t>(), level0_, n * level0Stride_ * 4);
  }
  std::unique_ptr<uint8_t[]> del(new uint8_t[want]());
  if (n) std::memcpy(del.get(), deleted_.get(), n);
  upper_.resize(want);
  labels_.resize(want);
  levels_.resize(want);
  codesOwned_ = std::move(codes);
  level0Owned_ = std::move(links);
  codes_ = codesOwned_.as<uint8_t>();
  level0_ = level0Owned_.as<uint32_t>();
  deleted_ = std::move(del);
  capacity_ = want;
  visited_.clear();  // sets sized for the old capacity are dropped rather than regrown per use
}

// ---- construction -------------------------------------------------------------------------

uint32_t HnswIndex::greedy(const QueryDistance& qd, uint32_t cur, float& curDist, uint32_t level) const {
  const uint32_t maxM = maxLinks(level);
  for (bool changed = true; changed;) {
    changed = false;
    const uint32_t* links = linksAt(cur, level);
    const uint32_t n = std::min(loadAcquire(&links[0]), maxM);
    for (uint32_t j = 0; j < n; ++j) {
      const uint32_t c = loadAcquire(&links[1 + j]);
      const float d = qd(code(c));
      if (d < curDist) {
        curDist = d;
        cur = c;
        changed = true;
      }
    }
  }
  return cur;
}

void HnswIndex::searchLayer(const QueryDistance& qd, uint32_t ep, float epDist, size_t ef, uint32_t level,
                            VisitedSet& vis, SearchScratch& sc, std::vector<Candidate>& top) const {
  auto& cand = sc.cand;
  cand.clear();
  top.clear();
  vis.insert(ep);
  cand.push_back({epDist, ep});
  top.push_back({epDist, ep});
  float bound = epDist;
  const uint32_t maxM = maxLinks(level);
  while (!cand.empty()) {
    const Candidate c = cand.front();
    if (c.dist > bound && top.size() >= ef) break;
    std::pop_heap(cand.begin(), cand.end(), MinFirst());
    cand.pop_back();
    const uint32_t* links = linksAt(c.id, level);
    const uint32_t n = std::min(loadAcquire(&links[0]), maxM);
    auto& fresh = sc.fresh;
    fresh.clear();
    for (uint32_t j = 0; j < n; ++j) {
      const uint32_t id = loadAcquire(&links[1 + j]);
      if (vis.insert(id)) {
        fresh.push_back(id);
        prefetchCode(code(id), codeStride_);
      }
    }
    for (const uint32_t id : fresh) {
      const float d = qd(code(id));
      if (top.size() < ef || d < bound) {
        cand.push_back({d, id});
        std::push_heap(cand.begin(), cand.end(), MinFirst());
        top.push_back({d, id});
        std::push_heap(top.begin(), top.end(), MaxFirst());
        if (top.size() > ef) {
          std::pop_heap(top.begin(), top.end(), MaxFirst());
          top.pop_back();
        }
        bound = top.front().dist;
      }
    }
  }
}

// The heuristic of the HNSW paper (algorithm 4, without extension): keep a candidate only if
// it is closer to the base than to every neighbour kept so far, which spreads links across
// directions instead of clustering them. Leaves the kept ones in cands, closest first.
void HnswIndex::selectNeighbours(std::vector<Candidate>& cands, size_t m, SearchScratch& sc) const {
  std::sort(cands.begin(), cands.end(), [](const Candidate& a, const Candidate& b) { return a.dist < b.dist; });
  if (cands.size() <= m) return;
  auto& sel = sc.sel;
  sel.clear();
  for (const Candidate& c : cands) {
    if (sel.size() >= m) break;
    const QueryDistance qc = codec_->prepareCode(code(c.id), sc.heuristic);
    bool keep = true;
    for (const Candidate& s : sel) {
      if (qc(code(s.id)) < c.dist) {
        keep = false;
        break;
      }
    }
    if (keep) sel.push_back(c);
  }
  cands.swap(sel);
}

void HnswIndex::connectBack(uint32_t n, uint32_t s, float dist, uint32_t level, SearchScratch& sc) {
  std::lock_guard<std::mutex> g(linkLock(n));
  uint32_t* links = linksAt(n, level);
  const uint32_t maxM = maxLinks(level);
  const uint32_t cnt = std::min(links[0], maxM);
  for (uint32_t j = 0; j < cnt; ++j)
    if (links[1 + j] == s) return;
  if (cnt < maxM) {
    storeRelease(&links[1 + cnt], s);
    storeRelease(&links[0], cnt + 1);
    return;
  }
  // Full: re-select among the old links and s, by distance to n.
  const QueryDistance qn = codec_->prepareCode(code(n), sc.neighbour);
  auto& back = sc.back;
  back.clear();
  back.push_back({dist, s});
  for (uint32_t j = 0; j < cnt; ++j) back.push_back({qn(code(links[1 + j])), links[1 + j]});
  selectNeighbours(back, maxM, sc);
  for (size_t j = 0; j < back.size(); ++j) storeRelease(&links[1 + j], back[j].id);
  storeRelease(&links[0], uint32_t(back.size()));
}

void HnswIndex::insertSlot(uint32_t s, const float* vector) {
  SearchScratch& sc = threadScratch();
  sc.vec.reserve(size_t(p_.dim) * 4);
  float* v = sc.vec.as<float>();
  prepareVector(vector, v);
  const QueryDistance qd = codec_->prepare(v, sc.query);
  const uint32_t level = levels_[s];

  std::unique_lock<std::mutex> top(topMutex_, std::defer_lock);
  uint64_t entry = entry_.load(std::memory_order_acquire);
  if (uint32_t(entry) == kNoEntry || level > uint32_t(entry >> 32)) {
    top.lock();  // this node may become the entry point: one such insert at a time
    entry = entry_.load(std::memory_order_acquire);
    if (uint32_t(entry) == kNoEntry) {
      entry_.store((uint64_t(level) << 32) | s, std::memory_order_release);
      return;
    }
    if (level <= uint32_t(entry >> 32)) top.unlock();
  }
  const uint32_t maxL = uint32_t(entry >> 32);
  uint32_t ep = uint32_t(entry);
  float epDist = qd(code(ep));
  for (uint32_t l = maxL; l > level; --l) ep = greedy(qd, ep, epDist, l);

  VisitedLease vis(visited_, capacity_);
  for (int l = int(std::min(level, maxL)); l >= 0; --l) {
    if (l != int(std::min(level, maxL))) vis->begin(capacity_);
    searchLayer(qd, ep, epDist, p_.efConstruction, uint32_t(l), *vis, sc, sc.top);
    auto& cands = sc.top;
    cands.erase(std::remove_if(cands.begin(), cands.end(), [s](const Candidate& c) { return c.id == s; }), cands.end());
    if (cands.empty()) continue;
    selectNeighbours(cands, p_.M, sc);
    // cands is scratch that connectBack reuses: copy the chosen links out first.
    Candidate chosen[256];
    const size_t nc = std::min<size_t>(cands.size(), 256);
    std::copy(cands.begin(), cands.begin() + nc, chosen);
    {
      std::lock_guard<std::mutex> g(linkLock(s));
      uint32_t* links = linksAt(s, uint32_t(l));
      for (size_t j = 0; j < nc; ++j) storeRelease(&links[1 + j], chosen[j].id);
      storeRelease(&links[0], uint32_t(nc));
    }
    for (size_t j = 0; j < nc; ++j) connectBack(chosen[j].id, s, chosen[j].dist, uint32_t(l), sc);
    ep = chosen[0].id;
    epDist = chosen[0].dist;
  }
  if (top.owns_lock() && level > maxL) entry_.store((uint64_t(level) << 32) | s, std::memory_order_release);
}

void HnswIndex::checkVectors(const float* vectors, size_t n) const {
  // f16 storage would keep a value of magnitude 65520 or more as Infinity; cosine vectors are
  // normalised first, so only their finiteness matters.
  const bool f16 = codec_->type() == StorageType::F16 && p_.metric != Metric::Cosine;
  const size_t dim = p_.dim, i = firstMagnitudeAtLeast(vectors, n * dim, f16 ? kF16OverflowBits : kNonFiniteBits);
  if (i != n * dim) throw Error(codes::kNonFinite, unstorableValueMessage("vector " + std::to_string(i / dim), vectors[i], "f16"));
}

void HnswIndex::add(const float* vectors, const uint64_t* ids, size_t n, const std::function<void(size_t)>& progress) {
  std::lock_guard<std::mutex> w(writeMutex_);
  addLocked(vectors, ids, n, progress);
}

void HnswIndex::upsert(const float* vectors, const uint64_t* ids, size_t n, const std::function<void(size_t)>& progress) {
  std::lock_guard<std::mutex> w(writeMutex_);
  checkWritable();
  checkVectors(vectors, n);
  std::unordered_set<uint64_t> seen;
  for (size_t i = 0; i < n; ++i)
    if (!seen.insert(ids[i]).second) throw Error(codes::kDuplicateId, "id " + std::to_string(ids[i]) + " appears twice in the batch");
  removeLocked(ids, n, true);
  addLocked(vectors, ids, n, progress, true);
}

void HnswIndex::addLocked(const float* vectors, const uint64_t* ids, size_t n, const std::function<void(size_t)>& progress,
                          bool vectorsChecked) {
  checkWritable();
  if (n == 0) return;
  const size_t dim = p_.dim;
  if (!vectorsChecked) checkVectors(vectors, n);
  {
    std::unordered_set<uint64_t> seen;
    seen.reserve(n);
    std::shared_lock<std::shared_mutex> g(labelMutex_);
    for (size_t i = 0; i < n; ++i) {
      if (!seen.insert(ids[i]).second)
        throw Error(codes::kDuplicateId, "id " + std::to_string(ids[i]) + " appears twice in the batch");
      if (labelToSlot_.count(ids[i]))
        throw Error(codes::kDuplicateId, "id " + std::to_string(ids[i]) + " already exists (use upsert to replace it)");
    }
  }
  const size_t base = count_.load();
  if (codec_->needsTraining()) trainLocked(vectors, n);  // only ever on an empty index
  if (base + n > 0xfffffff0u) throw Error(codes::kInvalidArgument, "an index holds at most 2^32 - 16 slots");
  if (base + n > capacity_) reserve(std::max(base + n, capacity_ + capacity_ / 2));

  SharedGrowLock grow(growGate_, growMutex_);
  {
    // Encoded in chunks: a codec may encode a batch faster (PQ), and the copy stays bounded.
    constexpr size_t kEncodeChunk = 4096;
    std::vector<float> tmp(std::min(n, kEncodeChunk) * dim);
    for (size_t b = 0; b < n; b += kEncodeChunk) {
      const size_t e = std::min(n, b + kEncodeChunk);
      for (size_t i = b; i < e; ++i) prepareVector(vectors + i * dim, tmp.data() + (i - b) * dim);
      codec_->encodeBatch(tmp.data(), e - b, codes_ + (base + b) * codeStride_, codeStride_);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const uint32_t s = uint32_t(base + i);
    std::memset(codes_ + size_t(s) * codeStride_ + codec_->codeBytes(), 0, codeStride_ - codec_->codeBytes());
    labels_[s] = ids[i];
    const uint32_t level = randomLevel(levelSequence_.fetch_add(1));
    levels_[s] = uint8_t(level);
    upper_[s].reset(level ? new uint32_t[size_t(level) * (p_.M + 1)]() : nullptr);
    std::memset(level0Links(s), 0, level0Stride_ * 4);
    deleted_[s] = 0;
  }
  count_.store(uint32_t(base + n), std::memory_order_release);
  {
    std::unique_lock<std::shared_mutex> g(labelMutex_);
    for (size_t i = 0; i < n; ++i) labelToSlot_[ids[i]] = uint32_t(base + i);
  }
  // Chunks bound how stale progress gets; each chunk runs on the whole pool.
  const size_t chunk = progress ? std::max<size_t>(256, n / 50) : n;
  for (size_t done = 0; done < n;) {
    const size_t end = std::min(n, done + chunk);
    parallelFor(end - done, 8, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) insertSlot(uint32_t(base + done + i), vectors + (done + i) * dim);
    });
    done = end;
    if (progress) progress(done);
  }
}

size_t HnswIndex::remove(const uint64_t* ids, size_t n) {
  std::lock_guard<std::mutex> w(writeMutex_);
  checkWritable();
  return removeLocked(ids, n, false);
}

size_t HnswIndex::removeLocked(const uint64_t* ids, size_t n, bool ignoreUnknown) {
  SharedGrowLock grow(growGate_, growMutex_);
  std::unique_lock<std::shared_mutex> g(labelMutex_);
  if (!ignoreUnknown) {
    std::unordered_set<uint64_t> seen;
    for (size_t i = 0; i < n; ++i) {
      if (!labelToSlot_.count(ids[i])) throw Error(codes::kUnknownId, "id " + std::to_string(ids[i]) + " is not in the index");
      if (!seen.insert(ids[i]).second) throw Error(codes::kInvalidArgument, "id " + std::to_string(ids[i]) + " appears twice");
    }
  }
  size_t removed = 0;
  for (size_t i = 0; i < n; ++i) {
    auto it = labelToSlot_.find(ids[i]);
    if (it == labelToSlot_.end()) continue;
    storeRelease(&deleted_[it->second], uint8_t(1));
    labelToSlot_.erase(it);
    ++removed;
  }
  deletedCount_ += removed;
  return removed;
}

// ---- search -------------------------------------------------------------------------------

template <bool kFiltered>
void HnswIndex::searchBase(const QueryDistance& qd, uint32_t ep, float epDist, size_t ef, VisitedSet& vis,
                           SearchScratch& sc, const uint64_t* bits, bool allowWhenSet) const {
  auto accept = [&](uint32_t id) {
    if (!kFiltered) return true;
    if (loadAcquire(&deleted_[id])) return false;
    return !bits || (((bits[id >> 6] >> (id & 63)) & 1) != 0) == allowWhenSet;
  };
  auto& cand = sc.cand;
  auto& top = sc.top;
  cand.clear();
  top.clear();
  vis.insert(ep);
  cand.push_back({epDist, ep});
  float bound = INFINITY;
  if (accept(ep)) {
    top.push_back({epDist, ep});
    bound = epDist;
  }
  const uint32_t maxM = 2 * p_.M;
  auto& fresh = sc.fresh;
  while (!cand.empty()) {
    const Candidate c = cand.front();
    if (c.dist > bound && top.size() >= ef) break;
    std::pop_heap(cand.begin(), cand.end(), MinFirst());
    cand.pop_back();
    const uint32_t* links = level0Links(c.id);
    const uint32_t n = std::min(loadAcquire(&links[0]), maxM);
    fresh.clear();
    for (uint32_t j = 0; j < n; ++j) prefetchRead(vis.tagAddress(loadAcquire(&links[1 + j])));
    for (uint32_t j = 0; j < n; ++j) {
      const uint32_t id = loadAcquire(&links[1 + j]);
      if (vis.insert(id)) {
        fresh.push_back(id);
        prefetchCode(code(id), codeStride_);
      }
    }
    if (!cand.empty()) prefetchRead(level0Links(cand.front().id));
    for (const uint32_t id : fresh) {
      const float d = qd(code(id));
      if (top.size() < ef || d < bound) {
        cand.push_back({d, id});
        std::push_heap(cand.begin(), cand.end(), MinFirst());
        if (accept(id)) {
          top.push_back({d, id});
          std::push_heap(top.begin(), top.end(), MaxFirst());
          if (top.size() > ef) {
            std::pop_heap(top.begin(), top.end(), MaxFirst());
            top.pop_back();
          }
          bound = top.front().dist;
        }
      }
    }
  }
}

size_t HnswIndex::bruteForce(const QueryDistance& qd, size_t k, const uint64_t* bits, size_t nslots, uint64_t* outIds,
                             float* outScores, SearchScratch& sc) const {
  auto& top = sc.top;
  top.clear();
  for (size_t w = 0; w < (nslots + 63) / 64; ++w) {
    for (uint64_t word = bits[w]; word; word &= word - 1) {
      const uint32_t id = uint32_t(w * 64 + lowestBit(word));
      if (id >= nslots || isDeleted(id)) continue;
      const float d = qd(code(id));
      if (top.size() < k) {
        top.push_back({d, id});
        std::push_heap(top.begin(), top.end(), MaxFirst());
      } else if (d < top.front().dist) {
        std::pop_heap(top.begin(), top.end(), MaxFirst());
        top.back() = {d, id};
        std::push_heap(top.begin(), top.end(), MaxFirst());
      }
    }
  }
  std::sort(top.begin(), top.end(), [](const Candidate& a, const Candidate& b) { return a.dist < b.dist; });
  for (size_t i = 0; i < top.size(); ++i) {
    outIds[i] = labels_[top[i].id];
    outScores[i] = toScore(top[i].dist);
  }
  return top.size();
}

size_t HnswIndex::filterBits(const IdFilter& f, std::vector<uint64_t>& bits, uint32_t nslots) const {
  bits.assign((size_t(nslots) + 63) / 64, 0);
  std::shared_lock<std::shared_mutex> g(labelMutex_);
  size_t marked = 0;
  for (size_t i = 0; i < f.count; ++i) {
    auto it = labelToSlot_.find(f.ids[i]);
    if (it == labelToSlot_.end() || it->second >= nslots) continue;
    uint64_t& w = bits[it->second >> 6];
    const uint64_t b = uint64_t(1) << (it->second & 63);
    if (!(w & b)) ++marked;
    w |= b;
  }
  if (!f.deny) return marked;
  const size_t live = labelToSlot_.size();
  return live > marked ? live - marked : 0;
}

size_t HnswIndex::searchOne(const float* query, size_t k, size_t ef, const uint64_t* bits, bool allowWhenSet,
                            size_t allowedCount, uint64_t* outIds, float* outScores, SearchScratch& sc) const {
  const uint64_t entry = entry_.load(std::memory_order_acquire);
  if (uint32_t(entry) == kNoEntry || k == 0) return 0;
  sc.vec.reserve(size_t(p_.dim) * 4);
  float* v = sc.vec.as<float>();
  prepareVector(query, v);
  const QueryDistance qd = codec_->prepare(v, sc.query);
  const uint32_t nslots = count_.load(std::memory_order_acquire);
  if (bits && allowWhenSet && (allowedCount <= std::max<size_t>(2048, 8 * ef) || allowedCount * 16 < nslots))
    return bruteForce(qd, k, bits, nslots, outIds, outScores, sc);

  ef = std::max(ef, k);
  uint32_t ep = uint32_t(entry);
  float epDist = qd(code(ep));
  for (uint32_t l = uint32_t(entry >> 32); l > 0; --l) ep = greedy(qd, ep, epDist, l);
  VisitedLease vis(visited_, capacity_);
  if (bits || deletedCount_.load(std::memory_order_relaxed))
    searchBase<true>(qd, ep, epDist, ef, *vis, sc, bits, allowWhenSet);
  else
    searchBase<false>(qd, ep, epDist, ef, *vis, sc, nullptr, true);
  auto& top = sc.top;
  std::sort(top.begin(), top.end(), [](const Candidate& a, const Candidate& b) { return a.dist < b.dist; });
  const size_t n = std::min(k, top.size());
  for (size_t i = 0; i < n; ++i) {
    outIds[i] = labels_[top[i].id];
    outScores[i] = toScore(top[i].dist);
  }
  return n;
}

static void checkQuery(const float* q, uint32_t dim) {
  if (!allFinite(q, dim)) throw Error(codes::kNonFinite, "query has a NaN or infinite value");
}

size_t HnswIndex::search(const float* query, size_t k, uint32_t ef, const IdFilter* filter, uint64_t* outIds,
                         float* outScores) const {
  if (k == 0) throw Error(codes::kInvalidArgument, "k must be at least 1");
  checkQuery(query, p_.dim);
  SharedGrowLock grow(growGate_, growMutex_);
  SearchScratch& sc = threadScratch();
  const uint64_t* bits = nullptr;
  size_t allowed = 0;
  if (filter) {
    allowed = filterBits(*filter, sc.bits, count_.load(std::memory_order_acquire));
    bits = sc.bits.data();
  }
  return searchOne(query, k, ef ? ef : efSearch_.load(std::memory_order_relaxed), bits, filter ? !filter->deny : true, allowed, outIds, outScores, sc);
}

void HnswIndex::searchBatch(const float* queries, size_t nq, size_t k, uint32_t ef, const IdFilter* filter,
                            uint64_t* outIds, float* outScores, uint32_t* outCounts) const {
  if (k == 0) throw Error(codes::kInvalidArgument, "k must be at least 1");
  for (size_t i = 0; i < nq; ++i) checkQuery(queries + i * p_.dim, p_.dim);
  SharedGrowLock grow(growGate_, growMutex_);
  std::vector<uint64_t> bits;
  size_t allowed = 0;
  if (filter) allowed = filterBits(*filter, bits, count_.load(std::memory_order_acquire));
  const uint64_t* b = filter ? bits.data() : nullptr;
  const bool allowWhenSet = filter ? !filter->deny : true;
  const size_t efUse = ef ? ef : efSearch_.load(std::memory_order_relaxed);
  parallelFor(nq, 1, [&](size_t lo, size_t hi) {
    SearchScratch& sc = threadScratch();
    for (size_t i = lo; i < hi; ++i) {
      const size_t got = searchOne(queries + i * p_.dim, k, efUse, b, allowWhenSet, allowed, outIds + i * k,
                                   outScores + i * k, sc);
      outCounts[i] = uint32_t(got);
    }
  });
}

// ---- introspection ------------------------------------------------------------------------

size_t HnswIndex::size() const {
  std::shared_lock<std::shared_mutex> g(labelMutex_);
  return labelToSlot_.size();
}

bool HnswIndex::has(uint64_t id) const {
  std::shared_lock<std::shared_mutex> g(labelMutex_);
  return labelToSlot_.count(id) != 0;
}

bool HnswIndex::getVector(uint64_t id, float* out) const {
  SharedGrowLock grow(growGate_, growMutex_);
  std::shared_lock<std::shared_mutex> g(labelMutex_);
  auto it = labelToSlot_.find(id);
  if (it == labelToSlot_.end()) return false;
  codec_->decode(code(it->second), out);
  return true;
}

void HnswIndex::fillCapacityBytes(HnswStats& s) const {
  s.codeBytes = capacity_ * codeStride_;
  s.codecBytes = trained_.load(std::memory_order_acquire) ? codec_->stateBytes() : 0;
  s.level0Bytes = capacity_ * level0Stride_ * 4;
  s.labelBytes = capacity_ * (8 + 1 + 1 + sizeof(void*));
}

size_t HnswIndex::heapBytes() const {
  SharedGrowLock grow(growGate_, growMutex_);
  if (readOnly_) return 0;  // a mapped file: pages the OS can evict
  HnswStats s;
  fillCapacityBytes(s);
  return s.codeBytes + s.codecBytes + s.level0Bytes + s.labelBytes;
}

HnswStats HnswIndex::stats() const {
  SharedGrowLock grow(growGate_, growMutex_);
  std::shared_lock<std::shared_mutex> g(labelMutex_);
  HnswStats s;
  s.size = labelToSlot_.size();
  s.slots = count_.load();
  s.deleted = s.slots - s.size;
  s.capacity = capacity_;
  s.maxLevel = uint32_t(entry_.load() >> 32);
  if (uint32_t(entry_.load()) == kNoEntry) s.maxLevel = 0;
  fillCapacityBytes(s);
  for (size_t i = 0; i < s.slots; ++i) s.upperBytes += size_t(levels_[i]) * (p_.M + 1) * 4;
  s.mapBytes = labelToSlot_.bucket_count() * sizeof(void*) + labelToSlot_.size() * (sizeof(uint64_t) * 2 + sizeof(void*));
  s.visitedBytes = visited_.bytes();
  return s;
}

}  // namespace maxsim::hnsw
