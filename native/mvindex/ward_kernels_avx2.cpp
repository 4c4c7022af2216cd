// Token pooling's kernels compiled with the avx2 flags (see scripts/sources.js).
#include "ward_impl.h"
#include "ward_kernels.h"

namespace maxsim::mvindex {
namespace {
const PoolingKernels kKernels{wardBody, wardBodyInt8, unitRowsBody, clusterMeansBody};
}  // namespace
const PoolingKernels* poolingKernelsAvx2() { return &kKernels; }
}  // namespace maxsim::mvindex
