// A 64-byte aligned, growable byte buffer: SIMD loads of a prepared query never split a cache
// line, and growth never shrinks, so a per-thread scratch buffer allocates only a few times.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace maxsim {

class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  AlignedBuffer(AlignedBuffer&& o) noexcept : p_(o.p_), cap_(o.cap_) { o.p_ = nullptr; o.cap_ = 0; }
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this != &o) { release(); p_ = o.p_; cap_ = o.cap_; o.p_ = nullptr; o.cap_ = 0; }
    return *this;
  }
  ~AlignedBuffer() { release(); }

  // Makes room for `bytes` (contents are not kept) and zero-fills them.
  void* resizeZeroed(size_t bytes) {
    reserve(bytes);
    if (bytes) std::memset(p_, 0, bytes);
    return p_;
  }
  void reserve(size_t bytes) {
    if (bytes <= cap_) return;
    release();
    const size_t rounded = (bytes + 63) & ~size_t(63);
#if defined(_MSC_VER)
    p_ = _aligned_malloc(rounded, 64);
#else
    p_ = std::aligned_alloc(64, rounded);
#endif
    if (!p_) throw std::bad_alloc();
    cap_ = rounded;
  }
  template <class T> T* as() { return static_cast<T*>(p_); }
  template <class T> const T* as() const { return static_cast<const T*>(p_); }
  size_t capacity() const { return cap_; }

 private:
  void release() {
#if defined(_MSC_VER)
    _aligned_free(p_);
#else
    std::free(p_);
#endif
    p_ = nullptr;
    cap_ = 0;
  }
  void* p_ = nullptr;
  size_t cap_ = 0;
};

}  // namespace maxsim
