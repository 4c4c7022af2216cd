// Brute-force inner-product scan over fixed-dimensional encodings (DeviceFdeCollection, see
// cuda_backend.h), then device top-k. Two kernels:
//   * fdeScanKernel (f32 vectors, and single f16 queries): CUDA-core FMAs, each vector read from
//     HBM once per pass of kQueriesPerPass queries. grid (ceil(n / kDocsPerBlock), passes); each
//     block stages a chunk of kChunk dimensions of its queries in shared memory, and each warp
//     streams kDocsPerWarp documents through it (lane l reads 16 bytes, e = 4 floats or 8
//     halves, at l*e + 32*e*i, one step ahead of the FMAs), so one shared-memory read of a query
//     value feeds kDocsPerWarp FMAs. f32 accumulation in registers; one warp reduction per
//     (document, query) at the end.
//   * fdeScanMmaKernel (f16 vectors, batches of queries): tensor cores, up to 64 queries a pass;
//     see its section below.
// layout: vectors (n, dimPad) T, dimPad = dim rounded up to 32*e (128 f32, 256 f16), zero-padded; queries on the
// device (nq, dimPad) f32, zero-padded.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "../core/error.h"
#include "../gpu/cuda_backend.h"
#include "cuda_common.cuh"
#include "f16_query_scale.cuh"
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

// ---- f16 documents on tensor cores ------------------------------------------------------------
// With several queries per call the CUDA-core kernel above is bound by its FMAs and shared-memory
// query reads, not HBM (kQueriesPerPass queries per pass over the vectors). For f16 vectors the
// scan runs on mma.sync m16n8k16 instead (documents as A, queries as B, f32 accumulators), and one
// pass serves up to 64 queries (8 n-tiles).
//
// Accuracy, to the f32 kernel's standard:
//   * each query row is scaled by a power of two (its largest |value| lands in [2^14, 2^15)) and
//     split into two f16 parts, hi = f16(q') and lo = f16(q' - hi): hi + lo carries ~22 bits of
//     q', the products with the (exact) f16 documents are exact, and the sum is unscaled at the end;
//   * tensor cores truncate when they accumulate, which over 10k dimensions drifted by 7.6e-5 of
//     an all-positive sum (measured on an H100), so each 32-dimension step is summed in a fresh
//     accumulator and added to the running sum with a rounded f32 add.
//
// The order of k inside an mma does not matter to a dot product, so lane (g, t) = (lane / 4,
// lane % 4) reads 16 contiguous bytes, dims [8t, 8t + 8) of a 32-dimension step, of each of its
// document rows and of its query row (B column g), and uses halves 0-3 for the first mma of the
// step and halves 4-7 for the second. A and B agree on the permutation, every global load is a
// plain 16-byte load, and B needs no ldmatrix.
// layout: split queries on the device (nq, 2, dimPad) f16 (hi row, lo row); exponents (nq) i32;
//   shared memory, two buffers of (2 parts, kNt, kMmaSteps, 32 lanes) x 16 bytes: each lane's B
//   fragment for one step is one conflict-free 16-byte read.
constexpr int kMmaWarps = 4;
constexpr int kMmaThreads = kMmaWarps * 32;
constexpr uint32_t kMmaSteps = 4;                 // 32-dimension steps per staged chunk (128 dims)

// Scales query row blockIdx.x by 2^e (max |value| into [2^14, 2^15)) and splits it into f16 hi/lo.
__global__ void splitQueriesKernel(const float* __restrict__ q, uint32_t dimPad, __half* __restrict__ split,
                                   int* __restrict__ exps) {
  const float* row = q + size_t(blockIdx.x) * dimPad;
  const int e = f16ScaleExponent(row, dimPad);
  __half* hi = split + size_t(blockIdx.x) * 2 * dimPad;
  __half* lo = hi + dimPad;
  for (uint32_t i = threadIdx.x; i < dimPad; i += blockDim.x) {
    const float v = ldexpf(row[i], e);
    const __half h = __float2half_rn(v);
    hi[i] = h;
    lo[i] = __float2half_rn(v - __half2float(h));
  }
  if (threadIdx.x == 0) exps[blockIdx.x] = e;
}

// c = A * B (zero accumulator in) or c += A * B.
template <bool kZero>
__device__ __forceinline__ void mmaF16(float (&c)[4], uint32_t a0, uint32_t a1, uint32_t a2, uint32_t a3, uint32_t b0,
                                       uint32_t b1) {
  if (kZero)
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%10,%10,%10,%10};\n"
                 : "=f"(c[0]), "=f"(c[1]), "=f"(c[2]), "=f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1), "f"(0.f));
  else
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
}

// A 16-byte read-only load that asks L2 to fetch the whole aligned 256-byte block: the next
// steps of the same row read the rest of it.
__device__ __forceinline__ uint4 loadRow16(const void* p) {
  uint4 v;
  asm volatile("ld.global.nc.L1::no_allocate.L2::256B.v4.u32 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
               : "l"(p));
  return v;
}

