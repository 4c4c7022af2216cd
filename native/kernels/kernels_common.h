// Helpers shared by every kernel translation unit. Header-only and ISA-neutral: each TU that
// includes it gets its own copy compiled with that TU's flags, which is fine for plain C++.
#pragma once
#include <cmath>
#include <cstdint>
#include <chrono>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels.h"

namespace maxsim {

inline uint32_t binaryWords(uint32_t dim) { return (dim + 63) / 64; }
inline uint64_t binaryLastWordMask(uint32_t dim) {
  const uint32_t r = dim % 64;
  return r == 0 ? ~uint64_t(0) : ((uint64_t(1) << r) - 1);
}
// Word w of a byte-packed token of `tb` bytes; never reads past the token.
inline uint64_t loadBinaryWord(const uint8_t* tok, size_t tb, uint32_t w) {
  uint64_t v = 0;
  const size_t off = size_t(w) * 8;
  const size_t n = tb - off < 8 ? tb - off : 8;
  std::memcpy(&v, tok + off, n);  // little-endian: byte b holds dims 8b..8b+7
  return v;
}
inline int popcount64(uint64_t x) {
#if defined(__GNUC__)
  return __builtin_popcountll(x);
#else
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<int>((x * 0x0101010101010101ull) >> 56);
#endif
}

// Runs `step(iterations)` until `seconds` have passed and returns GFLOP/s given the flops of
// one call per iteration. Shared by the per-ISA FMA peak probes.
template <class Step>
inline double timeFlops(double seconds, double flopsPerIter, Step step) {
  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  double iters = 0;
  long batch = 1 << 16;
  for (;;) {
    step(batch);
    iters += double(batch);
    const double el = std::chrono::duration<double>(clock::now() - t0).count();
    if (el >= seconds) return iters * flopsPerIter / el / 1e9;
  }
}

// (dim, qpad) f32, zero in padded rows.
inline void prepareTransposedF32(const float* q, uint32_t nq, uint32_t dim, PreparedQuery& out) {
  out.type = ElementType::F32;
  out.nq = nq;
  out.qpad = padQueryRows(nq);
  out.dim = dim;
  float* t = static_cast<float*>(out.data.resizeZeroed(size_t(dim) * out.qpad * sizeof(float)));
  for (uint32_t i = 0; i < nq; ++i)
    for (uint32_t k = 0; k < dim; ++k) t[size_t(k) * out.qpad + i] = q[size_t(i) * dim + k];
}

// (ceil(dim/64), qpad) u64 sign bits.
inline void prepareBinary(const float* q, uint32_t nq, uint32_t dim, PreparedQuery& out) {
  out.type = ElementType::Binary;
  out.nq = nq;
  out.qpad = padQueryRows(nq);
  out.dim = dim;
  const uint32_t words = binaryWords(dim);
  uint64_t* t = static_cast<uint64_t*>(out.data.resizeZeroed(size_t(words) * out.qpad * 8));
  for (uint32_t i = 0; i < nq; ++i)
    for (uint32_t k = 0; k < dim; ++k)
      if (q[size_t(i) * dim + k] > 0.f) t[size_t(k / 64) * out.qpad + i] |= uint64_t(1) << (k % 64);
}

// int8 codes grouped for integer dot instructions: (ceil(dim/G), qpad, G) of T, zero padded.
template <class T, int G>
inline void prepareInt8Grouped(const float* q, uint32_t nq, uint32_t dim, PreparedQuery& out) {
  out.type = ElementType::Int8;
  out.nq = nq;
  out.qpad = padQueryRows(nq);
  out.dim = dim;
  const uint32_t groups = (dim + G - 1) / G;
  T* t = static_cast<T*>(out.data.resizeZeroed(size_t(groups) * out.qpad * G * sizeof(T)));
  out.rowScale.assign(out.qpad, 0.f);
  out.rowCorrection.assign(out.qpad, 0);
  thread_local std::vector<int8_t> codes;
  codes.resize(dim);
  for (uint32_t i = 0; i < nq; ++i) {
    quantizeInt8Row(q + size_t(i) * dim, dim, codes.data(), &out.rowScale[i]);
    int32_t sum = 0;
    for (uint32_t k = 0; k < dim; ++k) {
      t[(size_t(k / G) * out.qpad + i) * G + (k % G)] = static_cast<T>(codes[k]);
      sum += codes[k];
    }
    out.rowCorrection[i] = 128 * sum;
  }
}

// Binary MaxSim on u64 words, tokens outer so each document word is read once per token.
// Uses the compiler's popcount, which is one instruction in TUs built with -mpopcnt.
inline float scoreBinaryWords(const PreparedQuery& q, const void* doc, uint32_t ntok) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t words = binaryWords(q.dim), qpad = q.qpad, nq = q.nq;
  const size_t tb = tokenBytes(ElementType::Binary, q.dim);
  const uint64_t lastMask = binaryLastWordMask(q.dim);
  const uint64_t* qb = q.data.as<uint64_t>();
  const uint8_t* d = static_cast<const uint8_t*>(doc);
  thread_local std::vector<uint32_t> best;
  thread_local std::vector<uint64_t> tw;
  best.assign(nq, ~0u);
  tw.resize(words);
  for (uint32_t j = 0; j < ntok; ++j) {
    for (uint32_t w = 0; w < words; ++w) tw[w] = loadBinaryWord(d + size_t(j) * tb, tb, w);
    tw[words - 1] &= lastMask;
    for (uint32_t i = 0; i < nq; ++i) {
      uint32_t h = 0;
      for (uint32_t w = 0; w < words; ++w) h += static_cast<uint32_t>(popcount64(tw[w] ^ qb[size_t(w) * qpad + i]));
      best[i] = h < best[i] ? h : best[i];
    }
  }
  float s = 0.f;
  for (uint32_t i = 0; i < nq; ++i) s += static_cast<float>(int32_t(q.dim) - 2 * int32_t(best[i]));
  return s;
}

}  // namespace maxsim
