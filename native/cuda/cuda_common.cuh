// Shared host-side machinery of the CUDA backend: CUDA errors mapped onto maxsim::Error codes,
// RAII owners for device and pinned memory (so an exception part-way through an upload frees what
// was allocated), a stream owner, and argument checks that keep the kernels in bounds.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "../core/error.h"

namespace maxsim::gpu::detail {

// ERR_CUDA_OOM for allocation failures, ERR_CUDA for everything else (launch failures, faults).
[[noreturn]] void fail(cudaError_t e, const char* what);

#define MAXSIM_CUDA_CHECK(call)                          \
  do {                                                   \
    cudaError_t e_ = (call);                             \
    if (e_ != cudaSuccess) ::maxsim::gpu::detail::fail(e_, #call); \
  } while (0)

// Checks the device index and compute capability (sm_80+), makes it current, returns its props.
cudaDeviceProp useDevice(int device);

// Throws ERR_BAD_OFFSETS unless off[0] == 0, off is non-decreasing and off[n] == rows
// (rows == SIZE_MAX: the last entry is not checked).
void checkOffsetsHost(const uint32_t* off, size_t n, size_t rows, const char* name);

// a * b in size_t, ERR_CUDA_OOM on overflow (a request that large cannot be served anyway).
size_t mulBytes(size_t a, size_t b);

class Stream {
 public:
  Stream() = default;
  ~Stream() { if (s_) cudaStreamDestroy(s_); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  void create() { MAXSIM_CUDA_CHECK(cudaStreamCreateWithFlags(&s_, cudaStreamNonBlocking)); }
  cudaStream_t get() const { return s_; }
  void sync() const { MAXSIM_CUDA_CHECK(cudaStreamSynchronize(s_)); }

 private:
  cudaStream_t s_ = nullptr;
};

// Device (Pinned = false) or page-locked host (Pinned = true) memory that only grows: calls
// reuse it, so steady-state queries allocate nothing.
template <class T, bool Pinned>
class Buffer {
 public:
  Buffer() = default;
  ~Buffer() { release(); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  // At least n elements; previous contents are lost when it grows.
  T* ensure(size_t n) {
    if (n <= cap_ && p_) return p_;
    release();
    const size_t bytes = mulBytes(n == 0 ? 1 : n, sizeof(T));
    void* p = nullptr;
    if (Pinned) MAXSIM_CUDA_CHECK(cudaMallocHost(&p, bytes));
    else MAXSIM_CUDA_CHECK(cudaMalloc(&p, bytes));
    p_ = static_cast<T*>(p);
    cap_ = n;
    return p_;
  }
  T* get() const { return p_; }
  size_t bytes() const { return cap_ * sizeof(T); }
  void release() {
    if (p_) Pinned ? cudaFreeHost(p_) : cudaFree(p_);
    p_ = nullptr;
    cap_ = 0;
  }

 private:
  T* p_ = nullptr;
  size_t cap_ = 0;
};
template <class T> using DeviceBuffer = Buffer<T, false>;
template <class T> using PinnedBuffer = Buffer<T, true>;

// Brings a scoring call's results to the host through reused pinned buffers: the whole (nq, n)
// score matrix, or each row's top k selected on the device (only nq * k results cross the bus).
// The caller has made its device current and scored into dScores on `stream`.
class ResultDownload {
 public:
  // min(k, n), or ERR_INVALID_ARGUMENT when that exceeds the device top-k limit.
  static size_t topKCount(size_t k, size_t n);
  void scores(const float* dScores, size_t count, float* out, const Stream& stream);
  void topK(const float* dScores, size_t nq, size_t n, size_t kOut, uint32_t* outIds, float* outScores,
            const Stream& stream);

 private:
  PinnedBuffer<float> hOut_;
  DeviceBuffer<uint32_t> dIds_;
  DeviceBuffer<float> dTop_;
  PinnedBuffer<uint32_t> hIds_;
  PinnedBuffer<float> hTop_;
};

}  // namespace maxsim::gpu::detail
