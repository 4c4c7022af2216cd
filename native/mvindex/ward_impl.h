// The Ward dendrogram body shared by ward_kernels.cpp, ward_kernels_avx2.cpp and
// ward_kernels_avx512.cpp; each includes it and compiles it with its own ISA flags. Everything
// here is static (internal linkage) so no copy compiled for one ISA is shared with another.
//
// Gram, register-blocked: xt = rowsᵀ padded to npad columns, layout (dim, npad). A tile of R output
// rows × 32 columns keeps its R·32 sums in registers over the whole k loop (fixed-size arrays
// the compiler maps onto vector registers), so each xt load feeds R FMAs and nothing is
// written until the tile is done. Only tiles on or above the diagonal are computed; the lower
// triangle is left to the caller.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

#include "ward_kernels.h"

static constexpr uint32_t kGramCols = 32;

static inline uint32_t gramPaddedCols(uint32_t n) { return (n + kGramCols - 1) / kGramCols * kGramCols; }

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

// static: each TU keeps its own copy (different ISA flags), never one merged by the linker.
static inline void gramBody(const float* __restrict x, uint32_t n, uint32_t dim, float* __restrict out, float* __restrict xt) {
  const uint32_t npad = gramPaddedCols(n);
  for (uint32_t k = 0; k < dim; ++k) {
    float* t = xt + size_t(k) * npad;
    for (uint32_t i = 0; i < n; ++i) t[i] = x[size_t(i) * dim + k];
    for (uint32_t i = n; i < npad; ++i) t[i] = 0.f;
  }
  constexpr int R = 4;
  uint32_t i0 = 0;
  for (; i0 + R <= n; i0 += R)
    for (uint32_t j0 = i0 / kGramCols * kGramCols; j0 < n; j0 += kGramCols) gramTile<R>(x, i0, j0, n, npad, dim, xt, out);
  for (; i0 < n; ++i0)
    for (uint32_t j0 = i0 / kGramCols * kGramCols; j0 < n; j0 += kGramCols) gramTile<1>(x, i0, j0, n, npad, dim, xt, out);
}

namespace maxsim::mvindex {

// Minimum of d + mask and the lowest index reaching it, written so it vectorises without
// -ffast-math: 16 independent lanes, each keeping its first minimum (strict <).
static inline float rowArgMin(const float* __restrict d, const float* __restrict mask, uint32_t n, uint32_t* at) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  float m[16];
  uint32_t idx[16];
  for (int l = 0; l < 16; ++l) {
    m[l] = kInf;
    idx[l] = 0xffffffffu;
  }
  uint32_t x = 0;
  for (; x + 16 <= n; x += 16)
    for (int l = 0; l < 16; ++l) {
      const float v = d[x + l] + mask[x + l];
      const bool lt = v < m[l];
      m[l] = lt ? v : m[l];
      idx[l] = lt ? x + l : idx[l];
    }
  float best = kInf;
  uint32_t bi = 0xffffffffu;
  for (; x < n; ++x) {
    const float v = d[x] + mask[x];
    if (v < best) { best = v; bi = x; }
  }
  for (int l = 0; l < 16; ++l)
    if (m[l] < best || (m[l] == best && idx[l] < bi)) { best = m[l]; bi = idx[l]; }
  *at = bi;
  return best;
}

// Mirrors the upper triangle of (n, n) into the lower one, in 32 x 32 blocks so both sides
// stay in cache.
static inline void mirrorUpper(float* __restrict D, uint32_t n) {
  constexpr uint32_t B = 32;
  for (uint32_t i0 = 0; i0 < n; i0 += B)
    for (uint32_t j0 = i0; j0 < n; j0 += B) {
      const uint32_t i1 = i0 + B < n ? i0 + B : n, j1 = j0 + B < n ? j0 + B : n;
      for (uint32_t i = i0; i < i1; ++i)
        for (uint32_t j = (j0 > i + 1 ? j0 : i + 1); j < j1; ++j) D[size_t(j) * n + i] = D[size_t(i) * n + j];
    }
}

// Brings row r up to date with every merge logged since it was last read: the kept cluster's
// row holds the new distance (merged rows are recomputed whole, so they are always fresh).
static inline void refreshRow(float* __restrict D, uint32_t n, uint32_t r, const uint32_t* log, uint32_t logLen, uint32_t* stamp) {
  float* __restrict row = D + size_t(r) * n;
  for (uint32_t e = stamp[r]; e < logLen; ++e) {
    const uint32_t k = log[e];
    if (k != r) row[k] = D[size_t(k) * n + r];
  }
  stamp[r] = logLen;
}

