#include "candidate_generator.h"

#include "../../core/error.h"
#include "muvera_candidates.h"
#include "plaid_candidates.h"

namespace maxsim::mvindex {

const char* candidateKindName(CandidateKind k) {
  switch (k) {
    case CandidateKind::Muvera: return "muvera";
    case CandidateKind::Plaid: return "plaid";
    default: return "exact";
  }
}

std::unique_ptr<CandidateGenerator> createCandidateGenerator(const CandidateOptions& o, uint32_t dim) {
  switch (o.kind) {
    case CandidateKind::Exact: return nullptr;
    case CandidateKind::Muvera:
      if (o.repetitions < 1 || o.repetitions > 1024) throw Error(codes::kInvalidArgument, "muvera repetitions must be in [1, 1024]");
      if (o.simhashBits > 10) throw Error(codes::kInvalidArgument, "muvera simhashBits must be in [0, 10]");
      if (o.hnswStorage > 3) throw Error(codes::kInvalidArgument, "muvera storage must be 'f32', 'f16', 'int8' or 'pq'");
      if (o.pqSubspaces && o.hnswStorage != 3) throw Error(codes::kInvalidArgument, "muvera pqSubspaces needs storage 'pq'");
      if (o.M < 2 || o.M > 256) throw Error(codes::kInvalidArgument, "muvera M must be in [2, 256]");
      return std::make_unique<MuveraCandidates>(o, dim);
    case CandidateKind::Plaid:
      if (o.centroids > (1u << 20)) throw Error(codes::kInvalidArgument, "plaid centroids must be at most 2^20");
      if (!(o.retrainDrift > 0 && o.retrainDrift < 2)) throw Error(codes::kInvalidArgument, "retrainDrift must be in (0, 2)");
      return std::make_unique<PlaidCandidates>(o, dim);
  }
  throw Error(codes::kInvalidArgument, "unknown candidate strategy");
}

}  // namespace maxsim::mvindex
