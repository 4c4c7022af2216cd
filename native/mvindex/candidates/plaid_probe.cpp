#include "plaid_probe.h"

#include <algorithm>
#include <cmath>
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

constexpr size_t kBins = 1024;

bool better(const std::pair<float, uint32_t>& a, const std::pair<float, uint32_t>& b) {
  return a.first > b.first || (a.first == b.first && a.second < b.second);
}

size_t binOf(float v, float lo, float scale) {
  const float x = (v - lo) * scale;
  return x <= 0 ? 0 : std::min(kBins - 1, size_t(x));
}

// The lowest bin such that it and the bins above hold at least `keep` entries.
size_t cutBin(const uint32_t* hist, size_t keep) {
  size_t bin = kBins, have = 0;
  while (bin > 0 && have < keep) have += hist[--bin];
  return bin;
}
}  // namespace

void planProbes(const float* S, uint32_t nq, uint32_t k, uint32_t ncells, ProbePlan& plan) {
  ncells = std::min(ncells, k);
  plan.ncells = ncells;
  plan.cells.resize(size_t(nq) * ncells);
  plan.scores.resize(size_t(nq) * ncells);
  plan.imputed.resize(nq);
  if (ncells == 0 || nq == 0) return;
  // One pass over S keeping, per token, a sorted run of the best `take` (the extra one names
  // m_i); after the first few centroids almost every score fails the `> worst` test.
  const uint32_t take = std::min(ncells + 1, k);
  thread_local std::vector<float> val;
  thread_local std::vector<uint32_t> id;
  val.assign(size_t(nq) * take, -INFINITY);
  id.assign(size_t(nq) * take, 0);
  thread_local std::vector<float> worst;
  worst.assign(nq, -INFINITY);
  uint32_t filled = 0;  // centroids seen, until `take`: the first ones enter unconditionally
  for (uint32_t c = 0; c < k; ++c) {
    const float* row = S + size_t(c) * nq;
    const bool filling = filled < take;
    for (uint32_t i = 0; i < nq; ++i) {
      const float v = row[i];
      if (!(filling || v > worst[i])) continue;
      float* vs = val.data() + size_t(i) * take;
      uint32_t* ids = id.data() + size_t(i) * take;
      // Insert after every entry >= v (earlier centroids win ties), dropping the last.
      uint32_t at = (filling ? filled : take - 1);
      while (at > 0 && vs[at - 1] < v) {
        if (at < take) vs[at] = vs[at - 1], ids[at] = ids[at - 1];
        --at;
      }
      vs[at] = v;
      ids[at] = c;
      worst[i] = vs[take - 1];
    }
    if (filling) ++filled;
  }
  for (uint32_t i = 0; i < nq; ++i) {
    std::copy(id.begin() + size_t(i) * take, id.begin() + size_t(i) * take + ncells, plan.cells.begin() + size_t(i) * ncells);
    std::copy(val.begin() + size_t(i) * take, val.begin() + size_t(i) * take + ncells, plan.scores.begin() + size_t(i) * ncells);
    plan.imputed[i] = val[size_t(i) * take + take - 1];
  }
}

void probeEstimates(const ProbePlan& plan, uint32_t nq, const std::vector<std::vector<uint32_t>>& lists,
                    const std::vector<uint8_t>& alive, size_t keep, std::vector<std::pair<float, uint32_t>>& out) {
  out.clear();
  if (plan.ncells == 0 || keep == 0) return;
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
  float sumImputed = 0, maxAcc = 0;
  for (uint32_t i = 0; i < nq; ++i) {
    sumImputed += plan.imputed[i];
    maxAcc += plan.scores[size_t(i) * plan.ncells] - plan.imputed[i];
    const uint32_t tok = base + i + 1;
    for (uint32_t j = 0; j < plan.ncells; ++j) {
      const uint32_t c = plan.cells[size_t(i) * plan.ncells + j];
      if (c >= lists.size()) continue;
      const float gain = plan.scores[size_t(i) * plan.ncells + j] - plan.imputed[i];  // >= 0
      const uint32_t* s = lists[c].data();
      const size_t n = lists[c].size();
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
  // Accumulators lie in [0, maxAcc], so the histogram needs no min/max pass.
  size_t bin = 0;
  float scale = 0;
  if (nt > 4 * keep && maxAcc > 0) {
    scale = float(kBins - 1) / maxAcc;
    uint32_t hist[kBins] = {};
    for (size_t t = 0; t < nt; ++t) {
      const uint32_t s = touched[t];
      hist[binOf(cells[s].acc, 0.f, scale)] += alive[s];
    }
    bin = cutBin(hist, keep);
  }
  for (size_t t = 0; t < nt; ++t) {
    const uint32_t s = touched[t];
    if (alive[s] && binOf(cells[s].acc, 0.f, scale) >= bin) out.emplace_back(sumImputed + cells[s].acc, s);
  }
  if (out.size() > keep) {
    std::nth_element(out.begin(), out.begin() + keep, out.end(), better);
    out.resize(keep);
  }
}

void keepBest(std::vector<std::pair<float, uint32_t>>& est, size_t keep) {
  if (est.size() <= keep) return;
  if (keep == 0) {
    est.clear();
    return;
  }
  float lo = est[0].first, hi = lo;
  for (const auto& e : est) lo = std::min(lo, e.first), hi = std::max(hi, e.first);
  if (hi > lo && est.size() > 4 * keep) {
    const float scale = float(kBins - 1) / (hi - lo);
    uint32_t hist[kBins] = {};
    for (const auto& e : est) ++hist[binOf(e.first, lo, scale)];
    const size_t bin = cutBin(hist, keep);
    size_t w = 0;
    for (const auto& e : est)
      if (binOf(e.first, lo, scale) >= bin) est[w++] = e;
    est.resize(w);
  }
  if (est.size() > keep) {
    std::nth_element(est.begin(), est.begin() + keep, est.end(), better);
    est.resize(keep);
  }
}

}  // namespace maxsim::mvindex
