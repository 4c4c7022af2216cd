// The scalar quantizer table (also the reference the SIMD tables are tested against) and the
// run-time choice of table. Compiled without ISA flags.
#include <cstring>
#include <limits>

#include "quant_kernels.h"

namespace maxsim::quant {
namespace scalarimpl {
#include "quant_kernels_impl.h"
}  // namespace scalarimpl

namespace {
void maxUpdate(const uint8_t* block, uint32_t rows, const uint8_t* luts, uint32_t nq, uint32_t mask, uint16_t* runMax) {
  scalarimpl::impl::fastscanMaxUpdateWith(scalarimpl::impl::fastscanScanScalar, block, rows, luts, nq, mask, runMax);
}
const QuantKernels kScalar = {"scalar", scalarimpl::impl::assignNearest, scalarimpl::impl::lutMaxsim,
                              scalarimpl::impl::fastscanScanScalar, maxUpdate};
}  // namespace

const QuantKernels* scalarQuantKernels() { return &kScalar; }

#if !(defined(__x86_64__) || defined(_M_X64)) || defined(MAXSIM_NO_X86_KERNELS)
const QuantKernels* avx2QuantKernels() { return nullptr; }
const QuantKernels* avx512QuantKernels() { return nullptr; }
#endif

const QuantKernels& quantKernelsFor(SimdLevel level) {
  const QuantKernels* t = nullptr;
  if (level == SimdLevel::Avx512) t = avx512QuantKernels();
  if (!t && (level == SimdLevel::Avx512 || level == SimdLevel::Avx2)) t = avx2QuantKernels();
  return t ? *t : kScalar;
}

const QuantKernels& activeQuantKernels() { return quantKernelsFor(activeSimdLevel()); }

}  // namespace maxsim::quant
