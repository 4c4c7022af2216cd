// Host-side helpers of the CUDA backend (see cuda_common.cuh).
#include "cuda_common.cuh"

#include <cstring>

#include "../gpu/cuda_backend.h"
#include "topk_cuda.cuh"

namespace maxsim::gpu::detail {

void fail(cudaError_t e, const char* what) {
  const std::string msg = std::string(what) + ": " + cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // an allocation failure is not sticky; clear it so later calls work
    throw Error("ERR_CUDA_OOM", "out of GPU memory (" + msg + ")");
  }
  if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver)
    throw Error("ERR_CUDA_UNAVAILABLE", "no usable CUDA device (" + msg + ")");
  throw Error("ERR_CUDA", msg);
}

cudaDeviceProp useDevice(int device) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    cudaGetLastError();
    throw Error("ERR_CUDA_UNAVAILABLE", "no CUDA device is available");
  }
  if (device < 0 || device >= n)
    throw Error(codes::kInvalidArgument, "device index " + std::to_string(device) + " out of range (" +
                                             std::to_string(n) + " CUDA devices)");
  cudaDeviceProp p;
  MAXSIM_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  if (p.major < 8)
    throw Error("ERR_CUDA_UNAVAILABLE", std::string("CUDA device ") + p.name + " is older than sm_80 (Ampere)");
  MAXSIM_CUDA_CHECK(cudaSetDevice(device));
  return p;
}

void checkOffsetsHost(const uint32_t* off, size_t n, size_t rows, const char* name) {
  if (!off || off[0] != 0) throw Error(codes::kBadOffsets, std::string(name) + "[0] must be 0");
  for (size_t i = 0; i < n; ++i)
    if (off[i + 1] < off[i]) throw Error(codes::kBadOffsets, std::string(name) + " must be non-decreasing");
  if (rows != SIZE_MAX && off[n] != rows)
    throw Error(codes::kBadOffsets, std::string(name) + " must end at the number of rows (" + std::to_string(rows) + ")");
}

size_t mulBytes(size_t a, size_t b) {
  if (b != 0 && a > SIZE_MAX / b) throw Error("ERR_CUDA_OOM", "out of GPU memory (request size overflows)");
  return a * b;
}

size_t ResultDownload::topKCount(size_t k, size_t n) {
  const size_t kOut = k < n ? k : n;
  if (kOut > kMaxDeviceTopK)
    throw Error(codes::kInvalidArgument, "k (" + std::to_string(kOut) + ") exceeds the device top-k limit " +
                                             std::to_string(kMaxDeviceTopK));
  return kOut;
}

void ResultDownload::scores(const float* dScores, size_t count, float* out, const Stream& stream) {
  float* h = hOut_.ensure(count);
  MAXSIM_CUDA_CHECK(cudaMemcpyAsync(h, dScores, count * sizeof(float), cudaMemcpyDeviceToHost, stream.get()));
  stream.sync();
  std::memcpy(out, h, count * sizeof(float));
}

void ResultDownload::topK(const float* dScores, size_t nq, size_t n, size_t kOut, uint32_t* outIds, float* outScores,
                          const Stream& stream) {
  launchTopK(dScores, nq, n, kOut, dIds_.ensure(nq * kOut), dTop_.ensure(nq * kOut), stream.get());
  MAXSIM_CUDA_CHECK(cudaMemcpyAsync(hIds_.ensure(nq * kOut), dIds_.get(), nq * kOut * sizeof(uint32_t),
                                    cudaMemcpyDeviceToHost, stream.get()));
  MAXSIM_CUDA_CHECK(cudaMemcpyAsync(hTop_.ensure(nq * kOut), dTop_.get(), nq * kOut * sizeof(float),
                                    cudaMemcpyDeviceToHost, stream.get()));
  stream.sync();
  std::memcpy(outIds, hIds_.get(), nq * kOut * sizeof(uint32_t));
  std::memcpy(outScores, hTop_.get(), nq * kOut * sizeof(float));
}

}  // namespace maxsim::gpu::detail
