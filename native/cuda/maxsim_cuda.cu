// CUDA backend: exact MaxSim of query batches against a device-resident collection on tensor
// cores (mma.sync), with the max-over-tokens and sum-over-rows fused into the kernel: scores go
// from the accumulator registers straight into running row maxima, so the q x t matrix never
// leaves the registers, let alone reaches global memory.
//
// Work split: one block per (document, group of queries). The block stages the document's tokens
// in shared memory once (in chunks of at most 128 tokens for long documents) and its warps walk
// the group's 16-row query tiles against them; a document is read from HBM once per query group.
// Each mma's accumulator layout is fixed by PTX (thread (g, t) = (lane / 4, lane % 4) holds rows
// g and g + 8, columns 2t and 2t + 1), so a row's maximum is two fmaxf per tile plus two shuffles
// at the end, and tile sums are added per query in a fixed order (deterministic results).
//
// Exhaustive top-k runs the same kernel into a device score matrix and selects there
// (topk_cuda.cuh), so only nq * k results cross PCIe.
//
// Element types: f16 and bf16 (m16n8k16, queries rounded to the document type; f16 queries
// scaled by a power of two first, see packQueriesKernel) and f32
// (TF32 m16n8k8: 10-bit mantissas, fp32 accumulation). Requires sm_80 or newer.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "../core/error.h"
#include "../gpu/cuda_backend.h"
#include "cuda_common.cuh"
#include "f16_query_scale.cuh"
#include "topk_cuda.cuh"

