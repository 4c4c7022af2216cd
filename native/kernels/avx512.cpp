// AVX-512 F/BW/VL/DQ kernels. Compiled with -mavx512f -mavx512bw -mavx512vl -mavx512dq -mfma
// -mf16c -mavx2 -mpopcnt only; VNNI, BF16 and VPOPCNTDQ kernels live in their own TUs.
//
// MaxSim micro-kernel: the query is transposed to (dim, qpad) so that one zmm holds 16 query
// rows at one dimension. A tile of NT document tokens is scored against QV*16 query rows by
// broadcasting d[j][k] and issuing QV*NT FMAs per k; the accumulators never leave registers
// and are folded into a running per-row max, so the q x t matrix is never written.
#include <immintrin.h>

#include <limits>

#include "avx512_ext.h"
#include "half.h"
#include "kernels.h"
#include "kernels_common.h"

namespace maxsim {
namespace {

// Tokens per tile: 2 query vectors x 12 tokens, or, for queries of at most 16 rows, 1 x 24;
// either way 24 accumulators + the query vectors + 1 broadcast fit in the 32 zmm registers.
constexpr int kTileTokens = 12;
constexpr int kTileTokensShortQuery = 24;

template <int QV, int NT>
inline void tileF32(const float* qt, uint32_t qpad, const float* tok, const float* prefetch, uint32_t dim, float* rowMax, __m512& check) {
  __m512 acc[NT][QV];
#pragma GCC unroll 24
  for (int t = 0; t < NT; ++t)
#pragma GCC unroll 24
    for (int v = 0; v < QV; ++v) acc[t][v] = _mm512_setzero_ps();
  // The next tile is one contiguous block; fetch it as a sequential stream, a line or two per k,
  // while this tile computes. Without this the interleaved row reads defeat the hardware
  // prefetcher and the kernel waits on DRAM (prefetches never fault, so reading past the end
  // of the collection is harmless).
  const char* pf = reinterpret_cast<const char*>(prefetch);
  const size_t pfBytes = prefetch ? size_t(NT) * dim * sizeof(float) : 0;
  const size_t pfPerK = (pfBytes / 64 + dim) / dim;
  size_t pfAt = 0;
  for (uint32_t k = 0; k < dim; ++k) {
    for (size_t p = 0; p < pfPerK && pfAt < pfBytes; ++p, pfAt += 64) _mm_prefetch(pf + pfAt, _MM_HINT_T0);
    __m512 qv[QV];
#pragma GCC unroll 24
    for (int v = 0; v < QV; ++v) qv[v] = _mm512_load_ps(qt + size_t(k) * qpad + v * 16);
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t) {
      const __m512 b = _mm512_set1_ps(tok[size_t(t) * dim + k]);
#pragma GCC unroll 24
      for (int v = 0; v < QV; ++v) acc[t][v] = _mm512_fmadd_ps(qv[v], b, acc[t][v]);
    }
  }
#pragma GCC unroll 24
  for (int v = 0; v < QV; ++v) {
    __m512 m = _mm512_load_ps(rowMax + v * 16);
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t) {
      m = _mm512_max_ps(m, acc[t][v]);
      check = _mm512_fmadd_ps(acc[t][v], _mm512_setzero_ps(), check);
    }
    _mm512_store_ps(rowMax + v * 16, m);
  }
}

template <int QV>
inline void tileF32Dispatch(int nt, const float* qt, uint32_t qpad, const float* tok, const float* prefetch, uint32_t dim, float* rowMax, __m512& check) {
  switch (nt) {
#define MAXSIM_CASE(N) case N: tileF32<QV, N>(qt, qpad, tok, prefetch, dim, rowMax, check); break;
    MAXSIM_CASE(1) MAXSIM_CASE(2) MAXSIM_CASE(3) MAXSIM_CASE(4) MAXSIM_CASE(5) MAXSIM_CASE(6)
    MAXSIM_CASE(7) MAXSIM_CASE(8) MAXSIM_CASE(9) MAXSIM_CASE(10) MAXSIM_CASE(11) MAXSIM_CASE(12)
#undef MAXSIM_CASE
    default:
      if constexpr (QV == 1) {
        switch (nt) {
#define MAXSIM_CASE(N) case N: tileF32<1, N>(qt, qpad, tok, prefetch, dim, rowMax, check); break;
          MAXSIM_CASE(13) MAXSIM_CASE(14) MAXSIM_CASE(15) MAXSIM_CASE(16) MAXSIM_CASE(17) MAXSIM_CASE(18)
          MAXSIM_CASE(19) MAXSIM_CASE(20) MAXSIM_CASE(21) MAXSIM_CASE(22) MAXSIM_CASE(23) MAXSIM_CASE(24)
#undef MAXSIM_CASE
          default: break;
        }
      }
      break;
  }
}

