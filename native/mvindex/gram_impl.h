// The Gram body shared by gram.cpp, gram_avx2.cpp and gram_avx512.cpp; each includes it inside
// its own namespace and compiles it with its own ISA flags.
//
// Outer-product form: xt = rowsᵀ (dim, n); for each block of 4 output rows i, accumulate
// out[i][j] += rows[i][k] * xt[k][j] over k for j >= i. The j loop is unit stride on both
// sides, so it vectorises at any width; the 4-row block reuses each xt load four times.
// Only the upper triangle is computed, then mirrored.
#pragma once
#include <cstdint>
#include <cstring>

// static: each TU must keep its own copy (different ISA flags), never one merged by the linker.
static inline void gramBody(const float* __restrict x, uint32_t n, uint32_t dim, float* __restrict out, float* __restrict xt) {
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t k = 0; k < dim; ++k) xt[size_t(k) * n + i] = x[size_t(i) * dim + k];
  uint32_t i0 = 0;
  for (; i0 + 4 <= n; i0 += 4) {
    float* __restrict o0 = out + size_t(i0) * n;
    float* __restrict o1 = o0 + n;
    float* __restrict o2 = o1 + n;
    float* __restrict o3 = o2 + n;
    std::memset(o0 + i0, 0, (n - i0) * sizeof(float));
    std::memset(o1 + i0, 0, (n - i0) * sizeof(float));
    std::memset(o2 + i0, 0, (n - i0) * sizeof(float));
    std::memset(o3 + i0, 0, (n - i0) * sizeof(float));
    for (uint32_t k = 0; k < dim; ++k) {
      const float a0 = x[size_t(i0) * dim + k], a1 = x[size_t(i0 + 1) * dim + k];
      const float a2 = x[size_t(i0 + 2) * dim + k], a3 = x[size_t(i0 + 3) * dim + k];
      const float* __restrict t = xt + size_t(k) * n;
      for (uint32_t j = i0; j < n; ++j) {
        const float v = t[j];
        o0[j] += a0 * v;
        o1[j] += a1 * v;
        o2[j] += a2 * v;
        o3[j] += a3 * v;
      }
    }
  }
  for (; i0 < n; ++i0) {
    float* __restrict o = out + size_t(i0) * n;
    std::memset(o + i0, 0, (n - i0) * sizeof(float));
    for (uint32_t k = 0; k < dim; ++k) {
      const float a = x[size_t(i0) * dim + k];
      const float* __restrict t = xt + size_t(k) * n;
      for (uint32_t j = i0; j < n; ++j) o[j] += a * t[j];
    }
  }
  for (uint32_t i = 0; i < n; ++i)
    for (uint32_t j = 0; j < i; ++j) out[size_t(i) * n + j] = out[size_t(j) * n + i];
}
