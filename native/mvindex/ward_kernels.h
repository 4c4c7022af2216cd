// Token pooling's kernels: greedy Ward merges of a document's unit-normalised rows or of their
// 8-bit codes (the O(n^2) part), and the row passes around them. One plain C++ body
// (ward_impl.h) is compiled four times -- ward_kernels.cpp with no ISA flags,
// ward_kernels_avx2.cpp, ward_kernels_avx512.cpp, ward_kernels_avx512_vnni.cpp -- and picked at
// run time from the active SIMD level and the CPU's features. The ISA builds touch only
// raw buffers (no std:: containers), so no inline library code compiled with AVX-512 flags can
// be merged by the linker into the code other CPUs run.
#pragma once
#include <cstddef>
#include <cstdint>

namespace maxsim::mvindex {

struct WardMerge {
  uint32_t a, b;  // slots merged; each slot index is a member of its cluster
  float cost;     // Ward merge cost (Lance–Williams on squared Euclidean distances)
};

// n rounded up to whole 16-float vectors: the AVX-512 build scans and stores the per-cluster
// arrays a whole vector at a time.
inline uint32_t wardPaddedLen(uint32_t n) { return (n + 15) / 16 * 16; }
// D is (n, n) plus 16 floats of slack, so a whole-vector scan of its last row stays inside.
inline size_t wardDistFloats(uint32_t n) { return size_t(n) * n + 16; }

// Buffers sized by the caller.
struct WardBuffers {
  float* transposed;  // gram scratch: xt (dim, npad), then squared norms (npad); npad = wardPaddedCols(n)
  float* dist;        // wardDistFloats(n): (n, n), then slack
  float* size;        // (n) in: each row's multiplicity (1 for a plain row); scratch after
  float* mask;        // wardPaddedLen(n)
  float* nnDist;      // wardPaddedLen(n)
  uint32_t* nn;       // wardPaddedLen(n)
  uint32_t* stale;    // wardPaddedLen(n)
  uint32_t* synced;   // (n)
  uint32_t* keeps;    // (n)
};

// Room for a two-vector tile (32 columns in the AVX-512 build, 16 in AVX2) starting at any row
// below n, and for the 32-aligned tiles of the plain build, all of it zero past n.
inline uint32_t wardPaddedCols(uint32_t n) { return (n + 15) / 16 * 16 + 16; }
inline size_t wardTransposedFloats(uint32_t n, uint32_t dim) { return size_t(wardPaddedCols(n)) * (size_t(dim) + 1); }

// Bytes a row of 8-bit codes takes: dim, padded with zero codes to whole 4-byte groups.
inline uint32_t int8CodeStride(uint32_t dim) { return (dim + 3) / 4 * 4; }
// The scratch wardMergesInt8 uses in WardBuffers::transposed, in floats.
size_t wardInt8ScratchFloats(uint32_t n, uint32_t dim);

// Token pooling's kernels, one table per ISA build. The O(n d) row passes sit beside the
// merges because a plain build of them runs 128-bit SSE, and with a million rows an add they
// are a fifth of pooling's time.
struct PoolingKernels {
  // Writes the first n - k merges of greedy Ward agglomeration of `unit` (n, dim), cheapest
  // first: after them exactly k clusters remain. Row i stands for buf.size[i] identical
  // points, so it starts as a cluster of that size (token pooling folds repeated rows so).
  void (*wardMerges)(const float* unit, uint32_t n, uint32_t dim, uint32_t k, const WardBuffers& buf, WardMerge* merges);
  // The same over rows given as 8-bit codes (quantizeInt8Rows', zero-padded), layout
  // (n, int8CodeStride(dim)): the distances are those between the codes' directions, from an
  // exact integer Gram, so every ISA build gives the same clustering.
  void (*wardMergesInt8)(const int8_t* codes, uint32_t n, uint32_t dim, uint32_t k, const WardBuffers& buf, WardMerge* merges);
  // layout: rows, unit (n, dim). unit = each row over its length (a zero row stays zero).
  void (*unitRows)(const float* rows, uint32_t n, uint32_t dim, float* unit);
  // layout: rows (n, dim), out (k, dim) zeroed by the caller, counts (k). out = the mean of
  // the rows of each label in [0, k).
  void (*clusterMeans)(const float* rows, uint32_t n, uint32_t dim, const uint32_t* labels, uint32_t k, float* out,
                       uint32_t* counts);
};

// For the active SIMD level.
const PoolingKernels& poolingKernels();

const PoolingKernels* poolingKernelsScalar();
const PoolingKernels* poolingKernelsAvx2();  // nullptr when this build has no x86 kernels
const PoolingKernels* poolingKernelsAvx512();
const PoolingKernels* poolingKernelsAvx512Vnni();

}  // namespace maxsim::mvindex
