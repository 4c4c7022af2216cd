#include "ward_kernels.h"

#include "../core/cpu_features.h"
#include "ward_impl.h"

namespace maxsim::mvindex {
namespace {
const PoolingKernels kKernels{wardBody, unitRowsBody, clusterMeansBody};
}  // namespace

const PoolingKernels* poolingKernelsScalar() { return &kKernels; }

#if !(defined(__x86_64__) || defined(_M_X64)) || defined(MAXSIM_NO_X86_KERNELS)
const PoolingKernels* poolingKernelsAvx2() { return nullptr; }
const PoolingKernels* poolingKernelsAvx512() { return nullptr; }
#endif

const PoolingKernels& poolingKernels() {
  const PoolingKernels* f = nullptr;
  switch (activeSimdLevel()) {
    case SimdLevel::Avx512: f = poolingKernelsAvx512(); if (f) break; [[fallthrough]];
    case SimdLevel::Avx2: f = poolingKernelsAvx2(); break;
    default: break;
  }
  return f ? *f : *poolingKernelsScalar();
}

}  // namespace maxsim::mvindex