// 16 bytes global -> shared without passing through registers; src-size 0 writes zeros.
__device__ __forceinline__ void copyAsync16(void* dst, const void* src, bool valid) {
  const uint32_t d = static_cast<uint32_t>(__cvta_generic_to_shared(dst));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(d), "l"(src), "r"(valid ? 16 : 0));
}

// kNt n-tiles of 8 queries per pass. Each warp takes kMt m-tiles of 16 documents, with kDepth
// steps of document loads in flight ahead of the mmas, read with the L2 256-byte hint (kDepth
// steps are exactly one such block of each row). Tuned on an H100 (2026-11-22) among 1-2
// m-tiles, 1-16 steps and no hint: this was fastest at every batch size, the hint alone worth
// 10-20%.
constexpr int kMt = 2, kDepth = 4;
template <int kNt>
__global__ void __launch_bounds__(kMmaThreads) fdeScanMmaKernel(const __half* __restrict__ docs, uint32_t n,
                                                                 uint32_t dimPad, const __half* __restrict__ split,
                                                                 const int* __restrict__ exps, uint32_t nq,
                                                                 float* __restrict__ out) {
  constexpr uint32_t kFragments = 2 * kNt * kMmaSteps * 32;  // 16-byte fragments per staged chunk
  extern __shared__ uint4 staged[];                          // two chunks
  const uint32_t warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4, t = lane % 4;
  const uint32_t q0 = blockIdx.y * (kNt * 8);
  const uint32_t docBase = (blockIdx.x * kMmaWarps + warp) * (16 * kMt);
  const uint32_t steps = dimPad / 32, chunks = steps / kMmaSteps;

  // Fragment f of a chunk: lane (f % 32), step (f / 32) % kMmaSteps, n-tile, part; it holds dims
  // [k0 + 32 step + 8 t, +8) of query q0 + 8 n-tile + g.
  auto stageChunk = [&](uint32_t chunk, uint4* dst) {
    const uint32_t k0 = chunk * kMmaSteps * 32;
    for (uint32_t f = threadIdx.x; f < kFragments; f += kMmaThreads) {
      const uint32_t l = f % 32, step = (f / 32) % kMmaSteps, nt = (f / (32 * kMmaSteps)) % kNt,
                     part = f / (32 * kMmaSteps * kNt);
      const uint32_t q = q0 + nt * 8 + l / 4;
      const bool valid = q < nq;
      copyAsync16(dst + f, split + (size_t(valid ? q : 0) * 2 + part) * dimPad + k0 + step * 32 + 8 * (l % 4), valid);
    }
    asm volatile("cp.async.commit_group;\n" ::);
  };

  float acc[kMt][kNt][4];
#pragma unroll
  for (int i = 0; i < kMt; ++i)
#pragma unroll
    for (int j = 0; j < kNt; ++j) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.f;
  // Rows r = 2i (document g of m-tile i) and 2i + 1 (document g + 8); absent rows read as zeros.
  const __half* rowPtr[2 * kMt];
  bool rowOk[2 * kMt];
#pragma unroll
  for (int r = 0; r < 2 * kMt; ++r) {
    const uint32_t d = docBase + (r / 2) * 16 + (r % 2) * 8 + g;
    rowOk[r] = d < n;
    rowPtr[r] = docs + size_t(rowOk[r] ? d : 0) * dimPad + 8 * t;
  }
  uint4 a[kDepth][2 * kMt];
  auto loadStep = [&](uint4(&dst)[2 * kMt], uint32_t step) {
#pragma unroll
    for (int r = 0; r < 2 * kMt; ++r)
      dst[r] = rowOk[r] && step < steps ? loadRow16(rowPtr[r] + size_t(step) * 32) : make_uint4(0u, 0u, 0u, 0u);
  };
#pragma unroll
  for (int s = 0; s < kDepth; ++s) loadStep(a[s], s);
  stageChunk(0, staged);
  for (uint32_t c = 0; c < chunks; ++c) {
    if (c + 1 < chunks) {
      stageChunk(c + 1, staged + ((c + 1) % 2) * kFragments);
      asm volatile("cp.async.wait_group 1;\n" ::);  // chunk c has landed; c + 1 may still be in flight
    } else {
      asm volatile("cp.async.wait_group 0;\n" ::);
    }
    __syncthreads();
    const uint4* frag = staged + (c % 2) * kFragments + lane;
#pragma unroll 1
    for (uint32_t s = 0; s < kMmaSteps; ++s) {
      uint4 cur[2 * kMt];
#pragma unroll
      for (int r = 0; r < 2 * kMt; ++r) cur[r] = a[0][r];
#pragma unroll
      for (int d = 0; d + 1 < kDepth; ++d)
#pragma unroll
        for (int r = 0; r < 2 * kMt; ++r) a[d][r] = a[d + 1][r];
      loadStep(a[kDepth - 1], c * kMmaSteps + s + kDepth);
#pragma unroll
      for (int j = 0; j < kNt; ++j) {
        const uint4 bh = frag[((0 * kNt + j) * kMmaSteps + s) * 32];
        const uint4 bl = frag[((1 * kNt + j) * kMmaSteps + s) * 32];
#pragma unroll
        for (int i = 0; i < kMt; ++i) {
          float step[4];
          mmaF16<true>(step, cur[2 * i].x, cur[2 * i + 1].x, cur[2 * i].y, cur[2 * i + 1].y, bh.x, bh.y);
          mmaF16<false>(step, cur[2 * i].z, cur[2 * i + 1].z, cur[2 * i].w, cur[2 * i + 1].w, bh.z, bh.w);
          mmaF16<false>(step, cur[2 * i].x, cur[2 * i + 1].x, cur[2 * i].y, cur[2 * i + 1].y, bl.x, bl.y);
          mmaF16<false>(step, cur[2 * i].z, cur[2 * i + 1].z, cur[2 * i].w, cur[2 * i + 1].w, bl.z, bl.w);
#pragma unroll
          for (int e = 0; e < 4; ++e) acc[i][j][e] += step[e];
        }
      }
    }
    __syncthreads();  // every warp is done with this buffer before it is refilled
  }
  // c0, c1: document g, queries 2t, 2t + 1 of the n-tile; c2, c3: document g + 8.
#pragma unroll
  for (int i = 0; i < kMt; ++i)
#pragma unroll
    for (int j = 0; j < kNt; ++j)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        const uint32_t d = docBase + i * 16 + g + (e / 2) * 8, q = q0 + j * 8 + 2 * t + e % 2;
        if (d < n && q < nq) out[size_t(q) * n + d] = ldexpf(acc[i][j][e], -exps[q]);
      }
}

