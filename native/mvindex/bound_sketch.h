// Exact pruning for full-precision storage: an int8 copy (the "sketch") of every stored token,
// plus two numbers per document, from which a certified interval on each document's exact
// MaxSim score follows. Exact search scores the sketch first (the int8 VNNI kernels read a
// quarter of the f32 bytes), keeps only the documents whose upper bound reaches the k-th best
// lower bound, and scores those in full precision. The results are the plain scan's, bit for
// bit: a pruned document's exact score is provably below k others'.
//
// The bound. Write a query row q = sq·cq + eq and a stored token d = sd·cd + ed (per-row
// symmetric int8, the same quantization the kernels use). Then
//   q·d − (sq·cq)·(sd·cd) = (sq·cq)·ed + eq·d,
// so |q·d − sketch score| ≤ ‖sq·cq‖·‖ed‖ + ‖eq‖·‖d‖ for every pair, and for the MaxSim sum
//   |exact − sketch| ≤ Σᵢ‖sqᵢ·cqᵢ‖ · E + Σᵢ‖eqᵢ‖ · N,
// where E = max over the document's tokens of ‖ed‖ and N = max of ‖d‖ (kept per document).
// A rounding allowance covers both the sketch kernel's and the full-precision kernel's float
// arithmetic, so the interval holds for the scores the full-precision kernel actually computes.
//
// layout: codes and scales in an Int8TokenStore (rows reserved in the index's document order);
//         per slot: the document's sketch range, E and N.
#pragma once
#include <memory>
#include <vector>

#include "dense_token_store.h"

namespace maxsim::mvindex {

struct DocBound {
  TokenRange range;
  float maxResidual = 0;  // E: max over tokens of ‖d − decode(encode(d))‖
  float maxNorm = 0;      // N: max over tokens of ‖d‖
};

// The query side of the bound: Σᵢ‖sqᵢ·cqᵢ‖, Σᵢ‖eqᵢ‖ and the rounding allowance's scale.
struct QueryBound {
  double quantizedNormSum = 0;  // Σᵢ ‖sqᵢ·cqᵢ‖
  double residualNormSum = 0;   // Σᵢ ‖eqᵢ‖
  double normSum = 0;           // Σᵢ ‖qᵢ‖
  double roundingUnits = 0;     // how many float roundings may pile up (dim + nq + slack)
  static QueryBound of(const float* query, uint32_t nq, uint32_t dim);
  // Half-width of the interval around a document's sketch score that holds its exact score.
  float margin(const DocBound& d) const;
};

class BoundSketch {
 public:
  explicit BoundSketch(uint32_t dim) : store_(std::make_unique<Int8TokenStore>(dim)) {}

  // Appending mirrors the index: reserve() in document order on one thread, encode() on any
  // thread (disjoint ranges), then append() when the add commits.
  TokenRange reserve(uint32_t count) { return store_->reserve(count); }
  // Sketches rows (the values the full-precision store holds) and measures E and N.
  DocBound encode(const TokenRange& r, const float* rows);
  void reserveSlots(size_t more) { docs_.reserve(docs_.size() + more); }
  void append(const DocBound& d) { docs_.push_back(d); }
  TokenStore::Mark mark() const { return store_->mark(); }
  void rollback(const TokenStore::Mark& m) { store_->rollback(m); }

  // Keeps the slots of `keep` (old slot numbers, ascending), renumbered 0..n-1.
  void compact(const std::vector<uint32_t>& keep);

  std::unique_ptr<ScoringQuery> prepare(const float* query, uint32_t nq) const { return store_->prepare(query, nq); }
  float score(const ScoringQuery& q, uint32_t slot, bool* nonFinite) const {
    return store_->score(q, docs_[slot].range, nonFinite);
  }
  const DocBound& doc(uint32_t slot) const { return docs_[slot]; }
  size_t slots() const { return docs_.size(); }
  // Rows held (live or not) times bytes per row, plus the per-slot table.
  size_t bytes() const;

 private:
  std::unique_ptr<Int8TokenStore> store_;
  std::vector<DocBound> docs_;
};

// Positions i (ascending) of the documents slots[i] that can still be in the exact top k, given
// their sketch scores: those whose upper bound reaches the k-th largest lower bound. Every
// other document's exact score is below k of the kept ones', so scoring only these exactly
// gives the full scan's top k.
std::vector<uint32_t> survivingPositions(const BoundSketch& sketch, const QueryBound& q, const uint32_t* slots,
                                         const float* sketchScores, size_t n, size_t k);

}  // namespace maxsim::mvindex