inline float sumRows(const float* rowMax, uint32_t nq) {
  float s = 0.f;
  for (uint32_t i = 0; i < nq; ++i) s += rowMax[i];
  return s;
}

// Decodes `nt` tokens of f16/bf16 into an f32 tile (L1-resident scratch).
template <ElementType T>
inline void decodeTile(const uint16_t* src, size_t n, float* dst) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    // The next tile follows this one in memory: stream it in while this one decodes.
    if ((i & 31) == 0) _mm_prefetch(reinterpret_cast<const char*>(src + n + i), _MM_HINT_T0);
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
    if constexpr (T == ElementType::F16) {
      _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(h));
    } else {
      _mm512_storeu_ps(dst + i, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)));
    }
  }
  for (; i < n; ++i) dst[i] = T == ElementType::F16 ? halfToFloat(src[i]) : bf16ToFloat(src[i]);
}

template <ElementType T>
float scoreFloat(const PreparedQuery& q, const void* doc, const float*, uint32_t ntok, bool* nonFinite) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t dim = q.dim, qpad = q.qpad;
  thread_local AlignedBuffer rowMaxBuf, tileBuf;
  float* rowMax = static_cast<float*>(rowMaxBuf.resizeZeroed(qpad * sizeof(float)));
  for (uint32_t i = 0; i < qpad; ++i) rowMax[i] = -std::numeric_limits<float>::infinity();
  float* tile = nullptr;
  const uint32_t tileTokens = qpad == 16 ? kTileTokensShortQuery : kTileTokens;
  if constexpr (T != ElementType::F32) {
    tileBuf.reserve(size_t(tileTokens) * dim * sizeof(float));
    tile = tileBuf.as<float>();
  }
  const float* qt = q.data.as<float>();
  __m512 check = _mm512_setzero_ps();
  for (uint32_t j0 = 0; j0 < ntok; j0 += tileTokens) {
    const int nt = static_cast<int>(ntok - j0 < tileTokens ? ntok - j0 : tileTokens);
    const float* tok;
    if constexpr (T == ElementType::F32) {
      tok = static_cast<const float*>(doc) + size_t(j0) * dim;
    } else {
      decodeTile<T>(static_cast<const uint16_t*>(doc) + size_t(j0) * dim, size_t(nt) * dim, tile);
      tok = tile;
    }
    // Only the first row block prefetches: later blocks find the tile in L1 already.
    const float* prefetch = T == ElementType::F32 ? tok + size_t(nt) * dim : nullptr;
    uint32_t rb = 0;
    for (; rb + 32 <= qpad; rb += 32, prefetch = nullptr) tileF32Dispatch<2>(nt, qt + rb, qpad, tok, prefetch, dim, rowMax + rb, check);
    if (rb < qpad) tileF32Dispatch<1>(nt, qt + rb, qpad, tok, prefetch, dim, rowMax + rb, check);
  }
  const float s = sumRows(rowMax, q.nq);
  if (!std::isfinite(_mm512_reduce_add_ps(check)) || !std::isfinite(s)) *nonFinite = true;
  return s;
}

// ---- int8 without VNNI: sign-extend to i16 pairs and use vpmaddwd ---------------------------

