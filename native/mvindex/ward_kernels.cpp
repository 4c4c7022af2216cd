#include "ward_kernels.h"

#include "../core/cpu_features.h"
#include "ward_impl.h"

namespace maxsim::mvindex {
namespace {
void wardPlain(const float* u, uint32_t n, uint32_t dim, uint32_t k, const WardBuffers& b, WardMerge* m) {
  wardBody(u, n, dim, k, b, m);
}
const PoolRowFns kRows{unitRowsBody, clusterMeansBody};
}  // namespace

WardFn wardScalar() { return wardPlain; }
const PoolRowFns* poolRowsScalar() { return &kRows; }

#if !(defined(__x86_64__) || defined(_M_X64)) || defined(MAXSIM_NO_X86_KERNELS)
WardFn wardAvx2() { return nullptr; }
WardFn wardAvx512() { return nullptr; }
const PoolRowFns* poolRowsAvx2() { return nullptr; }
const PoolRowFns* poolRowsAvx512() { return nullptr; }
#endif

const PoolRowFns& poolRowFns() {
  const PoolRowFns* f = nullptr;
  switch (activeSimdLevel()) {
    case SimdLevel::Avx512: f = poolRowsAvx512(); if (f) break; [[fallthrough]];
    case SimdLevel::Avx2: f = poolRowsAvx2(); break;
    default: break;
  }
  return f ? *f : *poolRowsScalar();
}

void wardMerges(const float* unit, uint32_t n, uint32_t dim, uint32_t k, const WardBuffers& buf, WardMerge* merges) {
  WardFn f = nullptr;
  switch (activeSimdLevel()) {
    case SimdLevel::Avx512: f = wardAvx512(); if (f) break; [[fallthrough]];
    case SimdLevel::Avx2: f = wardAvx2(); break;
    default: break;
  }
  (f ? f : wardScalar())(unit, n, dim, k, buf, merges);
}

}  // namespace maxsim::mvindex
