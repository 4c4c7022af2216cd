#include "token_pooling.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "../kernels/kernels.h"
#include "ward_kernels.h"

namespace maxsim::mvindex {
namespace {

uint32_t clustersFor(uint32_t m, double factor) {
  const double k = std::floor(double(m) / factor);
  return k < 1.0 ? 1u : static_cast<uint32_t>(k);
}

uint32_t findRoot(std::vector<uint32_t>& parent, uint32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

// Scratch reused across documents on one thread: the distance matrix dominates.
struct PoolScratch {
  std::vector<float> unit, transposed, dist, size, mask, nnDist;
  std::vector<uint32_t> nn, stale, synced, keeps, parent, label;
  std::vector<WardMerge> merges;
};

PoolScratch& scratch() {
  thread_local PoolScratch s;
  return s;
}

}  // namespace

uint32_t pooledRowCount(uint32_t n, const PoolingOptions& o) {
  if (!o.enabled()) return n;
  const uint32_t p = std::min(o.protectedTokens, n);
  uint32_t out = p;
  for (uint32_t b = p; b < n; b += kMaxPoolBlock) out += clustersFor(std::min(kMaxPoolBlock, n - b), o.factor);
  return out;
}

void wardClusters(const float* rows, uint32_t n, uint32_t dim, uint32_t k, std::vector<uint32_t>& labels) {
  labels.assign(n, 0);
  if (n == 0) return;
  if (k >= n) {
    std::iota(labels.begin(), labels.end(), 0u);
    return;
  }
  PoolScratch& s = scratch();
  // Cosine distance: Ward on unit rows (a zero row stays zero).
  s.unit.resize(size_t(n) * dim);
  const KernelTable& kt = activeKernels();
  for (uint32_t i = 0; i < n; ++i) {
    const float* r = rows + size_t(i) * dim;
    const float ss = kt.dotF32(r, r, dim);
    const float inv = ss > 0.f ? 1.f / std::sqrt(ss) : 0.f;
    float* __restrict u = s.unit.data() + size_t(i) * dim;
    for (uint32_t c = 0; c < dim; ++c) u[c] = r[c] * inv;
  }
  s.transposed.resize(wardTransposedFloats(n, dim));
  s.dist.resize(size_t(n) * n);
  s.size.resize(n);
  s.mask.resize(n);
  s.nnDist.resize(n);
  s.nn.resize(n);
  s.stale.resize(n);
  s.synced.resize(n);
  s.keeps.resize(n);
  s.merges.resize(n - k);
  const WardBuffers buf{s.transposed.data(), s.dist.data(), s.size.data(), s.mask.data(), s.nnDist.data(), s.nn.data(), s.stale.data(), s.synced.data(), s.keeps.data()};
  wardMerges(s.unit.data(), n, dim, k, buf, s.merges.data());

  // The n - k greedy merges leave exactly the k clusters of the cut.
  constexpr uint32_t kNone = 0xffffffffu;
  s.parent.resize(n);
  std::iota(s.parent.begin(), s.parent.end(), 0u);
  for (const WardMerge& mg : s.merges) {
    const uint32_t ra = findRoot(s.parent, mg.a), rb = findRoot(s.parent, mg.b);
    if (ra != rb) s.parent[std::max(ra, rb)] = std::min(ra, rb);
  }
  // Number clusters by first member: roots are the lowest member, seen in increasing order.
  std::vector<uint32_t>& label = s.label;
  label.assign(n, kNone);
  uint32_t next = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t r = findRoot(s.parent, i);
    if (label[r] == kNone) label[r] = next++;
    labels[i] = label[r];
  }
}

void poolTokens(const float* rows, uint32_t n, uint32_t dim, const PoolingOptions& o, std::vector<float>& out) {
  const uint32_t total = pooledRowCount(n, o);
  out.assign(size_t(total) * dim, 0.f);
  if (!o.enabled()) {
    std::memcpy(out.data(), rows, size_t(n) * dim * sizeof(float));
    return;
  }
  const uint32_t p = std::min(o.protectedTokens, n);
  std::memcpy(out.data(), rows, size_t(p) * dim * sizeof(float));
  uint32_t written = p;
  thread_local std::vector<uint32_t> labels, counts;
  for (uint32_t b = p; b < n; b += kMaxPoolBlock) {
    const uint32_t m = std::min(kMaxPoolBlock, n - b);
    const uint32_t k = clustersFor(m, o.factor);
    const float* block = rows + size_t(b) * dim;
    wardClusters(block, m, dim, k, labels);
    counts.assign(k, 0);
    float* dst = out.data() + size_t(written) * dim;
    for (uint32_t i = 0; i < m; ++i) {
      float* c = dst + size_t(labels[i]) * dim;
      const float* r = block + size_t(i) * dim;
      for (uint32_t d = 0; d < dim; ++d) c[d] += r[d];
      counts[labels[i]]++;
    }
    for (uint32_t c = 0; c < k; ++c) {
      const float inv = 1.f / float(counts[c]);
      for (uint32_t d = 0; d < dim; ++d) dst[size_t(c) * dim + d] *= inv;
    }
    written += k;
  }
}

}  // namespace maxsim::mvindex
