// Small helpers shared by the MultiVectorIndex translation units (index mutation, search).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "../core/error.h"
#include "../core/thread_pool.h"

namespace maxsim::mvindex {

// Documents per parallelFor chunk: about 16 chunks a thread, for balance over uneven lengths.
inline size_t grainFor(size_t n) {
  const size_t threads = static_cast<size_t>(threadCount());
  const size_t g = n / (threads * 16);
  return g < 1 ? 1 : (g > 256 ? 256 : g);
}

// True when all n floats are finite. A float is NaN or ±Infinity exactly when its exponent bits
// are all ones; OR-ing that test over a block has no branch per element, so the compiler
// vectorises it even in the baseline build (a per-element isfinite() with an early exit did not
// vectorise, and cost as much as a third of a plain f32 add).
inline bool allFinite(const float* v, size_t n) {
  constexpr uint32_t kExp = 0x7f800000u;
  constexpr size_t kBlock = 4096;  // early exit a block at a time
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t e = n - b < kBlock ? n : b + kBlock;
    uint32_t bad = 0;
    for (size_t i = b; i < e; ++i) {
      uint32_t bits;
      std::memcpy(&bits, v + i, sizeof bits);
      bad |= uint32_t((bits & kExp) == kExp);
    }
    if (bad) return false;
  }
  return true;
}

inline void checkFiniteRows(const float* v, size_t n, size_t doc) {
  if (!allFinite(v, n)) throw Error(codes::kNonFinite, "document " + std::to_string(doc) + " contains NaN or Infinity");
}

inline void checkQueryRows(const float* q, uint32_t nq, uint32_t dim, const std::string& what) {
  if (nq == 0) throw Error(codes::kEmptyQuery, what + " has no tokens");
  if (!allFinite(q, size_t(nq) * dim)) throw Error(codes::kNonFinite, what + " contains NaN or Infinity");
}

}  // namespace maxsim::mvindex
