// Standalone GPU test (no Node): DeviceCollection scores against a float64 CPU reference on random
// shapes, for f32 (TF32), f16 and bf16; then, with --bench, a 64-query x 10k-document x 128-token
// throughput run. Prints "N passed, M failed"; with no CUDA device it says so and exits 0.
//   build: npm run build:cuda  (target maxsim_cuda_check in build-cmake/)
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "../../core/error.h"
#include "../../gpu/cuda_backend.h"
#include "../../kernels/half.h"

using namespace maxsim;

static double refScore(const std::vector<float>& q, uint32_t nq, const std::vector<float>& d, uint32_t begin,
                       uint32_t end, uint32_t dim) {
  if (begin == end) return -INFINITY;
  double s = 0;
  for (uint32_t i = 0; i < nq; ++i) {
    double best = -INFINITY;
    for (uint32_t j = begin; j < end; ++j) {
      double v = 0;
      for (uint32_t k = 0; k < dim; ++k) v += double(q[size_t(i) * dim + k]) * d[size_t(j) * dim + k];
      best = v > best ? v : best;
    }
    s += best;
  }
  return s;
}

int main(int argc, char** argv) {
  const bool bench = argc > 1 && std::strcmp(argv[1], "--bench") == 0;
  const auto devs = gpu::devices();
  if (!gpu::built() || devs.empty()) {
    std::printf("skipped: %s\n", gpu::built() ? "no CUDA device" : "built without CUDA");
    std::printf("0 passed, 0 failed\n");
    return 0;
  }
  for (const auto& d : devs)
    std::printf("device %d: %s, sm_%d%d, %.1f GiB\n", d.index, d.name.c_str(), d.major, d.minor, d.totalMemory / 1073741824.0);
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.f, 1.f);
  int passed = 0, failed = 0;
  for (uint32_t dim : {16u, 100u, 128u, 130u}) {
    const std::vector<uint32_t> lens = {0, 1, 17, 200, 5, 33};
    std::vector<uint32_t> off(lens.size() + 1, 0);
    for (size_t i = 0; i < lens.size(); ++i) off[i + 1] = off[i] + lens[i];
    std::vector<float> docs(size_t(off.back()) * dim);
    for (auto& x : docs) x = g(rng) / std::sqrt(float(dim));
    const std::vector<uint32_t> qlens = {1, 32, 33, 7};
    std::vector<uint32_t> qoff(qlens.size() + 1, 0);
    for (size_t i = 0; i < qlens.size(); ++i) qoff[i + 1] = qoff[i] + qlens[i];
    std::vector<float> qs(size_t(qoff.back()) * dim);
    for (auto& x : qs) x = g(rng) / std::sqrt(float(dim));
    for (ElementType t : {ElementType::F32, ElementType::F16, ElementType::BF16}) {
      std::vector<uint16_t> half(docs.size());
      std::vector<float> decoded = docs;
      const void* src = docs.data();
      if (t != ElementType::F32) {
        for (size_t i = 0; i < docs.size(); ++i) {
          half[i] = t == ElementType::F16 ? floatToHalf(docs[i]) : floatToBf16(docs[i]);
          decoded[i] = t == ElementType::F16 ? halfToFloat(half[i]) : bf16ToFloat(half[i]);
        }
        src = half.data();
      }
      auto coll = gpu::DeviceCollection::upload(0, t, src, off.back(), dim, off.data(), lens.size());
      std::vector<float> out(qlens.size() * lens.size());
      coll->scoreMatrix(qs.data(), qoff.data(), qlens.size(), out.data());
      // TF32 and bf16 keep 10 and 7 mantissa bits (the query is rounded too); f16 keeps 10.
      const double rel = t == ElementType::BF16 ? 1.5e-2 : 2e-3;
      for (size_t qi = 0; qi < qlens.size(); ++qi) {
        std::vector<float> q(qs.begin() + size_t(qoff[qi]) * dim, qs.begin() + size_t(qoff[qi + 1]) * dim);
        for (size_t di = 0; di < lens.size(); ++di) {
          const double want = refScore(q, qlens[qi], decoded, off[di], off[di + 1], dim);
          const double got = out[qi * lens.size() + di];
          const bool ok = std::isinf(want) ? (std::isinf(got) && got < 0) : std::fabs(got - want) <= rel * (std::fabs(want) + qlens[qi]);
          if (ok) ++passed;
          else {
            ++failed;
            std::printf("FAIL %s dim=%u q=%zu doc=%zu: %.5f vs %.5f\n", elementTypeName(t), dim, qi, di, got, want);
          }
        }
      }
    }
  }
  try {
    // An impossible allocation reports ERR_CUDA_OOM instead of crashing.
    std::vector<uint32_t> off = {0, 1};
    float one[16] = {0};
    gpu::DeviceCollection::upload(0, ElementType::F32, one, size_t(1) << 40, 16, off.data(), 1);
    ++failed;
    std::printf("FAIL: a 64 TiB upload did not fail\n");
  } catch (const Error& e) {
    if (e.code() == "ERR_CUDA_OOM") ++passed;
    else { ++failed; std::printf("FAIL: OOM gave %s: %s\n", e.code().c_str(), e.what()); }
  }
  if (bench) {
    const uint32_t dim = 128, nd = 10000, nt = 128, nq = 64, qt = 32;
    std::vector<uint32_t> off(nd + 1), qoff(nq + 1);
    for (uint32_t i = 0; i <= nd; ++i) off[i] = i * nt;
    for (uint32_t i = 0; i <= nq; ++i) qoff[i] = i * qt;
    std::vector<float> docs(size_t(nd) * nt * dim), qs(size_t(nq) * qt * dim), out(size_t(nq) * nd);
    for (auto& x : docs) x = g(rng);
    for (auto& x : qs) x = g(rng);
    for (ElementType t : {ElementType::F16, ElementType::BF16, ElementType::F32}) {
      std::vector<uint16_t> half(docs.size());
      for (size_t i = 0; i < docs.size(); ++i) half[i] = t == ElementType::F16 ? floatToHalf(docs[i]) : floatToBf16(docs[i]);
      auto coll = gpu::DeviceCollection::upload(0, t, t == ElementType::F32 ? static_cast<const void*>(docs.data()) : half.data(), off.back(), dim, off.data(), nd);
      coll->scoreMatrix(qs.data(), qoff.data(), nq, out.data());
      const auto t0 = std::chrono::steady_clock::now();
      const int reps = 5;
      for (int r = 0; r < reps; ++r) coll->scoreMatrix(qs.data(), qoff.data(), nq, out.data());
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
      const double flops = 2.0 * nq * qt * double(nd) * nt * dim;
      std::printf("bench %s: 64 queries x 10k docs x 128 tokens: %.2f ms/batch, %.1f TFLOP/s, %.0f queries/s\n",
                  elementTypeName(t), s * 1e3, flops / s / 1e12, nq / s);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
