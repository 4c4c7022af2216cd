// The f32 distance matrix of token pooling: squared Euclidean distances between a document's
// unit rows, from their Gram, the O(n^2 d) bulk of pooling. Included by ward_impl.h, so it is
// compiled once per ISA build; everything here is static (internal linkage).
//
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
