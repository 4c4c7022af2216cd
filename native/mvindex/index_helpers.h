// Small helpers shared by the MultiVectorIndex translation units (index mutation, search).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/error.h"
#include "../core/finite.h"
#include "../core/thread_pool.h"

namespace maxsim::mvindex {

// Documents per parallelFor chunk: about 16 chunks a thread, for balance over uneven lengths.
inline size_t grainFor(size_t n) {
  const size_t threads = static_cast<size_t>(threadCount());
  const size_t g = n / (threads * 16);
  return g < 1 ? 1 : (g > 256 ? 256 : g);
}

// Per-thread scratch is kept for the next document unless one huge document grew it past
// `keepBytes`: a thread_local buffer otherwise holds its largest size for the thread's life.
template <class T>
inline void trimScratch(std::vector<T>& v, size_t keepBytes = size_t(16) << 20) {
  if (v.capacity() * sizeof(T) > keepBytes) std::vector<T>().swap(v);
}

inline void checkFiniteRows(const float* v, size_t n, size_t doc) {
  if (!allFinite(v, n)) throw Error(codes::kNonFinite, "document " + std::to_string(doc) + " contains NaN or Infinity");
}

// checkFiniteRows in the same pass as a range check: `limit` (finite.h) is kNonFiniteBits, or for
// f16 and bf16 storage the smallest magnitude that would be stored as Infinity -- a value the
// index would accept and then fail every search on.
inline void checkStorableRows(const float* v, size_t n, size_t doc, uint32_t limit, const char* storage) {
  const size_t i = firstMagnitudeAtLeast(v, n, limit);
  if (i != n) throw Error(codes::kNonFinite, unstorableValueMessage("document " + std::to_string(doc), v[i], storage));
}

inline void checkQueryRows(const float* q, uint32_t nq, uint32_t dim, const std::string& what) {
  if (nq == 0) throw Error(codes::kEmptyQuery, what + " has no tokens");
  if (!allFinite(q, size_t(nq) * dim)) throw Error(codes::kNonFinite, what + " contains NaN or Infinity");
}

}  // namespace maxsim::mvindex
