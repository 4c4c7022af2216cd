// A native stress loop for the concurrency design of HnswIndex (see hnsw_index.h): one writer
// thread inserts batches, deletes and upserts-free churn, compacts now and then, while reader
// threads search (single and filtered). Every result is checked against the writer's log:
//   - the id was inserted (its add() was issued) and, if deleted, its delete completed after
//     the search started (ids are never reused);
//   - its score is the exact l2 distance to the vector derived from the id;
//   - scores ascend.
// Vectors are a pure function of the id, so readers verify scores without shared state.
#include "hnsw_stress.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hnsw_index.h"

namespace maxsim::hnsw {

namespace {

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

void vectorOf(uint64_t id, uint32_t dim, float* out) {
  for (uint32_t k = 0; k < dim; ++k) out[k] = float(mix(id * 131 + k) >> 40) / float(1 << 24) * 2.f - 1.f;
}

}  // namespace

StressReport runStress(double seconds, uint32_t readers) {
  constexpr uint32_t kDim = 16;
  constexpr uint64_t kMaxIds = 1u << 22;
  HnswParams p;
  p.dim = kDim;
  p.metric = Metric::L2;
  p.M = 8;
  p.efConstruction = 40;
  HnswIndex index(p);

  // Writer log: state 0 = never added, 1 = add issued, 2 = delete completed at deletedAt.
  std::unique_ptr<std::atomic<uint8_t>[]> state(new std::atomic<uint8_t>[kMaxIds]());
  std::unique_ptr<std::atomic<uint64_t>[]> deletedAt(new std::atomic<uint64_t>[kMaxIds]());
  std::atomic<uint64_t> clock{1};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> searches{0}, results{0}, adds{0}, deletes{0}, compactions{0};
  std::mutex errMu;
  std::vector<std::string> errors;
  auto fail = [&](const std::string& m) {
    std::lock_guard<std::mutex> g(errMu);
    if (errors.size() < 10) errors.push_back(m);
    stop = true;
  };

  uint64_t nextId = 1;
  std::vector<uint64_t> live;
  auto addBatch = [&](size_t n) {
    std::vector<float> v(n * kDim);
    std::vector<uint64_t> ids(n);
    for (size_t i = 0; i < n; ++i) {
      ids[i] = nextId++;
      vectorOf(ids[i], kDim, v.data() + i * kDim);
      state[ids[i]].store(1);
    }
    index.add(v.data(), ids.data(), n);
    live.insert(live.end(), ids.begin(), ids.end());
    adds++;
  };
  addBatch(1000);

  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < readers; ++t) {
    threads.emplace_back([&, t] {
      uint64_t r = mix(t + 1);
      std::vector<uint64_t> ids(32);
      std::vector<float> scores(32), q(kDim);
      std::vector<uint64_t> deny;
      while (!stop.load()) {
        r = mix(r);
        vectorOf(r | (uint64_t(1) << 62), kDim, q.data());
        const size_t k = 1 + r % 20;
        IdFilter f;
        const bool filtered = (r >> 20) % 4 == 0;
        if (filtered) {
          deny.clear();
          for (uint64_t i = 1; i <= 8; ++i) deny.push_back(1 + mix(r + i) % std::max<uint64_t>(1, nextId));
          f.ids = deny.data();
          f.count = deny.size();
          f.deny = true;
        }
        const uint64_t start = clock.load();
        size_t n = 0;
        try {
          n = index.search(q.data(), k, uint32_t(k + (r >> 30) % 50), filtered ? &f : nullptr, ids.data(), scores.data());
        } catch (const std::exception& e) {
          fail(std::string("search threw: ") + e.what());
          break;
        }
        float v[kDim];
        for (size_t j = 0; j < n; ++j) {
          const uint64_t id = ids[j];
          if (id == 0 || id >= kMaxIds || state[id].load() == 0) { fail("returned an id never added: " + std::to_string(id)); break; }
          if (state[id].load() == 2 && deletedAt[id].load() <= start) { fail("returned an id deleted before the search began"); break; }
          if (filtered)
            for (uint64_t d : deny)
              if (d == id) fail("returned a denied id");
          vectorOf(id, kDim, v);
          float s = 0.f;
          for (uint32_t k2 = 0; k2 < kDim; ++k2) s += (q[k2] - v[k2]) * (q[k2] - v[k2]);
          if (std::fabs(s - scores[j]) > 1e-3f * (1.f + s)) { fail("score does not match the id's vector"); break; }
          if (j && scores[j] < scores[j - 1]) { fail("scores not sorted"); break; }
        }
        searches++;
        results += n;
      }
    });
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  uint64_t w = 12345;
  auto lastCompact = std::chrono::steady_clock::now();
  try {
    while (!stop.load() && std::chrono::steady_clock::now() < deadline && nextId + 1000 < kMaxIds) {
      w = mix(w);
      addBatch(50 + w % 200);
      const size_t nd = std::min<size_t>(live.size() > 500 ? live.size() - 500 : 0, 10 + w % 60);
      std::vector<uint64_t> del;
      for (size_t i = 0; i < nd; ++i) {
        const size_t at = mix(w + i) % live.size();
        del.push_back(live[at]);
        live[at] = live.back();
        live.pop_back();
      }
      if (!del.empty()) {
        index.remove(del.data(), del.size());
        const uint64_t e = clock.fetch_add(1) + 1;
        for (uint64_t id : del) {
          deletedAt[id].store(e);
          state[id].store(2);
        }
        deletes++;
      }
      if (std::chrono::steady_clock::now() - lastCompact > std::chrono::milliseconds(700)) {
        index.compact();
        compactions++;
        lastCompact = std::chrono::steady_clock::now();
      }
    }
  } catch (const std::exception& e) {
    fail(std::string("writer threw: ") + e.what());
  }
  stop = true;
  for (auto& t : threads) t.join();
  try {
    index.checkIntegrity();
  } catch (const std::exception& e) {
    errors.push_back(e.what());
  }
  if (index.size() != live.size()) errors.push_back("size does not match the live set");

  StressReport rep;
  rep.searches = searches;
  rep.results = results;
  rep.adds = adds;
  rep.deletes = deletes;
  rep.compactions = compactions;
  rep.errors = errors;
  return rep;
}

}  // namespace maxsim::hnsw
