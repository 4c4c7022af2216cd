// HNSW graph index over one vector per external 64-bit id (Malkov & Yashunin, 2016), usable
// from any native code (the N-API binding and the MUVERA multi-vector index).
//
// Memory layout (slot = internal node number, 0..count-1, never renumbered until compact()):
//   codes:   (capacity, codeStride) bytes   -- one vector code per slot (see vector_codec.h)
//   level0:  (capacity, 2M+1) u32           -- [n, id_0 .. id_{2M-1}] level-0 links per slot
//   upper[s]: (level_s, M+1) u32            -- [n, id_0 .. id_{M-1}] per level 1..level_s
//   labels:  (capacity) u64 external ids; levels: (capacity) u8; deleted: (capacity) u8
//
// Concurrency design
// ------------------
// * Searches run concurrently with every mutation. They never lock a node: link words are read
//   with acquire loads and written with release stores, and every id ever written into a link
//   list names a slot whose code and level were written before (the inserting thread fills its
//   slot before linking it anywhere). A reader racing a pruning writer may see a mix of the old
//   and new list; every id in it is still a valid slot, so the walk stays in bounds and only
//   that one expansion is approximate.
// * Writers of a link list hold that slot's stripe of linkLocks_ (one lock at a time, so no
//   deadlock). This is what lets one batch insert on every pool thread at once.
// * Growth of the arrays is the only thing that moves memory. Searches and inserts hold
//   growMutex_ shared; reserve() takes it exclusively. growGate_ makes the lock writer-preferring
//   (a steady stream of searches cannot starve growth): readers pass the gate before locking.
// * Mutations (add/upsert/remove/compact/save) are serialised on writeMutex_; within one add
//   the inserts run in parallel. labelMutex_ guards the id -> slot map for has/getVector/filters.
// * remove() sets a tombstone (a release store) and drops the id from the map. Tombstoned slots
//   stay in the graph as waypoints and are never returned; a search that started after remove()
//   returned cannot return the id. compact() rebuilds the graph from live slots and swaps it in
//   under the exclusive growth lock.
// * Results carry the label read at the end of the search, after the tombstone check.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "vector_codec.h"
#include "visited_pool.h"

namespace maxsim {
class FileReader;
}

namespace maxsim::hnsw {

struct HnswParams {
  uint32_t dim = 0;
  Metric metric = Metric::L2;
  StorageType storage = StorageType::F32;
  uint32_t M = 16;               // links per node on levels >= 1; 2M on level 0
  uint32_t efConstruction = 200;
  uint32_t efSearch = 64;        // default ef of search() when the caller passes 0
  uint64_t seed = 0x6d617873696dULL;
  uint32_t pqSubspaces = 0;      // storage Pq: bytes per vector (divides dim); 0 = defaultPqSubspaces
};

// An external-id allow-list or deny-list, evaluated natively during the graph walk.
struct IdFilter {
  const uint64_t* ids = nullptr;
  size_t count = 0;
  bool deny = false;
};

struct HnswStats {
  size_t size = 0;          // live vectors
  size_t slots = 0;         // used slots, tombstones included
  size_t deleted = 0;
  size_t capacity = 0;
  uint32_t maxLevel = 0;
  size_t codeBytes = 0, codecBytes = 0, level0Bytes = 0, upperBytes = 0, labelBytes = 0, mapBytes = 0, visitedBytes = 0;
  size_t totalBytes() const { return codeBytes + codecBytes + level0Bytes + upperBytes + labelBytes + mapBytes + visitedBytes; }
};

class HnswIndex {
 public:
  explicit HnswIndex(const HnswParams& p);
  ~HnswIndex();
  HnswIndex(const HnswIndex&) = delete;
  HnswIndex& operator=(const HnswIndex&) = delete;

  // A snapshot (efSearch included) of the parameters.
  HnswParams params() const {
    HnswParams p = p_;
    p.efSearch = efSearch_.load(std::memory_order_relaxed);
    return p;
  }
  uint32_t dim() const { return p_.dim; }
  void setEfSearch(uint32_t ef);
  bool readOnly() const { return readOnly_; }

