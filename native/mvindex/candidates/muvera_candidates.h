// MUVERA candidates: every document's fixed-dimensional encoding (FdeEncoder) lives in an
// HnswIndex under inner product; a query's FDE finds the top numCandidates documents there.
//
// With storage 'pq' the graph must learn its codebooks first: FDEs wait in pending_ until at
// least kPqMinTrainVectors documents have arrived, then train the graph and enter it together.
// Pending documents are always in the shortlist (there are fewer than 256 of them, and the graph
// is empty meanwhile).
//
// HNSW labels are stable document keys (a counter, one per add), not slots: compaction of the
// multi-vector index renumbers slots, and only the small key -> slot table has to follow.
#pragma once
#include <memory>
#include <vector>

#include "../../hnsw/hnsw_index.h"
#include "../../muvera/fde_encoder.h"
#include "candidate_generator.h"

namespace maxsim::mvindex {

class MuveraCandidates : public CandidateGenerator {
 public:
  MuveraCandidates(const CandidateOptions& o, uint32_t dim);
  CandidateKind kind() const override { return CandidateKind::Muvera; }
  void add(const SlotDocs& docs) override;
  void remove(uint32_t slot) override;
  void compact(const std::vector<uint32_t>& oldToNew) override;
  void retrain(const SlotDocs& all) override;
  std::vector<uint32_t> generate(const float* query, uint32_t nq, size_t k, const CandidateParams& p) const override;
  CandidateStats stats() const override;
  void save(FileWriter& w, const std::vector<uint32_t>& liveSlots) const override;
  bool load(FileReader& r, size_t slots) override;

 private:
  void resetGraph();
  void addToGraph(const float* fdes, const uint64_t* keys, size_t n);
  static constexpr uint32_t kNoSlot = 0xffffffffu;
  CandidateOptions o_;
  uint32_t dim_;
  FdeEncoder encoder_;
  std::unique_ptr<hnsw::HnswIndex> graph_;
  std::vector<uint64_t> slotKey_;  // per slot
  std::vector<uint32_t> keySlot_;  // per key ever issued; kNoSlot once deleted
  std::vector<float> pendingFdes_;   // layout: (pendingKeys_.size(), outputDim); storage pq, untrained
  std::vector<uint64_t> pendingKeys_;
};

}  // namespace maxsim::mvindex
