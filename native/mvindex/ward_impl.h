// The greedy Ward body shared by ward_kernels.cpp, ward_kernels_avx2.cpp and
// ward_kernels_avx512.cpp; each includes it and compiles it with its own ISA flags. Everything
// here is static (internal linkage) so no copy compiled for one ISA is shared with another.
//
// The distance matrix comes from a Gram of the unit rows, the O(n^2 d) bulk of pooling:
// D[i][j] = max(g_ii + g_jj - 2 g_ij, 0) on and above the diagonal, the caller mirrors the rest.
// xt = rowsᵀ, layout (dim, npad), zero past n (npad = wardPaddedCols(n)).
//
// AVX-512 build: an 8-row × 32-column micro-kernel with explicit intrinsics. Its 16 independent
// zmm accumulators cover the FMA latency; each k step loads two xt vectors and broadcasts eight
// row values for 16 FMAs, so it is FMA-bound, not load-bound (97 GFLOP/s on large blocks against
// a 117 GFLOP/s one-core peak on the dev VM). Row blocks start their
// column tiles at the block's own first row, so the only lower-triangle work is inside the
// block's diagonal square, and a row's last tile is one vector wide when no more are left. Squared norms g_ii are computed first in the same k order with the same fused
// multiply-adds as the tile, so the distance conversion happens in registers, no second pass,
// and two identical rows are at distance exactly 0.
//
// AVX2 build: the same with 6 rows × 16 columns in 12 ymm accumulators. The plain build:
// R rows × 32 columns with fixed-size arrays the compiler maps onto vector registers,
// 32-aligned tiles, and a conversion pass afterwards.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "ward_kernels.h"

static constexpr uint32_t kGramCols = 32;

