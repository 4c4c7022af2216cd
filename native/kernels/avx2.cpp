// AVX2 + FMA + F16C kernels. Compiled with -mavx2 -mfma -mf16c -mpopcnt only.
// Same design as avx512.cpp with 8-lane vectors: a tile is 16 query rows (2 ymm) by 6 tokens,
// 12 accumulators + 2 query vectors + 1 broadcast, within the 16 ymm registers.
#include <immintrin.h>

#include <limits>

#include "half.h"
#include "kernels.h"
#include "kernels_common.h"

namespace maxsim {
namespace {

constexpr int kTileTokens = 6;

inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}
inline float hmax(__m256 v) {  // of NaN-free lanes
  const __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_max_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_max_ss(t, _mm_shuffle_ps(t, t, 1)));
}
inline int32_t hsumI(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

template <int NT>
inline void tileF32(const float* qt, uint32_t qpad, const float* tok, uint32_t dim, float* rowMax, __m256& check) {
  __m256 acc[NT][2];
#pragma GCC unroll 24
  for (int t = 0; t < NT; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_ps();
  for (uint32_t k = 0; k < dim; ++k) {
    const __m256 q0 = _mm256_load_ps(qt + size_t(k) * qpad);
    const __m256 q1 = _mm256_load_ps(qt + size_t(k) * qpad + 8);
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t) {
      const __m256 b = _mm256_broadcast_ss(tok + size_t(t) * dim + k);
      acc[t][0] = _mm256_fmadd_ps(q0, b, acc[t][0]);
      acc[t][1] = _mm256_fmadd_ps(q1, b, acc[t][1]);
    }
  }
#pragma GCC unroll 24
  for (int v = 0; v < 2; ++v) {
    __m256 m = _mm256_load_ps(rowMax + v * 8);
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t) {
      m = _mm256_max_ps(m, acc[t][v]);
      check = _mm256_fmadd_ps(acc[t][v], _mm256_setzero_ps(), check);
    }
    _mm256_store_ps(rowMax + v * 8, m);
  }
}

template <ElementType T>
inline void decodeTile(const uint16_t* src, size_t n, float* dst) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    if constexpr (T == ElementType::F16) {
      _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
    } else {
      _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16)));
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
  if constexpr (T != ElementType::F32) {
    tileBuf.reserve(size_t(kTileTokens) * dim * sizeof(float));
    tile = tileBuf.as<float>();
  }
  const float* qt = q.data.as<float>();
  __m256 check = _mm256_setzero_ps();
  for (uint32_t j0 = 0; j0 < ntok; j0 += kTileTokens) {
    const int nt = static_cast<int>(ntok - j0 < uint32_t(kTileTokens) ? ntok - j0 : kTileTokens);
    const float* tok;
    if constexpr (T == ElementType::F32) {
      tok = static_cast<const float*>(doc) + size_t(j0) * dim;
    } else {
      decodeTile<T>(static_cast<const uint16_t*>(doc) + size_t(j0) * dim, size_t(nt) * dim, tile);
      tok = tile;
    }
    for (uint32_t rb = 0; rb < qpad; rb += 16) {
      switch (nt) {
#define MAXSIM_CASE(N) case N: tileF32<N>(qt + rb, qpad, tok, dim, rowMax + rb, check); break;
        MAXSIM_CASE(1) MAXSIM_CASE(2) MAXSIM_CASE(3) MAXSIM_CASE(4) MAXSIM_CASE(5) MAXSIM_CASE(6)
#undef MAXSIM_CASE
        default: break;
      }
    }
  }
  float s = 0.f;
  for (uint32_t i = 0; i < q.nq; ++i) s += rowMax[i];
  if (!std::isfinite(hsum(check)) || !std::isfinite(s)) *nonFinite = true;
  return s;
}

// ---- int8: i16 pairs through vpmaddwd (exact: |q*d| pairs stay far below 2^31) --------------

template <int NT>
inline void tileInt8(const int16_t* qt, uint32_t qpad, const int32_t* tok, uint32_t pairs, const float* scales, float* rowMax) {
  __m256i acc[NT][2];
#pragma GCC unroll 24
  for (int t = 0; t < NT; ++t) acc[t][0] = acc[t][1] = _mm256_setzero_si256();
  for (uint32_t g = 0; g < pairs; ++g) {
    const __m256i q0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(qt + size_t(g) * qpad * 2));
    const __m256i q1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(qt + size_t(g) * qpad * 2 + 16));
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t) {
      const __m256i b = _mm256_set1_epi32(tok[size_t(t) * pairs + g]);
      acc[t][0] = _mm256_add_epi32(acc[t][0], _mm256_madd_epi16(q0, b));
      acc[t][1] = _mm256_add_epi32(acc[t][1], _mm256_madd_epi16(q1, b));
    }
  }
#pragma GCC unroll 24
  for (int v = 0; v < 2; ++v) {
    __m256 m = _mm256_load_ps(rowMax + v * 8);
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t)
      m = _mm256_max_ps(m, _mm256_mul_ps(_mm256_cvtepi32_ps(acc[t][v]), _mm256_set1_ps(scales[t])));
    _mm256_store_ps(rowMax + v * 8, m);
  }
}

