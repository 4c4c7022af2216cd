// AVX-512 VNNI int8 MaxSim. Flags: AVX-512 F/BW/VL/DQ + -mavx512vnni.
//
// vpdpbusd multiplies unsigned by signed bytes, so document bytes are shifted to u8 by XOR 0x80
// (d + 128) and each query row's dot is corrected by 128 * sum(q codes), which the prepared
// query carries. Integer accumulation is exact, so the scores equal the scalar kernel's.
#include <immintrin.h>

#include <limits>

#include "avx512_ext.h"
#include "kernels_common.h"

namespace maxsim {
namespace avx512vnni {
namespace {

// 8 tokens x 2 query vectors: at 12 tokens GCC copies and spills the accumulators of the
// destructive vpdpbusd, which halved throughput on Zen 4.
constexpr int kTileTokens = 8;

// acc += u8(a) . s8(b) in place. GCC models the intrinsic as returning a fresh value and then
// copies and spills the 24 accumulators of a tile; the in-place asm keeps them in registers
// (measured 2x on Zen 4).
inline void dpbusd(__m512i& acc, __m512i a, __m512i b) {
#if defined(__GNUC__)
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
#else
  acc = _mm512_dpbusd_epi32(acc, a, b);
#endif
}

// qt: (groups, qpad, 4) s8, offset to the row block; tok: (NT, groups) u32 of shifted bytes.
template <int QV, int NT>
inline void tile(const int8_t* qt, uint32_t qpad, const uint32_t* tok, uint32_t groups,
                 const float* scales, const int32_t* corr, float* rowMax) {
  __m512i acc[NT][QV];
#pragma GCC unroll 24
  for (int t = 0; t < NT; ++t)
#pragma GCC unroll 24
    for (int v = 0; v < QV; ++v) acc[t][v] = _mm512_setzero_si512();
  for (uint32_t g = 0; g < groups; ++g) {
    __m512i qv[QV];
#pragma GCC unroll 2
    for (int v = 0; v < QV; ++v) qv[v] = _mm512_load_si512(qt + (size_t(g) * qpad + v * 16) * 4);
#pragma GCC unroll 12
    for (int t = 0; t < NT; ++t) {
      const __m512i b = _mm512_set1_epi32(static_cast<int>(tok[size_t(t) * groups + g]));
#pragma GCC unroll 2
      for (int v = 0; v < QV; ++v) acc[t][v] = _mm512_dpbusd_epi32(acc[t][v], b, qv[v]);
    }
  }
#pragma GCC unroll 24
  for (int v = 0; v < QV; ++v) {
    const __m512i c = _mm512_loadu_si512(corr + v * 16);
    __m512 m = _mm512_load_ps(rowMax + v * 16);
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t) {
      const __m512 f = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[t][v], c));
      m = _mm512_max_ps(m, _mm512_mul_ps(f, _mm512_set1_ps(scales[t])));
    }
    _mm512_store_ps(rowMax + v * 16, m);
  }
}

template <int QV>
inline void tileDispatch(int nt, const int8_t* qt, uint32_t qpad, const uint32_t* tok, uint32_t groups,
                         const float* scales, const int32_t* corr, float* rowMax) {
  switch (nt) {
#define MAXSIM_CASE(N) case N: tile<QV, N>(qt, qpad, tok, groups, scales, corr, rowMax); break;
    MAXSIM_CASE(1) MAXSIM_CASE(2) MAXSIM_CASE(3) MAXSIM_CASE(4) MAXSIM_CASE(5) MAXSIM_CASE(6)
    MAXSIM_CASE(7) MAXSIM_CASE(8)
#undef MAXSIM_CASE
    default: break;
  }
}

}  // namespace

void prepareInt8(const float* q, uint32_t nq, uint32_t dim, PreparedQuery& out) {
  prepareInt8Grouped<int8_t, 4>(q, nq, dim, out);
}

float scoreInt8(const PreparedQuery& q, const void* doc, const float* scales, uint32_t ntok, bool*) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t dim = q.dim, qpad = q.qpad, groups = (dim + 3) / 4;
  thread_local AlignedBuffer rowMaxBuf, tileBuf;
  float* rowMax = static_cast<float*>(rowMaxBuf.resizeZeroed(qpad * sizeof(float)));
  for (uint32_t i = 0; i < qpad; ++i) rowMax[i] = -std::numeric_limits<float>::infinity();
  // Pad bytes are 0x80, i.e. a shifted zero, so they add nothing after the correction.
  uint8_t* tileBytes = static_cast<uint8_t*>(tileBuf.resizeZeroed(size_t(kTileTokens) * groups * 4));
  const uint8_t* d = static_cast<const uint8_t*>(doc);
  const int8_t* qt = q.data.as<int8_t>();
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (uint32_t j0 = 0; j0 < ntok; j0 += kTileTokens) {
    const int nt = static_cast<int>(ntok - j0 < uint32_t(kTileTokens) ? ntok - j0 : kTileTokens);
    for (int t = 0; t < nt; ++t) {
      const uint8_t* src = d + size_t(j0 + t) * dim;
      uint8_t* dst = tileBytes + size_t(t) * groups * 4;
      uint32_t k = 0;
      for (; k + 64 <= dim; k += 64)
        _mm512_storeu_si512(dst + k, _mm512_xor_si512(_mm512_loadu_si512(src + k), flip));
      if (k < dim) {
        const __mmask64 m = (~uint64_t(0)) >> (64 - (dim - k));
        _mm512_mask_storeu_epi8(dst + k, m, _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, src + k), flip));
      }
      for (uint32_t p = dim; p < groups * 4; ++p) dst[p] = 0x80;
    }
    const uint32_t* tok = reinterpret_cast<const uint32_t*>(tileBytes);
    uint32_t rb = 0;
    for (; rb + 32 <= qpad; rb += 32)
      tileDispatch<2>(nt, qt + size_t(rb) * 4, qpad, tok, groups, scales + j0, q.rowCorrection.data() + rb, rowMax + rb);
    if (rb < qpad)
      tileDispatch<1>(nt, qt + size_t(rb) * 4, qpad, tok, groups, scales + j0, q.rowCorrection.data() + rb, rowMax + rb);
  }
  float s = 0.f;
  for (uint32_t i = 0; i < q.nq; ++i) s += rowMax[i] * q.rowScale[i];
  return s;
}

int32_t dotI8(const int8_t* a, const int8_t* b, size_t n) {
  // (a + 128) as unsigned times b, minus 128 * sum(b); sum(b) is itself a vpdpbusd with ones.
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i ones = _mm512_set1_epi8(1);
  __m512i acc = _mm512_setzero_si512(), sb = _mm512_setzero_si512();
  size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    const __m512i x = _mm512_xor_si512(_mm512_loadu_si512(a + i), flip);
    const __m512i y = _mm512_loadu_si512(b + i);
    acc = _mm512_dpbusd_epi32(acc, x, y);
    sb = _mm512_dpbusd_epi32(sb, ones, y);
  }
  if (i < n) {
    const __mmask64 m = (~uint64_t(0)) >> (64 - (n - i));
    const __m512i x = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, a + i), _mm512_maskz_mov_epi8(m, flip));
    const __m512i y = _mm512_maskz_loadu_epi8(m, b + i);
    acc = _mm512_dpbusd_epi32(acc, x, y);
    sb = _mm512_dpbusd_epi32(sb, ones, y);
  }
  return _mm512_reduce_add_epi32(acc) - 128 * _mm512_reduce_add_epi32(sb);
}

}  // namespace avx512vnni
}  // namespace maxsim
