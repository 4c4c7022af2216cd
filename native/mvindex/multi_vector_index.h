// MultiVectorIndex: documents (sets of token embeddings) in, exact MaxSim search out.
//
// A document lives in one slot: its TokenRange in the store, an alive flag, its external id.
// Deleting tombstones the slot (the id is forgotten at once, the tokens stay until compaction);
// compact() rebuilds the store with the live slots only, copying codes without re-encoding,
// and runs by itself once tombstones pass `compactThreshold` of the tokens or documents.
//
// Concurrency: searches (sync or on a worker) share a reader lock; add, delete, compact and
// train take the writer lock, so a mutation waits for running searches and never races them.
#pragma once
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "../gpu/cuda_backend.h"
#include "bound_sketch.h"
#include "candidates/candidate_generator.h"
#include "id_map.h"
#include "token_pooling.h"
#include "token_store.h"

namespace maxsim::mvindex {

struct IndexOptions {
  uint32_t dim = 0;
  StorageKind storage = StorageKind::F32;
  CodecOptions codec;  // 'pq' / 'residual' parameters
  IdKind idKind = IdKind::Unset;  // fixed by the first add when unset
  PoolingOptions pooling;
  double compactThreshold = 0.25;  // (0, 1]; 1 compacts only when asked
  // Keep an int8 sketch of the tokens so exact search can skip documents that provably miss
  // the top k (bound_sketch.h); 'f32' and 'f16' storage only. Same results, fewer bytes read.
  bool exactPruning = false;
  // Candidate generation before exact MaxSim (exact: score every document).
  CandidateOptions candidates;
  // The index's search defaults for the strategy (tune() sets them; persisted).
  CandidateParams searchDefaults;
};

// Per-search knobs: exact forces a full scan; the rest override the index's defaults.
struct SearchParams {
  bool exact = false;
  bool onDevice = false;  // exhaustive search on the GPU copy made by toDevice()
  CandidateParams candidates;
};

// Documents handed to add(): document i is counts[i] rows starting at rows[i] (f32, dim wide).
// The pointers are the caller's buffers, read in place and never copied whole.
struct DocumentBatch {
  std::vector<const float*> rows;
  std::vector<uint32_t> counts;
};

struct Filter {
  enum class Mode { None, Allow, Deny };
  Mode mode = Mode::None;
  IdList ids;
};

// One query's results, best first (ties: earlier-added document first).
struct SearchHits {
  IdKind kind = IdKind::Number;
  std::vector<uint64_t> numbers;
  std::vector<std::string> strings;
  std::vector<float> scores;
};

struct IndexStats {
  size_t documents = 0, tokens = 0;
  size_t deletedDocuments = 0, deletedTokens = 0;
  double bytesPerToken = 0;
  size_t tokenBytes = 0;  // live tokens in stored form
  size_t totalBytes = 0;      // rows held in stored form + codec + per-document tables + ids
  size_t allocatedBytes = 0;  // token arrays' reserved (or mapped) capacity
  bool mapped = false;
};

class MultiVectorIndex {
 public:
  explicit MultiVectorIndex(const IndexOptions& options);
  static std::unique_ptr<MultiVectorIndex> load(const std::string& path, bool mmap);

  const IndexOptions& options() const { return options_; }
  bool readOnly() const { return readOnly_; }
  IdKind idKind() const;

  // Called with how many of the batch's documents have been pooled and encoded, from the
  // threads that do it (several at once): it must be thread-safe. About a hundred calls a batch.
  using AddProgress = std::function<void(size_t done)>;
  // Adds documents. Without upsert an id already present (or repeated in the batch) gives
  // ERR_DUPLICATE_ID; with upsert it replaces the stored document. All-or-nothing.
  void add(const IdList& ids, const DocumentBatch& docs, bool upsert, const AddProgress& progress = {});
  // Deletes documents; an unknown id gives ERR_UNKNOWN_ID and deletes nothing. Returns the count.
  size_t remove(const IdList& ids);
  void compact();
  // Trains a compressed storage's codec on a sample (no-op for element-wise storage).
  void train(const float* rows, size_t n);