float scoreInt8(const PreparedQuery& q, const void* doc, const float* scales, uint32_t ntok, bool*) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t dim = q.dim, qpad = q.qpad, pairs = (dim + 1) / 2;
  thread_local AlignedBuffer rowMaxBuf, tileBuf;
  float* rowMax = static_cast<float*>(rowMaxBuf.resizeZeroed(qpad * sizeof(float)));
  for (uint32_t i = 0; i < qpad; ++i) rowMax[i] = -std::numeric_limits<float>::infinity();
  int16_t* tile = static_cast<int16_t*>(tileBuf.resizeZeroed(size_t(kTileTokens) * pairs * 2 * sizeof(int16_t)));
  const int8_t* d = static_cast<const int8_t*>(doc);
  const int16_t* qt = q.data.as<int16_t>();
  for (uint32_t j0 = 0; j0 < ntok; j0 += kTileTokens) {
    const int nt = static_cast<int>(ntok - j0 < uint32_t(kTileTokens) ? ntok - j0 : kTileTokens);
    for (int t = 0; t < nt; ++t) {
      const int8_t* src = d + size_t(j0 + t) * dim;
      int16_t* dst = tile + size_t(t) * pairs * 2;
      uint32_t k = 0;
      for (; k + 16 <= dim; k += 16)
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + k), _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + k))));
      for (; k < dim; ++k) dst[k] = src[k];
      if (dim & 1) dst[dim] = 0;
    }
    const int32_t* tok = reinterpret_cast<const int32_t*>(tile);
    for (uint32_t rb = 0; rb < qpad; rb += 16) {
      switch (nt) {
#define MAXSIM_CASE(N) case N: tileInt8<N>(qt + size_t(rb) * 2, qpad, tok, pairs, scales + j0, rowMax + rb); break;
        MAXSIM_CASE(1) MAXSIM_CASE(2) MAXSIM_CASE(3) MAXSIM_CASE(4) MAXSIM_CASE(5) MAXSIM_CASE(6)
#undef MAXSIM_CASE
        default: break;
      }
    }
  }
  float s = 0.f;
  for (uint32_t i = 0; i < q.nq; ++i) s += rowMax[i] * q.rowScale[i];
  return s;
}

float scoreBinary(const PreparedQuery& q, const void* doc, const float*, uint32_t ntok, bool*) {
  return scoreBinaryWords(q, doc, ntok);
}

// ---- single-vector primitives ---------------------------------------------------------------

float dotF32(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  float r = hsum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}
float l2sqF32(const float* a, const float* b, size_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
    s0 = _mm256_fmadd_ps(d0, d0, s0);
    s1 = _mm256_fmadd_ps(d1, d1, s1);
  }
  for (; i + 8 <= n; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
    s0 = _mm256_fmadd_ps(d, d, s0);
  }
  float r = hsum(_mm256_add_ps(s0, s1));
  for (; i < n; ++i) { const float d = a[i] - b[i]; r += d * d; }
  return r;
}
float dotF32F16(const float* a, const uint16_t* b, size_t n) {
  __m256 s = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    s = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i))), s);
  float r = hsum(s);
  for (; i < n; ++i) r += a[i] * halfToFloat(b[i]);
  return r;
}
float l2sqF32F16(const float* a, const uint16_t* b, size_t n) {
  __m256 s = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i))));
    s = _mm256_fmadd_ps(d, d, s);
  }
  float r = hsum(s);
  for (; i < n; ++i) { const float d = a[i] - halfToFloat(b[i]); r += d * d; }
  return r;
}
int32_t dotI8(const int8_t* a, const int8_t* b, size_t n) {
  __m256i s = _mm256_setzero_si256();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a + i)));
    const __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i)));
    s = _mm256_add_epi32(s, _mm256_madd_epi16(x, y));
  }
  int32_t r = hsumI(s);
  for (; i < n; ++i) r += int32_t(a[i]) * b[i];
  return r;
}

// ---- conversions ------------------------------------------------------------------------------

void f32ToF16(const float* in, uint16_t* out, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  for (; i < n; ++i) out[i] = floatToHalf(in[i]);
}
void f16ToF32(const uint16_t* in, float* out, size_t n) { decodeTile<ElementType::F16>(in, n, out); }
void f32ToBf16(const float* in, uint16_t* out, size_t n) {
  size_t i = 0;
  const __m256i bias = _mm256_set1_epi32(0x7fff), one = _mm256_set1_epi32(1), qnan = _mm256_set1_epi32(0x40);
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(in + i);
    const __m256i u = _mm256_castps_si256(x);
    const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(bias, _mm256_and_si256(_mm256_srli_epi32(u, 16), one))), 16);
    const __m256i nanv = _mm256_or_si256(_mm256_srli_epi32(u, 16), qnan);
    const __m256i isNan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    const __m256i r = _mm256_blendv_epi8(rounded, nanv, isNan);
    // Pack 8 u32 (each < 65536) into 8 u16.
    const __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), packed);
  }
  for (; i < n; ++i) out[i] = floatToBf16(in[i]);
}
void bf16ToF32(const uint16_t* in, float* out, size_t n) { decodeTile<ElementType::BF16>(in, n, out); }