  // Storage Pq: learns the codebooks from n sample vectors (n >= kPqMinTrainVectors). Only while
  // the index holds no vector; add() trains on its batch when this was not called.
  // ERR_INVALID_ARGUMENT for other storages.
  void train(const float* vectors, size_t n);
  bool trained() const;

  // Inserts n vectors (n x dim f32, row-major) under ids. All-or-nothing on validation:
  // ERR_NON_FINITE for NaN/Inf, ERR_DUPLICATE_ID when an id exists or repeats in the batch.
  // progress(done) is called on the calling thread between chunks.
  void add(const float* vectors, const uint64_t* ids, size_t n, const std::function<void(size_t)>& progress = {});
  // Like add, but an existing id is removed first (its old vector becomes a tombstone).
  void upsert(const float* vectors, const uint64_t* ids, size_t n, const std::function<void(size_t)>& progress = {});
  // ERR_UNKNOWN_ID (nothing removed) when an id is absent. Returns the number removed.
  size_t remove(const uint64_t* ids, size_t n);

  // Up to k nearest live vectors, best first. Scores: l2 -> squared distance ascending;
  // ip/cosine -> similarity descending. ef 0 means params().efSearch; ef < k is raised to k.
  // Returns the number written (< k when fewer vectors pass the filter).
  size_t search(const float* query, size_t k, uint32_t ef, const IdFilter* filter, uint64_t* outIds,
                float* outScores) const;
  // nq queries on the thread pool; row i writes outIds/outScores[i*k ..], outCounts[i].
  void searchBatch(const float* queries, size_t nq, size_t k, uint32_t ef, const IdFilter* filter, uint64_t* outIds,
                   float* outScores, uint32_t* outCounts) const;

  size_t size() const;
  bool has(uint64_t id) const;
  // Writes the stored vector (decoded; normalised for cosine). False when the id is absent.
  bool getVector(uint64_t id, float* out) const;
  HnswStats stats() const;
  // The capacity-sized arrays (codes, level-0 links, labels) and the codec, in O(1); stats()
  // also walks every slot's upper levels. What the binding reports to V8 after each change.
  size_t heapBytes() const;

  // Rebuilds the graph from live vectors (drops tombstones, renumbers slots).
  void compact();

  void save(const std::string& path) const;
  // mmap: codes and level-0 links are served from a read-only map; mutations then throw.
  static std::unique_ptr<HnswIndex> load(const std::string& path, bool mmap);

  // Verifies graph invariants (tests): every link in range, labels unique. Throws ERR_INTERNAL.
  void checkIntegrity() const;

 private:
  struct Candidate {
    float dist;
    uint32_t id;
  };
  struct SearchScratch;
  static SearchScratch& threadScratch();

  // Layout helpers.
  uint32_t* level0Links(uint32_t s) const { return level0_ + size_t(s) * level0Stride_; }
  uint32_t* linksAt(uint32_t s, uint32_t level) const {
    return level == 0 ? level0Links(s) : upper_[s].get() + size_t(level - 1) * (p_.M + 1);
  }
  uint32_t maxLinks(uint32_t level) const { return level == 0 ? 2 * p_.M : p_.M; }
  const uint8_t* code(uint32_t s) const { return codes_ + size_t(s) * codeStride_; }
  std::mutex& linkLock(uint32_t s) const { return linkLocks_[s & (kLinkLockStripes - 1)]; }
  bool isDeleted(uint32_t s) const;

  void checkWritable() const;
  // The capacity-sized parts of stats() (codes, codec, level-0 links, labels); O(1). Caller holds
  // the grow gate.
  void fillCapacityBytes(HnswStats& s) const;
  void reserve(size_t capacity);
  uint32_t randomLevel(uint64_t sequence) const;
  // NaN, ±Infinity, or a value the storage would keep as Infinity -> ERR_NON_FINITE.
  void checkVectors(const float* vectors, size_t n) const;
  // vectorsChecked: upsert has already run checkVectors (before it removed anything).
  void addLocked(const float* vectors, const uint64_t* ids, size_t n, const std::function<void(size_t)>& progress,
                 bool vectorsChecked = false);
  size_t removeLocked(const uint64_t* ids, size_t n, bool ignoreUnknown);
  void insertSlot(uint32_t s, const float* vector);
  void prepareVector(const float* in, float* out) const;  // copy, normalising for cosine
  void trainLocked(const float* vectors, size_t n);

