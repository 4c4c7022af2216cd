#include "token_pooling.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "gram.h"

namespace maxsim::mvindex {
namespace {

uint32_t clustersFor(uint32_t m, double factor) {
  const double k = std::floor(double(m) / factor);
  return k < 1.0 ? 1u : static_cast<uint32_t>(k);
}

struct Merge {
  uint32_t a, b;
  float cost;
};

uint32_t findRoot(std::vector<uint32_t>& parent, uint32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

// Scratch reused across documents on one thread: the distance matrix dominates.
struct PoolScratch {
  std::vector<float> unit, transposed, dist;
  std::vector<uint32_t> active, position, size, chain, parent, order;
  std::vector<Merge> merges;
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
  for (uint32_t i = 0; i < n; ++i) {
    const float* r = rows + size_t(i) * dim;
    double ss = 0;
    for (uint32_t c = 0; c < dim; ++c) ss += double(r[c]) * r[c];
    const float inv = ss > 0 ? float(1.0 / std::sqrt(ss)) : 0.f;
    for (uint32_t c = 0; c < dim; ++c) s.unit[size_t(i) * dim + c] = r[c] * inv;
  }
  // layout: dist (n, n) row-major, symmetric; squared Euclidean between unit rows.
  s.dist.resize(size_t(n) * n);
  s.transposed.resize(size_t(n) * dim);
  gram(s.unit.data(), n, dim, s.dist.data(), s.transposed.data());
  float* D = s.dist.data();
  for (uint32_t i = 0; i < n; ++i) {
    const float gii = D[size_t(i) * n + i];
    for (uint32_t j = i + 1; j < n; ++j) {
      const float d = std::max(0.f, gii + D[size_t(j) * n + j] - 2.f * D[size_t(i) * n + j]);
      D[size_t(i) * n + j] = d;
    }
  }
  for (uint32_t i = 0; i < n; ++i) {
    D[size_t(i) * n + i] = 0.f;
    for (uint32_t j = i + 1; j < n; ++j) D[size_t(j) * n + i] = D[size_t(i) * n + j];
  }

  // Nearest-neighbour chain. Ward is reducible, so merging reciprocal nearest neighbours in any
  // order yields the same dendrogram as the greedy algorithm; sorting the merges by cost and
  // replaying the n - k cheapest then gives the k-cluster cut.
  s.active.resize(n);
  s.position.resize(n);
  s.size.assign(n, 1);
  std::iota(s.active.begin(), s.active.end(), 0u);
  std::iota(s.position.begin(), s.position.end(), 0u);
  s.chain.clear();
  s.merges.clear();
  constexpr uint32_t kNone = 0xffffffffu;
  while (s.active.size() > 1) {
    if (s.chain.empty()) s.chain.push_back(s.active[0]);
    const uint32_t a = s.chain.back();
    const uint32_t prev = s.chain.size() >= 2 ? s.chain[s.chain.size() - 2] : kNone;
    const float* Da = D + size_t(a) * n;
    uint32_t b = prev;
    float best = prev != kNone ? Da[prev] : std::numeric_limits<float>::infinity();
    for (uint32_t x : s.active)
      if (x != a && Da[x] < best) {  // strict: ties keep the chain's predecessor
        best = Da[x];
        b = x;
      }
    if (b != prev || prev == kNone) {
      s.chain.push_back(b);
      continue;
    }
    s.chain.pop_back();
    s.chain.pop_back();
    // Merge a and b into the lower slot; Lance–Williams for Ward on squared distances.
    const uint32_t keep = std::min(a, b), gone = std::max(a, b);
    const float na = float(s.size[a]), nb = float(s.size[b]);
    const float* Db = D + size_t(b) * n;
    float* Dk = D + size_t(keep) * n;
    for (uint32_t x : s.active) {
      if (x == a || x == b) continue;
      const float nx = float(s.size[x]);
      const float d = ((na + nx) * Da[x] + (nb + nx) * Db[x] - nx * best) / (na + nb + nx);
      Dk[x] = d;
      D[size_t(x) * n + keep] = d;
    }
    s.size[keep] = s.size[a] + s.size[b];
    const uint32_t pos = s.position[gone], last = s.active.back();
    s.active[pos] = last;
    s.position[last] = pos;
    s.active.pop_back();
    s.merges.push_back({a, b, best});
  }

  s.order.resize(s.merges.size());
  std::iota(s.order.begin(), s.order.end(), 0u);
  std::stable_sort(s.order.begin(), s.order.end(), [&](uint32_t x, uint32_t y) { return s.merges[x].cost < s.merges[y].cost; });
  s.parent.resize(n);
  std::iota(s.parent.begin(), s.parent.end(), 0u);
  for (uint32_t m = 0; m < n - k; ++m) {
    const Merge& mg = s.merges[s.order[m]];
    const uint32_t ra = findRoot(s.parent, mg.a), rb = findRoot(s.parent, mg.b);
    if (ra != rb) s.parent[std::max(ra, rb)] = std::min(ra, rb);
  }
  // Number clusters by first member: roots are the lowest member, seen in increasing order.
  std::vector<uint32_t>& label = s.position;  // reuse: root -> label
  std::fill(label.begin(), label.end(), kNone);
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
