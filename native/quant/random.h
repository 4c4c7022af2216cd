// A small seeded generator (splitmix64) with its own bounded-integer, uniform and Gaussian
// draws. std::uniform_*_distribution differs between standard libraries, so the quantizers
// use this instead: a seed gives the same model on every platform.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace maxsim::quant {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed ^ 0x9e3779b97f4a7c15ull) {}
  uint64_t next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform in [0, n) (n >= 1); the modulo bias is below 2^-40 for every n used here.
  uint64_t below(uint64_t n) { return next() % n; }
  double gaussian() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  uint64_t s_;
};

// `count` distinct indices from [0, n), in increasing order (partial Fisher-Yates).
inline std::vector<uint32_t> sampleIndices(size_t n, size_t count, uint64_t seed) {
  std::vector<uint32_t> perm(n);
  for (size_t i = 0; i < n; ++i) perm[i] = static_cast<uint32_t>(i);
  if (count >= n) return perm;
  Rng rng(seed);
  for (size_t i = 0; i < count; ++i) {
    const size_t j = i + rng.below(n - i);
    std::swap(perm[i], perm[j]);
  }
  perm.resize(count);
  std::sort(perm.begin(), perm.end());
  return perm;
}

}  // namespace maxsim::quant
