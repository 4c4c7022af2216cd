#include "ward_kernels.h"

#include "../core/cpu_features.h"
#include "ward_impl.h"

namespace maxsim::mvindex {
namespace {
const PoolingKernels kKernels{wardBody, wardBodyInt8, unitRowsBody, clusterMeansBody};
}  // namespace

const PoolingKernels* poolingKernelsScalar() { return &kKernels; }

#if !(defined(__x86_64__) || defined(_M_X64)) || defined(MAXSIM_NO_X86_KERNELS)
const PoolingKernels* poolingKernelsAvx2() { return nullptr; }
const PoolingKernels* poolingKernelsAvx512() { return nullptr; }
const PoolingKernels* poolingKernelsAvx512Vnni() { return nullptr; }
#endif

size_t wardInt8ScratchFloats(uint32_t n, uint32_t dim) { return (int8DistanceScratchBytes(n, dim) + sizeof(float) - 1) / sizeof(float); }

const PoolingKernels& poolingKernels() {
  const PoolingKernels* f = nullptr;
  switch (activeSimdLevel()) {
    case SimdLevel::Avx512:
      if (detectedFeatures().avx512vnni) f = poolingKernelsAvx512Vnni();
      if (!f) f = poolingKernelsAvx512();
      if (f) break;
      [[fallthrough]];
    case SimdLevel::Avx2: f = poolingKernelsAvx2(); break;
    default: break;
  }
  return f ? *f : *poolingKernelsScalar();
}

}  // namespace maxsim::mvindex
