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
  std::vector<float> unit, transposed, dist, size, mask, nnDist, scales;
  std::vector<int8_t> codes;
  std::vector<uint32_t> nn, stale, synced, keeps, parent, label, firstOf, slots, uniqueRow, slotOf;
  std::vector<WardMerge> merges;
};

// Eight 4-byte words spread over the row: distinct embedding rows differ nearly everywhere, and
// a collision only costs a memcmp. Hashing every word would be a serial chain of multiplies.
uint64_t rowHash(const uint8_t* row, uint32_t words) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ words;
  const uint32_t step = words >= 8 ? words / 8 : 1;
  for (uint32_t c = 0; c < words && c < 8 * step; c += step) {
    uint32_t bits;
    std::memcpy(&bits, row + size_t(c) * 4, 4);
    h = (h ^ bits) * 0xff51afd7ed558ccdull;
  }
  return h ^ (h >> 29);
}

// firstOf[i] = the lowest index whose row (pitch bytes, a multiple of 4) is byte for byte row
// i's (i itself when none before it is). Returns how many distinct rows there are.
uint32_t findRepeatedRows(const uint8_t* rows, uint32_t n, uint32_t pitch, std::vector<uint32_t>& firstOf,
                          std::vector<uint32_t>& slots) {
  constexpr uint32_t kEmpty = 0xffffffffu;
  uint32_t cap = 16;
  while (cap < 2 * n) cap *= 2;
  slots.assign(cap, kEmpty);
  firstOf.resize(n);
  uint32_t distinct = 0;
  for (uint32_t i = 0; i < n; ++i) {
    const uint8_t* row = rows + size_t(i) * pitch;
    uint32_t at = static_cast<uint32_t>(rowHash(row, pitch / 4)) & (cap - 1);
    firstOf[i] = i;
    for (; slots[at] != kEmpty; at = (at + 1) & (cap - 1))
      if (std::memcmp(rows + size_t(slots[at]) * pitch, row, pitch) == 0) {
        firstOf[i] = slots[at];
        break;
      }
    if (firstOf[i] == i) {
      slots[at] = i;
      ++distinct;
    }
  }
  return distinct;
}

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

void wardClusters(const float* rows, uint32_t n, uint32_t dim, uint32_t k, std::vector<uint32_t>& labels, WardInput input) {
  labels.assign(n, 0);
  if (n == 0) return;
  if (k >= n) {
    std::iota(labels.begin(), labels.end(), 0u);
    return;
  }
  PoolScratch& s = scratch();
  const PoolingKernels& kernels = poolingKernels();
  // Cosine distance: Ward on unit rows (a zero row stays zero), or on the rows' 8-bit codes,
  // whose directions are what int8 storage keeps.
  const bool int8 = input == WardInput::Int8Codes;
  uint8_t* points;
  uint32_t pitch;
  if (int8) {
    // The int8 storage's own quantizer (scale = max |x| / 127, rounded to nearest), whose
    // result is the same at every SIMD level; the scales do not change a row's direction.
    pitch = int8CodeStride(dim);
    s.codes.resize(size_t(n) * pitch);
    s.scales.resize(n);
    const KernelTable& kt = activeKernels();
    if (pitch == dim) {
      kt.quantizeInt8Rows(rows, n, dim, s.codes.data(), s.scales.data());
    } else {  // rows padded with zero codes to whole 4-byte groups
      for (uint32_t i = 0; i < n; ++i) {
        int8_t* c = s.codes.data() + size_t(i) * pitch;
        kt.quantizeInt8Rows(rows + size_t(i) * dim, 1, dim, c, &s.scales[i]);
        std::memset(c + dim, 0, pitch - dim);
      }
    }
    points = reinterpret_cast<uint8_t*>(s.codes.data());
  } else {
    pitch = dim * uint32_t(sizeof(float));
    s.unit.resize(size_t(n) * dim);
    kernels.unitRows(rows, n, dim, s.unit.data());
    points = reinterpret_cast<uint8_t*>(s.unit.data());
  }
  // A row repeated r times (the same word in a static word-vector model, say) is r points at
  // distance 0: greedy Ward merges them first, at zero cost, whatever the order. So each
  // distinct row enters the O(n^2) Ward once, as a cluster of size r, Ward then makes the same
  // merges it would have made among the copies, and the Gram shrinks with the square of the
  // distinct count. When the copies alone make more than the n - k merges needed, the
  // clustering ends among them: copies join their first occurrence in row order.
  constexpr uint32_t kNone = 0xffffffffu;
  const uint32_t distinct = findRepeatedRows(points, n, pitch, s.firstOf, s.slots);
  s.parent.resize(n);
  std::iota(s.parent.begin(), s.parent.end(), 0u);
  const uint32_t needed = n - k;
  if (needed <= n - distinct) {
    uint32_t done = 0;
    for (uint32_t i = 0; i < n && done < needed; ++i)
      if (s.firstOf[i] != i) {
        s.parent[i] = s.firstOf[i];
        ++done;
      }
  } else {
    // Distinct rows move to the front in order of first occurrence (never past their own slot).
    s.uniqueRow.resize(distinct);
    s.size.assign(distinct, 0.f);
    s.slotOf.resize(n);  // set for each distinct row's first occurrence
    uint32_t u = 0;
    for (uint32_t i = 0; i < n; ++i) {
      if (s.firstOf[i] == i) {
        if (u != i) std::memcpy(points + size_t(u) * pitch, points + size_t(i) * pitch, pitch);
        s.uniqueRow[u] = i;
        s.slotOf[i] = u++;
      } else {
        s.parent[i] = s.firstOf[i];
      }
      s.size[s.slotOf[s.firstOf[i]]] += 1.f;
    }
    s.transposed.resize(int8 ? wardInt8ScratchFloats(u, dim) : wardTransposedFloats(u, dim));
    s.dist.resize(wardDistFloats(u));
    s.mask.resize(wardPaddedLen(u));
    s.nnDist.resize(wardPaddedLen(u));
    s.nn.resize(wardPaddedLen(u));
    s.stale.resize(wardPaddedLen(u));
    s.synced.resize(u);
    s.keeps.resize(u);
    s.merges.resize(u - k);
    const WardBuffers buf{s.transposed.data(), s.dist.data(), s.size.data(), s.mask.data(), s.nnDist.data(), s.nn.data(), s.stale.data(), s.synced.data(), s.keeps.data()};
    if (int8) kernels.wardMergesInt8(s.codes.data(), u, dim, k, buf, s.merges.data());
    else kernels.wardMerges(s.unit.data(), u, dim, k, buf, s.merges.data());
    // The n - k greedy merges leave exactly the k clusters of the cut.
    for (const WardMerge& mg : s.merges) {
      const uint32_t ra = findRoot(s.parent, s.uniqueRow[mg.a]), rb = findRoot(s.parent, s.uniqueRow[mg.b]);
      if (ra != rb) s.parent[std::max(ra, rb)] = std::min(ra, rb);
    }
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
    wardClusters(block, m, dim, k, labels, o.wardInput);
    counts.resize(k);
    poolingKernels().clusterMeans(block, m, dim, labels.data(), k, out.data() + size_t(written) * dim, counts.data());
    written += k;
  }
}

}  // namespace maxsim::mvindex
