#include "plaid_probe.h"

#include <algorithm>
#include <limits>

namespace maxsim::mvindex {
namespace {
// Per-slot accumulator. stamp encodes both "reached in this query" (stamp > base) and "reached
// by token i" (stamp == base + i + 1), so nothing is cleared between queries; stamp and acc
// share a cache line because the walk touches both.
struct Cell {
  uint32_t stamp;
  float acc;
};

struct ProbeScratch {
  std::vector<Cell> cells;
  std::vector<uint32_t> touched;
  uint32_t base = 0;
};

ProbeScratch& scratch() {
  thread_local ProbeScratch s;
  return s;
}
}  // namespace

void planProbes(const float* St, uint32_t nq, uint32_t k, uint32_t ncells, ProbePlan& plan) {
  ncells = std::min(ncells, k);
  plan.ncells = ncells;
  plan.cells.resize(size_t(nq) * ncells);
  plan.imputed.resize(nq);
  if (ncells == 0) return;
  thread_local std::vector<uint32_t> order;
  order.resize(k);
  const uint32_t take = std::min(ncells + 1, k);  // the extra one names m_i
  for (uint32_t i = 0; i < nq; ++i) {
    const float* row = St + size_t(i) * k;
    for (uint32_t c = 0; c < k; ++c) order[c] = c;
    auto better = [row](uint32_t a, uint32_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); };
    if (take < k) std::nth_element(order.begin(), order.begin() + take, order.end(), better);
    std::sort(order.begin(), order.begin() + take, better);
    std::copy(order.begin(), order.begin() + ncells, plan.cells.begin() + size_t(i) * ncells);
    plan.imputed[i] = row[order[take - 1]];
  }
}

void probeEstimates(const float* St, uint32_t nq, uint32_t k, const ProbePlan& plan,
                    const std::vector<std::vector<uint32_t>>& lists, const std::vector<uint8_t>& alive,
                    std::vector<std::pair<float, uint32_t>>& out) {
  out.clear();
  ProbeScratch& sc = scratch();
  const size_t slots = alive.size();
  if (sc.cells.size() < slots) sc.cells.resize(slots, Cell{0, 0.f});
  if (sc.touched.size() < slots) sc.touched.resize(slots);
  if (sc.base > std::numeric_limits<uint32_t>::max() - nq - 1) {  // stamps would wrap: start over
    for (Cell& c : sc.cells) c.stamp = 0;
    sc.base = 0;
  }
  const uint32_t base = sc.base;
  sc.base += nq;
  Cell* cells = sc.cells.data();
  uint32_t* touched = sc.touched.data();
  size_t nt = 0;
  float sumImputed = 0;
  for (uint32_t i = 0; i < nq; ++i) {
    sumImputed += plan.imputed[i];
    const uint32_t tok = base + i + 1;
    const float* row = St + size_t(i) * k;
    for (uint32_t j = 0; j < plan.ncells; ++j) {
      const uint32_t c = plan.cells[size_t(i) * plan.ncells + j];
      const float gain = row[c] - plan.imputed[i];  // >= 0: probed cells score at least m_i
      const std::vector<uint32_t>& list = lists[c];
      const uint32_t* s = list.data();
      const size_t n = list.size();
      // Branch-free: whether the slot is new to the query, new to this token, or neither is
      // data-dependent and unpredictable on stop-word lists.
      for (size_t t = 0; t < n; ++t) {
        Cell& e = cells[s[t]];
        const uint32_t st = e.stamp;
        const bool fresh = st <= base;
        touched[nt] = s[t];
        nt += fresh;
        const float prev = fresh ? 0.f : e.acc;
        e.acc = prev + (st == tok ? 0.f : gain);
        e.stamp = tok;
      }
    }
  }
  out.reserve(nt);
  for (size_t t = 0; t < nt; ++t) {
    const uint32_t s = touched[t];
    if (alive[s]) out.emplace_back(sumImputed + cells[s].acc, s);
  }
}

void keepBest(std::vector<std::pair<float, uint32_t>>& est, size_t keep) {
  if (est.size() <= keep) return;
  auto better = [](const std::pair<float, uint32_t>& a, const std::pair<float, uint32_t>& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  if (keep == 0) {
    est.clear();
    return;
  }
  float lo = est[0].first, hi = lo;
  for (const auto& e : est) lo = std::min(lo, e.first), hi = std::max(hi, e.first);
  constexpr size_t kBins = 1024;
  if (hi > lo && est.size() > 4 * keep) {
    const float scale = float(kBins - 1) / (hi - lo);
    uint32_t hist[kBins] = {};
    for (const auto& e : est) ++hist[std::min(kBins - 1, size_t((e.first - lo) * scale))];
    // The lowest bin whose and higher bins' counts reach `keep`: everything below is out.
    size_t bin = kBins, have = 0;
    while (bin > 0 && have < keep) have += hist[--bin];
    size_t w = 0;
    for (const auto& e : est)
      if (std::min(kBins - 1, size_t((e.first - lo) * scale)) >= bin) est[w++] = e;
    est.resize(w);
  }
  if (est.size() > keep) {
    std::nth_element(est.begin(), est.begin() + keep, est.end(), better);
    est.resize(keep);
  }
}

}  // namespace maxsim::mvindex
