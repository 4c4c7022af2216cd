// Exact top-k selection over a score array: highest score first, ties broken by lower index so
// results are deterministic. O(n log k) with a bounded min-heap.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace maxsim {

struct ScoredIndex {
  float score;
  uint32_t index;
};

// True when a ranks ahead of b.
inline bool ranksAhead(const ScoredIndex& a, const ScoredIndex& b) {
  return a.score > b.score || (a.score == b.score && a.index < b.index);
}

// Writes min(k, n) results, best first. Returns how many were written.
inline size_t selectTopK(const float* scores, size_t n, size_t k, uint32_t* outIndex, float* outScore) {
  k = std::min(k, n);
  if (k == 0) return 0;
  std::vector<ScoredIndex> heap;  // a min-heap on rank: heap.front() is the worst kept
  heap.reserve(k);
  auto worse = [](const ScoredIndex& a, const ScoredIndex& b) { return ranksAhead(a, b); };
  for (size_t i = 0; i < n; ++i) {
    const ScoredIndex c{scores[i], static_cast<uint32_t>(i)};
    if (heap.size() < k) {
      heap.push_back(c);
      std::push_heap(heap.begin(), heap.end(), worse);
    } else if (ranksAhead(c, heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.back() = c;
      std::push_heap(heap.begin(), heap.end(), worse);
    }
  }
  std::sort(heap.begin(), heap.end(), ranksAhead);
  for (size_t i = 0; i < heap.size(); ++i) {
    outIndex[i] = heap[i].index;
    outScore[i] = heap[i].score;
  }
  return heap.size();
}

}  // namespace maxsim