template <int NT>
inline void tileInt8Madd(const int16_t* qt, uint32_t qpad, const int16_t* tok, uint32_t pairs,
                         const float* scales, float* rowMax) {
  __m512i acc[NT];
#pragma GCC unroll 24
  for (int t = 0; t < NT; ++t) acc[t] = _mm512_setzero_si512();
  const int32_t* tok32 = reinterpret_cast<const int32_t*>(tok);
  for (uint32_t g = 0; g < pairs; ++g) {
    const __m512i qv = _mm512_load_si512(qt + size_t(g) * qpad * 2);
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t) {
      const __m512i b = _mm512_set1_epi32(tok32[size_t(t) * pairs + g]);
      acc[t] = _mm512_add_epi32(acc[t], _mm512_madd_epi16(qv, b));
    }
  }
  __m512 m = _mm512_load_ps(rowMax);
#pragma GCC unroll 24
  for (int t = 0; t < NT; ++t)
    m = _mm512_max_ps(m, _mm512_mul_ps(_mm512_cvtepi32_ps(acc[t]), _mm512_set1_ps(scales[t])));
  _mm512_store_ps(rowMax, m);
}

constexpr int kInt8TileTokens = 16;

float scoreInt8Madd(const PreparedQuery& q, const void* doc, const float* scales, uint32_t ntok, bool*) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t dim = q.dim, qpad = q.qpad, pairs = (dim + 1) / 2;
  thread_local AlignedBuffer rowMaxBuf, tileBuf;
  float* rowMax = static_cast<float*>(rowMaxBuf.resizeZeroed(qpad * sizeof(float)));
  for (uint32_t i = 0; i < qpad; ++i) rowMax[i] = -std::numeric_limits<float>::infinity();
  int16_t* tile = static_cast<int16_t*>(tileBuf.resizeZeroed(size_t(kInt8TileTokens) * pairs * 2 * sizeof(int16_t)));
  const int8_t* d = static_cast<const int8_t*>(doc);
  const int16_t* qt = q.data.as<int16_t>();
  for (uint32_t j0 = 0; j0 < ntok; j0 += kInt8TileTokens) {
    const int nt = static_cast<int>(ntok - j0 < uint32_t(kInt8TileTokens) ? ntok - j0 : kInt8TileTokens);
    for (int t = 0; t < nt; ++t) {
      const int8_t* src = d + size_t(j0 + t) * dim;
      int16_t* dst = tile + size_t(t) * pairs * 2;
      for (uint32_t k = 0; k < dim; ++k) dst[k] = src[k];
      if (dim & 1) dst[dim] = 0;
    }
    for (uint32_t rb = 0; rb < qpad; rb += 16) {
      switch (nt) {
#define MAXSIM_CASE(N) case N: tileInt8Madd<N>(qt + size_t(rb) * 2, qpad, tile, pairs, scales + j0, rowMax + rb); break;
        MAXSIM_CASE(1) MAXSIM_CASE(2) MAXSIM_CASE(3) MAXSIM_CASE(4) MAXSIM_CASE(5) MAXSIM_CASE(6)
        MAXSIM_CASE(7) MAXSIM_CASE(8) MAXSIM_CASE(9) MAXSIM_CASE(10) MAXSIM_CASE(11) MAXSIM_CASE(12)
        MAXSIM_CASE(13) MAXSIM_CASE(14) MAXSIM_CASE(15) MAXSIM_CASE(16)
#undef MAXSIM_CASE
        default: break;
      }
    }
  }
  float s = 0.f;
  for (uint32_t i = 0; i < q.nq; ++i) s += rowMax[i] * q.rowScale[i];
  return s;
}

// ---- binary without VPOPCNTDQ: hardware popcnt on u64 words --------------------------------

float scoreBinaryPopcnt(const PreparedQuery& q, const void* doc, const float*, uint32_t ntok, bool*) {
  return scoreBinaryWords(q, doc, ntok);
}

// ---- single-vector primitives ---------------------------------------------------------------

inline __mmask16 tailMask(size_t r) { return static_cast<__mmask16>((1u << r) - 1); }

float dotF32(const float* a, const float* b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
  }
  for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
  if (i < n) {
    const __mmask16 m = tailMask(n - i);
    s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i), s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

