// CUDA backend: exact MaxSim of query batches against a device-resident collection on tensor
// cores (WMMA), with the max-over-tokens and sum-over-rows fused into the kernel: each 16x16
// score tile goes from the accumulator to a per-warp scratch in shared memory and is reduced
// there, so the q x t matrix never reaches global memory.
//
// Exhaustive top-k runs the same kernel into a device score matrix and selects there
// (topk_cuda.cuh), so only nq * k results cross PCIe.
//
// Element types: f16 and bf16 (m16n16k16, queries rounded to the document type) and f32
// (TF32 m16n16k8: 10-bit mantissas, fp32 accumulation). Requires sm_80 or newer.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <mma.h>

#include <cstring>
#include <string>
#include <vector>

#include "../core/error.h"
#include "../gpu/cuda_backend.h"
#include "cuda_common.cuh"
#include "topk_cuda.cuh"

namespace maxsim::gpu {
namespace {

using namespace nvcuda;

using namespace detail;

constexpr int kWarpsPerBlock = 4;  // one query per warp, four queries per block

template <class T> struct Mma;
template <> struct Mma<__half> {
  static constexpr int K = 16;
  using A = wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major>;
  using B = wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major>;
  __device__ static void fix(A&, B&) {}
};
template <> struct Mma<__nv_bfloat16> {
  static constexpr int K = 16;
  using A = wmma::fragment<wmma::matrix_a, 16, 16, 16, __nv_bfloat16, wmma::row_major>;
  using B = wmma::fragment<wmma::matrix_b, 16, 16, 16, __nv_bfloat16, wmma::col_major>;
  __device__ static void fix(A&, B&) {}
};
template <> struct Mma<float> {
  static constexpr int K = 8;
  using A = wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major>;
  using B = wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major>;
  __device__ static void fix(A& a, B& b) {
    for (int i = 0; i < a.num_elements; ++i) a.x[i] = wmma::__float_to_tf32(a.x[i]);
    for (int i = 0; i < b.num_elements; ++i) b.x[i] = wmma::__float_to_tf32(b.x[i]);
  }
};

// grid: (ndocs, ceil(nq / 4)); block: 4 warps. layout: docs (rows + 16, dimPad) T, queries
// (sum of padded query rows, dimPad) T, each query's rows padded to a multiple of 16 with zeros.
template <class T>
__global__ void maxsimKernel(const T* __restrict__ docs, const uint32_t* __restrict__ docOffsets, uint32_t ndocs,
                             const T* __restrict__ queries, const uint32_t* __restrict__ qRowStart,
                             const uint32_t* __restrict__ qRows, uint32_t nq, uint32_t dimPad, float* __restrict__ out) {
  __shared__ float scratch[kWarpsPerBlock][16 * 16];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const uint32_t d = blockIdx.x;
  const uint32_t q = blockIdx.y * kWarpsPerBlock + warp;
  if (q >= nq || d >= ndocs) return;
  const uint32_t tokBegin = docOffsets[d], ntok = docOffsets[d + 1] - tokBegin;
  if (ntok == 0) {
    if (lane == 0) out[size_t(q) * ndocs + d] = -INFINITY;
    return;
  }
  const uint32_t rows = qRows[q];
  const T* qbase = queries + size_t(qRowStart[q]) * dimPad;
  const T* dbase = docs + size_t(tokBegin) * dimPad;
  float total = 0.f;
  for (uint32_t rt = 0; rt * 16 < rows; ++rt) {
    float rowMax = -INFINITY;  // lanes 0..15: query row rt*16 + lane
    for (uint32_t ct = 0; ct * 16 < ntok; ++ct) {
      wmma::fragment<wmma::accumulator, 16, 16, Mma<T>::K, float> acc;
      wmma::fill_fragment(acc, 0.f);
      for (uint32_t kk = 0; kk < dimPad; kk += Mma<T>::K) {
        typename Mma<T>::A a;
        typename Mma<T>::B b;
        wmma::load_matrix_sync(a, qbase + size_t(rt) * 16 * dimPad + kk, dimPad);
        wmma::load_matrix_sync(b, dbase + size_t(ct) * 16 * dimPad + kk, dimPad);
        Mma<T>::fix(a, b);
        wmma::mma_sync(acc, a, b, acc);
      }
      wmma::store_matrix_sync(scratch[warp], acc, 16, wmma::mem_row_major);
      __syncwarp();
      if (lane < 16) {
        const uint32_t valid = ntok - ct * 16 < 16 ? ntok - ct * 16 : 16;
        for (uint32_t c = 0; c < valid; ++c) rowMax = fmaxf(rowMax, scratch[warp][lane * 16 + c]);
      }
      __syncwarp();
    }
    float part = (lane < 16 && rt * 16 + lane < rows) ? rowMax : 0.f;
    for (int o = 16; o > 0; o >>= 1) part += __shfl_down_sync(0xffffffffu, part, o);
    total += part;
  }
  if (lane == 0) out[size_t(q) * ndocs + d] = total;
}

template <class T> T fromFloat(float v);
template <> __half fromFloat<__half>(float v) { return __float2half_rn(v); }
template <> __nv_bfloat16 fromFloat<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <> float fromFloat<float>(float v) { return v; }

inline uint32_t pad16(uint32_t x) { return (x + 15) / 16 * 16; }

template <class T>
class CudaCollection final : public DeviceCollection {
 public:
  CudaCollection(int device, const void* tokens, size_t rows, uint32_t dim, const uint32_t* offsets, size_t ndocs)
      : device_(device), dim_(dim), dimPad_(pad16(dim)), ndocs_(ndocs) {
    if (dim == 0) throw Error(codes::kInvalidArgument, "dim must be positive");
    if (rows >= 0xffffffffull || ndocs >= 0x7fffffffull)
      throw Error(codes::kInvalidArgument, "the CUDA backend holds fewer than 2^32 - 1 tokens and 2^31 - 1 documents");
    checkOffsetsHost(offsets, ndocs, rows, "offsets");
    stream_.create();
    // 16 spare zero rows: the last token tile of the last document may read past its end.
    const size_t paddedRows = rows + 16;
    T* docs = docs_.ensure(mulBytes(paddedRows, dimPad_));
    uint32_t* off = offsets_.ensure(ndocs + 1);
    bytes_ = docs_.bytes() + offsets_.bytes();
    MAXSIM_CUDA_CHECK(cudaMemsetAsync(docs, 0, paddedRows * dimPad_ * sizeof(T), stream_.get()));
    // Stage in pinned chunks, repacking rows to dimPad.
    const size_t chunkRows = 8192;
    PinnedBuffer<T> stagingBuf;
    T* staging = stagingBuf.ensure(chunkRows * dimPad_);
    for (size_t r0 = 0; r0 < rows; r0 += chunkRows) {
      const size_t n = rows - r0 < chunkRows ? rows - r0 : chunkRows;
      stream_.sync();  // the previous chunk's copy has left the staging buffer
      std::memset(staging, 0, n * dimPad_ * sizeof(T));
      for (size_t r = 0; r < n; ++r)
        std::memcpy(staging + r * dimPad_, static_cast<const T*>(tokens) + (r0 + r) * dim, dim * sizeof(T));
      MAXSIM_CUDA_CHECK(cudaMemcpyAsync(docs + r0 * dimPad_, staging, n * dimPad_ * sizeof(T), cudaMemcpyHostToDevice,
                                        stream_.get()));
    }
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(off, offsets, (ndocs + 1) * sizeof(uint32_t), cudaMemcpyHostToDevice, stream_.get()));
    stream_.sync();
  }

