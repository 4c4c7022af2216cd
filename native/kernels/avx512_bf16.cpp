// AVX-512 BF16 MaxSim: vdpbf16ps takes pairs of bf16 and accumulates in f32, twice the work of
// an f32 FMA per instruction. The query is rounded to bf16 (documented tolerance: scores within
// about 1e-2 relative of the f32 reference on the decoded document).
// Flags: AVX-512 F/BW/VL/DQ + -mavx512bf16.
#include <immintrin.h>

#include <limits>

#include "avx512_ext.h"
#include "half.h"
#include "kernels_common.h"

namespace maxsim {
namespace avx512bf16 {
namespace {

constexpr int kTileTokens = 12;

// qt: (pairs, qpad, 2) bf16, offset to the row block; tok: (NT, pairs) u32 bf16 pairs.
template <int QV, int NT>
inline void tile(const uint16_t* qt, uint32_t qpad, const uint32_t* tok, uint32_t pairs, float* rowMax, __m512& check) {
  __m512 acc[NT][QV];
#pragma GCC unroll 24
  for (int t = 0; t < NT; ++t)
#pragma GCC unroll 24
    for (int v = 0; v < QV; ++v) acc[t][v] = _mm512_setzero_ps();
  for (uint32_t g = 0; g < pairs; ++g) {
    __m512bh qv[QV];
#pragma GCC unroll 24
    for (int v = 0; v < QV; ++v) qv[v] = (__m512bh)_mm512_load_si512(qt + (size_t(g) * qpad + v * 16) * 2);
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t) {
      const __m512bh b = (__m512bh)_mm512_set1_epi32(static_cast<int>(tok[size_t(t) * pairs + g]));
#pragma GCC unroll 24
      for (int v = 0; v < QV; ++v) acc[t][v] = _mm512_dpbf16_ps(acc[t][v], qv[v], b);
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
inline void tileDispatch(int nt, const uint16_t* qt, uint32_t qpad, const uint32_t* tok, uint32_t pairs, float* rowMax, __m512& check) {
  switch (nt) {
#define MAXSIM_CASE(N) case N: tile<QV, N>(qt, qpad, tok, pairs, rowMax, check); break;
    MAXSIM_CASE(1) MAXSIM_CASE(2) MAXSIM_CASE(3) MAXSIM_CASE(4) MAXSIM_CASE(5) MAXSIM_CASE(6)
    MAXSIM_CASE(7) MAXSIM_CASE(8) MAXSIM_CASE(9) MAXSIM_CASE(10) MAXSIM_CASE(11) MAXSIM_CASE(12)
#undef MAXSIM_CASE
    default: break;
  }
}

}  // namespace

void prepareBf16(const float* q, uint32_t nq, uint32_t dim, PreparedQuery& out) {
  out.type = ElementType::BF16;
  out.nq = nq;
  out.qpad = padQueryRows(nq);
  out.dim = dim;
  const uint32_t pairs = (dim + 1) / 2;
  uint16_t* t = static_cast<uint16_t*>(out.data.resizeZeroed(size_t(pairs) * out.qpad * 2 * sizeof(uint16_t)));
  for (uint32_t i = 0; i < nq; ++i)
    for (uint32_t k = 0; k < dim; ++k) t[(size_t(k / 2) * out.qpad + i) * 2 + (k & 1)] = floatToBf16(q[size_t(i) * dim + k]);
}

float scoreBf16(const PreparedQuery& q, const void* doc, const float*, uint32_t ntok, bool* nonFinite) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t dim = q.dim, qpad = q.qpad, pairs = (dim + 1) / 2;
  thread_local AlignedBuffer rowMaxBuf, tileBuf;
  float* rowMax = static_cast<float*>(rowMaxBuf.resizeZeroed(qpad * sizeof(float)));
  for (uint32_t i = 0; i < qpad; ++i) rowMax[i] = -std::numeric_limits<float>::infinity();
  uint16_t* tileHalves = static_cast<uint16_t*>(tileBuf.resizeZeroed(size_t(kTileTokens) * pairs * 4));
  const uint16_t* d = static_cast<const uint16_t*>(doc);
  const uint16_t* qt = q.data.as<uint16_t>();
  __m512 check = _mm512_setzero_ps();
  for (uint32_t j0 = 0; j0 < ntok; j0 += kTileTokens) {
    const int nt = static_cast<int>(ntok - j0 < uint32_t(kTileTokens) ? ntok - j0 : kTileTokens);
    if (dim % 2 == 0) {
      std::memcpy(tileHalves, d + size_t(j0) * dim, size_t(nt) * dim * 2);
    } else {
      // Odd dimension: re-pack so each token starts on a pair and ends with a zero.
      for (int t = 0; t < nt; ++t) {
        std::memcpy(tileHalves + size_t(t) * pairs * 2, d + size_t(j0 + t) * dim, size_t(dim) * 2);
        tileHalves[size_t(t) * pairs * 2 + dim] = 0;
      }
    }
    const uint32_t* tok = reinterpret_cast<const uint32_t*>(tileHalves);
    uint32_t rb = 0;
    for (; rb + 32 <= qpad; rb += 32) tileDispatch<2>(nt, qt + size_t(rb) * 2, qpad, tok, pairs, rowMax + rb, check);
    if (rb < qpad) tileDispatch<1>(nt, qt + size_t(rb) * 2, qpad, tok, pairs, rowMax + rb, check);
  }
  float s = 0.f;
  for (uint32_t i = 0; i < q.nq; ++i) s += rowMax[i];
  if (!std::isfinite(_mm512_reduce_add_ps(check)) || !std::isfinite(s)) *nonFinite = true;
  return s;
}

}  // namespace avx512bf16
}  // namespace maxsim