void quantizeInt8Rows(const float* in, size_t rows, uint32_t dim, int8_t* codes, float* scales) {
  // Explicit vectors: the reference loop lives in dispatch.cpp, built without AVX2, and calls
  // fmax and nearbyint from libm per value. Same operations, so the same codes bit for bit.
  const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256i lowest = _mm256_set1_epi32(-127), highest = _mm256_set1_epi32(127);
  const uint32_t full = dim / 8 * 8;
  const __m256i tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(dim - full)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  for (size_t r = 0; r < rows; ++r) {
    const float* x = in + r * dim;
    int8_t* c = codes + r * dim;
    __m256 mx = _mm256_setzero_ps(), nan = _mm256_setzero_ps();
    for (uint32_t k = 0; k < full; k += 8) {
      const __m256 v = _mm256_loadu_ps(x + k);
      mx = _mm256_max_ps(mx, _mm256_and_ps(v, absMask));
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));  // vmaxps drops NaN lanes
    }
    if (full < dim) {
      const __m256 v = _mm256_maskload_ps(x + full, tail);  // masked-off lanes read as 0
      mx = _mm256_max_ps(mx, _mm256_and_ps(v, absMask));
      nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    }
    const float maxAbs = hmax(mx);
    // NaN, infinity, zero and tiny rows take the reference path (a NaN scale marks a row the
    // caller rejects; tiny rows are scaled up first so that 127 / maxAbs stays finite).
    if (_mm256_movemask_ps(nan) || !(maxAbs >= 0x1p-100f) || !std::isfinite(maxAbs)) {
      quantizeInt8Row(x, dim, c, scales + r);
      continue;
    }
    const __m256 inv = _mm256_set1_ps(127.f / maxAbs);
    const auto codesOf = [&](__m256 v) {  // 8 codes in the low 8 bytes
      const __m256i q = _mm256_min_epi32(_mm256_max_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(v, inv)), lowest), highest);
      const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
      return _mm_packs_epi16(w, w);
    };
    for (uint32_t k = 0; k < full; k += 8) _mm_storel_epi64(reinterpret_cast<__m128i*>(c + k), codesOf(_mm256_loadu_ps(x + k)));
    if (full < dim) {
      alignas(16) int8_t last[16];
      _mm_store_si128(reinterpret_cast<__m128i*>(last), codesOf(_mm256_maskload_ps(x + full, tail)));
      std::memcpy(c + full, last, dim - full);
    }
    scales[r] = maxAbs / 127.f;
  }
}

void binarizeRows(const float* in, size_t rows, uint32_t dim, uint8_t* out) {
  const size_t tb = tokenBytes(ElementType::Binary, dim);
  const __m256 zero = _mm256_setzero_ps();
  for (size_t r = 0; r < rows; ++r) {
    const float* x = in + r * dim;
    uint8_t* o = out + r * tb;
    std::memset(o, 0, tb);
    uint32_t k = 0;
    for (; k + 8 <= dim; k += 8) o[k / 8] = static_cast<uint8_t>(_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + k), zero, _CMP_GT_OQ)));
    for (; k < dim; ++k)
      if (x[k] > 0.f) o[k >> 3] |= static_cast<uint8_t>(1u << (k & 7));
  }
}

double fmaPeakGflops(double seconds) {
  // 12 independent chains cover FMA latency x throughput on current cores (4 cycles x 2 pipes).
  __m256 a[12];
  for (int i = 0; i < 12; ++i) a[i] = _mm256_set1_ps(1.0f + 0.01f * i);
  const __m256 b = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
  const double g = timeFlops(seconds, 12.0 * 8 * 2, [&](long n) {
    for (long it = 0; it < n; ++it) {
#pragma GCC unroll 12
      for (int i = 0; i < 12; ++i) a[i] = _mm256_fmadd_ps(a[i], b, c);
    }
  });
  __m256 s = a[0];
  for (int i = 1; i < 12; ++i) s = _mm256_add_ps(s, a[i]);
  volatile float sink = hsum(s);
  (void)sink;
  return g;
}

const KernelTable kTable = {
    "avx2",
    {prepareTransposedF32, prepareTransposedF32, prepareTransposedF32, prepareInt8Grouped<int16_t, 2>, prepareBinary},
    {scoreFloat<ElementType::F32>, scoreFloat<ElementType::F16>, scoreFloat<ElementType::BF16>, scoreInt8, scoreBinary},
    dotF32, l2sqF32, dotF32F16, l2sqF32F16, dotI8,
    f32ToF16, f16ToF32, f32ToBf16, bf16ToF32, quantizeInt8Rows, binarizeRows,
    fmaPeakGflops,
};

}  // namespace

const KernelTable* avx2Kernels() {
  if (!detectedFeatures().hasAvx2Level()) return nullptr;
  return &kTable;
}

}  // namespace maxsim
