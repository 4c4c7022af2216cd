// Top-k selection over a device-resident score matrix, on the device: one block per query row
// runs a radix select of up to 4 passes (8-bit digits of an order-preserving u32 key of the
// score; it stops early once the k-th key's bucket is needed whole) to find the k-th best
// score, gathers the k winners (ties on the threshold score taken by lower index, in index
// order), and bitonic-sorts them in shared memory. Ranking = maxsim::ranksAhead:
// higher score first, equal scores by lower document index. Only nq * k results leave the GPU.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace maxsim::gpu::detail {

// scores: device (nq, n) row-major. ids, outScores: device (nq, k), k = min(requested k, n),
// 1 <= k <= kMaxDeviceTopK, n < 2^32 - 1. Asynchronous on stream; throws on launch errors.
void launchTopK(const float* scores, size_t nq, size_t n, size_t k, uint32_t* ids, float* outScores,
                cudaStream_t stream);

}  // namespace maxsim::gpu::detail
