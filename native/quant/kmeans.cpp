#include "kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "../core/error.h"
#include "../core/thread_pool.h"
#include "../kernels/kernels.h"
#include "quant_kernels.h"
#include "random.h"

namespace maxsim::quant {

CentroidSearch::CentroidSearch(const float* centroids, uint32_t k, uint32_t d) : k_(k), d_(d) {
  kpad_ = (k + 15) / 16 * 16;
  ct_.assign(size_t(d) * kpad_, 0.f);
  cnorm_.assign(kpad_, std::numeric_limits<float>::infinity());
  for (uint32_t c = 0; c < k; ++c) {
    float s = 0.f;
    for (uint32_t j = 0; j < d; ++j) {
      const float v = centroids[size_t(c) * d + j];
      ct_[size_t(j) * kpad_ + c] = v;
      s += v * v;
    }
    cnorm_[c] = s;
  }
}

void CentroidSearch::assign(const float* x, size_t n, bool ip, uint32_t* idx, float* score) const {
  const QuantKernels& kt = activeQuantKernels();
  const size_t grain = std::max<size_t>(16, std::min<size_t>(1024, n / (size_t(threadCount()) * 8) + 1));
  parallelFor(n, grain, [&](size_t b, size_t e) {
    kt.assignNearest(x + b * d_, e - b, d_, ct_.data(), cnorm_.data(), k_, kpad_, ip, idx + b, score ? score + b : nullptr);
  });
}

namespace {

void normalize(float* v, uint32_t d) {
  double s = 0;
  for (uint32_t j = 0; j < d; ++j) s += double(v[j]) * v[j];
  if (s <= 0) return;
  const float inv = float(1.0 / std::sqrt(s));
  for (uint32_t j = 0; j < d; ++j) v[j] *= inv;
}

// k-means++ (D² sampling) over a pool of at most 8k candidate points: seeding costs
// O(pool·k·d) instead of O(n·k·d), which keeps it cheap for the residual codec's 2^10+
// centroids, while still spreading the seeds the way k-means++ does.
void seedPlusPlus(const float* x, size_t n, uint32_t d, uint32_t k, Rng& rng, bool spherical, float* out) {
  const size_t poolSize = std::min<size_t>(n, size_t(k) * 8);
  std::vector<uint32_t> pool = sampleIndices(n, poolSize, rng.next());
  const auto& kern = activeKernels();
  std::vector<double> minD(poolSize, std::numeric_limits<double>::infinity());
  size_t first = rng.below(poolSize);
  std::copy(x + size_t(pool[first]) * d, x + size_t(pool[first] + 1) * d, out);
  for (uint32_t c = 1; c <= k; ++c) {
    const float* last = out + size_t(c - 1) * d;
    parallelFor(poolSize, 256, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        const double dist = kern.l2sqF32(x + size_t(pool[i]) * d, last, d);
        if (dist < minD[i]) minD[i] = dist;
      }
    });
    if (c == k) break;
    double total = 0;
    for (size_t i = 0; i < poolSize; ++i) total += minD[i];
    size_t pick = 0;
    if (total > 0) {
      const double r = rng.uniform() * total;
      double acc = 0;
      pick = poolSize - 1;
      for (size_t i = 0; i < poolSize; ++i) {
        acc += minD[i];
        if (acc > r) { pick = i; break; }
      }
    } else {
      pick = rng.below(poolSize);  // every candidate coincides with a seed: any point will do
    }
    std::copy(x + size_t(pool[pick]) * d, x + size_t(pool[pick] + 1) * d, out + size_t(c) * d);
  }
  if (spherical)
    for (uint32_t c = 0; c < k; ++c) normalize(out + size_t(c) * d, d);
}

}  // namespace