  // Greedy descent on one level from cur; returns the closest slot found.
  uint32_t greedy(const QueryDistance& qd, uint32_t cur, float& curDist, uint32_t level) const;
  // Beam search on one level (construction): fills `top` (unordered) with up to ef slots.
  void searchLayer(const QueryDistance& qd, uint32_t ep, float epDist, size_t ef, uint32_t level, VisitedSet& vis,
                   SearchScratch& sc, std::vector<Candidate>& top) const;
  // Level-0 search for queries: only slots accepted by `accept` enter the results.
  template <bool kFiltered>
  void searchBase(const QueryDistance& qd, uint32_t ep, float epDist, size_t ef, VisitedSet& vis, SearchScratch& sc,
                  const uint64_t* bits, bool allowWhenSet) const;
  void selectNeighbours(std::vector<Candidate>& cands, size_t m, SearchScratch& sc) const;
  void connectBack(uint32_t n, uint32_t s, float dist, uint32_t level, SearchScratch& sc);
  size_t searchOne(const float* query, size_t k, size_t ef, const uint64_t* bits, bool allowWhenSet,
                   size_t allowedCount, uint64_t* outIds, float* outScores, SearchScratch& sc) const;
  size_t bruteForce(const QueryDistance& qd, size_t k, const uint64_t* bits, size_t nslots, uint64_t* outIds,
                    float* outScores, SearchScratch& sc) const;
  // Builds the slot bitset of a filter; returns the number of slots it allows.
  size_t filterBits(const IdFilter& f, std::vector<uint64_t>& bits, uint32_t nslots) const;
  float toScore(float dist) const { return p_.metric == Metric::L2 ? dist : -dist; }
  void swapData(HnswIndex& o);

  static constexpr size_t kLinkLockStripes = 4096;
  static constexpr uint32_t kNoEntry = 0xffffffffu;
  static constexpr uint32_t kMaxLevel = 30;

  HnswParams p_;  // immutable after construction, except efSearch which lives in efSearch_
  std::atomic<uint32_t> efSearch_;
  std::unique_ptr<VectorCodec> codec_;
  // Set (release) once the codec is trained; the codec is never modified after that, so readers
  // outside writeMutex_ (stats, info) check this before touching its learned state.
  std::atomic<bool> trained_{false};
  double mL_;
  size_t codeStride_ = 0;
  size_t level0Stride_ = 0;
  bool readOnly_ = false;

  // Graph data (see the layout above). codes_/level0_ point into the owned buffers or the map.
  size_t capacity_ = 0;
  std::atomic<uint32_t> count_{0};
  uint8_t* codes_ = nullptr;
  uint32_t* level0_ = nullptr;
  AlignedBuffer codesOwned_;
  AlignedBuffer level0Owned_;
  std::vector<std::unique_ptr<uint32_t[]>> upper_;
  std::vector<uint64_t> labels_;
  std::vector<uint8_t> levels_;
  std::unique_ptr<uint8_t[]> deleted_;
  std::atomic<uint64_t> entry_;  // (maxLevel << 32) | slot, slot kNoEntry when empty
  std::atomic<uint64_t> levelSequence_{0};
  std::atomic<size_t> deletedCount_{0};
  std::unordered_map<uint64_t, uint32_t> labelToSlot_;
  std::unique_ptr<FileReader> mapped_;  // keeps the map alive

  mutable std::mutex writeMutex_;
  mutable std::mutex topMutex_;
  mutable std::mutex growGate_;
  mutable std::shared_mutex growMutex_;
  mutable std::shared_mutex labelMutex_;
  mutable std::unique_ptr<std::mutex[]> linkLocks_;
  mutable VisitedPool visited_;
};

}  // namespace maxsim::hnsw