#if defined(__AVX2__) || defined(__AVX512F__)
// The vector width the ISA build's micro-kernel uses: 16 lanes (zmm) in the AVX-512 build, where
// 8 rows × 32 columns fill 16 of the 32 registers; 8 lanes (ymm) in the AVX2 build, where
// 6 rows × 16 columns fill 12 of the 16.
#if defined(__AVX512F__)
struct Lanes {
  using V = __m512;
  static constexpr uint32_t kWidth = 16;
  static constexpr int kRows = 8;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V splat(float v) { return _mm512_set1_ps(v); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  // max(gi + gj - 2 g, 0), the squared distance clamped at 0.
  static V distance(V gi, V gj, V g) {
    return _mm512_max_ps(_mm512_sub_ps(_mm512_add_ps(gi, gj), _mm512_add_ps(g, g)), _mm512_setzero_ps());
  }
  static float sum(V v) { return _mm512_reduce_add_ps(v); }
  static void storeFirst(float* p, V v, uint32_t count) {  // the first min(count, 16) lanes
    _mm512_mask_storeu_ps(p, count >= 16 ? __mmask16(0xffff) : __mmask16((1u << count) - 1u), v);
  }
};
#else
struct Lanes {
  using V = __m256;
  static constexpr uint32_t kWidth = 8;
  static constexpr int kRows = 6;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V splat(float v) { return _mm256_set1_ps(v); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V distance(V gi, V gj, V g) {
    return _mm256_max_ps(_mm256_sub_ps(_mm256_add_ps(gi, gj), _mm256_add_ps(g, g)), _mm256_setzero_ps());
  }
  static float sum(V v) {
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
  }
  static void storeFirst(float* p, V v, uint32_t count) {
    const __m256i keep = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(count < 8 ? count : 8)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    _mm256_maskstore_ps(p, keep, v);
  }
};
#endif

// Rows [i0, i0 + R) × columns [j0, j0 + C lanes) of the distance matrix.
template <int R, int C>
static inline void distTile(const float* __restrict x, uint32_t i0, uint32_t j0, uint32_t n, uint32_t npad, uint32_t dim,
                            const float* __restrict xt, const float* __restrict sq, float* __restrict out) {
  using V = Lanes::V;
  constexpr uint32_t W = Lanes::kWidth;
  V acc[R][C];
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) acc[r][c] = Lanes::zero();
  const float* __restrict xr = x + size_t(i0) * dim;
  const float* __restrict t = xt + j0;
  for (uint32_t k = 0; k < dim; ++k, t += npad) {
    V b[C];
    for (int c = 0; c < C; ++c) b[c] = Lanes::load(t + W * c);
    for (int r = 0; r < R; ++r) {
      const V a = Lanes::splat(xr[size_t(r) * dim + k]);
      for (int c = 0; c < C; ++c) acc[r][c] = Lanes::fma(a, b[c], acc[r][c]);
    }
  }
  for (int c = 0; c < C; ++c) {
    const uint32_t col = j0 + W * c;
    if (col >= n) break;
    const V gj = Lanes::load(sq + col);
    for (int r = 0; r < R; ++r)
      Lanes::storeFirst(out + size_t(i0 + r) * n + col, Lanes::distance(Lanes::splat(sq[i0 + r]), gj, acc[r][c]), n - col);
  }
}

// One block of R rows, from its diagonal to the last column: two-vector tiles, then a one-vector
// tile when no more than one vector's worth of columns is left.
template <int R>
struct RowBlock {
  static void run(const float* x, uint32_t i0, uint32_t n, uint32_t npad, uint32_t dim, const float* xt, const float* sq,
                  float* out) {
    constexpr uint32_t W = Lanes::kWidth;
    uint32_t j0 = i0;
    for (; j0 + W < n; j0 += 2 * W) distTile<R, 2>(x, i0, j0, n, npad, dim, xt, sq, out);
    if (j0 < n) distTile<R, 1>(x, i0, j0, n, npad, dim, xt, sq, out);
  }
};
static constexpr int kBlockRows = Lanes::kRows;
#else
template <int R>
static inline void gramTile(const float* __restrict x, uint32_t i0, uint32_t j0, uint32_t n, uint32_t npad, uint32_t dim,
                            const float* __restrict xt, float* __restrict out) {
  float acc[R][kGramCols];
  for (int r = 0; r < R; ++r)
    for (uint32_t c = 0; c < kGramCols; ++c) acc[r][c] = 0.f;
  for (uint32_t k = 0; k < dim; ++k) {
    const float* __restrict t = xt + size_t(k) * npad + j0;
    for (int r = 0; r < R; ++r) {
      const float a = x[size_t(i0 + r) * dim + k];
      for (uint32_t c = 0; c < kGramCols; ++c) acc[r][c] += a * t[c];
    }
  }
  const uint32_t cols = n - j0 < kGramCols ? n - j0 : kGramCols;
  for (int r = 0; r < R; ++r) std::memcpy(out + size_t(i0 + r) * n + j0, acc[r], cols * sizeof(float));
}
#endif

#if defined(__AVX2__) || defined(__AVX512F__)
// The last n % kBlockRows rows, as one block of that many rows (a compile-time count).
template <int R>
static inline void lastRows(uint32_t left, const float* x, uint32_t i0, uint32_t n, uint32_t npad, uint32_t dim,
                            const float* xt, const float* sq, float* out) {
  if constexpr (R > 0) {
    if (left == R) RowBlock<R>::run(x, i0, n, npad, dim, xt, sq, out);
    else lastRows<R - 1>(left, x, i0, n, npad, dim, xt, sq, out);
  }
}
#endif

// dst (8 x 8, row stride dstStride) = transpose of src (8 x 8, row stride srcStride).
#if defined(__AVX2__) || defined(__AVX512F__)
static inline void transposeBlock8(const float* __restrict src, size_t srcStride, float* __restrict dst, size_t dstStride) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + size_t(i) * srcStride);
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int h = 0; h < 8; h += 4) {
    r[h] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[h + 1] = _mm256_shuffle_ps(t[h], t[h + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[h + 2] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[h + 3] = _mm256_shuffle_ps(t[h + 1], t[h + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    _mm256_storeu_ps(dst + size_t(i) * dstStride, _mm256_permute2f128_ps(r[i], r[i + 4], 0x20));
    _mm256_storeu_ps(dst + size_t(i + 4) * dstStride, _mm256_permute2f128_ps(r[i], r[i + 4], 0x31));
  }
}
#endif

// Fills D's diagonal-and-above with squared Euclidean distances between the rows of x (n, dim).
// static: each TU keeps its own copy (different ISA flags), never one merged by the linker.
static inline void distanceUpper(const float* __restrict x, uint32_t n, uint32_t dim, float* __restrict out, float* __restrict xt) {
  const uint32_t npad = maxsim::mvindex::wardPaddedCols(n);
  float* __restrict sq = xt + size_t(npad) * dim;  // layout: (npad), zero past n
  // xt = xᵀ: whole 8 x 8 blocks through registers in the ISA builds, the ragged rest (and the
  // zero padding) element by element.
  uint32_t rows8 = 0, cols8 = 0;
#if defined(__AVX2__) || defined(__AVX512F__)
  rows8 = n / 8 * 8;
  cols8 = dim / 8 * 8;
  for (uint32_t i0 = 0; i0 < rows8; i0 += 8)
    for (uint32_t k0 = 0; k0 < cols8; k0 += 8) transposeBlock8(x + size_t(i0) * dim + k0, dim, xt + size_t(k0) * npad + i0, npad);
#endif
  for (uint32_t k = 0; k < dim; ++k) {
    float* t = xt + size_t(k) * npad;
    for (uint32_t i = (k < cols8 ? rows8 : 0); i < n; ++i) t[i] = x[size_t(i) * dim + k];
    for (uint32_t i = n; i < npad; ++i) t[i] = 0.f;
  }
#if defined(__AVX2__) || defined(__AVX512F__)
  // g_ii in the tiles' own order: k ascending, one fused multiply-add each (std::fma rounds once,
  // as the kernels' FMAs do, so the diagonal matches them bit for bit).
  for (uint32_t i = 0; i < npad; ++i) sq[i] = 0.f;
  for (uint32_t k = 0; k < dim; ++k) {
    const float* __restrict t = xt + size_t(k) * npad;
    for (uint32_t i = 0; i < npad; ++i) sq[i] = std::fma(t[i], t[i], sq[i]);
  }
  uint32_t i0 = 0;
  for (; i0 + kBlockRows <= n; i0 += kBlockRows) RowBlock<kBlockRows>::run(x, i0, n, npad, dim, xt, sq, out);
  lastRows<kBlockRows - 1>(n - i0, x, i0, n, npad, dim, xt, sq, out);
#else
  constexpr int R = 4;
  uint32_t i0 = 0;
  for (; i0 + R <= n; i0 += R)
    for (uint32_t j0 = i0 / kGramCols * kGramCols; j0 < n; j0 += kGramCols) gramTile<R>(x, i0, j0, n, npad, dim, xt, out);
  for (; i0 < n; ++i0)
    for (uint32_t j0 = i0 / kGramCols * kGramCols; j0 < n; j0 += kGramCols) gramTile<1>(x, i0, j0, n, npad, dim, xt, out);
  // The diagonal (squared norms) goes to a contiguous row first so the conversion loop is
  // unit-stride and vectorises.
  for (uint32_t i = 0; i < n; ++i) sq[i] = out[size_t(i) * n + i];
  for (uint32_t i = 0; i < n; ++i) {
    const float gii = sq[i];
    float* __restrict row = out + size_t(i) * n;
    for (uint32_t j = i + 1; j < n; ++j) {
      const float d = gii + sq[j] - 2.f * row[j];
      row[j] = d > 0.f ? d : 0.f;
    }
  }
#endif
}

namespace maxsim::mvindex {

// Minimum of d + mask and the lowest index reaching it (0xffffffff when every entry is +inf).
// It is the inner loop of the agglomeration, so the ISA builds get explicit vector code (the
// compiler does not vectorise an argmin without -ffast-math); the plain build a portable loop.
static inline float rowArgMin(const float* __restrict d, const float* __restrict mask, uint32_t n, uint32_t* at) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  float best = kInf;
  uint32_t bi = 0xffffffffu;
  uint32_t x = 0;
#if defined(__AVX512F__)
  if (n >= 16) {
    __m512 vb = _mm512_set1_ps(kInf);
    __m512i vi = _mm512_set1_epi32(-1);
    __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i step = _mm512_set1_epi32(16);
    for (; x + 16 <= n; x += 16) {
      const __m512 v = _mm512_add_ps(_mm512_loadu_ps(d + x), _mm512_loadu_ps(mask + x));
      const __mmask16 lt = _mm512_cmp_ps_mask(v, vb, _CMP_LT_OQ);  // strict: a lane keeps its first minimum
      vb = _mm512_mask_mov_ps(vb, lt, v);
      vi = _mm512_mask_mov_epi32(vi, lt, idx);
      idx = _mm512_add_epi32(idx, step);
    }
    best = _mm512_reduce_min_ps(vb);
    const __mmask16 eq = _mm512_cmp_ps_mask(vb, _mm512_set1_ps(best), _CMP_EQ_OQ);
    bi = best < kInf ? static_cast<uint32_t>(_mm512_mask_reduce_min_epu32(eq, vi)) : 0xffffffffu;
  }
#elif defined(__AVX2__)
  if (n >= 8) {
    __m256 vb = _mm256_set1_ps(kInf);
    __m256i vi = _mm256_set1_epi32(-1);
    __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i step = _mm256_set1_epi32(8);
    for (; x + 8 <= n; x += 8) {
      const __m256 v = _mm256_add_ps(_mm256_loadu_ps(d + x), _mm256_loadu_ps(mask + x));
      const __m256 lt = _mm256_cmp_ps(v, vb, _CMP_LT_OQ);
      vb = _mm256_blendv_ps(vb, v, lt);
      vi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(vi), _mm256_castsi256_ps(idx), lt));
      idx = _mm256_add_epi32(idx, step);
    }
    alignas(32) float lv[8];
    alignas(32) uint32_t li[8];
    _mm256_store_ps(lv, vb);
    _mm256_store_si256(reinterpret_cast<__m256i*>(li), vi);
    for (int l = 0; l < 8; ++l)
      if (lv[l] < best || (lv[l] == best && li[l] < bi)) { best = lv[l]; bi = li[l]; }
  }
#endif
  // The rest (or all of it in the plain build); later indices win only on a strict improvement.
  for (; x < n; ++x) {
    const float v = d[x] + mask[x];
    if (v < best) { best = v; bi = x; }
  }
  *at = bi;
  return best;
}

// Mirrors the upper triangle of (n, n) into the lower one. The ISA builds move whole 8 x 8
// blocks through registers (8 loads and 8 contiguous stores instead of 64 strided scalar
// stores); diagonal blocks and the ragged edge go element by element.
static inline void mirrorUpper(float* __restrict D, uint32_t n) {
  uint32_t full = 0;  // rows and columns below `full` go by whole off-diagonal blocks
#if defined(__AVX2__) || defined(__AVX512F__)
  constexpr uint32_t T = 8;
  full = n / T * T;
  for (uint32_t i0 = 0; i0 < full; i0 += T)
    for (uint32_t j0 = i0 + T; j0 < full; j0 += T) transposeBlock8(D + size_t(i0) * n + j0, n, D + size_t(j0) * n + i0, n);
  for (uint32_t i0 = 0; i0 < full; i0 += T)  // diagonal blocks
    for (uint32_t i = i0; i < i0 + T; ++i)
      for (uint32_t j = i + 1; j < i0 + T; ++j) D[size_t(j) * n + i] = D[size_t(i) * n + j];
#endif
  for (uint32_t i = 0; i < n; ++i)  // columns from `full` on (every pair in the plain build)
    for (uint32_t j = (full > i + 1 ? full : i + 1); j < n; ++j) D[size_t(j) * n + i] = D[size_t(i) * n + j];
}

// After a merge into `keep`: rows whose cached neighbour was a or b go stale (their cached
// distance a lower bound); the others take the merged cluster if it is closer than their cached
// minimum (reducibility says it cannot be, kept for rounding). Branch-free; explicit vector code
// in the AVX2 build, where the compiler's version branched on every element. The AVX-512 build
// does this inside mergeRows512 instead.
static inline void updateNeighbours(const float* __restrict dk, const float* __restrict mask, uint32_t n, uint32_t a,
                                    uint32_t b, uint32_t keep, float* __restrict nnDist, uint32_t* __restrict nn,
                                    uint32_t* __restrict stale) {
  uint32_t x = 0;
#if defined(__AVX2__)
  const __m256i va = _mm256_set1_epi32(int(a)), vb = _mm256_set1_epi32(int(b)), vk = _mm256_set1_epi32(int(keep));
  const __m256i one = _mm256_set1_epi32(1);
  for (; x + 8 <= n; x += 8) {
    const __m256 c = _mm256_add_ps(_mm256_loadu_ps(dk + x), _mm256_loadu_ps(mask + x));
    const __m256i cur = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(nn + x));
    const __m256i lost = _mm256_or_si256(_mm256_cmpeq_epi32(cur, va), _mm256_cmpeq_epi32(cur, vb));
    const __m256 nd = _mm256_loadu_ps(nnDist + x);
    const __m256 better = _mm256_cmp_ps(c, nd, _CMP_LT_OQ);
    _mm256_storeu_ps(nnDist + x, _mm256_blendv_ps(nd, c, better));
    const __m256i take = _mm256_andnot_si256(lost, _mm256_castps_si256(better));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(nn + x),
                        _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(cur), _mm256_castsi256_ps(vk), _mm256_castsi256_ps(take))));
    const __m256i st = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(stale + x));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(stale + x), _mm256_or_si256(st, _mm256_and_si256(lost, one)));
  }
