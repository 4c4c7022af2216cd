// The greedy Ward body shared by ward_kernels.cpp, ward_kernels_avx2.cpp, ward_kernels_avx512.cpp
// and ward_kernels_avx512_vnni.cpp; each includes it and compiles it with its own ISA flags.
// Everything here is static (internal linkage) so no copy compiled for one ISA is shared with
// another. The distance matrices it starts from are built by ward_gram_f32.h (unit rows) and
// ward_gram_int8.h (8-bit codes).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "ward_gram_f32.h"
#include "ward_gram_int8.h"
#include "ward_kernels.h"

namespace maxsim::mvindex {

#if defined(__AVX512F__)
// A float's bits as an unsigned key in the float's order (negatives flipped whole, the rest
// with the sign bit set), and back. Packed over a 32-bit index, the smallest 64-bit key is the
// smallest value at its lowest index, so a minimum and its position come out of one chain of
// independent vpminuq, not a compare-and-blend chain that serialises every vector of the row.
static inline __m512i orderedBits(__m512 v) {
  const __m512i b = _mm512_castps_si512(v);
  return _mm512_xor_si512(b, _mm512_or_si512(_mm512_srai_epi32(b, 31), _mm512_set1_epi32(int(0x80000000u))));
}
static inline float orderedBitsValue(uint64_t key) {
  uint32_t bits = uint32_t(key >> 32);
  bits = (bits & 0x80000000u) ? (bits ^ 0x80000000u) : ~bits;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
// Folds 16 values into two accumulators of (value, index) keys: lanes 0,1,4,5,.. and 2,3,6,7,..
static inline void minKeys(__m512 v, __m512i idx, __m512i& lo, __m512i& hi) {
  const __m512i k = orderedBits(v);
  lo = _mm512_min_epu64(lo, _mm512_unpacklo_epi32(idx, k));
  hi = _mm512_min_epu64(hi, _mm512_unpackhi_epi32(idx, k));
}
static inline float keysArgMin(__m512i lo, __m512i hi, uint32_t* at) {
  const uint64_t key = _mm512_reduce_min_epu64(_mm512_min_epu64(lo, hi));
  const float best = orderedBitsValue(key);
  *at = best < std::numeric_limits<float>::infinity() ? uint32_t(key) : 0xffffffffu;
  return best;
}
#endif

// Minimum of d + mask and the lowest index reaching it (0xffffffff when every entry is +inf).
// It is the inner loop of the agglomeration, so the ISA builds get explicit vector code (the
// compiler does not vectorise an argmin without -ffast-math); the plain build a portable loop.
// The AVX-512 build reads whole vectors up to n rounded up to 16: agglomerate pads `mask` with
// +inf there and leaves finite slack after the last row of D (see WardBuffers).
static inline float rowArgMin(const float* __restrict d, const float* __restrict mask, uint32_t n, uint32_t* at) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
#if defined(__AVX512F__)
  (void)kInf;
  // Two pairs of accumulators, so consecutive vectors fold into independent chains.
  __m512i lo0 = _mm512_set1_epi64(-1), hi0 = lo0, lo1 = lo0, hi1 = lo0;
  __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i step = _mm512_set1_epi32(16);
  uint32_t x = 0;
  for (; x + 16 < n; x += 32) {
    const __m512i idx1 = _mm512_add_epi32(idx, step);
    minKeys(_mm512_add_ps(_mm512_loadu_ps(d + x), _mm512_loadu_ps(mask + x)), idx, lo0, hi0);
    minKeys(_mm512_add_ps(_mm512_loadu_ps(d + x + 16), _mm512_loadu_ps(mask + x + 16)), idx1, lo1, hi1);
    idx = _mm512_add_epi32(idx1, step);
  }
  if (x < n) minKeys(_mm512_add_ps(_mm512_loadu_ps(d + x), _mm512_loadu_ps(mask + x)), idx, lo0, hi0);
  return keysArgMin(_mm512_min_epu64(lo0, lo1), _mm512_min_epu64(hi0, hi1), at);
#else
  float best = kInf;
  uint32_t bi = 0xffffffffu;
  uint32_t x = 0;
#if defined(__AVX2__)
  if (n >= 8) {
    __m256 vb = _mm256_set1_ps(kInf);
    __m256i vi = _mm256_set1_epi32(-1);
    __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i step = _mm256_set1_epi32(8);
    for (; x + 8 <= n; x += 8) {
      const __m256 v = _mm256_add_ps(_mm256_loadu_ps(d + x), _mm256_loadu_ps(mask + x));
      const __m256 lt = _mm256_cmp_ps(v, vb, _CMP_LT_OQ);  // strict: a lane keeps its first minimum
      vb = _mm256_blendv_ps(vb, v, lt);
      vi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(vi), _mm256_castsi256_ps(idx), lt));
      idx = _mm256_add_epi32(idx, step);
    }
    if (x < n) {
      // The ragged end as one masked vector: a scalar loop here is a chain of up to 7
      // dependent compares on the merge's critical path.
      const __m256i in = _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n - x)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
      const __m256 v = _mm256_blendv_ps(_mm256_set1_ps(kInf), _mm256_add_ps(_mm256_maskload_ps(d + x, in), _mm256_maskload_ps(mask + x, in)),
                                        _mm256_castsi256_ps(in));
      const __m256 lt = _mm256_cmp_ps(v, vb, _CMP_LT_OQ);
      vb = _mm256_blendv_ps(vb, v, lt);
      vi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(vi), _mm256_castsi256_ps(idx), lt));
      x = n;
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
#endif
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

