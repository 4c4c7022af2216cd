// AVX2 fast-scan kernel (vpshufb over 16-entry u8 LUTs, u16 accumulation).
//
// One 32-byte row of a block holds sub-quantizers 2p (bytes 0..15) and 2p+1 (bytes 16..31);
// byte j of a half holds vector j in its low nibble and vector j+16 in its high nibble. So one
// vpshufb of the row's low nibbles against the two LUTs (also 32 bytes: LUT 2p | LUT 2p+1)
// gives the entries of vectors 0..15 for both sub-quantizers, and one of the high nibbles
// those of vectors 16..31.
//
// u16 accumulation without unpacking bytes: adding the shuffled bytes as epi16 sums
// even + 256*odd, and a second accumulator sums the odd bytes (srli 8); at the end
// even = acc - (odd << 8). Both are exact modulo 2^16, and every true sum is < 2^16.
#include <immintrin.h>

#include "quant_kernels.h"

namespace maxsim::quant {
namespace {

struct Acc {
  __m256i lo, loOdd, hi, hiOdd;
};

// Turns the accumulators into 32 u16 scores in vector order.
inline void finish(const Acc& a, uint16_t* out) {
  const __m256i loEven = _mm256_sub_epi16(a.lo, _mm256_slli_epi16(a.loOdd, 8));
  const __m256i hiEven = _mm256_sub_epi16(a.hi, _mm256_slli_epi16(a.hiOdd, 8));
  // lane 0: sub-quantizers 2p, lane 1: 2p+1; sum them.
  const __m128i le = _mm_add_epi16(_mm256_castsi256_si128(loEven), _mm256_extracti128_si256(loEven, 1));
  const __m128i lo = _mm_add_epi16(_mm256_castsi256_si128(a.loOdd), _mm256_extracti128_si256(a.loOdd, 1));
  const __m128i he = _mm_add_epi16(_mm256_castsi256_si128(hiEven), _mm256_extracti128_si256(hiEven, 1));
  const __m128i ho = _mm_add_epi16(_mm256_castsi256_si128(a.hiOdd), _mm256_extracti128_si256(a.hiOdd, 1));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 0), _mm_unpacklo_epi16(le, lo));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 8), _mm_unpackhi_epi16(le, lo));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), _mm_unpacklo_epi16(he, ho));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 24), _mm_unpackhi_epi16(he, ho));
}

template <int NQ>
inline void scanBlock(const uint8_t* block, uint32_t rows, const uint8_t* luts, uint16_t* out, size_t outStride) {
  const __m256i mask = _mm256_set1_epi8(0x0f);
  Acc acc[NQ];
  for (int q = 0; q < NQ; ++q) acc[q] = {_mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256(), _mm256_setzero_si256()};
  const size_t lutStride = size_t(rows) * kFastScanRowBytes;
  for (uint32_t p = 0; p < rows; ++p) {
    const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + size_t(p) * kFastScanRowBytes));
    const __m256i lo = _mm256_and_si256(c, mask);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(c, 4), mask);
    for (int q = 0; q < NQ; ++q) {
      const __m256i lut = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(luts + q * lutStride + size_t(p) * kFastScanRowBytes));
      const __m256i rl = _mm256_shuffle_epi8(lut, lo);
      const __m256i rh = _mm256_shuffle_epi8(lut, hi);
      acc[q].lo = _mm256_add_epi16(acc[q].lo, rl);
      acc[q].loOdd = _mm256_add_epi16(acc[q].loOdd, _mm256_srli_epi16(rl, 8));
      acc[q].hi = _mm256_add_epi16(acc[q].hi, rh);
      acc[q].hiOdd = _mm256_add_epi16(acc[q].hiOdd, _mm256_srli_epi16(rh, 8));
    }
  }
  for (int q = 0; q < NQ; ++q) finish(acc[q], out + q * outStride);
}

}  // namespace

// Up to 3 queries share each code load (4 accumulators each; 12 + 4 working registers).
void fastscanScanAvx2(const uint8_t* codes, size_t nblocks, uint32_t rows, const uint8_t* luts, uint32_t nq,
                      uint16_t* out, size_t outStride) {
  const size_t lutStride = size_t(rows) * kFastScanRowBytes;
  for (size_t b = 0; b < nblocks; ++b) {
    const uint8_t* block = codes + b * lutStride;
    uint32_t q = 0;
    for (; q + 3 <= nq; q += 3) scanBlock<3>(block, rows, luts + q * lutStride, out + q * outStride + b * 32, outStride);
    if (nq - q == 2) scanBlock<2>(block, rows, luts + q * lutStride, out + q * outStride + b * 32, outStride);
    else if (nq - q == 1) scanBlock<1>(block, rows, luts + q * lutStride, out + q * outStride + b * 32, outStride);
  }
}

}  // namespace maxsim::quant