  size_t size() const;
  bool has(const IdList& ids, size_t i) const;
  // The stored tokens of one document decoded to f32, (count, dim) row-major.
  std::vector<float> get(const IdList& ids, size_t i) const;
  // Ids of the live documents, in slot order.
  SearchHits ids() const;

  SearchHits search(const float* query, uint32_t nq, size_t k, const Filter& filter,
                    const SearchParams& params = {}) const;
  // queryOffsets: nqueries + 1 prefix sums in rows of `queries`.
  std::vector<SearchHits> searchBatch(const float* queries, const uint32_t* queryOffsets, size_t nqueries, size_t k,
                                      const Filter& filter, const SearchParams& params = {}) const;

  // Candidate strategy: defaults (persisted), drift, retraining.
  void setSearchDefaults(const CandidateParams& p);
  CandidateParams searchDefaults() const;
  CandidateStats candidateStats() const;
  void retrain();

  void save(const std::string& path) const;
  IndexStats stats() const;
  // Heap bytes the token arrays (0 when they are a mapped file) and the exactPruning sketch
  // hold, in O(1): what the binding reports to V8 after each change. The candidate structures
  // are left out, as stats() has to walk them to size them.
  size_t heapBytes() const;

  // GPU copy (index_device.cpp): the live documents uploaded once to CUDA device `device`
  // ('f32', 'f16' or 'bf16' storage). Any later add, delete or compaction drops the copy, since
  // it no longer matches; toDevice() uploads again. ERR_CUDA_UNAVAILABLE without a GPU backend.
  void toDevice(int device);
  void releaseDevice();
  bool onDevice() const;
  size_t deviceBytes() const;

 private:
  MultiVectorIndex() = default;
  void requireWritable() const;
  void kill(uint32_t slot);
  void maybeCompact();
  void compactLocked();
  std::vector<uint32_t> candidates(const Filter& filter) const;
  // Slots to score for one query: the strategy's candidates (filtered), or every allowed slot.
  std::vector<uint32_t> querySlots(const float* q, uint32_t nq, size_t k, const Filter& filter,
                                   const SearchParams& params) const;
  CandidateParams resolve(const SearchParams& params, size_t k) const;
  // Hands slots [first, end) to the generator, decoded from the store in chunks.
  void feedGenerator(uint32_t first, uint32_t end, bool retrain);
  void fillHits(const uint32_t* slots, const float* scores, size_t n, SearchHits& out) const;
  // The best min(k, n) of scores[i] (document slots[i]) into out, best first.
  void topHits(const float* scores, const uint32_t* slots, size_t n, size_t k, SearchHits& out) const;
  // Exhaustive search on the GPU copy: scores (nqueries × uploaded documents) there, then the
  // filter and the top k here.
  std::vector<SearchHits> searchDevice(const float* queries, const uint32_t* queryOffsets, size_t nqueries, size_t k,
                                       const Filter& filter) const;
  // Sketches every slot's stored rows into a new sketch (after load).
  void buildSketch();
  // Narrows `slots` to the documents that can reach the exact top k (no-op without a sketch).
  void pruneBySketch(const float* query, uint32_t nq, size_t k, std::vector<uint32_t>& slots) const;

  IndexOptions options_;
  std::unique_ptr<TokenStore> store_;
  std::unique_ptr<CandidateGenerator> gen_;
  std::unique_ptr<BoundSketch> sketch_;  // with exactPruning; per slot, like ranges_
  std::unique_ptr<gpu::DeviceCollection> device_;  // toDevice()'s copy; device document i = slot deviceSlots_[i]
  std::vector<uint32_t> deviceSlots_;
  mutable std::mutex deviceMutex_;  // the collection's pinned buffers and stream serve one call at a time
  IdMap idMap_;
  std::vector<TokenRange> ranges_;  // per slot
  std::vector<uint8_t> alive_;      // per slot
  size_t liveDocs_ = 0, liveTokens_ = 0, deadDocs_ = 0, deadTokens_ = 0;
  bool readOnly_ = false;
  mutable std::shared_mutex mutex_;
};

}  // namespace maxsim::mvindex
