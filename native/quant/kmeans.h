// Lloyd k-means with k-means++ seeding, as the quantizers (PQ sub-spaces, OPQ, the residual
// codec's coarse centroids) train it.
//
// Determinism: for a given seed the result is the same whatever the thread count. Points are
// assigned in parallel (each point on its own), but centroid sums run in point order in double
// precision on the calling thread, and every random draw comes from one seeded stream.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace maxsim::quant {

struct KMeansOptions {
  uint32_t k = 0;
  uint32_t iterations = 25;
  uint64_t seed = 1234;
  // Training points are subsampled to at most k * maxPointsPerCentroid (faiss: 256).
  uint32_t maxPointsPerCentroid = 256;
  // Unit-norm centroids, assignment by largest inner product (ColBERT's coarse centroids).
  bool spherical = false;
  // With fewer points than k: false throws ERR_INVALID_ARGUMENT; true clamps k to n. The
  // other documented fallback is to keep the vectors uncompressed (exact storage).
  bool allowFewer = false;
  // Optional starting centroids, (k, d) row-major: skips k-means++ (tests, OPQ warm starts).
  const float* init = nullptr;
  // Called on the training thread after each iteration: (iterations done, total).
  std::function<void(uint32_t, uint32_t)> onIteration;
};

struct KMeansResult {
  uint32_t k = 0;                  // may be below options.k only with allowFewer
  std::vector<float> centroids;    // layout: (k, d) row-major
  double objective = 0;            // Σ ‖x − c‖² (or Σ (1 − ⟨x,c⟩) if spherical) at the last assignment
  uint32_t iterations = 0;         // Lloyd iterations run (stops early when nothing moves)
  uint32_t emptySplits = 0;        // empty clusters re-seeded by splitting the largest one
};

// data: (n, d) row-major.
KMeansResult kmeans(const float* data, size_t n, uint32_t d, const KMeansOptions& opts);

// Centroids laid out for repeated nearest-centroid search (transposed, with norms), so PQ
// encoding and k-means assignment share one SIMD kernel.
class CentroidSearch {
 public:
  CentroidSearch(const float* centroids, uint32_t k, uint32_t d);
  // Nearest centroid of each of n points (parallel over points). ip: largest inner product.
  // score (optional): ‖x − c‖² for L2, ⟨x, c⟩ for ip.
  void assign(const float* x, size_t n, bool ip, uint32_t* idx, float* score) const;
  uint32_t k() const { return k_; }

 private:
  uint32_t k_, d_, kpad_;
  std::vector<float> ct_;     // layout: (d, kpad), zero in padded columns
  std::vector<float> cnorm_;  // layout: (kpad), +inf in padded columns
};

}  // namespace maxsim::quant
