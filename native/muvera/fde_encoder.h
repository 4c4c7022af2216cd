// MUVERA fixed-dimensional encodings (Dhulipala et al., NeurIPS 2024): one vector per
// multi-vector set whose inner product approximates MaxSim, so that a single-vector index can
// generate candidates for exact MaxSim reranking.
//
// For each repetition r (random draws seeded by seed and r):
//   - SimHash: k_sim Gaussian hyperplanes; a token's partition is the Gray code of its sign bits,
//     so neighbouring partitions differ in one hyperplane;
//   - projection: identity (projectionDim == dim) or a random ±1/sqrt(projectionDim) matrix;
//   - a query sums its projected tokens per partition; a document averages them, and an empty
//     document partition (fillEmptyPartitions) takes the token whose sign bits are nearest in
//     Hamming distance to the partition's own bits.
// Output: R blocks of (2^k_sim, projectionDim), concatenated; then an optional final count-sketch
// projection to finalDim. layout: (R, 2^k_sim, projectionDim) f32, row-major.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace maxsim {

struct FdeConfig {
  uint32_t dim = 0;
  uint32_t repetitions = 20;
  uint32_t simhashBits = 5;
  uint32_t projectionDim = 0;  // 0 or == dim: identity
  uint64_t seed = 42;
  bool fillEmptyPartitions = true;  // documents only
  uint32_t finalDim = 0;            // 0: no final projection
};

class FdeEncoder {
 public:
  explicit FdeEncoder(const FdeConfig& config);

  const FdeConfig& config() const { return cfg_; }
  // R * 2^k_sim * projectionDim, or finalDim when a final projection is set.
  size_t outputDim() const { return cfg_.finalDim ? cfg_.finalDim : blockDim_ * cfg_.repetitions; }

  // Encodes ntok tokens (ntok x dim, row-major) into out[outputDim()]. An empty set encodes to
  // zeros. Thread-safe: the encoder is immutable after construction.
  void encode(const float* tokens, uint32_t ntok, bool isQuery, float* out) const;

  // Encodes n multi-vector sets (set i = rows offsets[i]..offsets[i+1]) on the thread pool.
  void encodeBatch(const float* tokens, const uint32_t* offsets, size_t n, bool isQuery, float* out) const;

 private:
  uint32_t partitionOf(const float* sketch) const;
  FdeConfig cfg_;
  uint32_t partitions_ = 0, projDim_ = 0;
  size_t blockDim_ = 0;
  bool identity_ = true;
  // layout: (R, k_sim, dim) Gaussian hyperplanes
  std::vector<float> hyperplanes_;
  // layout: (R, projectionDim, dim) ±1/sqrt(projectionDim); empty for the identity
  std::vector<float> projections_;
  // Final count sketch: input coordinate -> (output coordinate, sign).
  std::vector<uint32_t> sketchIndex_;
  std::vector<float> sketchSign_;
};

// Deterministic random streams shared with the JS reference in the tests: splitmix64 and
// Box-Muller in float64.
uint64_t splitmix64(uint64_t& state);
double uniform01(uint64_t& state);  // (0, 1]
double gaussian(uint64_t& state);

}  // namespace maxsim
