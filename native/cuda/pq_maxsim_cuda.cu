// MaxSim over 8-bit PQ codes on the device (DevicePqCollection, see cuda_backend.h).
//
// Per query batch: the (rotated) query rows go up through a pinned buffer; lutKernel builds
// every row's ADC table, layout: luts (queryRows, M, 256) f32; pqMaxsimKernel then scores one
// query against a block of kDocsPerBlock documents, holding R rows of that query's tables in
// shared memory (R * M * 1 KiB; R = rowsPerTile <= kMaxRows, chosen from the device's shared
// memory) and walking the query's rows R at a time. Within a tile each warp takes documents,
// each lane a token: it sums the R rows' table entries over the M code bytes, keeps R running
// maxima, and the warp reduces them. When even one row's table does not fit in shared memory
// (M > ~200), the same kernel reads the tables from global memory (L1/L2-cached) instead.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../core/error.h"
#include "../gpu/cuda_backend.h"
#include "cuda_common.cuh"
#include "topk_cuda.cuh"

namespace maxsim::gpu {
namespace {

using namespace detail;

constexpr int kPqThreads = 256;
constexpr int kPqWarps = kPqThreads / 32;
constexpr int kDocsPerBlock = 64;
constexpr int kMaxRows = 4;
constexpr size_t kPqSharedBudget = 100 * 1024;  // leaves room for two blocks per SM on sm_80/sm_90

// grid: (queryRows, M); block: 256 threads, one per centroid.
__global__ void lutKernel(const float* __restrict__ queries, uint32_t dim, uint32_t M, uint32_t dsub,
                          const float* __restrict__ codebook, float* __restrict__ luts) {
  const uint32_t row = blockIdx.x, m = blockIdx.y, c = threadIdx.x;
  const float* q = queries + size_t(row) * dim + size_t(m) * dsub;
  const float* cen = codebook + (size_t(m) * 256 + c) * dsub;
  float s = 0.f;
  for (uint32_t t = 0; t < dsub; ++t) s += q[t] * cen[t];
  luts[(size_t(row) * M + m) * 256 + c] = s;
}

// grid: (ceil(ndocs / kDocsPerBlock), nq); block: kPqThreads. dynamic shared (kShared):
// rowsPerTile * M * 256 f32. out: (nq, ndocs).
template <bool kShared>
__global__ void __launch_bounds__(kPqThreads) pqMaxsimKernel(const uint8_t* __restrict__ codes,
                                                              const uint32_t* __restrict__ docOffsets, uint32_t ndocs,
                                                              uint32_t M, const float* __restrict__ luts,
                                                              const uint32_t* __restrict__ queryOffsets,
                                                              uint32_t rowsPerTile, float* __restrict__ out) {
  extern __shared__ float4 sharedLut4[];
  __shared__ float partial[kDocsPerBlock];
  const uint32_t q = blockIdx.y, d0 = blockIdx.x * kDocsPerBlock;
  const uint32_t dEnd = min(d0 + kDocsPerBlock, ndocs);
  const uint32_t warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const uint32_t qBegin = queryOffsets[q], qRows = queryOffsets[q + 1] - qBegin;
  const size_t lutStride = size_t(M) * 256;  // floats per query row
  for (uint32_t i = threadIdx.x; i < kDocsPerBlock; i += kPqThreads) partial[i] = 0.f;
  __syncthreads();  // partial[dl] is then updated by warp dl % kPqWarps only
  const bool wordCodes = M % 4 == 0;  // rows of codes are 4-byte aligned: read words

  for (uint32_t r0 = 0; r0 < qRows; r0 += rowsPerTile) {
    const uint32_t R = min(rowsPerTile, qRows - r0);
    const float* tile = luts + size_t(qBegin + r0) * lutStride;
    if (kShared) {
      __syncthreads();  // every warp is done with the previous tile
      const float4* src = reinterpret_cast<const float4*>(tile);  // lutStride % 4 == 0, 256-byte aligned base
      for (size_t i = threadIdx.x; i < R * lutStride / 4; i += kPqThreads) sharedLut4[i] = src[i];
      __syncthreads();
      tile = reinterpret_cast<const float*>(sharedLut4);
    }
    for (uint32_t dl = warp; d0 + dl < dEnd; dl += kPqWarps) {
      const uint32_t d = d0 + dl, tb = docOffsets[d], te = docOffsets[d + 1];
      float best[kMaxRows];
#pragma unroll
      for (int r = 0; r < kMaxRows; ++r) best[r] = -INFINITY;
      for (uint32_t j = tb + lane; j < te; j += 32) {
        const uint8_t* c = codes + size_t(j) * M;
        float s[kMaxRows] = {0.f, 0.f, 0.f, 0.f};
        // Rows r >= R read row 0 again (in bounds) and are ignored below: no divergent loads.
        if (wordCodes) {
          const uint32_t* w = reinterpret_cast<const uint32_t*>(c);
          for (uint32_t m4 = 0; m4 < M / 4; ++m4) {
            const uint32_t word = __ldg(w + m4);
#pragma unroll
            for (int b = 0; b < 4; ++b) {
              const float* col = tile + size_t(4 * m4 + b) * 256 + ((word >> (8 * b)) & 255u);
#pragma unroll
              for (int r = 0; r < kMaxRows; ++r) s[r] += col[uint32_t(r) < R ? size_t(r) * lutStride : 0];
            }
          }
        } else {
          for (uint32_t m = 0; m < M; ++m) {
            const float* col = tile + size_t(m) * 256 + __ldg(c + m);
#pragma unroll
            for (int r = 0; r < kMaxRows; ++r) s[r] += col[uint32_t(r) < R ? size_t(r) * lutStride : 0];
          }
        }
#pragma unroll
        for (int r = 0; r < kMaxRows; ++r) best[r] = fmaxf(best[r], s[r]);
      }
      float sum = 0.f;
#pragma unroll
      for (int r = 0; r < kMaxRows; ++r) {
        float v = best[r];
        for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
        if (uint32_t(r) < R) sum += v;
      }
      if (lane == 0) partial[dl] += sum;  // document dl belongs to this warp in every tile
    }
  }
  __syncthreads();
  for (uint32_t dl = threadIdx.x; d0 + dl < dEnd; dl += kPqThreads) {
    const uint32_t d = d0 + dl;
    out[size_t(q) * ndocs + d] = docOffsets[d + 1] > docOffsets[d] ? partial[dl] : -INFINITY;
  }
}

class CudaPqCollection final : public DevicePqCollection {
 public:
  CudaPqCollection(int device, uint32_t dim, uint32_t M, const float* codebook, const float* rotation,
                   const uint8_t* codes, size_t rows, const uint32_t* offsets, size_t ndocs)
      : device_(device), dim_(dim), M_(M), ndocs_(ndocs) {
    if (dim == 0 || M == 0 || dim % M != 0)
      throw Error(codes::kInvalidArgument, "PQ shape: dim must be a positive multiple of M");
    if (M > 65535) throw Error(codes::kInvalidArgument, "PQ shape: M is at most 65535 on the GPU");
    if (rows >= 0xffffffffull || ndocs >= 0x7fffffffull)
      throw Error(codes::kInvalidArgument, "the CUDA backend holds fewer than 2^32 - 1 tokens and 2^31 - 1 documents");
    checkOffsetsHost(offsets, ndocs, rows, "offsets");
    const cudaDeviceProp prop = useDevice(device);
    if (rotation) rotation_.assign(rotation, rotation + size_t(dim) * dim);
    stream_.create();
    const size_t bytesPerRow = size_t(M) * 256 * sizeof(float);
    const size_t optin = prop.sharedMemPerBlockOptin > 1024 ? prop.sharedMemPerBlockOptin - 1024 : 0;  // static shared
    const size_t budget = bytesPerRow <= optin && bytesPerRow > kPqSharedBudget ? bytesPerRow : kPqSharedBudget;
    rowsPerTile_ = static_cast<uint32_t>(std::min<size_t>(kMaxRows, budget / bytesPerRow));
    if (rowsPerTile_ > 0) {
      MAXSIM_CUDA_CHECK(cudaFuncSetAttribute(pqMaxsimKernel<true>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                             static_cast<int>(rowsPerTile_ * bytesPerRow)));
    } else {
      rowsPerTile_ = kMaxRows;
      sharedLut_ = false;
    }
    uint8_t* dCodes = codes_.ensure(mulBytes(rows, M));
    float* dCodebook = codebook_.ensure(size_t(dim) * 256);
    uint32_t* dOff = offsets_.ensure(ndocs + 1);
    bytes_ = codes_.bytes() + codebook_.bytes() + offsets_.bytes();
    if (rows) MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dCodes, codes, rows * M, cudaMemcpyHostToDevice, stream_.get()));
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dCodebook, codebook, size_t(dim) * 256 * sizeof(float), cudaMemcpyHostToDevice,
                                      stream_.get()));
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dOff, offsets, (ndocs + 1) * sizeof(uint32_t), cudaMemcpyHostToDevice, stream_.get()));
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
  float* scoreOnDevice(const float* queries, const uint32_t* queryOffsets, size_t nq) {
    checkOffsetsHost(queryOffsets, nq, SIZE_MAX, "queryOffsets");
    if (nq > 65535) throw Error(codes::kInvalidArgument, "at most 65535 queries per GPU call");
    const size_t qrows = queryOffsets[nq];
    if (qrows == 0) throw Error(codes::kEmptyQuery, "the queries have no tokens");
    stream_.sync();  // the pinned buffers are free
    float* hq = hQueries_.ensure(mulBytes(qrows, dim_));
    if (rotation_.empty()) {
      std::memcpy(hq, queries, qrows * dim_ * sizeof(float));
    } else {  // x' = x . R, as ProductQuantizer::rotate
      for (size_t r = 0; r < qrows; ++r) {
        float* o = hq + r * dim_;
        std::fill(o, o + dim_, 0.f);
        for (uint32_t i = 0; i < dim_; ++i) {
          const float xi = queries[r * dim_ + i];
          const float* Ri = rotation_.data() + size_t(i) * dim_;
          for (uint32_t j = 0; j < dim_; ++j) o[j] += xi * Ri[j];
        }
      }
    }
    uint32_t* hOff = hQueryOffsets_.ensure(nq + 1);
    std::memcpy(hOff, queryOffsets, (nq + 1) * sizeof(uint32_t));
    float* dq = dQueries_.ensure(qrows * dim_);
    uint32_t* dOff = dQueryOffsets_.ensure(nq + 1);
    float* dLuts = dLuts_.ensure(mulBytes(qrows, size_t(M_) * 256));
    float* dOut = dOut_.ensure(mulBytes(nq, ndocs_));
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dq, hq, qrows * dim_ * sizeof(float), cudaMemcpyHostToDevice, stream_.get()));
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dOff, hOff, (nq + 1) * sizeof(uint32_t), cudaMemcpyHostToDevice, stream_.get()));
    if (qrows > 0x7fffffffull) throw Error(codes::kInvalidArgument, "too many query tokens for one GPU call");
    lutKernel<<<dim3(static_cast<unsigned>(qrows), M_), 256, 0, stream_.get()>>>(dq, dim_, M_, dim_ / M_,
                                                                                 codebook_.get(), dLuts);
    MAXSIM_CUDA_CHECK(cudaGetLastError());
    const dim3 grid(static_cast<unsigned>((ndocs_ + kDocsPerBlock - 1) / kDocsPerBlock), static_cast<unsigned>(nq));
    const size_t shared = sharedLut_ ? rowsPerTile_ * size_t(M_) * 256 * sizeof(float) : 0;
    if (sharedLut_)
      pqMaxsimKernel<true><<<grid, kPqThreads, shared, stream_.get()>>>(codes_.get(), offsets_.get(),
                                                                        static_cast<uint32_t>(ndocs_), M_, dLuts, dOff,
                                                                        rowsPerTile_, dOut);
    else
      pqMaxsimKernel<false><<<grid, kPqThreads, 0, stream_.get()>>>(codes_.get(), offsets_.get(),
                                                                    static_cast<uint32_t>(ndocs_), M_, dLuts, dOff,
                                                                    rowsPerTile_, dOut);
    MAXSIM_CUDA_CHECK(cudaGetLastError());
    return dOut;
  }

  int device_;
  uint32_t dim_, M_;
  size_t ndocs_, bytes_ = 0;
  uint32_t rowsPerTile_ = kMaxRows;
  bool sharedLut_ = true;
  std::vector<float> rotation_;  // (dim, dim) or empty; queries are rotated on the host
  Stream stream_;
  DeviceBuffer<uint8_t> codes_;
  DeviceBuffer<float> codebook_;
  DeviceBuffer<uint32_t> offsets_;
  PinnedBuffer<float> hQueries_;
  PinnedBuffer<uint32_t> hQueryOffsets_;
  DeviceBuffer<float> dQueries_;
  DeviceBuffer<uint32_t> dQueryOffsets_;
  DeviceBuffer<float> dLuts_;
  DeviceBuffer<float> dOut_;
  ResultDownload results_;
};

}  // namespace

std::unique_ptr<DevicePqCollection> DevicePqCollection::upload(int device, uint32_t dim, uint32_t M, const float* codebook,
                                                               const float* rotation, const uint8_t* codes, size_t rows,
                                                               const uint32_t* offsets, size_t ndocs) {
  return std::make_unique<CudaPqCollection>(device, dim, M, codebook, rotation, codes, rows, offsets, ndocs);
}

}  // namespace maxsim::gpu
