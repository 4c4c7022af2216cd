// Product quantizer (Jégou et al. 2011) with an optional learned OPQ rotation.
//
// Notation: d = M · dsub, ksub = 2^nbits (nbits 4 or 8). A vector x is (optionally) rotated,
// x' = x · R, cut into M sub-vectors of dsub, and each is replaced by its nearest centroid.
//
// Memory layouts:
//   codebook:  (M, ksub, dsub) f32 -- centroid j of sub-space m at ((m·ksub + j)·dsub)
//   rotation:  (d, d) f32 row-major, applied as x' = x · R; empty means none
//   codes, nbits = 8: (n, M) u8 -- byte m is sub-space m
//   codes, nbits = 4: (n, ceil(M/2)) u8 -- byte p holds sub-space 2p in its low nibble and
//                     2p+1 in its high nibble (high nibble 0 when M is odd)
//   ADC table: (M, ksub) f32 per query, LUT[m][j] = ⟨x'_m, c_mj⟩ or ‖x'_m − c_mj‖²
// The fast-scan layout of 4-bit codes is in fastscan.h.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace maxsim::quant {

enum class Metric : uint32_t { L2 = 0, InnerProduct = 1 };

// Progress: (fraction done in [0, 1], stage name). Called on the training thread.
using ProgressFn = std::function<void(double, const char*)>;

struct PqTrainOptions {
  uint32_t M = 0;
  uint32_t nbits = 8;
  uint32_t iterations = 25;
  uint64_t seed = 1234;
  uint32_t maxPointsPerCentroid = 256;
  bool allowFewer = false;  // see KMeansOptions::allowFewer
  // OPQ: alternate PQ k-means on x·R and R = Procrustes(x, decode(encode(x·R))).
  bool opq = false;
  uint32_t opqIterations = 50;      // outer alternations (faiss default)
  uint32_t opqMaxPoints = 65536;    // training points used for the rotation
  ProgressFn onProgress;
};

class ProductQuantizer {
 public:
  // data: (n, d) row-major.
  static ProductQuantizer train(const float* data, size_t n, uint32_t d, const PqTrainOptions& opts);
  // From parts (load, tests). codebook: (M, 2^nbits, d/M); rotation: (d, d) or empty.
  ProductQuantizer(uint32_t d, uint32_t M, uint32_t nbits, std::vector<float> codebook, std::vector<float> rotation);

  uint32_t dim() const { return d_; }
  uint32_t M() const { return M_; }
  uint32_t nbits() const { return nbits_; }
  uint32_t ksub() const { return 1u << nbits_; }
  uint32_t dsub() const { return d_ / M_; }
  size_t codeSize() const { return nbits_ == 8 ? M_ : (M_ + 1) / 2; }
  bool hasRotation() const { return !rotation_.empty(); }
  const std::vector<float>& codebook() const { return codebook_; }
  const std::vector<float>& rotation() const { return rotation_; }

  // Sub-space m's code of one encoded vector.
  uint32_t codeAt(const uint8_t* code, uint32_t m) const {
    return nbits_ == 8 ? code[m] : (m % 2 ? code[m / 2] >> 4 : code[m / 2] & 15u);
  }

  // x' = x · R (a copy when there is no rotation). out: (n, d).
  void rotate(const float* x, size_t n, float* out) const;
  // codes: (n, codeSize()). Parallel over vectors.
  void encode(const float* x, size_t n, uint8_t* codes) const;
  // out: (n, d), rotated back to the input space when OPQ is on.
  void decode(const uint8_t* codes, size_t n, float* out) const;
  // Mean ‖x − decode(encode(x))‖² over n vectors.
  double reconstructionError(const float* x, size_t n) const;
  // ADC table of one query (M, ksub); the query is rotated here.
  void computeLut(const float* query, Metric metric, float* lut) const;
  // ADC table of a query already rotated (callers that rotate many queries at once).
  void computeLutRotated(const float* rotatedQuery, Metric metric, float* lut) const;

  void save(const std::string& path) const;
  static ProductQuantizer load(const std::string& path);

 private:
  void encodeRotated(const float* xr, size_t n, uint8_t* codes) const;
  void decodeRotated(const uint8_t* codes, size_t n, float* out) const;
  uint32_t d_, M_, nbits_;
  std::vector<float> codebook_;  // (M, ksub, dsub)
  std::vector<float> rotation_;  // (d, d) or empty
};

// ADC over codes (8-bit or flat 4-bit), one or more queries (nq, d), in parallel over queries.
// scores: (nq, n) -- inner products, or squared L2 distances.
void adcScores(const ProductQuantizer& pq, const float* queries, size_t nq, const uint8_t* codes, size_t n,
               Metric metric, float* scores);
// Top k per query: best first (largest inner product, smallest distance). Outputs (nq, k');
// returns k' = min(k, n).
size_t adcSearch(const ProductQuantizer& pq, const float* queries, size_t nq, const uint8_t* codes, size_t n,
                 size_t k, Metric metric, uint32_t* outIndex, float* outScore);

}  // namespace maxsim::quant