float l2sqF32(const float* a, const float* b, size_t n) {
  __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    const __m512 d1 = _mm512_sub_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16));
    s0 = _mm512_fmadd_ps(d0, d0, s0);
    s1 = _mm512_fmadd_ps(d1, d1, s1);
  }
  for (; i + 16 <= n; i += 16) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i));
    s0 = _mm512_fmadd_ps(d, d, s0);
  }
  if (i < n) {
    const __mmask16 m = tailMask(n - i);
    const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), _mm512_maskz_loadu_ps(m, b + i));
    s1 = _mm512_fmadd_ps(d, d, s1);
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

inline __m512 loadHalf16(const uint16_t* p, __mmask16 m) {
  return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

float dotF32F16(const float* a, const uint16_t* b, size_t n) {
  __m512 s = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) s = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i))), s);
  if (i < n) {
    const __mmask16 m = tailMask(n - i);
    s = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + i), loadHalf16(b + i, m), s);
  }
  return _mm512_reduce_add_ps(s);
}

float l2sqF32F16(const float* a, const uint16_t* b, size_t n) {
  __m512 s = _mm512_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(a + i), _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i))));
    s = _mm512_fmadd_ps(d, d, s);
  }
  if (i < n) {
    const __mmask16 m = tailMask(n - i);
    const __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, a + i), loadHalf16(b + i, m));
    s = _mm512_fmadd_ps(d, d, s);
  }
  return _mm512_reduce_add_ps(s);
}

int32_t dotI8(const int8_t* a, const int8_t* b, size_t n) {
  __m512i s = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512i x = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + i)));
    const __m512i y = _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i)));
    s = _mm512_add_epi32(s, _mm512_madd_epi16(x, y));
  }
  int32_t r = _mm512_reduce_add_epi32(s);
  for (; i < n; ++i) r += int32_t(a[i]) * b[i];
  return r;
}

// ---- conversions ------------------------------------------------------------------------------

void f32ToF16(const float* in, uint16_t* out, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm512_cvtps_ph(_mm512_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  for (; i < n; ++i) out[i] = floatToHalf(in[i]);
}
void f16ToF32(const uint16_t* in, float* out, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i))));
  for (; i < n; ++i) out[i] = halfToFloat(in[i]);
}
void f32ToBf16(const float* in, uint16_t* out, size_t n) {
  size_t i = 0;
  const __m512i bias = _mm512_set1_epi32(0x7fff), one = _mm512_set1_epi32(1), qnan = _mm512_set1_epi32(0x40);
  for (; i + 16 <= n; i += 16) {
    const __m512 x = _mm512_loadu_ps(in + i);
    const __m512i u = _mm512_castps_si512(x);
    __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(bias, _mm512_and_si512(_mm512_srli_epi32(u, 16), one))), 16);
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(_mm512_srli_epi32(u, 16), qnan));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), _mm512_cvtepi32_epi16(r));
  }
  for (; i < n; ++i) out[i] = floatToBf16(in[i]);
}
void bf16ToF32(const uint16_t* in, float* out, size_t n) { decodeTile<ElementType::BF16>(in, n, out); }

void quantizeInt8Rows(const float* in, size_t rows, uint32_t dim, int8_t* codes, float* scales) {
  const __m512 absMask = _mm512_castsi512_ps(_mm512_set1_epi32(0x7fffffff));
  const __m512i lowest = _mm512_set1_epi32(-127);
  // The ragged end of a row (dim % 16 values) as one masked vector: scalar code there calls
  // fmax and nearbyint from libm per value, which at dim 100 cost more than the other 96 values.
  const uint32_t full = dim / 16 * 16;
  const __mmask16 tail = __mmask16((1u << (dim - full)) - 1u);
  for (size_t r = 0; r < rows; ++r) {
    const float* x = in + r * dim;
    int8_t* c = codes + r * dim;
    // One pass for max |x| and NaN: vmaxps drops NaN lanes, so they are flagged on their own.
    __m512 mx = _mm512_setzero_ps();
    __mmask16 nan = 0;
    for (uint32_t k = 0; k < full; k += 16) {
      const __m512 v = _mm512_loadu_ps(x + k);
      mx = _mm512_max_ps(mx, _mm512_and_ps(v, absMask));
      nan |= _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    }
    if (tail) {
      const __m512 v = _mm512_maskz_loadu_ps(tail, x + full);
      mx = _mm512_max_ps(mx, _mm512_and_ps(v, absMask));
      nan |= _mm512_mask_cmp_ps_mask(tail, v, v, _CMP_UNORD_Q);
    }
    const float maxAbs = _mm512_reduce_max_ps(mx);
    // NaN, infinity, zero and tiny rows take the reference path: it reports non-finite rows
    // through a NaN scale and scales tiny ones up first so that 127 / maxAbs stays finite.
    if (nan || !(maxAbs >= 0x1p-100f) || !std::isfinite(maxAbs)) {
      quantizeInt8Row(x, dim, c, scales + r);
      continue;
    }
    const __m512 inv = _mm512_set1_ps(127.f / maxAbs);
    for (uint32_t k = 0; k < full; k += 16) {
      const __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + k), inv));  // nearest, ties to even
      _mm_storeu_si128(reinterpret_cast<__m128i*>(c + k), _mm512_cvtsepi32_epi8(_mm512_max_epi32(v, lowest)));
    }
    if (tail) {
      const __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(tail, x + full), inv));
      _mm512_mask_cvtsepi32_storeu_epi8(c + full, tail, _mm512_max_epi32(v, lowest));
    }
    scales[r] = maxAbs / 127.f;
  }
}

