// Brute-force inner-product scan over fixed-dimensional encodings (DeviceFdeCollection, see
// cuda_backend.h), then device top-k. Memory-bound when the batch is small, so each document
// vector is read from HBM once per batch of kQueriesPerPass queries:
//   grid (ceil(n / kDocsPerBlock), ceil(nq / kQueriesPerPass)); each block stages a chunk of
//   kChunk dimensions of its kQueriesPerPass queries in shared memory, and each warp streams
//   kDocsPerWarp documents through it (lane l reads 4 consecutive elements at l*4 + 128*i), so
//   one shared-memory read of a query value feeds kDocsPerWarp FMAs. f32 accumulation in
//   registers; one warp reduction per (document, query) at the end.
// layout: vectors (n, dimPad) T, dimPad = dim rounded up to 128, zero-padded; queries on the
// device (nq, dimPad) f32, zero-padded.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "../core/error.h"
#include "../gpu/cuda_backend.h"
#include "cuda_common.cuh"
#include "topk_cuda.cuh"

namespace maxsim::gpu {
namespace {

using namespace detail;

constexpr int kFdeWarps = 8;
constexpr int kFdeThreads = kFdeWarps * 32;
constexpr int kDocsPerWarp = 4;
constexpr int kDocsPerBlock = kFdeWarps * kDocsPerWarp;
constexpr int kQueriesPerPass = 8;
constexpr uint32_t kChunk = 1024;  // dimensions staged per step: 8 x 1024 x 4 B = 32 KiB shared

inline uint32_t pad128(uint32_t x) { return (x + 127) / 128 * 128; }

__device__ __forceinline__ float4 load4(const float* p) { return __ldg(reinterpret_cast<const float4*>(p)); }
__device__ __forceinline__ float4 load4(const __half* p) {
  const uint2 raw = __ldg(reinterpret_cast<const uint2*>(p));  // 4 halves, 8-byte aligned
  __half2 lo, hi;
  std::memcpy(&lo, &raw.x, sizeof(lo));
  std::memcpy(&hi, &raw.y, sizeof(hi));
  const float2 a = __half22float2(lo), b = __half22float2(hi);
  return make_float4(a.x, a.y, b.x, b.y);
}

template <class T>
__global__ void __launch_bounds__(kFdeThreads) fdeScanKernel(const T* __restrict__ docs, uint32_t n, uint32_t dimPad,
                                                              const float* __restrict__ queries, uint32_t nq,
                                                              float* __restrict__ out) {
  __shared__ __align__(16) float sq[kQueriesPerPass][kChunk];
  const uint32_t warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const uint32_t q0 = blockIdx.y * kQueriesPerPass;
  const uint32_t nqb = min(uint32_t(kQueriesPerPass), nq - q0);
  const uint32_t docBase = (blockIdx.x * kFdeWarps + warp) * kDocsPerWarp;
  float acc[kDocsPerWarp][kQueriesPerPass];
#pragma unroll
  for (int dd = 0; dd < kDocsPerWarp; ++dd)
#pragma unroll
    for (int qq = 0; qq < kQueriesPerPass; ++qq) acc[dd][qq] = 0.f;

  for (uint32_t k0 = 0; k0 < dimPad; k0 += kChunk) {
    const uint32_t len = min(kChunk, dimPad - k0);  // a multiple of 128
    __syncthreads();  // the previous chunk is consumed
    for (uint32_t i = threadIdx.x; i < kQueriesPerPass * (len / 4); i += kFdeThreads) {
      const uint32_t qq = i / (len / 4), c = (i % (len / 4)) * 4;
      float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
      if (qq < nqb) v = load4(queries + size_t(q0 + qq) * dimPad + k0 + c);
      *reinterpret_cast<float4*>(&sq[qq][c]) = v;
    }
    __syncthreads();
    for (uint32_t kk = lane * 4; kk < len; kk += 128) {
      float4 x[kDocsPerWarp];
#pragma unroll
      for (int dd = 0; dd < kDocsPerWarp; ++dd)
        x[dd] = docBase + dd < n ? load4(docs + size_t(docBase + dd) * dimPad + k0 + kk) : make_float4(0.f, 0.f, 0.f, 0.f);
#pragma unroll
      for (int qq = 0; qq < kQueriesPerPass; ++qq) {
        const float4 qv = *reinterpret_cast<const float4*>(&sq[qq][kk]);
#pragma unroll
        for (int dd = 0; dd < kDocsPerWarp; ++dd)
          acc[dd][qq] += x[dd].x * qv.x + x[dd].y * qv.y + x[dd].z * qv.z + x[dd].w * qv.w;
      }
    }
  }
#pragma unroll
  for (int dd = 0; dd < kDocsPerWarp; ++dd)
#pragma unroll
    for (int qq = 0; qq < kQueriesPerPass; ++qq) {
      float v = acc[dd][qq];
      for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
      if (lane == 0 && uint32_t(qq) < nqb && docBase + dd < n) out[size_t(q0 + qq) * n + docBase + dd] = v;
    }
}

template <class T>
class CudaFdeCollection final : public DeviceFdeCollection {
 public:
  CudaFdeCollection(int device, const void* vectors, size_t n, uint32_t dim)
      : device_(device), dim_(dim), dimPad_(pad128(dim)), n_(n) {
    if (dim == 0) throw Error(codes::kInvalidArgument, "dim must be positive");
    if (n >= 0x7fffffffull) throw Error(codes::kInvalidArgument, "the CUDA backend holds fewer than 2^31 - 1 vectors");
    useDevice(device);
    stream_.create();
    T* dv = vectors_.ensure(mulBytes(n, dimPad_));
    bytes_ = vectors_.bytes();
    const size_t chunkRows = std::max<size_t>(1, (size_t(32) << 20) / (size_t(dimPad_) * sizeof(T)));  // ~32 MiB
    PinnedBuffer<T> stagingBuf;
    T* staging = stagingBuf.ensure(std::min(chunkRows, std::max<size_t>(n, 1)) * dimPad_);
    for (size_t r0 = 0; r0 < n; r0 += chunkRows) {
      const size_t rows = std::min(chunkRows, n - r0);
      stream_.sync();  // the previous chunk's copy has left the staging buffer
      std::memset(staging, 0, rows * dimPad_ * sizeof(T));
      for (size_t r = 0; r < rows; ++r)
        std::memcpy(staging + r * dimPad_, static_cast<const T*>(vectors) + (r0 + r) * dim, dim * sizeof(T));
      MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dv + r0 * dimPad_, staging, rows * dimPad_ * sizeof(T), cudaMemcpyHostToDevice,
                                        stream_.get()));
    }
    stream_.sync();
  }

