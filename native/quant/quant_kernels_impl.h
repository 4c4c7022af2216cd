// Plain C++ bodies of the quantizer kernels. Each ISA translation unit includes this header
// inside its own namespace and compiles it with its own flags, so the compiler vectorises the
// fixed-width inner loops for that ISA. The sums run in the same order on every level.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "quant_kernels.h"

// Centroids handled per pass of assignNearest: 64 accumulators fit in registers on AVX2
// (8 ymm) and AVX-512 (4 zmm), so the d-loop never spills them.
#ifndef MAXSIM_QUANT_CBLOCK
#define MAXSIM_QUANT_CBLOCK 64
#endif

namespace impl {

inline void assignNearest(const float* x, size_t n, uint32_t d, const float* ct, const float* cnorm, uint32_t k,
                          uint32_t kpad, bool ip, uint32_t* idx, float* score) {
  constexpr uint32_t CB = MAXSIM_QUANT_CBLOCK;
  (void)k;
  for (size_t p = 0; p < n; ++p) {
    const float* xp = x + p * d;
    float xn = 0.f;
    for (uint32_t j = 0; j < d; ++j) xn += xp[j] * xp[j];
    float best = ip ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
    uint32_t bestIdx = 0;
    for (uint32_t c0 = 0; c0 < kpad; c0 += CB) {
      const uint32_t cb = kpad - c0 < CB ? kpad - c0 : CB;
      alignas(64) float acc[CB];
      for (uint32_t c = 0; c < CB; ++c) acc[c] = 0.f;
      if (cb == CB) {
        for (uint32_t j = 0; j < d; ++j) {
          const float xj = xp[j];
          const float* row = ct + size_t(j) * kpad + c0;
          for (uint32_t c = 0; c < CB; ++c) acc[c] += xj * row[c];
        }
      } else {
        for (uint32_t j = 0; j < d; ++j) {
          const float xj = xp[j];
          const float* row = ct + size_t(j) * kpad + c0;
          for (uint32_t c = 0; c < cb; ++c) acc[c] += xj * row[c];
        }
      }
      for (uint32_t c = 0; c < cb; ++c) {
        if (ip) {
          // padded columns have cnorm = +inf: never chosen
          if (cnorm[c0 + c] != std::numeric_limits<float>::infinity() && acc[c] > best) {
            best = acc[c];
            bestIdx = c0 + c;
          }
        } else {
          const float v = cnorm[c0 + c] - 2.f * acc[c];
          if (v < best) {
            best = v;
            bestIdx = c0 + c;
          }
        }
      }
    }
    idx[p] = bestIdx;
    if (score) {
      if (ip) score[p] = best;
      else {
        const float dist = best + xn;
        score[p] = dist > 0.f ? dist : 0.f;
      }
    }
  }
}

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"  // the vector type never crosses a TU boundary
// 16 query rows as one GCC/Clang vector: a zmm on AVX-512, two ymm on AVX2, four xmm on
// SSE2. Plain loops over 16 floats get scalarised by the SLP vectoriser instead.
typedef float Rows16 __attribute__((vector_size(64), aligned(4)));
inline Rows16 loadRows(const float* p) { Rows16 v; std::memcpy(&v, p, sizeof v); return v; }
#endif

inline float lutMaxsim(const float* lut, uint32_t nbytes, uint32_t qpad, uint32_t nq, const uint8_t* codes,
                       uint32_t ntok, const float* base, const uint32_t* baseIdx) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  constexpr uint32_t QB = 16;  // query rows per pass (qpad is a multiple of 16)
  float total = 0.f;
  for (uint32_t q0 = 0; q0 < qpad && q0 < nq; q0 += QB) {
    alignas(64) float rowMax[QB];
#if defined(__GNUC__)
    Rows16 mx;
    for (uint32_t i = 0; i < QB; ++i) mx[i] = -std::numeric_limits<float>::infinity();
    uint32_t j = 0;
    // Two tokens per step: two independent add chains hide the load-add latency.
    for (; j + 2 <= ntok; j += 2) {
      Rows16 s0 = base ? loadRows(base + size_t(baseIdx[j]) * qpad + q0) : Rows16{};
      Rows16 s1 = base ? loadRows(base + size_t(baseIdx[j + 1]) * qpad + q0) : Rows16{};
      const uint8_t* c0 = codes + size_t(j) * nbytes;
      const uint8_t* c1 = c0 + nbytes;
      for (uint32_t b = 0; b < nbytes; ++b) {
        s0 += loadRows(lut + (size_t(b) * 256 + c0[b]) * qpad + q0);
        s1 += loadRows(lut + (size_t(b) * 256 + c1[b]) * qpad + q0);
      }
      mx = s0 > mx ? s0 : mx;
      mx = s1 > mx ? s1 : mx;
    }
    for (; j < ntok; ++j) {
      Rows16 s = base ? loadRows(base + size_t(baseIdx[j]) * qpad + q0) : Rows16{};
      const uint8_t* c = codes + size_t(j) * nbytes;
      for (uint32_t b = 0; b < nbytes; ++b) s += loadRows(lut + (size_t(b) * 256 + c[b]) * qpad + q0);
      mx = s > mx ? s : mx;
    }
    std::memcpy(rowMax, &mx, sizeof mx);
#else
    for (uint32_t i = 0; i < QB; ++i) rowMax[i] = -std::numeric_limits<float>::infinity();
    for (uint32_t j = 0; j < ntok; ++j) {
      alignas(64) float s[QB];
      if (base) {
        const float* b = base + size_t(baseIdx[j]) * qpad + q0;
        for (uint32_t i = 0; i < QB; ++i) s[i] = b[i];
      } else {
        for (uint32_t i = 0; i < QB; ++i) s[i] = 0.f;
      }
      const uint8_t* c = codes + size_t(j) * nbytes;
      for (uint32_t b = 0; b < nbytes; ++b) {
        const float* row = lut + (size_t(b) * 256 + c[b]) * qpad + q0;
        for (uint32_t i = 0; i < QB; ++i) s[i] += row[i];
      }
      for (uint32_t i = 0; i < QB; ++i) rowMax[i] = s[i] > rowMax[i] ? s[i] : rowMax[i];
    }
#endif
    const uint32_t lim = nq - q0 < QB ? nq - q0 : QB;
    for (uint32_t i = 0; i < lim; ++i) total += rowMax[i];
  }
  return total;
}

