// Acquire loads and release stores on plain arrays (link lists, tombstones), so the arrays can
// stay raw, contiguous, memcpy-able and mmap-able. On x86 and arm64 these are ordinary moves
// (plus ldar/stlr on arm64); they exist so readers racing writers are well defined.
#pragma once
#include <cstdint>

#if defined(_MSC_VER) && !defined(__clang__)
#include <atomic>
#endif

namespace maxsim::hnsw {

template <class T>
inline T loadAcquire(const T* p) {
#if defined(__GNUC__) || defined(__clang__)
  return __atomic_load_n(p, __ATOMIC_ACQUIRE);
#else
  const T v = *static_cast<const volatile T*>(p);
  std::atomic_thread_fence(std::memory_order_acquire);
  return v;
#endif
}

template <class T>
inline void storeRelease(T* p, T v) {
#if defined(__GNUC__) || defined(__clang__)
  __atomic_store_n(p, v, __ATOMIC_RELEASE);
#else
  std::atomic_thread_fence(std::memory_order_release);
  *static_cast<volatile T*>(p) = v;
#endif
}

inline void prefetchRead(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 0, 3);
#else
  (void)p;
#endif
}

}  // namespace maxsim::hnsw