  size_t documents() const override { return n_; }
  uint32_t dim() const override { return dim_; }
  size_t deviceBytes() const override { return bytes_; }

  void scoreMatrix(const float* queries, size_t nq, float* out) override {
    if (nq == 0 || n_ == 0) return;
    MAXSIM_CUDA_CHECK(cudaSetDevice(device_));
    results_.scores(scoreOnDevice(queries, nq), nq * n_, out, stream_);
  }

  size_t topK(const float* queries, size_t nq, size_t k, uint32_t* outIds, float* outScores) override {
    const size_t kOut = ResultDownload::topKCount(k, n_);
    if (nq == 0 || kOut == 0) return kOut;
    MAXSIM_CUDA_CHECK(cudaSetDevice(device_));
    results_.topK(scoreOnDevice(queries, nq), nq, n_, kOut, outIds, outScores, stream_);
    return kOut;
  }

 private:
  const float* scoreOnDevice(const float* queries, size_t nq) {
    const size_t passes = (nq + kQueriesPerPass - 1) / kQueriesPerPass;
    if (passes > 65535) throw Error(codes::kInvalidArgument, "at most 524280 queries per GPU call");
    stream_.sync();  // the pinned buffer is free
    float* hq = hQueries_.ensure(mulBytes(nq, dimPad_));
    std::memset(hq, 0, nq * dimPad_ * sizeof(float));
    for (size_t i = 0; i < nq; ++i) std::memcpy(hq + i * dimPad_, queries + i * dim_, dim_ * sizeof(float));
    float* dq = dQueries_.ensure(nq * dimPad_);
    float* dOut = dOut_.ensure(mulBytes(nq, n_));
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dq, hq, nq * dimPad_ * sizeof(float), cudaMemcpyHostToDevice, stream_.get()));
    const dim3 grid(static_cast<unsigned>((n_ + kDocsPerBlock - 1) / kDocsPerBlock), static_cast<unsigned>(passes));
    fdeScanKernel<T><<<grid, kFdeThreads, 0, stream_.get()>>>(vectors_.get(), static_cast<uint32_t>(n_), dimPad_, dq,
                                                             static_cast<uint32_t>(nq), dOut);
    MAXSIM_CUDA_CHECK(cudaGetLastError());
    return dOut;
  }

  int device_;
  uint32_t dim_, dimPad_;
  size_t n_, bytes_ = 0;
  Stream stream_;
  DeviceBuffer<T> vectors_;
  PinnedBuffer<float> hQueries_;
  DeviceBuffer<float> dQueries_;
  DeviceBuffer<float> dOut_;
  ResultDownload results_;
};

}  // namespace

std::unique_ptr<DeviceFdeCollection> DeviceFdeCollection::upload(int device, ElementType type, const void* vectors,
                                                                 size_t n, uint32_t dim) {
  switch (type) {
    case ElementType::F32: return std::make_unique<CudaFdeCollection<float>>(device, vectors, n, dim);
    case ElementType::F16: return std::make_unique<CudaFdeCollection<__half>>(device, vectors, n, dim);
    default: throw Error(codes::kInvalidArgument, "FDEs on the GPU are f32 or f16");
  }
}

}  // namespace maxsim::gpu