namespace maxsim::gpu {
namespace {

using namespace detail;

constexpr int kWarpsPerBlock = 4;
constexpr int kMaxTokenTiles = 16;                   // 8-token mma tiles per staged chunk
constexpr uint32_t kMaxChunkTokens = kMaxTokenTiles * 8;
constexpr uint32_t kMaxTilesPerGroup = 2048;         // 16-row query tiles per launch group (8 KiB of sums)
constexpr size_t kTokenStageBytes = 96 * 1024;       // shared memory for staged tokens, per block

__device__ __forceinline__ uint32_t word(const void* p) { return *static_cast<const uint32_t*>(p); }

// Per element type: the mma shape's K, the padding that spreads a staged token row over the
// shared-memory banks (row stride in 32-bit words = 4 mod 8, so the 8 rows one ldmatrix phase
// reads fall in distinct banks), the A fragment load (16 query rows, row-major, stride ld) and
// the mma. B (8 staged tokens, row-major (token, dim) = column-major K x 8) comes from
// loadBPair below; f32 tokens are rounded to TF32 when staged.
template <class T> struct MmaOps;

template <class Half> struct HalfMmaOps {
  static constexpr uint32_t K = 16, kPad = 8;
  // rows g / g + 8, dims 2t, 2t + 1 and 2t + 8, 2t + 9 (two elements per register)
  __device__ static void loadA(uint32_t (&a)[4], const Half* rowG, uint32_t ld, int t) {
    a[0] = word(rowG + 2 * t);
    a[1] = word(rowG + 8 * ld + 2 * t);
    a[2] = word(rowG + 2 * t + 8);
    a[3] = word(rowG + 8 * ld + 2 * t + 8);
  }
};

template <> struct MmaOps<__half> : HalfMmaOps<__half> {
  __device__ static void mma(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  }
};
template <> struct MmaOps<__nv_bfloat16> : HalfMmaOps<__nv_bfloat16> {
  __device__ static void mma(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  }
};

template <> struct MmaOps<float> {
  static constexpr uint32_t K = 8, kPad = 4;
  __device__ static uint32_t tf32(float x) {
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;\n" : "=r"(r) : "f"(x));
    return r;
  }
  // rows g / g + 8, dims t and t + 4
  __device__ static void loadA(uint32_t (&a)[4], const float* rowG, uint32_t ld, int t) {
    a[0] = tf32(rowG[t]);
    a[1] = tf32(rowG[8 * ld + t]);
    a[2] = tf32(rowG[t + 4]);
    a[3] = tf32(rowG[8 * ld + t + 4]);
  }
  __device__ static void mma(float (&c)[4], const uint32_t (&a)[4], const uint32_t (&b)[2]) {
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
  }
};

// Copies tokens [first, first + n) of a document into shared memory, 16 bytes at a time.
// layout: staged (n, dimPad + kPad) T.
template <class T>
__device__ void stageTokens(const T* __restrict__ src, uint32_t n, uint32_t dimPad, T* staged) {
  const uint32_t stride = dimPad + MmaOps<T>::kPad;
  const uint32_t vecsPerRow = dimPad * sizeof(T) / 16;
  for (uint32_t i = threadIdx.x; i < n * vecsPerRow; i += blockDim.x) {
    const uint32_t r = i / vecsPerRow, v = i % vecsPerRow;
    uint4 x = __ldg(reinterpret_cast<const uint4*>(src + size_t(r) * dimPad) + v);
    if constexpr (sizeof(T) == 4) {  // round to TF32 once here rather than at every B load
      x.x = MmaOps<float>::tf32(__uint_as_float(x.x));
      x.y = MmaOps<float>::tf32(__uint_as_float(x.y));
      x.z = MmaOps<float>::tf32(__uint_as_float(x.z));
      x.w = MmaOps<float>::tf32(__uint_as_float(x.w));
    }
    *reinterpret_cast<uint4*>(staged + size_t(r) * stride + v * (16 / sizeof(T))) = x;
  }
}

__device__ __forceinline__ uint32_t sharedAddress(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

// B fragments for two 8-token tiles at once (one ldmatrix.x4): matrices (tile 2p, low half of K),
// (2p, high half), (2p + 1, low), (2p + 1, high). Each 8 x 16-byte matrix row is one token's 16
// bytes, which is the mma B layout for 16-bit inputs and, read as 4 x 32 bits, for TF32.
__device__ __forceinline__ void loadBPair(uint32_t (&b)[4], uint32_t address) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(b[0]), "=r"(b[1]), "=r"(b[2]), "=r"(b[3]) : "r"(address));
}

// Scores kTiles query tiles against the first 16 * kPairs staged tokens and folds each row's
// maximum over the chunk's n valid tokens into lo / hi. Everything is unrolled at compile time
// (kPairs comes from a switch on the chunk length), so the inner loop is ldmatrix + mma with no
// branches; tokens past n in the last pair are computed and then masked out.
template <class T, int kTiles, int kPairs>
__device__ __forceinline__ void scoreChunk(const T* const (&rowG)[kTiles], const T* staged, uint32_t stride, uint32_t dimPad,
                                           uint32_t n, int lane, float (&lo)[kTiles], float (&hi)[kTiles]) {
  using Ops = MmaOps<T>;
  const int t = lane % 4;
  const int mi = lane / 8, r = lane % 8;  // this lane's ldmatrix row: matrix mi, row r
  uint32_t pairAddress[kPairs];
#pragma unroll
  for (int p = 0; p < kPairs; ++p)
    pairAddress[p] = sharedAddress(staged + size_t(p * 16 + (mi >> 1) * 8 + r) * stride + (mi & 1) * (16 / sizeof(T)));
  float acc[kTiles][2 * kPairs][4];
#pragma unroll
  for (int i = 0; i < kTiles; ++i)
#pragma unroll
    for (int j = 0; j < 2 * kPairs; ++j) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.f;
  // A for the next k step is loaded while this one's mmas run: the query rows come from L2.
  uint32_t a[kTiles][4], next[kTiles][4];
#pragma unroll
  for (int i = 0; i < kTiles; ++i) Ops::loadA(a[i], rowG[i], dimPad, t);
  for (uint32_t k0 = 0; k0 < dimPad; k0 += Ops::K) {
    if (k0 + Ops::K < dimPad) {
#pragma unroll
      for (int i = 0; i < kTiles; ++i) Ops::loadA(next[i], rowG[i] + k0 + Ops::K, dimPad, t);
    }
    const uint32_t kBytes = k0 * sizeof(T);
#pragma unroll
    for (int p = 0; p < kPairs; ++p) {
      uint32_t b[4];
      loadBPair(b, pairAddress[p] + kBytes);
      const uint32_t b0[2] = {b[0], b[1]}, b1[2] = {b[2], b[3]};
#pragma unroll
      for (int i = 0; i < kTiles; ++i) {
        Ops::mma(acc[i][2 * p], a[i], b0);
        Ops::mma(acc[i][2 * p + 1], a[i], b1);
      }
    }
#pragma unroll
    for (int i = 0; i < kTiles; ++i)
#pragma unroll
      for (int q = 0; q < 4; ++q) a[i][q] = next[i][q];
  }
#pragma unroll
  for (int i = 0; i < kTiles; ++i) {
#pragma unroll
    for (int j = 0; j < 2 * kPairs - 2; ++j) {  // whole tiles: every column is a token
      lo[i] = fmaxf(lo[i], fmaxf(acc[i][j][0], acc[i][j][1]));
      hi[i] = fmaxf(hi[i], fmaxf(acc[i][j][2], acc[i][j][3]));
    }
    // The last pair may run past n into stale shared memory: select, never compute, with those.
#pragma unroll
    for (int j = 2 * kPairs - 2; j < 2 * kPairs; ++j) {
      const uint32_t col = j * 8 + 2 * t;
      lo[i] = fmaxf(lo[i], col < n ? acc[i][j][0] : -INFINITY);
      lo[i] = fmaxf(lo[i], col + 1 < n ? acc[i][j][1] : -INFINITY);
      hi[i] = fmaxf(hi[i], col < n ? acc[i][j][2] : -INFINITY);
      hi[i] = fmaxf(hi[i], col + 1 < n ? acc[i][j][3] : -INFINITY);
    }
  }
}

// grid: (ndocs, query groups); block: kWarpsPerBlock warps, each taking kTiles query tiles at a
// time so every B fragment feeds kTiles mmas; dynamic shared memory: staged tokens
// (chunk rows rounded up to 16, dimPad + kPad) T, then one float per query tile of the group.
// layout: docs (rows, dimPad) T, padding columns zero; queries (tiles * 16, dimPad) T, each
// query's rows padded to whole 16-row tiles with zero rows (a zero row's maximum is exactly 0,
// so it adds nothing); queryTile (nq + 1): first tile of each query; groupQuery (groups + 1):
// first query of each group; queryExp (nq) or null: query q's rows were scaled by 2^queryExp[q].
template <class T, int kTiles>
__global__ void __launch_bounds__(kWarpsPerBlock * 32)
    maxsimKernel(const T* __restrict__ docs, const uint32_t* __restrict__ docOffsets, uint32_t ndocs,
                 const T* __restrict__ queries, const uint32_t* __restrict__ queryTile,
                 const uint32_t* __restrict__ groupQuery, uint32_t dimPad, uint32_t chunkTokens,
                 const int* __restrict__ queryExp, float* __restrict__ out) {
  using Ops = MmaOps<T>;
  extern __shared__ __align__(16) unsigned char smem[];
  const uint32_t stride = dimPad + Ops::kPad;
  T* staged = reinterpret_cast<T*>(smem);
  float* tileSum = reinterpret_cast<float*>(smem + size_t(chunkTokens) * stride * sizeof(T));
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane / 4;
  const uint32_t d = blockIdx.x;
  const uint32_t qBegin = groupQuery[blockIdx.y], qEnd = groupQuery[blockIdx.y + 1];
  const uint32_t firstTile = queryTile[qBegin], ntiles = queryTile[qEnd] - firstTile;
  const uint32_t tokBegin = docOffsets[d], ntok = docOffsets[d + 1] - tokBegin;
  if (ntok == 0) {
    for (uint32_t q = qBegin + threadIdx.x; q < qEnd; q += blockDim.x) out[size_t(q) * ndocs + d] = -INFINITY;
    return;
  }
  const T* doc = docs + size_t(tokBegin) * dimPad;
  const uint32_t nchunks = (ntok + chunkTokens - 1) / chunkTokens;
  constexpr uint32_t kTilesPerRound = kWarpsPerBlock * kTiles;
  const uint32_t rounds = (ntiles + kTilesPerRound - 1) / kTilesPerRound;
  for (uint32_t round = 0; round < rounds; ++round) {
    const uint32_t tile0 = (round * kWarpsPerBlock + warp) * kTiles;
    const uint32_t mine = tile0 < ntiles ? min(uint32_t(kTiles), ntiles - tile0) : 0;  // tiles this warp owns now
    // A warp with fewer than kTiles tiles left recomputes its first one rather than branch per mma.
    const T* rowG[kTiles];
#pragma unroll
    for (int i = 0; i < kTiles; ++i) rowG[i] = queries + (size_t(firstTile + tile0 + (uint32_t(i) < mine ? i : 0)) * 16 + g) * dimPad;
    float lo[kTiles], hi[kTiles];  // running maxima of rows g and g + 8 of each tile
#pragma unroll
    for (int i = 0; i < kTiles; ++i) lo[i] = hi[i] = -INFINITY;
    for (uint32_t c = 0; c < nchunks; ++c) {
      const uint32_t c0 = c * chunkTokens, n = min(chunkTokens, ntok - c0);
      if (nchunks > 1 || round == 0) {  // a single-chunk document stays staged for every round
        __syncthreads();
        stageTokens(doc + size_t(c0) * dimPad, n, dimPad, staged);
        __syncthreads();
      }
      if (mine == 0) continue;
      switch ((n + 15) / 16) {
        case 1: scoreChunk<T, kTiles, 1>(rowG, staged, stride, dimPad, n, lane, lo, hi); break;
        case 2: scoreChunk<T, kTiles, 2>(rowG, staged, stride, dimPad, n, lane, lo, hi); break;
        case 3: scoreChunk<T, kTiles, 3>(rowG, staged, stride, dimPad, n, lane, lo, hi); break;
        case 4: scoreChunk<T, kTiles, 4>(rowG, staged, stride, dimPad, n, lane, lo, hi); break;
        case 5: scoreChunk<T, kTiles, 5>(rowG, staged, stride, dimPad, n, lane, lo, hi); break;
        case 6: scoreChunk<T, kTiles, 6>(rowG, staged, stride, dimPad, n, lane, lo, hi); break;
        case 7: scoreChunk<T, kTiles, 7>(rowG, staged, stride, dimPad, n, lane, lo, hi); break;
        default: scoreChunk<T, kTiles, 8>(rowG, staged, stride, dimPad, n, lane, lo, hi); break;
      }
    }
#pragma unroll
    for (int i = 0; i < kTiles; ++i) {
      if (uint32_t(i) < mine) {
        // Row maxima across the four lanes of a row group, then the tile's 16 rows summed.
        float l = lo[i], h = hi[i];
        l = fmaxf(l, __shfl_xor_sync(0xffffffffu, l, 1));
        l = fmaxf(l, __shfl_xor_sync(0xffffffffu, l, 2));
        h = fmaxf(h, __shfl_xor_sync(0xffffffffu, h, 1));
        h = fmaxf(h, __shfl_xor_sync(0xffffffffu, h, 2));
        float sum = l + h;
        for (int o = 4; o < 32; o <<= 1) sum += __shfl_xor_sync(0xffffffffu, sum, o);
        if (lane == 0) tileSum[tile0 + i] = sum;
      }
    }
  }
  __syncthreads();
  for (uint32_t q = qBegin + threadIdx.x; q < qEnd; q += blockDim.x) {
    float s = 0.f;
    for (uint32_t i = queryTile[q] - firstTile; i < queryTile[q + 1] - firstTile; ++i) s += tileSum[i];
    out[size_t(q) * ndocs + d] = queryExp ? ldexpf(s, -queryExp[q]) : s;
  }
}

template <class T> __device__ T fromFloat(float v);
template <> __device__ __half fromFloat<__half>(float v) { return __float2half_rn(v); }
template <> __device__ __nv_bfloat16 fromFloat<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ float fromFloat<float>(float v) { return v; }  // TF32 rounding happens at the A load

// Lays the queries out as the MaxSim kernel reads them, on the device (a host loop of per-element
// conversions cost more than the kernel itself): grid nq blocks of 256 threads.
// With queryExp non-null (f16), each query is scaled by a power of two before rounding
// (f16_query_scale.cuh); MaxSim is linear in a positive query scale (a sum of row maxima), so
// the kernel unscales each sum exactly.
// layout: rows (queryOffsets[nq] - base, dim) f32 as the caller gave them; out (tiles * 16, dimPad) T,
// query q at tile queryTile[q], zero rows and columns as padding; queryExp (nq) i32.
template <class T>
__global__ void packQueriesKernel(const float* __restrict__ rows, const uint32_t* __restrict__ queryOffsets, uint32_t base,
                                  const uint32_t* __restrict__ queryTile, uint32_t dim, uint32_t dimPad, int* queryExp,
                                  T* __restrict__ out) {
  const uint32_t q = blockIdx.x;
  const uint32_t first = queryOffsets[q] - base, count = queryOffsets[q + 1] - queryOffsets[q];
  const float* src = rows + size_t(first) * dim;
  int e = 0;
  if (queryExp) {  // f16 only
    e = f16ScaleExponent(src, size_t(count) * dim);
    if (threadIdx.x == 0) queryExp[q] = e;
  }
  const size_t padded = size_t(queryTile[q + 1] - queryTile[q]) * 16 * dimPad;
  T* dst = out + size_t(queryTile[q]) * 16 * dimPad;
  for (size_t i = threadIdx.x; i < padded; i += blockDim.x) {
    const uint32_t r = static_cast<uint32_t>(i / dimPad), k = static_cast<uint32_t>(i % dimPad);
    dst[i] = fromFloat<T>(r < count && k < dim ? ldexpf(src[size_t(r) * dim + k], e) : 0.f);
  }
}

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
    const size_t rowBytes = size_t(dimPad_ + MmaOps<T>::kPad) * sizeof(T);
    // Whole 16-token pairs: the kernel's ldmatrix reads tokens in pairs of 8-token tiles.
    chunkTokens_ = static_cast<uint32_t>(std::min<size_t>(kMaxChunkTokens, kTokenStageBytes / rowBytes) / 16 * 16);
    if (chunkTokens_ == 0) {
      // Wide tokens: stage 16 at a time if that fits the opt-in shared memory with the tile sums.
      const cudaDeviceProp prop = useDevice(device);
      if (16 * rowBytes + kMaxTilesPerGroup * sizeof(float) > prop.sharedMemPerBlockOptin)
        throw Error(codes::kInvalidArgument, "dim " + std::to_string(dim) + " is too wide for the CUDA MaxSim kernel");
      chunkTokens_ = 16;
    }
    stream_.create();
    // The kernel stages exactly a document's rows, so no spare rows past the last document.
    T* docs = docs_.ensure(mulBytes(rows, dimPad_));
    uint32_t* off = offsets_.ensure(ndocs + 1);
    bytes_ = docs_.bytes() + offsets_.bytes();
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
  // Stages the f32 query rows through pinned memory, lays them out as 16-row tiles of T on the
  // device and launches the MaxSim kernel; returns the device (nq, ndocs) scores, ready in stream order.
  float* scoreOnDevice(const float* queries, const uint32_t* queryOffsets, size_t nq) {
    checkOffsetsHost(queryOffsets, nq, SIZE_MAX, "queryOffsets");
    // meta: queryTile (nq + 1), then groupQuery (groups + 1). A group is a run of queries with at
    // most kMaxTilesPerGroup tiles, so its tile sums fit in shared memory.
    uint32_t* meta = hMeta_.ensure(3 * nq + 3);
    uint32_t* groupQuery = meta + nq + 1;
    size_t tiles = 0, groups = 0, groupStartTile = 0, maxGroupTiles = 0;
    for (size_t i = 0; i < nq; ++i) {
      const size_t qt = (size_t(queryOffsets[i + 1]) - queryOffsets[i] + 15) / 16;
      if (qt > kMaxTilesPerGroup)
        throw Error(codes::kInvalidArgument, "a query has at most " + std::to_string(kMaxTilesPerGroup * 16) + " tokens on the GPU");
      if (i == 0 || tiles + qt - groupStartTile > kMaxTilesPerGroup) {
        groupQuery[groups++] = static_cast<uint32_t>(i);
        groupStartTile = tiles;
      }
      meta[i] = static_cast<uint32_t>(tiles);
      tiles += qt;
      maxGroupTiles = std::max(maxGroupTiles, tiles - groupStartTile);
      if (tiles * 16 >= 0xffffffffull) throw Error(codes::kInvalidArgument, "too many query tokens for one GPU call");
    }
    meta[nq] = static_cast<uint32_t>(tiles);
    groupQuery[groups] = static_cast<uint32_t>(nq);
    if (groups > 65535) throw Error(codes::kInvalidArgument, "too many query tokens for one GPU call (more than 65535 groups)");
    const size_t padded = tiles * 16;
    const uint32_t base = queryOffsets[0];
    const size_t rowValues = size_t(queryOffsets[nq] - base) * dim_;
    stream_.sync();  // pinned buffers may still feed a copy of an earlier call that failed part-way
    float* hRows = hQueryRows_.ensure(rowValues + 1);
    std::memcpy(hRows, queries + size_t(base) * dim_, rowValues * sizeof(float));
    std::memcpy(groupQuery + groups + 1, queryOffsets, (nq + 1) * sizeof(uint32_t));
    float* dRows = dQueryRows_.ensure(rowValues + 1);
    T* dq = dQueries_.ensure(padded * dimPad_ + 1);
    uint32_t* dMeta = dMeta_.ensure(2 * nq + groups + 3);
    int* dExp = std::is_same_v<T, __half> ? dQueryExp_.ensure(nq) : nullptr;
    float* dOut = dOut_.ensure(mulBytes(nq, ndocs_));
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dRows, hRows, rowValues * sizeof(float), cudaMemcpyHostToDevice, stream_.get()));
    // meta as laid out in hMeta_: queryTile (nq + 1), groupQuery (groups + 1), queryOffsets (nq + 1)
    MAXSIM_CUDA_CHECK(cudaMemcpyAsync(dMeta, meta, (2 * nq + groups + 3) * sizeof(uint32_t), cudaMemcpyHostToDevice, stream_.get()));
    packQueriesKernel<T><<<static_cast<unsigned>(nq), 256, 0, stream_.get()>>>(dRows, dMeta + nq + groups + 2, base, dMeta,
                                                                              dim_, dimPad_, dExp, dq);
    const size_t smem = chunkTokens_ * size_t(dimPad_ + MmaOps<T>::kPad) * sizeof(T) + maxGroupTiles * sizeof(float);
    const dim3 grid(static_cast<unsigned>(ndocs_), static_cast<unsigned>(groups));
    // Two tiles per warp: measured on an H100 (2026-11-22), 5-25% faster than one for bf16 and f32.
    auto kernel = maxsimKernel<T, 2>;
    if (smem > smemOptIn_) {
      MAXSIM_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem)));
      smemOptIn_ = smem;
    }
    kernel<<<grid, kWarpsPerBlock * 32, smem, stream_.get()>>>(docs_.get(), offsets_.get(), static_cast<uint32_t>(ndocs_), dq,
                                                              dMeta, dMeta + nq + 1, dimPad_, chunkTokens_, dExp, dOut);
    MAXSIM_CUDA_CHECK(cudaGetLastError());
    return dOut;
  }

  int device_;
  uint32_t dim_, dimPad_;
  uint32_t chunkTokens_ = 0;  // tokens staged in shared memory at once: a multiple of 16, up to 128
  size_t smemOptIn_ = 48 * 1024;  // dynamic shared memory a launch may use without opting in
  size_t ndocs_, bytes_ = 0;
  // Declared before the buffers so it is destroyed after them (frees follow the last stream use).
  Stream stream_;
  DeviceBuffer<T> docs_;
  DeviceBuffer<uint32_t> offsets_;
  PinnedBuffer<float> hQueryRows_;
  PinnedBuffer<uint32_t> hMeta_;
  DeviceBuffer<float> dQueryRows_;
  DeviceBuffer<T> dQueries_;
  DeviceBuffer<uint32_t> dMeta_;
  DeviceBuffer<int> dQueryExp_;  // f16 only: each query's power-of-two scale
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