#endif
  for (; x < n; ++x) {
    const float c = dk[x] + mask[x];
    const uint32_t lost = (nn[x] == a) | (nn[x] == b);
    const bool better = c < nnDist[x];
    nnDist[x] = better ? c : nnDist[x];
    nn[x] = better && !lost ? keep : nn[x];
    stale[x] |= lost;
  }
}

#if defined(__AVX512F__)
// The AVX-512 build does a merge's three passes over the kept row in one: the Lance-Williams
// update (+inf at `keep`), its minimum (lowest index on a tie, as rowArgMin), and
// updateNeighbours. Returns the row's minimum and writes its index to *at; the caller then sets
// keep's own neighbour state, which the pass may have marked.
static inline float mergeRows512(float* __restrict Dk, const float* __restrict Do, const float* __restrict sz,
                                 const float* __restrict mask, uint32_t n, float nk, float no, float best, uint32_t a,
                                 uint32_t b, uint32_t keep, float* __restrict nnDist, uint32_t* __restrict nn,
                                 uint32_t* __restrict stale, uint32_t* at) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const __m512 vnk = _mm512_set1_ps(nk), vno = _mm512_set1_ps(no), vbest = _mm512_set1_ps(best);
  const __m512 vtot = _mm512_set1_ps(nk + no), inf = _mm512_set1_ps(kInf);
  const __m512i va = _mm512_set1_epi32(int(a)), vb = _mm512_set1_epi32(int(b)), vk = _mm512_set1_epi32(int(keep));
  const __m512i one = _mm512_set1_epi32(1), step = _mm512_set1_epi32(16);
  __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512 minV = inf;
  __m512i minI = _mm512_set1_epi32(-1);
  uint32_t x = 0;
  for (; x < n; x += 16, idx = _mm512_add_epi32(idx, step)) {
    const __mmask16 live = n - x >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - x)) - 1u);
    const __m512 nx = _mm512_maskz_loadu_ps(live, sz + x);
    const __m512 dk = _mm512_maskz_loadu_ps(live, Dk + x), dO = _mm512_maskz_loadu_ps(live, Do + x);
    __m512 v = _mm512_mul_ps(_mm512_add_ps(vnk, nx), dk);
    v = _mm512_fmadd_ps(_mm512_add_ps(vno, nx), dO, v);
    v = _mm512_fnmadd_ps(nx, vbest, v);
    v = _mm512_div_ps(v, _mm512_add_ps(vtot, nx));
    v = _mm512_mask_mov_ps(v, _mm512_cmpeq_epi32_mask(idx, vk), inf);
    _mm512_mask_storeu_ps(Dk + x, live, v);
    const __m512 c = _mm512_mask_add_ps(inf, live, v, _mm512_maskz_loadu_ps(live, mask + x));
    const __mmask16 lt = _mm512_cmp_ps_mask(c, minV, _CMP_LT_OQ);
    minV = _mm512_mask_mov_ps(minV, lt, c);
    minI = _mm512_mask_mov_epi32(minI, lt, idx);
    const __m512i cur = _mm512_maskz_loadu_epi32(live, nn + x);
    const __mmask16 lost = live & (_mm512_cmpeq_epi32_mask(cur, va) | _mm512_cmpeq_epi32_mask(cur, vb));
    const __mmask16 better = live & _mm512_cmp_ps_mask(c, _mm512_maskz_loadu_ps(live, nnDist + x), _CMP_LT_OQ);
    _mm512_mask_storeu_ps(nnDist + x, better, c);
    _mm512_mask_storeu_epi32(nn + x, better & ~lost, vk);
    const __m512i st = _mm512_maskz_loadu_epi32(live, stale + x);
    _mm512_mask_storeu_epi32(stale + x, live, _mm512_mask_or_epi32(st, lost, st, one));
  }
  const float lowest = _mm512_reduce_min_ps(minV);
  const __mmask16 eq = _mm512_cmp_ps_mask(minV, _mm512_set1_ps(lowest), _CMP_EQ_OQ);
  *at = lowest < kInf ? static_cast<uint32_t>(_mm512_mask_reduce_min_epu32(eq, minI)) : 0xffffffffu;
  return lowest;
}
#endif

