// Finding NaN and ±Infinity in float input, the validation every entry point does before work.
// A float is non-finite exactly when its exponent bits are all ones. OR-ing that test over a
// block has no branch per element, so the compiler vectorises it even in the baseline build; a
// per-element isfinite() with an early exit does not, and on a bulk add it cost as much as a
// third of the add itself.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

namespace maxsim {

// Index of the first value among v[0, n) whose magnitude bits (the float without its sign) are
// at least `limit`, or n. For finite floats those bits order like the magnitudes, and NaN and
// ±Infinity have the largest, so one pass finds non-finite values and values too large to store.
inline size_t firstMagnitudeAtLeast(const float* v, size_t n, uint32_t limit) {
  constexpr size_t kBlock = 4096;  // an early exit a block at a time
  const auto bad = [&](size_t i) {
    uint32_t bits;
    std::memcpy(&bits, v + i, sizeof bits);
    return uint32_t((bits & 0x7fffffffu) >= limit);
  };
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t e = n - b < kBlock ? n : b + kBlock;
    uint32_t any = 0;
    for (size_t i = b; i < e; ++i) any |= bad(i);
    if (any)
      for (size_t i = b; i < e; ++i)
        if (bad(i)) return i;
  }
  return n;
}

constexpr uint32_t kNonFiniteBits = 0x7f800000u;  // +Infinity: every NaN and infinity is at least this
// The smallest magnitudes that round to infinity (round to nearest even): 65520 in f16 (its
// largest finite value is 65504), 2^128 - 2^119 in bf16.
constexpr uint32_t kF16OverflowBits = 0x477ff000u;
constexpr uint32_t kBf16OverflowBits = 0x7f7f8000u;

// Index of the first NaN or ±Infinity among v[0, n), or n when all are finite.
inline size_t firstNonFinite(const float* v, size_t n) { return firstMagnitudeAtLeast(v, n, kNonFiniteBits); }

inline bool allFinite(const float* v, size_t n) { return firstNonFinite(v, n) == n; }

// The message for a value firstMagnitudeAtLeast found in `what` ("document 3"): NaN or Infinity,
// or a finite one that `storage` would round to Infinity (printed with %g: std::to_string would
// give 3e38 as forty digits and six decimals).
inline std::string unstorableValueMessage(const std::string& what, float v, const char* storage) {
  if (!std::isfinite(v)) return what + " contains NaN or Infinity";
  char value[32];
  std::snprintf(value, sizeof value, "%g", double(v));
  return what + " has a value (" + value + ") that " + storage + " storage would round to Infinity";
}

}  // namespace maxsim
