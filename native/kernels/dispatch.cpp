// Picks a kernel table for the SIMD level in use. Compiled without ISA flags.
#include <cmath>

#include "kernels.h"

namespace maxsim {

const char* elementTypeName(ElementType t) {
  switch (t) {
    case ElementType::F32: return "f32";
    case ElementType::F16: return "f16";
    case ElementType::BF16: return "bf16";
    case ElementType::Int8: return "int8";
    case ElementType::Binary: return "binary";
  }
  return "?";
}

void quantizeInt8Row(const float* in, uint32_t dim, int8_t* codes, float* scale) {
  float maxAbs = 0.f;
  bool finite = true;
  for (uint32_t k = 0; k < dim; ++k) {
    finite = finite && std::isfinite(in[k]);
    maxAbs = std::fmax(maxAbs, std::fabs(in[k]));  // fmax skips NaN, hence the explicit check
  }
  if (!finite || !(maxAbs > 0.f)) {
    for (uint32_t k = 0; k < dim; ++k) codes[k] = 0;
    *scale = finite ? 0.f : NAN;  // NaN marks a row the caller must reject
    return;
  }
  // Below 2^-100 a row's values are first scaled by 2^64 (exact at that size): 127 / maxAbs
  // would overflow to infinity for subnormal rows, and every code would come out ±127.
  const float pre = maxAbs < 0x1p-100f ? 0x1p64f : 1.f;
  const float inv = 127.f / (maxAbs * pre);
  for (uint32_t k = 0; k < dim; ++k) {
    float v = std::nearbyint((in[k] * pre) * inv);
    v = v > 127.f ? 127.f : (v < -127.f ? -127.f : v);
    codes[k] = static_cast<int8_t>(v);
  }
  *scale = maxAbs / 127.f;
}

#if !(defined(__x86_64__) || defined(_M_X64)) || defined(MAXSIM_NO_X86_KERNELS)
const KernelTable* avx2Kernels() { return nullptr; }
const KernelTable* avx512Kernels() { return nullptr; }
#endif
#if !(defined(__aarch64__) || defined(_M_ARM64))
const KernelTable* neonKernels() { return nullptr; }
#endif

const KernelTable& kernelsFor(SimdLevel level) {
  const KernelTable* t = nullptr;
  switch (level) {
    case SimdLevel::Avx512: t = avx512Kernels(); if (t) break; [[fallthrough]];
    case SimdLevel::Avx2: t = avx2Kernels(); break;
    case SimdLevel::Neon: t = neonKernels(); break;
    default: break;
  }
  return t ? *t : *scalarKernels();
}

const KernelTable& activeKernels() { return kernelsFor(activeSimdLevel()); }

}  // namespace maxsim
