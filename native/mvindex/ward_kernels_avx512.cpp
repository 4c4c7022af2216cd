// wardBody compiled with the avx512 flags (see scripts/sources.js).
#include "ward_impl.h"
#include "ward_kernels.h"

namespace maxsim::mvindex {
namespace {
void wardAvx512Impl(const float* u, uint32_t n, uint32_t dim, uint32_t k, const WardBuffers& b, WardMerge* m) {
  wardBody(u, n, dim, k, b, m);
}
const PoolRowFns kRows{unitRowsBody, clusterMeansBody};
}  // namespace
const PoolRowFns* poolRowsAvx512() { return &kRows; }
WardFn wardAvx512() { return wardAvx512Impl; }
}  // namespace maxsim::mvindex
