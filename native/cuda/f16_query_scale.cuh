// f16 has five exponent bits: an f32 query value past 65504 would round to Infinity and one
// below 2^-14 would lose bits. Queries bound for f16 tensor-core inputs are therefore scaled by a
// power of two first, which commutes with rounding, so sums are unscaled exactly with ldexpf.
// Used by the MaxSim query packing and the FDE query split.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace maxsim::gpu::detail {

// Called by every thread of the block (blockDim.x a multiple of 32) over the same values, once
// per kernel; returns e such that the largest |value| times 2^e lies in [2^14, 2^15), or 0 when
// every value is zero.
__device__ inline int f16ScaleExponent(const float* values, size_t count) {
  __shared__ float warpMax[32];
  float m = 0.f;
  for (size_t i = threadIdx.x; i < count; i += blockDim.x) m = fmaxf(m, fabsf(values[i]));
  for (int o = 16; o > 0; o >>= 1) m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, o));
  if (threadIdx.x % 32 == 0) warpMax[threadIdx.x / 32] = m;
  __syncthreads();
  m = 0.f;
  for (uint32_t w = 0; w < blockDim.x / 32; ++w) m = fmaxf(m, warpMax[w]);
  if (m == 0.f) return 0;
  int ex;
  frexpf(m, &ex);  // m < 2^ex
  return 15 - ex;
}

}  // namespace maxsim::gpu::detail
