// Candidate generation for MultiVectorIndex: a strategy that, given a query, names a short list
// of document slots worth scoring exactly. The index reranks them with exact MaxSim over its
// stored tokens (any storage), so a generator only has to find the right documents, not score
// them precisely.
//
// Slots are the index's document slots. A generator sees every added document (decoded from the
// store, as stored), every delete, and every compaction (old slot -> new slot), so it never has
// to renumber anything by itself and ids stay stable.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../../core/file_format.h"

namespace maxsim::mvindex {

// Persisted as a u32.
enum class CandidateKind : uint32_t { Exact = 0, Muvera = 1, Plaid = 2 };
const char* candidateKindName(CandidateKind k);

// Search-time knobs; 0 (or NaN for the threshold) means "the index's default".
struct CandidateParams {
  uint32_t ef = 0;             // muvera: HNSW beam width
  uint32_t numCandidates = 0;  // muvera: documents taken by FDE before exact rerank
  uint32_t ncells = 0;         // plaid: centroids probed per query token
  uint32_t ndocs = 0;          // plaid: documents kept after the pruned centroid interaction
  double centroidScoreThreshold = NAN;  // plaid
};

// Build-time settings (persisted).
struct CandidateOptions {
  CandidateKind kind = CandidateKind::Exact;
  // muvera
  uint32_t repetitions = 20, simhashBits = 5, projectionDim = 16, finalDim = 0;
  uint64_t seed = 42;
  uint32_t hnswStorage = 1;  // hnsw::StorageType as u32 (f32 0, f16 1, int8 2, pq 3)
  uint32_t M = 16, efConstruction = 100;
  uint32_t pqSubspaces = 0;  // hnswStorage pq: bytes per FDE (divides the FDE length); 0 = HNSW's default rule
  // plaid
  uint32_t centroids = 0;     // 0: ColBERTv2 rule on the first batch's token count
  double retrainDrift = 0.05;  // needsRetrain once mean best-centroid cosine drops this much
};

struct CandidateStats {
  size_t bytes = 0;
  uint32_t centroids = 0;
  double trainSimilarity = 0;   // plaid: mean best-centroid cosine of the training tokens
  double addedSimilarity = 0;   // plaid: same over tokens added since (0 when none)
  size_t tokensSinceTrain = 0;
  double drift = 0;
  bool needsRetrain = false;
};

// Documents handed to a generator: document i is counts[i] rows at rows[i] (f32, dim wide).
struct SlotDocs {
  std::vector<uint32_t> slots;
  std::vector<const float*> rows;
  std::vector<uint32_t> counts;
};

class CandidateGenerator {
 public:
  virtual ~CandidateGenerator() = default;
  virtual CandidateKind kind() const = 0;
  virtual void add(const SlotDocs& docs) = 0;
  virtual void remove(uint32_t slot) = 0;
  // oldToNew[s]: the slot's new number, or kDropped.
  static constexpr uint32_t kDropped = 0xffffffffu;
  virtual void compact(const std::vector<uint32_t>& oldToNew) = 0;
  // Rebuilds learned structure (centroids) from the documents given (all live ones).
  virtual void retrain(const SlotDocs& all) = 0;
  // Candidate slots for one query (nq rows, dim wide), unordered, possibly including dead ones.
  virtual std::vector<uint32_t> generate(const float* query, uint32_t nq, size_t k, const CandidateParams& p) const = 0;
  virtual CandidateStats stats() const = 0;
  // Writes what load() needs for the documents of `liveSlots`, which become slots 0..n-1.
  virtual void save(FileWriter& w, const std::vector<uint32_t>& liveSlots) const = 0;
  // Reads save()'s data for `slots` documents. True when the index must then add() every
  // document again (structure that is rebuilt rather than stored).
  virtual bool load(FileReader& r, size_t slots) = 0;
};

std::unique_ptr<CandidateGenerator> createCandidateGenerator(const CandidateOptions& o, uint32_t dim);

}  // namespace maxsim::mvindex
