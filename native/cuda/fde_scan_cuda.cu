// Brute-force inner-product scan over fixed-dimensional encodings (DeviceFdeCollection, see
// cuda_backend.h), then device top-k. Memory-bound when the batch is small, so each document
// vector is read from HBM once per batch of kQueriesPerPass queries:
//   grid (ceil(n / kDocsPerBlock), ceil(nq / kQueriesPerPass)); each block stages a chunk of
//   kChunk dimensions of its kQueriesPerPass queries in shared memory, and each warp streams
//   kDocsPerWarp documents through it (lane l reads 16 bytes, e = 4 floats or 8 halves, at
//   l*e + 32*e*i, one step ahead of the FMAs), so
//   one shared-memory read of a query value feeds kDocsPerWarp FMAs. f32 accumulation in
//   registers; one warp reduction per (document, query) at the end.
// layout: vectors (n, dimPad) T, dimPad = dim rounded up to 32*e (128 f32, 256 f16), zero-padded; queries on the
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
template <class T> constexpr int kDocsPerWarp = 4;
template <class T> constexpr int kDocsPerBlock = kFdeWarps * kDocsPerWarp<T>;
constexpr int kQueriesPerPass = 8;
constexpr uint32_t kChunk = 1024;  // dimensions staged per step: 8 x 1024 x 4 B = 32 KiB shared


// One 16-byte load of consecutive elements (4 floats or 8 halves) per lane, widened to f32 once,
// and its dot product with the matching query values in shared memory.
template <class T> struct RawVector;
template <> struct RawVector<float> {
  static constexpr uint32_t kElements = 4;
  using type = float4;
  __device__ static type load(const float* p) { return __ldg(reinterpret_cast<const float4*>(p)); }
  __device__ static type zero() { return make_float4(0.f, 0.f, 0.f, 0.f); }
  struct Wide { float4 a; };
  __device__ static Wide widen(type x) { return {x}; }
  __device__ static float dot(const Wide& x, const float* q) {
    const float4 v = *reinterpret_cast<const float4*>(q);
    return x.a.x * v.x + x.a.y * v.y + x.a.z * v.z + x.a.w * v.w;
  }
};
template <> struct RawVector<__half> {
  static constexpr uint32_t kElements = 8;
  using type = uint4;
  __device__ static type load(const __half* p) { return __ldg(reinterpret_cast<const uint4*>(p)); }
  __device__ static type zero() { return make_uint4(0u, 0u, 0u, 0u); }
  __device__ static float2 pair(uint32_t bits) {
    __half2 h;
    std::memcpy(&h, &bits, sizeof(h));
    return __half22float2(h);
  }
  struct Wide { float2 a, b, c, d; };
  __device__ static Wide widen(type x) { return {pair(x.x), pair(x.y), pair(x.z), pair(x.w)}; }
  __device__ static float dot(const Wide& x, const float* q) {
    const float4 v0 = *reinterpret_cast<const float4*>(q), v1 = *reinterpret_cast<const float4*>(q + 4);
    return x.a.x * v0.x + x.a.y * v0.y + x.b.x * v0.z + x.b.y * v0.w + x.c.x * v1.x + x.c.y * v1.y + x.d.x * v1.z + x.d.y * v1.w;
  }
};
// Rows are padded to one warp-wide step: 32 lanes x 16 bytes.
template <class T> constexpr uint32_t kRowAlign = 32 * RawVector<T>::kElements;

template <class T>
__global__ void __launch_bounds__(kFdeThreads) fdeScanKernel(const T* __restrict__ docs, uint32_t n, uint32_t dimPad,
                                                              const float* __restrict__ queries, uint32_t nq,
                                                              float* __restrict__ out) {
  __shared__ __align__(16) float sq[kQueriesPerPass][kChunk];
  const uint32_t warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const uint32_t q0 = blockIdx.y * kQueriesPerPass;
  const uint32_t nqb = min(uint32_t(kQueriesPerPass), nq - q0);
  constexpr int kDocs = kDocsPerWarp<T>;
  const uint32_t docBase = (blockIdx.x * kFdeWarps + warp) * kDocs;
  float acc[kDocs][kQueriesPerPass];
#pragma unroll
  for (int dd = 0; dd < kDocs; ++dd)
#pragma unroll
    for (int qq = 0; qq < kQueriesPerPass; ++qq) acc[dd][qq] = 0.f;

  for (uint32_t k0 = 0; k0 < dimPad; k0 += kChunk) {
    const uint32_t len = min(kChunk, dimPad - k0);  // a multiple of 32*e
    __syncthreads();  // the previous chunk is consumed
    for (uint32_t i = threadIdx.x; i < kQueriesPerPass * (len / 4); i += kFdeThreads) {
      const uint32_t qq = i / (len / 4), c = (i % (len / 4)) * 4;
      float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
      if (qq < nqb) v = RawVector<float>::load(queries + size_t(q0 + qq) * dimPad + k0 + c);
      *reinterpret_cast<float4*>(&sq[qq][c]) = v;
    }
    __syncthreads();
    // Software-pipelined: the next step of every document is in flight while this step's FMAs
    // run, which doubles the bytes each warp keeps outstanding.
    using Raw = RawVector<T>;
    constexpr uint32_t kStep = kRowAlign<T>;
    typename Raw::type cur[kDocs], next[kDocs];
    auto loadStep = [&](typename Raw::type(&dst)[kDocs], uint32_t kk) {
#pragma unroll
      for (int dd = 0; dd < kDocs; ++dd)
        dst[dd] = docBase + dd < n ? Raw::load(docs + size_t(docBase + dd) * dimPad + k0 + kk) : Raw::zero();
    };
    loadStep(cur, lane * Raw::kElements);
    for (uint32_t kk = lane * Raw::kElements; kk < len; kk += kStep) {
      if (kk + kStep < len) loadStep(next, kk + kStep);
      typename Raw::Wide x[kDocs];  // converted once, used by every query of the pass
#pragma unroll
      for (int dd = 0; dd < kDocs; ++dd) x[dd] = Raw::widen(cur[dd]);
#pragma unroll
      for (int qq = 0; qq < kQueriesPerPass; ++qq) {
        if (uint32_t(qq) >= nqb) break;  // uniform: a small last pass does no work for absent queries
#pragma unroll
        for (int dd = 0; dd < kDocs; ++dd) acc[dd][qq] += Raw::dot(x[dd], &sq[qq][kk]);
      }
#pragma unroll
      for (int dd = 0; dd < kDocs; ++dd) cur[dd] = next[dd];
    }
  }
#pragma unroll
  for (int dd = 0; dd < kDocs; ++dd)
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
      : device_(device), dim_(dim), dimPad_((dim + kRowAlign<T> - 1) / kRowAlign<T> * kRowAlign<T>), n_(n) {
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
    const dim3 grid(static_cast<unsigned>((n_ + kDocsPerBlock<T> - 1) / kDocsPerBlock<T>), static_cast<unsigned>(passes));
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