// sum of r[c]^2: explicit vectors in the ISA builds (the compiler keeps a float reduction in
// order, so it would not vectorise this), a plain loop otherwise.
static inline float sumSquares(const float* __restrict r, uint32_t dim) {
  uint32_t c = 0;
  float s = 0.f;
#if defined(__AVX2__) || defined(__AVX512F__)
  constexpr uint32_t W = Lanes::kWidth;
  Lanes::V a0 = Lanes::zero(), a1 = Lanes::zero();
  for (; c + 2 * W <= dim; c += 2 * W) {
    const Lanes::V v0 = Lanes::load(r + c), v1 = Lanes::load(r + c + W);
    a0 = Lanes::fma(v0, v0, a0);
    a1 = Lanes::fma(v1, v1, a1);
  }
  for (; c + W <= dim; c += W) {
    const Lanes::V v = Lanes::load(r + c);
    a0 = Lanes::fma(v, v, a0);
  }
  s = Lanes::sum(a0) + Lanes::sum(a1);
#endif
  for (; c < dim; ++c) s += r[c] * r[c];
  return s;
}

static inline void unitRowsBody(const float* __restrict rows, uint32_t n, uint32_t dim, float* __restrict unit) {
  for (uint32_t i = 0; i < n; ++i) {
    const float* __restrict r = rows + size_t(i) * dim;
    const float ss = sumSquares(r, dim);
    const float inv = ss > 0.f ? 1.f / std::sqrt(ss) : 0.f;
    float* __restrict u = unit + size_t(i) * dim;
    for (uint32_t c = 0; c < dim; ++c) u[c] = r[c] * inv;
  }
}

