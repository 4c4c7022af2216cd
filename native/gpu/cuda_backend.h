// The GPU backend's interface, free of CUDA headers so the CPU core and the binding include it
// unconditionally. With MAXSIM_WITH_CUDA (cmake -DMAXSIM_CUDA=ON and nvcc found) the
// implementation is native/cuda/*.cu; otherwise cuda_stub.cpp reports that no GPU backend is
// built and every upload fails with ERR_CUDA_UNAVAILABLE. The default build never needs CUDA.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../kernels/kernels.h"

namespace maxsim::gpu {

struct DeviceInfo {
  int index = 0;
  std::string name;
  size_t totalMemory = 0, freeMemory = 0;
  int major = 0, minor = 0;  // compute capability
};

// The largest k the device top-k selects (it sorts the k winners in shared memory).
constexpr size_t kMaxDeviceTopK = 4096;

// True when this binary contains the CUDA backend.
bool built();
// The CUDA devices present (empty when none, or when not built).
std::vector<DeviceInfo> devices();

// Documents resident in one device's memory (f32, f16 or bf16 tokens), uploaded once.
// layout on the device: tokens (rows, dimPad) with dimPad = dim rounded up to 16, zero-padded;
// offsets (ndocs + 1) u32.
class DeviceCollection {
 public:
  virtual ~DeviceCollection() = default;
  // Throws ERR_CUDA_UNAVAILABLE without a device, ERR_CUDA_OOM when it does not fit.
  static std::unique_ptr<DeviceCollection> upload(int device, ElementType type, const void* tokens, size_t rows,
                                                  uint32_t dim, const uint32_t* offsets, size_t ndocs);
  // Scores nq queries (f32, query i = rows queryOffsets[i]..queryOffsets[i+1]) against every
  // document: out is (nq, ndocs) row-major. Queries travel through pinned buffers on a stream.
  virtual void scoreMatrix(const float* queries, const uint32_t* queryOffsets, size_t nq, float* out) = 0;
  // Exhaustive top-k: scores and selects on the device; only the winners are copied back.
  // Writes kOut = min(k, documents()) results per query, best first (higher score, then lower
  // document index), into outIds / outScores laid out (nq, kOut); returns kOut.
  // Throws ERR_INVALID_ARGUMENT when kOut > kMaxDeviceTopK.
  virtual size_t topK(const float* queries, const uint32_t* queryOffsets, size_t nq, size_t k, uint32_t* outIds,
                      float* outScores) = 0;
  virtual size_t documents() const = 0;
  virtual size_t deviceBytes() const = 0;
};

// Documents stored as 8-bit PQ codes on the device, scored without decoding:
//   score(Q, D) = sum_i max_j sum_m LUT_i[m][code_jm],  LUT_i[m][c] = <q'_i,m , centroid_mc>
// (inner product; q' = q . R with the OPQ rotation R, when there is one) -- the definition of
// quant::pqMaxsimBatch. LUTs are built on the device per query batch and read from shared
// memory. A document with no tokens scores -inf.
// layout on the device: codes (rows, M) u8, codebook (M, 256, dim / M) f32, offsets (ndocs + 1) u32.
class DevicePqCollection {
 public:
  virtual ~DevicePqCollection() = default;
  // codebook: (M, 256, dim / M) f32; rotation: (dim, dim) f32 row-major or null; codes:
  // (rows, M) u8; offsets: (ndocs + 1). Throws ERR_CUDA_UNAVAILABLE / ERR_CUDA_OOM.
  static std::unique_ptr<DevicePqCollection> upload(int device, uint32_t dim, uint32_t M, const float* codebook,
                                                    const float* rotation, const uint8_t* codes, size_t rows,
                                                    const uint32_t* offsets, size_t ndocs);
  // As DeviceCollection::scoreMatrix and topK; queries are f32 (rows, dim).
  virtual void scoreMatrix(const float* queries, const uint32_t* queryOffsets, size_t nq, float* out) = 0;
  virtual size_t topK(const float* queries, const uint32_t* queryOffsets, size_t nq, size_t k, uint32_t* outIds,
                      float* outScores) = 0;
  virtual size_t documents() const = 0;
  virtual size_t deviceBytes() const = 0;
};

// Fixed-dimensional encodings (one vector per document, e.g. MUVERA FDEs) resident on the
// device as f32 or f16, scanned by brute force: score = <query, document> in f32 arithmetic.
// layout on the device: vectors (n, dimPad) with dimPad = dim rounded up to 128, zero-padded.
class DeviceFdeCollection {
 public:
  virtual ~DeviceFdeCollection() = default;
  // vectors: (n, dim) in `type` (F32 or F16; F32 input is stored as given).
  static std::unique_ptr<DeviceFdeCollection> upload(int device, ElementType type, const void* vectors, size_t n,
                                                     uint32_t dim);
  // queries: (nq, dim) f32. out: (nq, n) row-major.
  virtual void scoreMatrix(const float* queries, size_t nq, float* out) = 0;
  // As DeviceCollection::topK.
  virtual size_t topK(const float* queries, size_t nq, size_t k, uint32_t* outIds, float* outScores) = 0;
  virtual size_t documents() const = 0;
  virtual uint32_t dim() const = 0;
  virtual size_t deviceBytes() const = 0;
};

}  // namespace maxsim::gpu