void binarizeRows(const float* in, size_t rows, uint32_t dim, uint8_t* out) {
  const size_t tb = tokenBytes(ElementType::Binary, dim);
  const __m512 zero = _mm512_setzero_ps();
  for (size_t r = 0; r < rows; ++r) {
    const float* x = in + r * dim;
    uint8_t* o = out + r * tb;
    std::memset(o, 0, tb);
    uint32_t k = 0;
    for (; k + 16 <= dim; k += 16) {
      const uint16_t m = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + k), zero, _CMP_GT_OQ);
      std::memcpy(o + k / 8, &m, 2);
    }
    for (; k < dim; ++k)
      if (x[k] > 0.f) o[k >> 3] |= static_cast<uint8_t>(1u << (k & 7));
  }
}

double fmaPeakGflops(double seconds) {
  // 12 independent chains cover FMA latency x throughput on current cores (4 cycles x 2 pipes).
  __m512 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm512_set1_ps(1.0f + 0.01f * i);
  const __m512 b = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
  const double g = timeFlops(seconds, 12.0 * 16 * 2, [&](long n) {
    for (long it = 0; it < n; ++it) {
#pragma GCC unroll 12
      for (int i = 0; i < 12; ++i) a[i] = _mm512_fmadd_ps(a[i], b, c);
    }
  });
  __m512 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm512_add_ps(s, a[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return g;
}

KernelTable makeTable() {
  KernelTable t = {
      "avx512",
      {prepareTransposedF32, prepareTransposedF32, prepareTransposedF32, prepareInt8Grouped<int16_t, 2>, prepareBinary},
      {scoreFloat<ElementType::F32>, scoreFloat<ElementType::F16>, scoreFloat<ElementType::BF16>, scoreInt8Madd, scoreBinaryPopcnt},
      dotF32, l2sqF32, dotF32F16, l2sqF32F16, dotI8,
      f32ToF16, f16ToF32, f32ToBf16, bf16ToF32, quantizeInt8Rows, binarizeRows,
      fmaPeakGflops,
  };
  const CpuFeatures& f = detectedFeatures();
  if (f.avx512vnni) {
    t.prepare[int(ElementType::Int8)] = avx512vnni::prepareInt8;
    t.score[int(ElementType::Int8)] = avx512vnni::scoreInt8;
    t.dotI8 = avx512vnni::dotI8;
  }
  if (f.avx512bf16) {
    t.prepare[int(ElementType::BF16)] = avx512bf16::prepareBf16;
    t.score[int(ElementType::BF16)] = avx512bf16::scoreBf16;
  }
  if (f.avx512vpopcntdq) t.score[int(ElementType::Binary)] = avx512popcnt::scoreBinary;
  return t;
}

}  // namespace

const KernelTable* avx512Kernels() {
  if (!detectedFeatures().hasAvx512Level()) return nullptr;
  static const KernelTable table = makeTable();
  return &table;
}

}  // namespace maxsim
