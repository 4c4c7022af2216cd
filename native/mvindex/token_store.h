// How a MultiVectorIndex keeps its document tokens. TokenStore is the one interface the index
// talks to; each storage form ('f32', 'f16', 'bf16', 'int8', 'binary', and later 'pq' and
// 'residual') is one subclass. The index never sees codes: it reserves rows for a document,
// hands over f32 rows to encode, and asks for the MaxSim score of a document's row range.
//
// Rows live in segments of a fixed capacity, so appending never moves what is stored (no
// reallocation doubling the memory) and one document's rows never straddle two segments, which
// is what lets a kernel score a document as one contiguous block.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../core/file_format.h"

namespace maxsim::mvindex {

// Persisted as a u32: values never change meaning.
enum class StorageKind : uint32_t { F32 = 0, F16 = 1, BF16 = 2, Int8 = 3, Binary = 4, PQ = 5, Residual = 6 };
constexpr uint32_t kStorageKindCount = 7;
const char* storageName(StorageKind k);
bool parseStorage(const std::string& name, StorageKind* out);

// Where one document's tokens are: `count` consecutive rows of segment `segment`.
struct TokenRange {
  uint32_t segment = 0;
  uint32_t row = 0;
  uint32_t count = 0;
};

// A query turned into whatever form the store's scoring wants (a prepared kernel query, a
// lookup table, ...). Built once per query, read by many threads at once.
class ScoringQuery {
 public:
  virtual ~ScoringQuery() = default;
};

class TokenStore {
 public:
  explicit TokenStore(uint32_t dim) : dim_(dim) {}
  virtual ~TokenStore() = default;
  TokenStore(const TokenStore&) = delete;
  TokenStore& operator=(const TokenStore&) = delete;

  uint32_t dim() const { return dim_; }
  virtual StorageKind kind() const = 0;
  // Bytes one stored token takes, per-token side data (an int8 scale) included.
  virtual double bytesPerToken() const = 0;
  // Bytes held by the codec (codebooks, centroids); 0 for the element-wise forms.
  virtual size_t codecBytes() const { return 0; }

  // Codec training. Element-wise forms need none and are always trained.
  virtual bool trained() const { return true; }
  virtual void train(const float* rows, size_t n) { (void)rows; (void)n; }

  // Appending is two steps so that encoding can run in parallel: reserve() (one thread, in
  // document order) and then encode() (any thread, disjoint ranges).
  virtual TokenRange reserve(uint32_t count) = 0;
  virtual void encode(const TokenRange& r, const float* rows) = 0;
  // Copies encoded rows from a store of the same kind and codec (compaction, no re-encoding).
  virtual void copyFrom(const TokenStore& src, const TokenRange& from, const TokenRange& to) = 0;
  // Decoded f32 rows of a range (lossy forms give their reconstruction).
  virtual void decode(const TokenRange& r, float* out) const = 0;

  // MaxSim: sum over query rows of the best stored row of the range. An empty range scores
  // -inf. *nonFinite is set (never cleared) when a NaN or Inf reached a score.
  virtual std::unique_ptr<ScoringQuery> prepare(const float* query, uint32_t nq) const = 0;
  virtual float score(const ScoringQuery& q, const TokenRange& r, bool* nonFinite) const = 0;

  // An empty store with this store's codec (compaction builds into one).
  virtual std::unique_ptr<TokenStore> emptyClone() const = 0;

  // Undo for a failed add: everything reserved after mark() is dropped by rollback().
  struct Mark {
    size_t segments = 0;
    uint32_t usedInLast = 0;
  };
  virtual Mark mark() const = 0;
  virtual void rollback(const Mark& m) = 0;

  virtual size_t rows() const = 0;            // rows reserved (live or not)
  virtual size_t allocatedBytes() const = 0;  // memory the token arrays hold (or borrow)
  virtual bool borrowed() const = 0;          // token arrays point into a mapped file

  // Persistence, inside the index's file. The codec first, then the rows of `ranges` packed
  // one after another (the order of the index's documents), in 64-byte aligned arrays so a
  // mapped file can be scored in place.
  virtual void saveCodec(FileWriter& w) const = 0;
  virtual void saveRows(FileWriter& w, const std::vector<TokenRange>& ranges) const = 0;
  // Reads saveRows' arrays into one segment of `rows` rows. With `borrow` the arrays are
  // pointers into the reader's mapping (kept alive by `keep`) and the store is read-only.
  virtual void loadCodec(FileReader& r) = 0;
  virtual void loadRows(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep) = 0;

 protected:
  uint32_t dim_;
};

// Parameters of the codec-based forms (ignored by the element-wise ones). A loaded store takes
// them from its file instead.
struct CodecOptions {
  uint32_t pqSubspaces = 0;       // 'pq': M, a divisor of dim; 0 = the divisor nearest dim / 4
  uint32_t pqBits = 8;            // 'pq': 8 or 4 bits per sub-space code
  uint32_t residualBits = 2;      // 'residual': 1, 2 or 4 bits per dimension
  uint32_t residualCentroids = 0; // 'residual': 0 = ColBERTv2's rule, clamped (defaultResidualCentroids)
};

// A new empty store of the given kind.
std::unique_ptr<TokenStore> createTokenStore(StorageKind kind, uint32_t dim, const CodecOptions& codec = {});

}  // namespace maxsim::mvindex
