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

constexpr int kLoadsInFlight = 4;  // a radix pass is latency-bound: several loads per thread per step

// Adds this thread's keys to the histogram of digit `shift` among keys whose masked prefix
// matches.
__device__ __forceinline__ void countDigits(const float* row, uint32_t n, uint32_t prefix, uint32_t mask, int shift,
                                            uint32_t* hist) {
  const uint32_t lane = threadIdx.x & 31;
  for (uint32_t i0 = 0; i0 < n; i0 += kTopKThreads * kLoadsInFlight) {  // uniform trip count: full warps
    float v[kLoadsInFlight];
#pragma unroll
    for (int u = 0; u < kLoadsInFlight; ++u) {
      const uint32_t i = i0 + u * kTopKThreads + threadIdx.x;
      v[u] = i < n ? row[i] : 0.f;
    }
#pragma unroll
    for (int u = 0; u < kLoadsInFlight; ++u) {
      const uint32_t i = i0 + u * kTopKThreads + threadIdx.x;
      uint32_t bin = 256;  // sentinel: not counted
      if (i < n) {
        const uint32_t key = orderKey(v[u]);
        if ((key & mask) == prefix) bin = (key >> shift) & 255u;
      }
      // A warp whose keys share one bin (the common case in the first passes) adds once; mixed
      // bins are spread enough for plain shared atomics.
      const uint32_t first = __shfl_sync(0xffffffffu, bin, 0);
      if (__all_sync(0xffffffffu, bin == first)) {
        if (lane == 0 && first < 256) atomicAdd(&hist[first], 32u);
      } else if (bin < 256) {
        atomicAdd(&hist[bin], 1u);
      }
    }
  }
}

// grid: nq blocks of kTopKThreads. dynamic shared: kPad u64 (kPad = next power of two >= k).
__global__ void __launch_bounds__(kTopKThreads) topKKernel(const float* __restrict__ scores, uint32_t n, uint32_t k,
                                                            uint32_t kPad, uint32_t* __restrict__ outIds,
                                                            float* __restrict__ outScores) {
  extern __shared__ unsigned long long keys[];
  __shared__ uint32_t hist[256];
  __shared__ uint32_t warpSums[kTopKWarps];
  __shared__ uint32_t selDigit, selCount, remaining, outPos;
  const float* row = scores + size_t(blockIdx.x) * n;
  const uint32_t tid = threadIdx.x, lane = tid & 31;

  // Radix select, most significant digit first: after each pass (prefix, mask) name the bucket
  // holding the k-th best key and `remaining` counts the keys still needed from it. A pass whose
  // bucket is needed whole ends the search early: every key of it is a winner.
  if (tid == 0) remaining = k;
  uint32_t prefix = 0, mask = 0;
  bool wholeBucket = false;
  for (int shift = 24; shift >= 0 && !wholeBucket; shift -= 8) {
    for (uint32_t i = tid; i < 256; i += kTopKThreads) hist[i] = 0;
    __syncthreads();
    countDigits(row, n, prefix, mask, shift, hist);
    __syncthreads();
    // Parallel bucket search: thread b < 256 holds bin b; suffix sums over bins b..255 within the
    // warp by shuffles, then across the 8 warps of bins through warpSums.
    const uint32_t need = remaining;
    uint32_t c = tid < 256 ? hist[tid] : 0, suffix = c;
    for (int o = 1; o < 32; o <<= 1) {
      const uint32_t other = __shfl_down_sync(0xffffffffu, suffix, o);
      if (lane + o < 32) suffix += other;
    }
    if (tid < 256 && lane == 0) warpSums[tid / 32] = suffix;  // the warp's total
    __syncthreads();
    if (tid < 256) {
      for (uint32_t w = tid / 32 + 1; w < 8; ++w) suffix += warpSums[w];  // bins above this warp's
      // Bin tid holds the k-th key when the keys above it are fewer than need and with it enough.
      if (suffix >= need && suffix - c < need) {
        selDigit = tid;
        selCount = c;
        remaining = need - (suffix - c);
      }
    }
    __syncthreads();
    prefix |= selDigit << shift;
    mask |= 255u << shift;
    wholeBucket = remaining == selCount;
  }
  const uint32_t needEq = remaining, gtTotal = k - needEq;
  if (tid == 0) outPos = 0;
  __syncthreads();

  // Gather. Above the bucket: always winners. In the bucket: all of them when it is needed whole
  // (the sort below orders them), else exact ties at the k-th key, taken by lower index.
  const bool takeBucket = wholeBucket;
  uint32_t eqTaken = 0;
  for (uint32_t i0 = 0; i0 < n; i0 += kTopKThreads) {
    const uint32_t i = i0 + tid;
    const uint32_t key = i < n ? orderKey(row[i]) : 0u;
    const uint32_t top = key & mask;
    const bool gt = i < n && (top > prefix || (takeBucket && top == prefix));
    const bool eq = !takeBucket && i < n && key == prefix;
    const unsigned gtBallot = __ballot_sync(0xffffffffu, gt);
    if (gtBallot) {
      uint32_t base = 0;
      if (lane == 0) base = atomicAdd(&outPos, uint32_t(__popc(gtBallot)));
      base = __shfl_sync(0xffffffffu, base, 0);
      if (gt) keys[base + __popc(gtBallot & ((1u << lane) - 1u))] = rankKey(key, i);
    }
    if (!takeBucket) {
      uint32_t tileEq = 0;
      const uint32_t r = blockExclusiveCount(eq, warpSums, tileEq);
      if (eq && eqTaken + r < needEq) keys[gtTotal + eqTaken + r] = rankKey(key, i);
      eqTaken += tileEq;
      if (eqTaken >= needEq && i0 + kTopKThreads < n) {
        // Every tie needed is taken; finish the keys above the threshold without the ordered count.
        for (uint32_t j = i0 + kTopKThreads + tid; j < n; j += kTopKThreads) {
          const uint32_t kj = orderKey(row[j]);
          if (kj > prefix) keys[atomicAdd(&outPos, 1u)] = rankKey(kj, j);
        }
        break;
      }
    }
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