static inline void clusterMeansBody(const float* __restrict rows, uint32_t n, uint32_t dim, const uint32_t* __restrict labels,
                                    uint32_t k, float* __restrict out, uint32_t* __restrict counts) {
  for (uint32_t c = 0; c < k; ++c) counts[c] = 0;
  for (uint32_t i = 0; i < n; ++i) {
    float* __restrict dst = out + size_t(labels[i]) * dim;
    const float* __restrict r = rows + size_t(i) * dim;
    for (uint32_t d = 0; d < dim; ++d) dst[d] += r[d];
    counts[labels[i]]++;
  }
  for (uint32_t c = 0; c < k; ++c) {
    const float inv = 1.f / float(counts[c]);
    float* __restrict dst = out + size_t(c) * dim;
    for (uint32_t d = 0; d < dim; ++d) dst[d] *= inv;
  }
}

static inline void wardBody(const float* __restrict unit, uint32_t n, uint32_t dim, uint32_t k, const WardBuffers& s,
                            WardMerge* merges) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  // layout: D (n, n) row-major, symmetric; squared Euclidean between unit rows, +inf on the
  // diagonal so a row's minimum is never itself.
  float* __restrict D = s.dist;
  float* __restrict sz = s.size;
  distanceUpper(unit, n, dim, D, s.transposed);
  // Rows standing for several identical points start as clusters of that size: Ward's cost
  // between clusters of sizes a and b is 2ab / (a + b) times their centres' squared distance
  // (1 for two single points).
  bool weighted = false;
  for (uint32_t i = 0; i < n; ++i) weighted |= sz[i] != 1.f;
  if (weighted)
    for (uint32_t i = 0; i < n; ++i) {
      const float wi = sz[i];
      float* __restrict row = D + size_t(i) * n;
      for (uint32_t j = i + 1; j < n; ++j) row[j] *= 2.f * wi * sz[j] / (wi + sz[j]);
    }
  for (uint32_t i = 0; i < n; ++i) D[size_t(i) * n + i] = kInf;
  mirrorUpper(D, n);

  // Greedy agglomeration with cached nearest neighbours (Müllner's "generic" scheme), stopped
  // after the n - k merges pooling needs (the full dendrogram is never built). Ward is
  // reducible: merging a and b never brings the merged cluster closer to any x than
  // min(d(x, a), d(x, b)). So when x's cached neighbour is merged away, its cached distance
  // stays a lower bound of its true nearest distance: x is only marked stale, and its row is
  // rescanned if and when that bound comes out as the global minimum. Dead clusters are
  // hidden by `mask` (+inf) at scan time.
  //
  // A merge rewrites only the kept cluster's row, not its column: n scattered stores a merge
  // (one cache line each) cost more than all the rest of the merge. Instead a row is brought
  // up to date when it is read (as a merge's pair, or rescanned): `synced[r]` is the merge
  // step its row is current up to, and for each later merge s, d(r, keep_s) is copied from
  // keep_s's row, which that merge wrote. Rows of dead clusters are never read again, and
  // many live rows are never read at all, so most of those copies never happen.
  float* __restrict mask = s.mask;
  float* __restrict nnDist = s.nnDist;
  uint32_t* __restrict nn = s.nn;
  uint32_t* __restrict stale = s.stale;
  uint32_t* __restrict synced = s.synced;
  uint32_t* __restrict keeps = s.keeps;  // keeps[t]: the cluster merge t kept
  for (uint32_t i = 0; i < n; ++i) {
    mask[i] = 0.f;
    stale[i] = 0;
    synced[i] = 0;
  }
  const auto syncRow = [&](uint32_t r, uint32_t step) {
    float* __restrict row = D + size_t(r) * n;
    // Branch-free: keep_t is never r itself (r's own merge left synced[r] past t), and a
    // copy into a dead cluster's column is harmless, as that column is masked from then on.
    uint32_t t = synced[r];
    for (; t < step; ++t) row[keeps[t]] = D[size_t(keeps[t]) * n + r];
    synced[r] = step;
  };
  for (uint32_t i = 0; i < n; ++i) nnDist[i] = rowArgMin(D + size_t(i) * n, mask, n, &nn[i]);
  const uint32_t steps = n > k ? n - k : 0;
  for (uint32_t m = 0; m < steps; ++m) {
    uint32_t a;
    float best = rowArgMin(nnDist, mask, n, &a);
    while (stale[a]) {  // a lower bound came out on top: make it exact and look again
      syncRow(a, m);
      nnDist[a] = rowArgMin(D + size_t(a) * n, mask, n, &nn[a]);
      stale[a] = 0;
      best = rowArgMin(nnDist, mask, n, &a);
    }
    const uint32_t b = nn[a];
    const uint32_t keep = a < b ? a : b, gone = a < b ? b : a;
    const float na = sz[a], nb = sz[b];
    syncRow(keep, m);
    syncRow(gone, m);
    // Lance–Williams for Ward on squared distances, written in place over the kept cluster's
    // row (each element reads both rows at x before writing x, so it vectorises).
    float* __restrict Dk = D + size_t(keep) * n;
    const float* __restrict Do = D + size_t(gone) * n;
    const float nk = keep == a ? na : nb, no = keep == a ? nb : na;
    mask[gone] = kInf;
    synced[keep] = m + 1;
#if defined(__AVX512F__)
    uint32_t nearest;  // not &nn[keep]: nn is a restrict argument of the same call
    nnDist[keep] = mergeRows512(Dk, Do, sz, mask, n, nk, no, best, a, b, keep, nnDist, nn, stale, &nearest);
    nn[keep] = nearest;
    sz[keep] = na + nb;
#else
    for (uint32_t x = 0; x < n; ++x) {
      const float nx = sz[x];
      Dk[x] = ((nk + nx) * Dk[x] + (no + nx) * Do[x] - nx * best) / (na + nb + nx);
    }
    Dk[keep] = kInf;
    sz[keep] = na + nb;
    nnDist[keep] = rowArgMin(Dk, mask, n, &nn[keep]);
    updateNeighbours(Dk, mask, n, a, b, keep, nnDist, nn, stale);
#endif
    stale[keep] = 0;
    keeps[m] = keep;
    merges[m] = WardMerge{a, b, best};
  }
}

}  // namespace maxsim::mvindex
