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
  virtual size_t documents() const = 0;
  virtual size_t deviceBytes() const = 0;
};

}  // namespace maxsim::gpu
