// PLAID-style candidates (Santhanam et al., 2022): token-level spherical k-means centroids,
// an inverted list per centroid (centroid -> documents having a token there) and, per document,
// the set of its tokens' centroid codes. A query scores documents through centroid scores only
// (S = C·Qᵀ), in two pruning stages, and hands the survivors to exact MaxSim.
//
// Centroids are trained on the first batch added (ColBERTv2 count rule, sampled); later
// documents join the existing centroids. Drift: the mean best-centroid cosine of tokens added
// since training against the same mean at training; needsRetrain once it drops by more than
// CandidateOptions::retrainDrift (over at least kMinDriftTokens tokens). retrain() re-runs
// k-means on the live documents and re-assigns every token.
#pragma once
#include <memory>
#include <vector>

#include "../../quant/kmeans.h"
#include "candidate_generator.h"

namespace maxsim::mvindex {

class PlaidCandidates : public CandidateGenerator {
 public:
  static constexpr size_t kMinDriftTokens = 1000;

  PlaidCandidates(const CandidateOptions& o, uint32_t dim);
  CandidateKind kind() const override { return CandidateKind::Plaid; }
  void add(const SlotDocs& docs) override;
  void remove(uint32_t slot) override;
  void compact(const std::vector<uint32_t>& oldToNew) override;
  void retrain(const SlotDocs& all) override;
  std::vector<uint32_t> generate(const float* query, uint32_t nq, size_t k, const CandidateParams& p) const override;
  CandidateStats stats() const override;
  void save(FileWriter& w, const std::vector<uint32_t>& liveSlots) const override;
  bool load(FileReader& r, size_t slots) override;

  // ColBERTv2: 2^floor(log2(16·sqrt(tokens))).
  static uint32_t centroidCountFor(size_t tokens);

 private:
  void train(const SlotDocs& docs);
  // Codes of every document of `docs`; adds each token's best cosine to *simSum.
  void assign(const SlotDocs& docs, std::vector<std::vector<uint32_t>>& codes, double* simSum) const;
  void place(uint32_t slot, std::vector<uint32_t>&& codes);
  void rebuildLists();
  // Σ over query tokens of the best S[c, i] among the codes (kept only when keep[c]); best: nq
  // floats of scratch.
  float approxScore(const std::vector<uint32_t>& codes, const float* S, uint32_t nq, const uint8_t* keep,
                    float* best) const;

  CandidateOptions o_;
  uint32_t dim_;
  uint32_t k_ = 0;
  std::vector<float> centroids_;  // layout: (k, dim), unit norm
  std::unique_ptr<quant::CentroidSearch> search_;
  std::vector<std::vector<uint32_t>> docCodes_;  // per slot: sorted unique codes; empty when dead
  std::vector<uint8_t> alive_;                   // per slot
  std::vector<std::vector<uint32_t>> lists_;     // per centroid: slots, ascending
  double trainSimSum_ = 0, addedSimSum_ = 0;
  size_t trainTokens_ = 0, addedTokens_ = 0;
};

}  // namespace maxsim::mvindex
