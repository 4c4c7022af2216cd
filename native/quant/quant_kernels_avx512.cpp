// The AVX-512 quantizer table: the plain C++ kernels compiled with AVX-512 flags, plus the
// 64-byte vpshufb fast-scan kernel.
#include <cstring>
#include <limits>

#include "quant_kernels.h"

namespace maxsim::quant {
void fastscanScanAvx512(const uint8_t*, size_t, uint32_t, const uint8_t*, uint32_t, uint16_t*, size_t);
namespace avx512impl {
#include "quant_kernels_impl.h"
}  // namespace avx512impl

namespace {
void maxUpdate(const uint8_t* block, uint32_t rows, const uint8_t* luts, uint32_t nq, uint32_t mask, uint16_t* runMax) {
  avx512impl::impl::fastscanMaxUpdateWith(fastscanScanAvx512, block, rows, luts, nq, mask, runMax);
}
const QuantKernels kTable = {"avx512", avx512impl::impl::assignNearest, avx512impl::impl::lutMaxsim, fastscanScanAvx512,
                             maxUpdate};
}  // namespace

const QuantKernels* avx512QuantKernels() { return &kTable; }

}  // namespace maxsim::quant