// Scalar fast-scan reference: reads the packed layout one nibble at a time.
inline void fastscanScanScalar(const uint8_t* codes, size_t nblocks, uint32_t rows, const uint8_t* luts, uint32_t nq,
                               uint16_t* out, size_t outStride) {
  using maxsim::quant::kFastScanRowBytes;
  for (size_t blk = 0; blk < nblocks; ++blk) {
    const uint8_t* block = codes + blk * size_t(rows) * kFastScanRowBytes;
    for (uint32_t q = 0; q < nq; ++q) {
      const uint8_t* lut = luts + size_t(q) * rows * kFastScanRowBytes;
      for (uint32_t v = 0; v < 32; ++v) {
        uint32_t acc = 0;
        for (uint32_t m = 0; m < 2 * rows; ++m) {
          const uint8_t byte = block[(m / 2) * kFastScanRowBytes + (m % 2) * 16 + (v % 16)];
          const uint8_t code = v < 16 ? (byte & 15) : (byte >> 4);
          acc += lut[m * 16 + code];
        }
        out[size_t(q) * outStride + blk * 32 + v] = static_cast<uint16_t>(acc);
      }
    }
  }
}

// Folds one block's scores into running maxima, through any scan function of the table.
template <class ScanFn>
inline void fastscanMaxUpdateWith(ScanFn scan, const uint8_t* block, uint32_t rows, const uint8_t* luts, uint32_t nq,
                                  uint32_t validMask, uint16_t* runMax) {
  using maxsim::quant::kFastScanRowBytes;
  constexpr uint32_t QG = 8;
  alignas(64) uint16_t tmp[QG * 32];
  alignas(64) uint16_t keep[32];
  for (uint32_t v = 0; v < 32; ++v) keep[v] = (validMask >> v) & 1u ? 0xffff : 0;
  for (uint32_t q0 = 0; q0 < nq; q0 += QG) {
    const uint32_t g = nq - q0 < QG ? nq - q0 : QG;
    scan(block, 1, rows, luts + size_t(q0) * rows * kFastScanRowBytes, g, tmp, 32);
    for (uint32_t q = 0; q < g; ++q) {
      uint16_t* rm = runMax + size_t(q0 + q) * 32;
      const uint16_t* t = tmp + q * 32;
      for (uint32_t v = 0; v < 32; ++v) {
        const uint16_t s = static_cast<uint16_t>(t[v] & keep[v]);
        rm[v] = s > rm[v] ? s : rm[v];
      }
    }
  }
}

}  // namespace impl