// Lance–Williams for Ward on squared distances, written in place over the kept cluster's row
// (each element reads both rows at x before writing x, so it vectorises). Every build rounds
// each operation on its own, in this order: contracting a product into an FMA (GCC does by
// default in the FMA-capable builds, intrinsics included) rounds differently, and the builds
// must agree bit for bit, since a merge cost one ulp apart can order two merges differently.
// The fp-contract region below covers this and mergeRows512.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#endif
static inline void lanceWilliamsRow(float* __restrict Dk, const float* __restrict Do, const float* __restrict sz, uint32_t n,
                                    float nk, float no, float best) {
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  for (uint32_t x = 0; x < n; ++x) {
    const float nx = sz[x];
    Dk[x] = ((nk + nx) * Dk[x] + (no + nx) * Do[x] - nx * best) / (nk + no + nx);
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
#if defined(__clang__)
#pragma clang fp contract(off)
#endif
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const __m512 vnk = _mm512_set1_ps(nk), vno = _mm512_set1_ps(no), vbest = _mm512_set1_ps(best);
  const __m512 vtot = _mm512_set1_ps(nk + no), inf = _mm512_set1_ps(kInf);
  const __m512i va = _mm512_set1_epi32(int(a)), vb = _mm512_set1_epi32(int(b)), vk = _mm512_set1_epi32(int(keep));
  const __m512i one = _mm512_set1_epi32(1), step = _mm512_set1_epi32(16);
  __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  __m512i lo = _mm512_set1_epi64(-1), hi = lo;
  uint32_t x = 0;
  for (; x < n; x += 16, idx = _mm512_add_epi32(idx, step)) {
    const __mmask16 live = n - x >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - x)) - 1u);
    const __m512 nx = _mm512_maskz_loadu_ps(live, sz + x);
    const __m512 dk = _mm512_maskz_loadu_ps(live, Dk + x), dO = _mm512_maskz_loadu_ps(live, Do + x);
    // lanceWilliamsRow's operations in its order, each rounded on its own (no FMA).
    __m512 v = _mm512_add_ps(_mm512_mul_ps(_mm512_add_ps(vnk, nx), dk), _mm512_mul_ps(_mm512_add_ps(vno, nx), dO));
    v = _mm512_sub_ps(v, _mm512_mul_ps(nx, vbest));
    v = _mm512_div_ps(v, _mm512_add_ps(vtot, nx));
    v = _mm512_mask_mov_ps(v, _mm512_cmpeq_epi32_mask(idx, vk), inf);
    _mm512_mask_storeu_ps(Dk + x, live, v);
    const __m512 c = _mm512_mask_add_ps(inf, live, v, _mm512_maskz_loadu_ps(live, mask + x));
    minKeys(c, idx, lo, hi);
    // nnDist, nn and stale are padded to whole vectors (WardBuffers), so these are plain
    // full-width loads and stores: the next merge's scan of nnDist reads them straight back,
    // and a load cannot be forwarded from a masked store.
    const __m512i cur = _mm512_loadu_si512(nn + x);
    const __mmask16 lost = live & (_mm512_cmpeq_epi32_mask(cur, va) | _mm512_cmpeq_epi32_mask(cur, vb));
    const __m512 nd = _mm512_loadu_ps(nnDist + x);
    const __mmask16 better = live & _mm512_cmp_ps_mask(c, nd, _CMP_LT_OQ);
    _mm512_storeu_ps(nnDist + x, _mm512_mask_mov_ps(nd, better, c));
    _mm512_storeu_si512(nn + x, _mm512_mask_mov_epi32(cur, better & ~lost, vk));
    const __m512i st = _mm512_loadu_si512(stale + x);
    _mm512_storeu_si512(stale + x, _mm512_mask_or_epi32(st, lost, st, one));
  }
  return keysArgMin(lo, hi, at);
}
#endif
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC pop_options  // fp-contract, from lanceWilliamsRow on
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
    float* __restrict u = unit + size_t(i) * dim;
    if (ss >= 1e-30f && ss <= 1e30f) {
      const float inv = 1.f / std::sqrt(ss);
      for (uint32_t c = 0; c < dim; ++c) u[c] = r[c] * inv;
      continue;
    }
    // The f32 sum overflows past ~1e19 a component (the row would become a zero row) and
    // underflows below ~1e-19: such rows take it in double (a zero row stays zero).
    double s = 0.0;
    for (uint32_t c = 0; c < dim; ++c) s += double(r[c]) * double(r[c]);
    const double inv = s > 0.0 ? 1.0 / std::sqrt(s) : 0.0;
    for (uint32_t c = 0; c < dim; ++c) u[c] = float(double(r[c]) * inv);
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
    uint32_t overflowed = 0;
    for (uint32_t d = 0; d < dim; ++d) {
      dst[d] *= inv;
      uint32_t bits;
      std::memcpy(&bits, dst + d, 4);
      overflowed |= uint32_t((bits & 0x7f800000u) == 0x7f800000u);
    }
    if (!overflowed) continue;
    // The f32 sum of finite rows overflowed (values near 3.4e38), though their mean cannot:
    // this cluster is summed again in double, which holds the sum of up to 2^960 such rows.
    for (uint32_t d = 0; d < dim; ++d) {
      double sum = 0.0;
      for (uint32_t i = 0; i < n; ++i)
        if (labels[i] == c) sum += double(rows[size_t(i) * dim + d]);
      dst[d] = float(sum / double(counts[c]));
    }
  }
}

