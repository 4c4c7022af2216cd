// Device top-k (see topk_cuda.cuh).
#include "../gpu/cuda_backend.h"
#include "cuda_common.cuh"
#include "topk_cuda.cuh"

namespace maxsim::gpu::detail {
namespace {

constexpr int kTopKThreads = 512;
constexpr int kTopKWarps = kTopKThreads / 32;

// Order-preserving map: a > b (as floats, -0 == +0) <=> key(a) > key(b) (as u32).
__device__ __forceinline__ uint32_t orderKey(float x) {
  uint32_t b = __float_as_uint(x);
  if ((b << 1) == 0) b = 0;  // -0 ranks like +0, as in the CPU's comparison
  return (b & 0x80000000u) ? ~b : (b | 0x80000000u);
}
__device__ __forceinline__ float fromOrderKey(uint32_t k) {
  return __uint_as_float((k & 0x80000000u) ? (k & 0x7fffffffu) : ~k);
}
// 64-bit rank key: score key above, (2^32 - 1 - index) below, so a larger key ranks ahead and
// keys are unique.
__device__ __forceinline__ unsigned long long rankKey(uint32_t key, uint32_t index) {
  return (static_cast<unsigned long long>(key) << 32) | (0xffffffffu - index);
}

// Block-wide exclusive count of `flag` in thread order; every thread of the block must call it.
__device__ uint32_t blockExclusiveCount(bool flag, uint32_t* warpSums, uint32_t& total) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  const unsigned ballot = __ballot_sync(0xffffffffu, flag);
  const uint32_t inWarp = __popc(ballot & ((1u << lane) - 1u));
  if (lane == 0) warpSums[warp] = __popc(ballot);
  __syncthreads();
  uint32_t before = 0, all = 0;
  for (int w = 0; w < kTopKWarps; ++w) {
    const uint32_t c = warpSums[w];
    before += w < warp ? c : 0u;
    all += c;
  }
  __syncthreads();  // warpSums is rewritten by the next call
  total = all;
  return before + inWarp;
}

// grid: nq blocks of kTopKThreads. dynamic shared: kPad u64 (kPad = next power of two >= k).
__global__ void __launch_bounds__(kTopKThreads) topKKernel(const float* __restrict__ scores, uint32_t n, uint32_t k,
                                                            uint32_t kPad, uint32_t* __restrict__ outIds,
                                                            float* __restrict__ outScores) {
  extern __shared__ unsigned long long keys[];
  __shared__ uint32_t hist[256];
  __shared__ uint32_t warpSums[kTopKWarps];
  __shared__ uint32_t selDigit, remaining, gtPos;
  const float* row = scores + size_t(blockIdx.x) * n;
  const uint32_t tid = threadIdx.x, lane = tid & 31;

  // Radix select: after the pass on digit `shift`, (prefix, mask) name the bucket holding the
  // k-th best key, and `remaining` counts how many keys of that bucket are still needed.
  if (tid == 0) remaining = k;
  uint32_t prefix = 0, mask = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    for (uint32_t i = tid; i < 256; i += kTopKThreads) hist[i] = 0;
    __syncthreads();
    for (uint32_t i0 = 0; i0 < n; i0 += kTopKThreads) {  // uniform trip count: full warps below
      const uint32_t i = i0 + tid;
      uint32_t bin = 256;  // sentinel: not counted
      if (i < n) {
        const uint32_t key = orderKey(row[i]);
        if ((key & mask) == prefix) bin = (key >> shift) & 255u;
      }
      // Scores cluster in few buckets (same sign and exponent): aggregate per warp first.
      const unsigned peers = __match_any_sync(0xffffffffu, bin);
      if (bin < 256 && lane == uint32_t(__ffs(peers) - 1)) atomicAdd(&hist[bin], uint32_t(__popc(peers)));
    }
    __syncthreads();
    if (tid == 0) {
      const uint32_t need = remaining;
      uint32_t cum = 0;
      int b = 255;
      for (; b > 0; --b) {
        if (cum + hist[b] >= need) break;
        cum += hist[b];
      }
      selDigit = uint32_t(b);
      remaining = need - cum;
      gtPos = 0;
    }
    __syncthreads();
    prefix |= selDigit << shift;
    mask |= 255u << shift;
  }
  const uint32_t threshold = prefix, needEq = remaining, gtTotal = k - needEq;

  // Gather: every key above the threshold (any order: sorted below), and the first needEq keys
  // equal to it in index order (ties go to the lower index).
  uint32_t eqTaken = 0;
  for (uint32_t i0 = 0; i0 < n; i0 += kTopKThreads) {
    const uint32_t i = i0 + tid;
    const uint32_t key = i < n ? orderKey(row[i]) : 0u;
    const bool gt = i < n && key > threshold, eq = i < n && key == threshold;
    if (gt) keys[atomicAdd(&gtPos, 1u)] = rankKey(key, i);
    uint32_t tileEq = 0;
    const uint32_t r = blockExclusiveCount(eq, warpSums, tileEq);
    if (eq && eqTaken + r < needEq) keys[gtTotal + eqTaken + r] = rankKey(key, i);
    eqTaken += tileEq;
  }
  for (uint32_t i = k + tid; i < kPad; i += kTopKThreads) keys[i] = 0ull;  // ranks below every real key
  __syncthreads();

  // Bitonic sort, descending at the last stage.
  for (uint32_t size = 2; size <= kPad; size <<= 1) {
    for (uint32_t stride = size >> 1; stride > 0; stride >>= 1) {
      for (uint32_t t = tid; t < kPad / 2; t += kTopKThreads) {
        const uint32_t i = 2 * t - (t & (stride - 1)), j = i + stride;
        const unsigned long long a = keys[i], b = keys[j];
        const bool descending = (i & size) == 0;
        if (descending ? a < b : a > b) {
          keys[i] = b;
          keys[j] = a;
        }
      }
      __syncthreads();
    }
  }
  for (uint32_t i = tid; i < k; i += kTopKThreads) {
    const unsigned long long key = keys[i];
    outScores[size_t(blockIdx.x) * k + i] = fromOrderKey(uint32_t(key >> 32));
    outIds[size_t(blockIdx.x) * k + i] = 0xffffffffu - uint32_t(key & 0xffffffffull);
  }
}

}  // namespace

void launchTopK(const float* scores, size_t nq, size_t n, size_t k, uint32_t* ids, float* outScores,
                cudaStream_t stream) {
  if (nq == 0 || k == 0) return;
  if (k > n || k > kMaxDeviceTopK || n >= 0xffffffffull || nq > 0x7fffffffull)
    throw Error(codes::kInternal, "device top-k called out of range");
  uint32_t kPad = 1;
  while (kPad < k) kPad <<= 1;
  topKKernel<<<static_cast<unsigned>(nq), kTopKThreads, kPad * sizeof(unsigned long long), stream>>>(
      scores, static_cast<uint32_t>(n), static_cast<uint32_t>(k), kPad, ids, outScores);
  MAXSIM_CUDA_CHECK(cudaGetLastError());
}

}  // namespace maxsim::gpu::detail
