// The AVX2 quantizer table: the plain C++ kernels of quant_kernels_impl.h compiled with AVX2
// flags, plus the vpshufb fast-scan kernel.
#include <cstring>
#include <limits>

#include "quant_kernels.h"

namespace maxsim::quant {
void fastscanScanAvx2(const uint8_t*, size_t, uint32_t, const uint8_t*, uint32_t, uint16_t*, size_t);
namespace avx2impl {
#include "quant_kernels_impl.h"
}  // namespace avx2impl

namespace {
void maxUpdate(const uint8_t* block, uint32_t rows, const uint8_t* luts, uint32_t nq, uint32_t mask, uint16_t* runMax) {
  avx2impl::impl::fastscanMaxUpdateWith(fastscanScanAvx2, block, rows, luts, nq, mask, runMax);
}
const QuantKernels kTable = {"avx2", avx2impl::impl::assignNearest, avx2impl::impl::lutMaxsim, fastscanScanAvx2, maxUpdate};
}  // namespace

const QuantKernels* avx2QuantKernels() { return &kTable; }

}  // namespace maxsim::quant