  size_t documents() const override { return ndocs_; }
  size_t deviceBytes() const override { return bytes_; }

  void scoreMatrix(const float* queries, const uint32_t* queryOffsets, size_t nq, float* out) override {
    if (nq == 0 || ndocs_ == 0) return;
    MAXSIM_CUDA_CHECK(cudaSetDevice(device_));
    results_.scores(scoreOnDevice(queries, queryOffsets, nq), nq * ndocs_, out, stream_);
  }

  size_t topK(const float* queries, const uint32_t* queryOffsets, size_t nq, size_t k, uint32_t* outIds,
              float* outScores) override {
    const size_t kOut = ResultDownload::topKCount(k, ndocs_);
    if (nq == 0 || kOut == 0) return kOut;
    MAXSIM_CUDA_CHECK(cudaSetDevice(device_));
    results_.topK(scoreOnDevice(queries, queryOffsets, nq), nq, ndocs_, kOut, outIds, outScores, stream_);
    return kOut;
  }

 private:
  // Stages the queries (padded to 16-row tiles, converted to T) through pinned memory and
  // launches the MaxSim kernel; returns the device (nq, ndocs) scores, ready in stream order.
  float* scoreOnDevice(const float* queries, const uint32_t* queryOffsets, size_t nq) {
    checkOffsetsHost(queryOffsets, nq, SIZE_MAX, "queryOffsets");
    if (nq > 65535u * kWarpsPerBlock) throw Error(codes::kInvalidArgument, "at most 262140 queries per GPU call");
    uint32_t* meta = hMeta_.ensure(2 * nq);
    size_t padded = 0;
    for (size_t i = 0; i < nq; ++i) {
      meta[i] = static_cast<uint32_t>(padded);
      meta[nq + i] = queryOffsets[i + 1] - queryOffsets[i];
      padded += pad16(meta[nq + i]);
      if (padded >= 0xffffffffull) throw Error(codes::kInvalidArgument, "too many query tokens for one GPU call");
    }
    stream_.sync();  // pinned buffers may still feed a copy of an earlier call that failed part-way
    T* hq = hQueries_.ensure(padded * dimPad_ + 1);
    std::memset(hq, 0, padded * dimPad_ * sizeof(T));
    for (size_t i = 0; i < nq; ++i)
      for (uint32_t r = 0; r < meta[nq + i]; ++r)
        for (uint32_t k = 0; k < dim_; ++k)
          hq[(size_t(meta[i]) + r) * dimPad_ + k] = fromFloat<T>(queries[(size_t(queryOffsets[i]) + r) * dim_ + k]);
    T* dq = dQueries_.ensure(padded * dimPad_ + 1);
    uint32_t* dMeta = dMeta_.ensure(2 * nq);
    float* dOut = dOut_.ensure(mulBytes(nq, ndocs_));
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dq, hq, padded * dimPad_ * sizeof(T), cudaMemcpyHostToDevice, stream_.get()));
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dMeta, meta, 2 * nq * sizeof(uint32_t), cudaMemcpyHostToDevice, stream_.get()));
    const dim3 grid(static_cast<unsigned>(ndocs_), static_cast<unsigned>((nq + kWarpsPerBlock - 1) / kWarpsPerBlock));
    maxsimKernel<T><<<grid, kWarpsPerBlock * 32, 0, stream_.get()>>>(docs_.get(), offsets_.get(),
                                                                    static_cast<uint32_t>(ndocs_), dq, dMeta, dMeta + nq,
                                                                    static_cast<uint32_t>(nq), dimPad_, dOut);
    MAXSIM_CUDA_CHECK(cudaGetLastError());
    return dOut;
  }

  int device_;
  uint32_t dim_, dimPad_;
  size_t ndocs_, bytes_ = 0;
  // Declared before the buffers so it is destroyed after them (frees follow the last stream use).
  Stream stream_;
  DeviceBuffer<T> docs_;
  DeviceBuffer<uint32_t> offsets_;
  PinnedBuffer<T> hQueries_;
  PinnedBuffer<uint32_t> hMeta_;
  DeviceBuffer<T> dQueries_;
  DeviceBuffer<uint32_t> dMeta_;
  DeviceBuffer<float> dOut_;
  ResultDownload results_;
};

}  // namespace

