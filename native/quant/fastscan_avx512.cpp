// AVX-512BW fast-scan kernel: the AVX2 scheme (see fastscan_avx2.cpp) on 64-byte registers, so
// one vpshufb covers two packed rows = four sub-quantizers (one per 128-bit lane). An odd last
// row is loaded zero-extended, with a zero upper LUT half, so it adds nothing extra.
#include <immintrin.h>

#include "quant_kernels.h"

namespace maxsim::quant {
namespace {

struct Acc {
  __m512i lo, loOdd, hi, hiOdd;
};

inline __m128i sumLanes(__m512i v) {
  const __m256i h = _mm256_add_epi16(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
  return _mm_add_epi16(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

inline void finish(const Acc& a, uint16_t* out) {
  const __m128i le = sumLanes(_mm512_sub_epi16(a.lo, _mm512_slli_epi16(a.loOdd, 8)));
  const __m128i lo = sumLanes(a.loOdd);
  const __m128i he = sumLanes(_mm512_sub_epi16(a.hi, _mm512_slli_epi16(a.hiOdd, 8)));
  const __m128i ho = sumLanes(a.hiOdd);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 0), _mm_unpacklo_epi16(le, lo));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8), _mm_unpackhi_epi16(le, lo));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_unpacklo_epi16(he, ho));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 24), _mm_unpackhi_epi16(he, ho));
}

template <int NQ>
inline void step(const __m512i c, const uint8_t* const* lutPtrs, size_t off, bool half, Acc* acc) {
  const __m512i mask = _mm512_set1_epi8(0x0f);
  const __m512i lo = _mm512_and_si512(c, mask);
  const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(c, 4), mask);
  for (int q = 0; q < NQ; ++q) {
    const __m512i lut = half ? _mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(lutPtrs[q] + off)))
                             : _mm512_loadu_si512(lutPtrs[q] + off);
    const __m512i rl = _mm512_shuffle_epi8(lut, lo);
    const __m512i rh = _mm512_shuffle_epi8(lut, hi);
    acc[q].lo = _mm512_add_epi16(acc[q].lo, rl);
    acc[q].loOdd = _mm512_add_epi16(acc[q].loOdd, _mm512_srli_epi16(rl, 8));
    acc[q].hi = _mm512_add_epi16(acc[q].hi, rh);
    acc[q].hiOdd = _mm512_add_epi16(acc[q].hiOdd, _mm512_srli_epi16(rh, 8));
  }
}

template <int NQ>
inline void scanBlock(const uint8_t* block, uint32_t rows, const uint8_t* luts, uint16_t* out, size_t outStride) {
  Acc acc[NQ];
  const uint8_t* lutPtrs[NQ];
  const size_t lutStride = size_t(rows) * kFastScanRowBytes;
  for (int q = 0; q < NQ; ++q) {
    acc[q] = {_mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512()};
    lutPtrs[q] = luts + q * lutStride;
  }
  uint32_t p = 0;
  for (; p + 2 <= rows; p += 2) {
    const size_t off = size_t(p) * kFastScanRowBytes;
    step<NQ>(_mm512_loadu_si512(block + off), lutPtrs, off, false, acc);
  }
  if (p < rows) {
    const size_t off = size_t(p) * kFastScanRowBytes;
    step<NQ>(_mm512_zextsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + off))), lutPtrs, off, true, acc);
  }
  for (int q = 0; q < NQ; ++q) finish(acc[q], out + q * outStride);
}

}  // namespace

// Four queries share each code load: 16 accumulators + codes, nibbles and LUT in 32 zmm.
void fastscanScanAvx512(const uint8_t* codes, size_t nblocks, uint32_t rows, const uint8_t* luts, uint32_t nq,
                        uint16_t* out, size_t outStride) {
  const size_t lutStride = size_t(rows) * kFastScanRowBytes;
  for (size_t b = 0; b < nblocks; ++b) {
    const uint8_t* block = codes + b * lutStride;
    uint32_t q = 0;
    for (; q + 4 <= nq; q += 4) scanBlock<4>(block, rows, luts + q * lutStride, out + q * outStride + b * 32, outStride);
    switch (nq - q) {
      case 3: scanBlock<3>(block, rows, luts + q * lutStride, out + q * outStride + b * 32, outStride); break;
      case 2: scanBlock<2>(block, rows, luts + q * lutStride, out + q * outStride + b * 32, outStride); break;
      case 1: scanBlock<1>(block, rows, luts + q * lutStride, out + q * outStride + b * 32, outStride); break;
      default: break;
    }
  }
}

}  // namespace maxsim::quant
