// Token pooling's kernels compiled with the avx512_vnni flags (see scripts/sources.js): the same
// as the avx512 build but for the 8-bit Gram, which runs on vpdpbusd.
#include "ward_impl.h"
#include "ward_kernels.h"

namespace maxsim::mvindex {
namespace {
const PoolingKernels kKernels{wardBody, wardBodyInt8, unitRowsBody, clusterMeansBody};
}  // namespace
const PoolingKernels* poolingKernelsAvx512Vnni() { return &kKernels; }
}  // namespace maxsim::mvindex
