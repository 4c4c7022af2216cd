// Token pooling (Clavié et al. 2024), applied to one document at add time:
//   1. the first `protectedTokens` rows are kept as they are;
//   2. the n rows after them are clustered hierarchically with Ward linkage on cosine distance
//      (Ward on the unit-normalised rows, or on the directions of their 8-bit codes: WardInput)
//      into k = max(floor(n / poolFactor), 1) clusters;
//   3. each cluster is replaced by the mean of its original (not normalised) rows.
// Ward runs greedily over a full distance matrix with cached nearest neighbours and
// Lance–Williams updates, stopping after the n - k merges that leave k clusters; O(n^2) memory. Documents longer than kMaxPoolBlock pooled
// rows are clustered in consecutive blocks of that size (bounding memory at 16 MB a thread).
#pragma once
#include <cstdint>
#include <vector>

namespace maxsim::mvindex {

constexpr uint32_t kMaxPoolBlock = 2048;

// What Ward compares: the rows' unit directions in f32, or the directions of their 8-bit codes
// (each row scaled so its largest |value| is 127 and rounded). Storage that keeps 8 bits a value
// or fewer pools on codes: its clustering then runs on an exact integer Gram, about four
// times faster, and sees the rows at no finer precision than that storage stores them.
enum class WardInput : uint8_t { UnitRows, Int8Codes };

struct PoolingOptions {
  double factor = 1.0;          // 1 = no pooling
  uint32_t protectedTokens = 0;
  WardInput wardInput = WardInput::UnitRows;
  bool enabled() const { return factor > 1.0; }
};

// Rows pooling leaves of a document of n rows.
uint32_t pooledRowCount(uint32_t n, const PoolingOptions& o);

// Pools `n` rows (n, dim) into `out` (resized to pooledRowCount rows, row-major). Output order:
// protected rows, then clusters ordered by their first member.
void poolTokens(const float* rows, uint32_t n, uint32_t dim, const PoolingOptions& o, std::vector<float>& out);

// Ward clustering of n rows into k clusters; labels[i] in [0, k), numbered by first member.
// Exposed for tests (through the binding) and for reuse.
void wardClusters(const float* rows, uint32_t n, uint32_t dim, uint32_t k, std::vector<uint32_t>& labels,
                  WardInput input = WardInput::UnitRows);

}  // namespace maxsim::mvindex
