// ColBERTv2 residual compression: a token is a centroid id plus its residual x − c quantized
// to nbits (1, 2 or 4) per dimension with one table shared by every dimension. The bucket
// cutoffs are the quantiles i/B (i = 1..B−1) and the bucket values the quantiles (i+0.5)/B
// (i = 0..B−1) of all residual coordinates of a sample of tokens, pooled (B = 2^nbits).
//
// Memory layouts:
//   centroids:  (C, dim) f32, unit-norm (spherical k-means); a token's centroid is the one of
//               largest inner product, as in ColBERT
//   cutoffs:    (B−1) f32 ascending; bucket(r) = number of cutoffs ≤ r
//   weights:    (B) f32
//   codes:      centroid ids (n) u32, and residuals (n, residualBytes()) u8 with dimension k's
//               bucket at bits [k·nbits, (k+1)·nbits) counted from the low bit of byte 0
//               (little-endian bit order); unused high bits of the last byte are 0
// decode(x) = centroid + weights[bucket] per dimension (not re-normalised, so decoding and the
// table path below give the same scores).
//
// MaxSim over codes (score = Σ_i max_j ⟨q_i, c_{id_j} + r_j⟩):
//   * decode: decompress each document into f32 and run the exact MaxSim kernel;
//   * tables (WARP-style, no decompression): S[c][i] = ⟨q_i, centroid c⟩, and per query row
//     T[i][dim][bucket] = q_i,dim · w_bucket. T is then summed over the dims that share a byte
//     into a byte table (residualBytes, 256, qpad), so a token costs one lookup per residual
//     byte: s_ij = S[id_j][i] + Σ_b Tbyte[b][byte_jb][i].
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "pq_maxsim.h"
#include "product_quantizer.h"

namespace maxsim::quant {

struct ResidualTrainOptions {
  uint32_t nbits = 2;
  uint32_t ncentroids = 0;  // 0: 2^floor(log2(16·sqrt(n))), ColBERTv2's rule (at most n)
  uint32_t iterations = 20;
  uint64_t seed = 1234;
  uint32_t maxPointsPerCentroid = 256;
  uint32_t quantileSample = 65536;  // tokens whose residual coordinates give the quantiles
  bool allowFewer = false;
  ProgressFn onProgress;
};

class ResidualCodec {
 public:
  static ResidualCodec train(const float* data, size_t n, uint32_t dim, const ResidualTrainOptions& opts);
  ResidualCodec(uint32_t dim, uint32_t nbits, std::vector<float> centroids, std::vector<float> cutoffs,
                std::vector<float> weights);

  uint32_t dim() const { return dim_; }
  uint32_t nbits() const { return nbits_; }
  uint32_t ncentroids() const { return uint32_t(centroids_.size() / dim_); }
  size_t residualBytes() const { return (size_t(dim_) * nbits_ + 7) / 8; }
  // Bytes per token as stored: a u32 centroid id + the residual.
  size_t bytesPerToken() const { return 4 + residualBytes(); }
  const std::vector<float>& centroids() const { return centroids_; }
  const std::vector<float>& cutoffs() const { return cutoffs_; }
  const std::vector<float>& weights() const { return weights_; }

  void encode(const float* x, size_t n, uint32_t* ids, uint8_t* residuals) const;
  // Throws ERR_INVALID_ARGUMENT for an id >= ncentroids().
  void decode(const uint32_t* ids, const uint8_t* residuals, size_t n, float* out) const;
  void checkIds(const uint32_t* ids, size_t n) const;
  // decode on the calling thread, ids already checked (per-document scoring).
  void decodeUnchecked(const uint32_t* ids, const uint8_t* residuals, size_t n, float* out) const;

  void save(const std::string& path) const;
  static ResidualCodec load(const std::string& path);

 private:
  uint32_t dim_, nbits_;
  std::vector<float> centroids_, cutoffs_, weights_;
};

// A query prepared for the table path (centroid scores + byte table).
class ResidualMaxsimQuery {
 public:
  ResidualMaxsimQuery(const ResidualCodec& codec, const float* query, uint32_t nq);
  float score(const uint32_t* ids, const uint8_t* residuals, uint32_t ntok) const;
  const ByteLut& lut() const { return lut_; }
  const float* centroidScores() const { return centroidScores_.data(); }

 private:
  ByteLut lut_;
  std::vector<float> centroidScores_;  // layout: (C, qpad)
};

enum class ResidualMaxsimMode : uint32_t { Tables = 0, Decode = 1 };

void residualMaxsimBatch(const ResidualCodec& codec, const float* query, uint32_t nq, const uint32_t* ids,
                         const uint8_t* residuals, const uint32_t* offsets, size_t ndocs, ResidualMaxsimMode mode,
                         float* out);
size_t residualMaxsimTopK(const ResidualCodec& codec, const float* query, uint32_t nq, const uint32_t* ids,
                          const uint8_t* residuals, const uint32_t* offsets, size_t ndocs, size_t k,
                          ResidualMaxsimMode mode, uint32_t* outIndex, float* outScore);

}  // namespace maxsim::quant