template <int kNt>
void launchMma(const __half* docs, uint32_t n, uint32_t dimPad, const __half* split, const int* exps, uint32_t nq,
               float* out, cudaStream_t stream, uint32_t& configured) {
  const size_t smem = size_t(2) * 2 * kNt * kMmaSteps * 32 * 16;
  if (!(configured & (1u << kNt))) {  // once per collection and n-tile count (the collection owns one device)
    MAXSIM_CUDA_CHECK(cudaFuncSetAttribute(fdeScanMmaKernel<kNt>,
                                           cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem)));
    configured |= 1u << kNt;
  }
  const uint32_t docsPerBlock = kMmaWarps * 16 * kMt;
  const dim3 grid((n + docsPerBlock - 1) / docsPerBlock, (nq + kNt * 8 - 1) / (kNt * 8));
  fdeScanMmaKernel<kNt><<<grid, kMmaThreads, smem, stream>>>(docs, n, dimPad, split, exps, nq, out);
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
    for (size_t i = 0; i < nq; ++i) {  // only the padding is zeroed: a batch can be megabytes
      std::memcpy(hq + i * dimPad_, queries + i * dim_, dim_ * sizeof(float));
      std::memset(hq + i * dimPad_ + dim_, 0, (dimPad_ - dim_) * sizeof(float));
    }
    float* dq = dQueries_.ensure(nq * dimPad_);
    float* dOut = dOut_.ensure(mulBytes(nq, n_));
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dq, hq, nq * dimPad_ * sizeof(float), cudaMemcpyHostToDevice, stream_.get()));
    // f16 batches go to the tensor cores. A single query stays on the CUDA-core kernel: it is
    // as fast over large collections and has half the per-call floor over small ones (measured
    // on an H100, 2026-11-22; bench/RESULTS.md).
    if constexpr (std::is_same_v<T, __half>) {
      if (nq > 1) {
        __half* dSplit = dSplit_.ensure(mulBytes(nq, size_t(2) * dimPad_));
        int* dExps = dExps_.ensure(nq);
        splitQueriesKernel<<<static_cast<unsigned>(nq), 256, 0, stream_.get()>>>(dq, dimPad_, dSplit, dExps);
        MAXSIM_CUDA_CHECK(cudaGetLastError());
        const uint32_t n = static_cast<uint32_t>(n_), q = static_cast<uint32_t>(nq);
        if (nq <= 8) launchMma<1>(vectors_.get(), n, dimPad_, dSplit, dExps, q, dOut, stream_.get(), mmaConfigured_);
        else if (nq <= 16) launchMma<2>(vectors_.get(), n, dimPad_, dSplit, dExps, q, dOut, stream_.get(), mmaConfigured_);
        else if (nq <= 32) launchMma<4>(vectors_.get(), n, dimPad_, dSplit, dExps, q, dOut, stream_.get(), mmaConfigured_);
        else launchMma<8>(vectors_.get(), n, dimPad_, dSplit, dExps, q, dOut, stream_.get(), mmaConfigured_);
        MAXSIM_CUDA_CHECK(cudaGetLastError());
        return dOut;
      }
    }
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
  DeviceBuffer<__half> dSplit_;
  DeviceBuffer<int> dExps_;
  uint32_t mmaConfigured_ = 0;  // bit kNt: that kernel may use its shared memory on this device
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