// Greedy Ward from D's diagonal and upper triangle (squared distances between the n points).
static inline void agglomerate(uint32_t n, uint32_t k, const WardBuffers& s, WardMerge* merges) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  // layout: D (n, n) row-major, symmetric once mirrored; +inf on the diagonal so a row's
  // minimum is never itself.
  float* __restrict D = s.dist;
  float* __restrict sz = s.size;
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
  // The padding past n (WardBuffers): never a minimum, never anyone's neighbour.
  for (uint32_t i = n; i < wardPaddedLen(n); ++i) {
    mask[i] = kInf;
    nnDist[i] = kInf;
    nn[i] = 0xffffffffu;
    stale[i] = 0;
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
    // The merged cluster's distances overwrite the kept one's row (lanceWilliamsRow).
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
    lanceWilliamsRow(Dk, Do, sz, n, nk, no, best);
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

static inline void wardBody(const float* __restrict unit, uint32_t n, uint32_t dim, uint32_t k, const WardBuffers& s,
                            WardMerge* merges) {
  distanceUpper(unit, n, dim, s.dist, s.transposed);
  agglomerate(n, k, s, merges);
}

static inline void wardBodyInt8(const int8_t* __restrict codes, uint32_t n, uint32_t dim, uint32_t k, const WardBuffers& s,
                                WardMerge* merges) {
  int8DistanceUpper(codes, n, dim, int8CodeStride(dim), s.dist, s.transposed);
  agglomerate(n, k, s, merges);
}

}  // namespace maxsim::mvindex