bool built() { return true; }

std::vector<DeviceInfo> devices() {
  std::vector<DeviceInfo> out;
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return out;
  }
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p;
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    DeviceInfo d;
    d.index = i;
    d.name = p.name;
    d.totalMemory = p.totalGlobalMem;
    d.major = p.major;
    d.minor = p.minor;
    size_t freeB = 0, totalB = 0;
    if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&freeB, &totalB) == cudaSuccess) d.freeMemory = freeB;
    out.push_back(d);
  }
  return out;
}

std::unique_ptr<DeviceCollection> DeviceCollection::upload(int device, ElementType type, const void* tokens, size_t rows,
                                                           uint32_t dim, const uint32_t* offsets, size_t ndocs) {
  useDevice(device);
  switch (type) {
    case ElementType::F32: return std::make_unique<CudaCollection<float>>(device, tokens, rows, dim, offsets, ndocs);
    case ElementType::F16: return std::make_unique<CudaCollection<__half>>(device, tokens, rows, dim, offsets, ndocs);
    case ElementType::BF16: return std::make_unique<CudaCollection<__nv_bfloat16>>(device, tokens, rows, dim, offsets, ndocs);
    default: throw Error(codes::kInvalidArgument, "the CUDA backend stores f32, f16 or bf16 tokens");
  }
}

}  // namespace maxsim::gpu