KMeansResult kmeans(const float* data, size_t n, uint32_t d, const KMeansOptions& opts) {
  if (d == 0) throw Error(codes::kInvalidArgument, "k-means: dim must be at least 1");
  if (opts.k == 0) throw Error(codes::kInvalidArgument, "k-means: k must be at least 1");
  uint32_t k = opts.k;
  if (n < k) {
    if (!opts.allowFewer || n == 0)
      throw Error(codes::kInvalidArgument,
                  "k-means needs at least k = " + std::to_string(k) + " training points, got " + std::to_string(n) +
                      " (pass allowFewer: true to clamp k to the point count, or keep these vectors uncompressed)");
    k = static_cast<uint32_t>(n);
  }
  Rng rng(opts.seed);

  // Subsample above maxPointsPerCentroid points per centroid.
  std::vector<float> sampled;
  const float* x = data;
  const size_t cap = opts.maxPointsPerCentroid ? size_t(k) * opts.maxPointsPerCentroid : n;
  if (n > cap) {
    std::vector<uint32_t> idx = sampleIndices(n, cap, rng.next());
    sampled.resize(cap * d);
    for (size_t i = 0; i < cap; ++i) std::copy(data + size_t(idx[i]) * d, data + size_t(idx[i] + 1) * d, sampled.data() + i * d);
    x = sampled.data();
    n = cap;
  }

  KMeansResult res;
  res.k = k;
  res.centroids.resize(size_t(k) * d);
  if (opts.init) std::copy(opts.init, opts.init + size_t(k) * d, res.centroids.begin());
  else seedPlusPlus(x, n, d, k, rng, opts.spherical, res.centroids.data());

  std::vector<uint32_t> assign(n, UINT32_MAX), prev(n);
  std::vector<float> score(n);
  std::vector<double> sums(size_t(k) * d);
  std::vector<size_t> counts(k);
  const bool ip = opts.spherical;
  for (uint32_t it = 0; it < opts.iterations; ++it) {
    prev.swap(assign);
    CentroidSearch search(res.centroids.data(), k, d);
    search.assign(x, n, ip, assign.data(), score.data());
    res.iterations = it + 1;
    res.objective = 0;
    for (size_t i = 0; i < n; ++i) res.objective += ip ? 1.0 - score[i] : score[i];
    if (assign == prev) break;  // converged: the update would reproduce the same centroids

    std::fill(sums.begin(), sums.end(), 0.0);
    std::fill(counts.begin(), counts.end(), 0);
    for (size_t i = 0; i < n; ++i) {  // point order: the same sums on every thread count
      const uint32_t c = assign[i];
      ++counts[c];
      double* s = sums.data() + size_t(c) * d;
      const float* p = x + i * d;
      for (uint32_t j = 0; j < d; ++j) s[j] += p[j];
    }
    for (uint32_t c = 0; c < k; ++c) {
      if (!counts[c]) continue;
      const double inv = 1.0 / double(counts[c]);
      for (uint32_t j = 0; j < d; ++j) res.centroids[size_t(c) * d + j] = float(sums[size_t(c) * d + j] * inv);
    }
    // Empty clusters: split the largest cluster in two, nudging the copies apart by a relative
    // ±1/1024 in alternating dimensions (faiss's scheme), and give each half its points.
    for (uint32_t c = 0; c < k; ++c) {
      if (counts[c]) continue;
      uint32_t big = 0;
      for (uint32_t o = 1; o < k; ++o)
        if (counts[o] > counts[big]) big = o;
      if (counts[big] < 2) break;  // nothing left to split
      constexpr float eps = 1.f / 1024.f;
      float* cb = res.centroids.data() + size_t(big) * d;
      float* cc = res.centroids.data() + size_t(c) * d;
      for (uint32_t j = 0; j < d; ++j) {
        const float v = cb[j];
        if (j % 2 == 0) { cc[j] = v * (1 + eps); cb[j] = v * (1 - eps); }
        else { cc[j] = v * (1 - eps); cb[j] = v * (1 + eps); }
      }
      counts[c] = counts[big] / 2;
      counts[big] -= counts[c];
      ++res.emptySplits;
    }
    if (opts.spherical)
      for (uint32_t c = 0; c < k; ++c) normalize(res.centroids.data() + size_t(c) * d, d);
    if (opts.onIteration) opts.onIteration(it + 1, opts.iterations);
  }
  if (opts.onIteration) opts.onIteration(opts.iterations, opts.iterations);
  return res;
}

}  // namespace maxsim::quant