static inline void wardBody(const float* __restrict unit, uint32_t n, uint32_t dim, const WardBuffers& s, WardMerge* merges) {
  constexpr float kInf = std::numeric_limits<float>::infinity();
  constexpr uint32_t kNone = 0xffffffffu;
  // layout: D (n, n) row-major, symmetric; squared Euclidean between unit rows, +inf on the
  // diagonal so a row's minimum is never itself.
  float* __restrict D = s.dist;
  gramBody(unit, n, dim, D, s.transposed);
  // The diagonal (squared norms) goes to a contiguous scratch row first so the conversion
  // loop below is unit-stride and vectorises.
  float* __restrict diag = s.size;
  for (uint32_t i = 0; i < n; ++i) diag[i] = D[size_t(i) * n + i];
  for (uint32_t i = 0; i < n; ++i) {
    const float gii = diag[i];
    float* __restrict row = D + size_t(i) * n;
    for (uint32_t j = i + 1; j < n; ++j) {
      const float d = gii + diag[j] - 2.f * row[j];
      row[j] = d > 0.f ? d : 0.f;
    }
  }
  for (uint32_t i = 0; i < n; ++i) D[size_t(i) * n + i] = kInf;
  mirrorUpper(D, n);

  // Nearest-neighbour chain. Ward is reducible, so merging reciprocal nearest neighbours in any
  // order yields the same dendrogram as the greedy algorithm.
  //
  // Cache behaviour decides the speed, so nothing walks a column: a merge rewrites only the
  // kept cluster's row (contiguous), dead clusters are hidden by `mask` (+inf) at scan time, and
  // a row learns its distances to clusters merged since it was last read by replaying the merge
  // log from its stamp (one read of each merged row).
  float* __restrict sz = s.size;
  float* __restrict mask = s.mask;
  uint32_t* chain = s.chain;
  uint32_t* stamp = s.stamp;
  uint32_t* log = s.log;
  for (uint32_t i = 0; i < n; ++i) {
    sz[i] = 1.f;
    mask[i] = 0.f;
    stamp[i] = 0;
  }
  uint32_t chainLen = 0, logLen = 0, alive = n, nextStart = 0, nMerges = 0;
  while (alive > 1) {
    if (chainLen == 0) {
      while (mask[nextStart] != 0.f) ++nextStart;
      chain[chainLen++] = nextStart;
    }
    const uint32_t a = chain[chainLen - 1];
    const uint32_t prev = chainLen >= 2 ? chain[chainLen - 2] : kNone;
    float* __restrict Da = D + size_t(a) * n;
    refreshRow(D, n, a, log, logLen, stamp);
    uint32_t b;
    const float best = rowArgMin(Da, mask, n, &b);
    if (prev != kNone && Da[prev] == best) b = prev;  // ties keep the chain's predecessor: progress
    if (b != prev) {
      chain[chainLen++] = b;
      continue;
    }
    chainLen -= 2;
    // Merge a and b into the lower slot; Lance–Williams for Ward on squared distances. Row b was
    // read when it topped the chain, but merges further up the chain may have happened since
    // (the chain was popped back down to it), so it is brought up to date first.
    refreshRow(D, n, b, log, logLen, stamp);
    const uint32_t keep = a < b ? a : b, gone = a < b ? b : a;
    const float na = sz[a], nb = sz[b];
    const float* __restrict Db = D + size_t(b) * n;
    float* __restrict Dk = D + size_t(keep) * n;
    if (keep == a) {
      for (uint32_t x = 0; x < n; ++x) {
        const float nx = sz[x];
        Da[x] = ((na + nx) * Da[x] + (nb + nx) * Db[x] - nx * best) / (na + nb + nx);
      }
    } else {
      float* __restrict Dbw = D + size_t(b) * n;
      for (uint32_t x = 0; x < n; ++x) {
        const float nx = sz[x];
        Dbw[x] = ((na + nx) * Da[x] + (nb + nx) * Dbw[x] - nx * best) / (na + nb + nx);
      }
    }
    Dk[keep] = kInf;
    sz[keep] = na + nb;
    mask[gone] = kInf;
    log[logLen++] = keep;
    stamp[keep] = logLen;
    merges[nMerges++] = WardMerge{a, b, best};
    --alive;
  }
}

}  // namespace maxsim::mvindex
