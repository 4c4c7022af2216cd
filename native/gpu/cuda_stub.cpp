// CPU-only builds: no GPU backend. Compiled into the core unless MAXSIM_WITH_CUDA is set.
#ifndef MAXSIM_WITH_CUDA
#include "../core/error.h"
#include "cuda_backend.h"

namespace maxsim::gpu {
namespace {

[[noreturn]] void unavailable() {
  throw Error("ERR_CUDA_UNAVAILABLE",
              "this build of maxsim has no CUDA backend: rebuild with `npm run build:cuda` on a machine with nvcc");
}

}  // namespace

bool built() { return false; }
std::vector<DeviceInfo> devices() { return {}; }

std::unique_ptr<DeviceCollection> DeviceCollection::upload(int, ElementType, const void*, size_t, uint32_t,
                                                           const uint32_t*, size_t) {
  unavailable();
}

std::unique_ptr<DevicePqCollection> DevicePqCollection::upload(int, uint32_t, uint32_t, const float*, const float*,
                                                               const uint8_t*, size_t, const uint32_t*, size_t) {
  unavailable();
}

std::unique_ptr<DeviceFdeCollection> DeviceFdeCollection::upload(int, ElementType, const void*, size_t, uint32_t) {
  unavailable();
}

}  // namespace maxsim::gpu
#endif
