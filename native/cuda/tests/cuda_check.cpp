// Standalone GPU test (no Node). Checks every CUDA kernel against CPU references on random
// shapes (odd dims, empty and one-token documents, k > ndocs, tied scores):
//   * DeviceCollection::scoreMatrix (TF32 / f16 / bf16 tensor-core MaxSim) vs a float64 MaxSim;
//   * every topK (MaxSim, PQ, FDE) vs the CPU's selectTopK applied to the same call's
//     scoreMatrix: ids and scores must agree exactly (ties: lower document index first);
//   * DevicePqCollection::scoreMatrix vs the CPU's quant::pqMaxsimBatch (same ProductQuantizer,
//     OPQ rotation or not) and vs a float64 evaluation of its definition;
//   * DeviceFdeCollection::scoreMatrix (f32, f16) vs float64 inner products;
//   * ERR_CUDA_OOM on an impossible upload, ERR_INVALID_ARGUMENT for k over the device limit.
// With --bench it then measures throughput against the card's peaks (see bench()).
// Prints "N passed, M failed"; with no CUDA device it says so and exits 0.
//   build: npm run build:cuda, then run build-cuda/maxsim_cuda_check [--bench]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <cuda_runtime.h>

#include "../../core/error.h"
#include "../../gpu/cuda_backend.h"
#include "../../kernels/half.h"
#include "../../quant/pq_maxsim.h"
#include "../../quant/product_quantizer.h"
#include "../../scoring/topk.h"

using namespace maxsim;

namespace {

int passed = 0, failed = 0;
std::mt19937 rng(3);
std::normal_distribution<float> gauss(0.f, 1.f);

void check(bool ok, const std::string& what) {
  if (ok) ++passed;
  else {
    ++failed;
    std::printf("FAIL %s\n", what.c_str());
  }
}

std::vector<float> randomVec(size_t n, float scale) {
  std::vector<float> v(n);
  for (auto& x : v) x = gauss(rng) * scale;
  return v;
}

std::vector<uint32_t> prefix(const std::vector<uint32_t>& lens) {
  std::vector<uint32_t> off(lens.size() + 1, 0);
  for (size_t i = 0; i < lens.size(); ++i) off[i + 1] = off[i] + lens[i];
  return off;
}

double refMaxsim(const float* q, uint32_t nq, const float* d, uint32_t begin, uint32_t end, uint32_t dim) {
  if (begin == end) return -INFINITY;
  double s = 0;
  for (uint32_t i = 0; i < nq; ++i) {
    double best = -INFINITY;
    for (uint32_t j = begin; j < end; ++j) {
      double v = 0;
      for (uint32_t k = 0; k < dim; ++k) v += double(q[size_t(i) * dim + k]) * d[size_t(j) * dim + k];
      best = std::max(best, v);
    }
    s += best;
  }
  return s;
}

bool close(double got, double want, double tol) {
  if (std::isinf(want)) return std::isinf(got) && (got < 0) == (want < 0);
  return std::fabs(got - want) <= tol;
}

// topK must equal selectTopK over the same scores, bit for bit. scores: (nq, n).
void checkTopK(const std::vector<float>& scores, size_t nq, size_t n, size_t k, size_t kOut,
               const std::vector<uint32_t>& ids, const std::vector<float>& top, const std::string& what) {
  const size_t want = std::min(k, n);
  if (kOut != want) return check(false, what + ": returned " + std::to_string(kOut) + " results, want " + std::to_string(want));
  std::vector<uint32_t> wi(want);
  std::vector<float> ws(want);
  bool ok = true;
  for (size_t q = 0; q < nq && ok; ++q) {
    selectTopK(scores.data() + q * n, n, k, wi.data(), ws.data());
    for (size_t i = 0; i < want && ok; ++i)
      if (wi[i] != ids[q * want + i] || std::memcmp(&ws[i], &top[q * want + i], sizeof(float)) != 0) {
        ok = false;
        std::printf("  query %zu rank %zu: got doc %u score %.7g, want doc %u score %.7g\n", q, i, ids[q * want + i],
                    top[q * want + i], wi[i], ws[i]);
      }
  }
  check(ok, what);
}

void expectCode(const char* code, const std::string& what, const std::function<void()>& fn) {
  try {
    fn();
    check(false, what + ": no error");
  } catch (const Error& e) {
    check(e.code() == code, what + ": got " + e.code() + " (" + e.what() + "), want " + code);
  }
}

void testMaxsim() {
  for (uint32_t dim : {16u, 100u, 128u, 130u}) {
    const std::vector<uint32_t> lens = {0, 1, 17, 200, 5, 33};
    const auto off = prefix(lens);
    const auto docs = randomVec(size_t(off.back()) * dim, 1.f / std::sqrt(float(dim)));
    const std::vector<uint32_t> qlens = {1, 32, 33, 7};
    const auto qoff = prefix(qlens);
    const auto qs = randomVec(size_t(qoff.back()) * dim, 1.f / std::sqrt(float(dim)));
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
      for (size_t qi = 0; qi < qlens.size(); ++qi)
        for (size_t di = 0; di < lens.size(); ++di) {
          const double want = refMaxsim(qs.data() + size_t(qoff[qi]) * dim, qlens[qi], decoded.data(), off[di], off[di + 1], dim);
          const double got = out[qi * lens.size() + di];
          char buf[160];
          std::snprintf(buf, sizeof buf, "maxsim %s dim=%u q=%zu doc=%zu: %.5f vs %.5f", elementTypeName(t), dim, qi, di, got, want);
          check(close(got, want, rel * (std::fabs(want) + qlens[qi])), buf);
        }
      for (size_t k : {size_t(1), size_t(3), size_t(6), size_t(50)}) {
        std::vector<uint32_t> ids(qlens.size() * k);
        std::vector<float> top(qlens.size() * k);
        const size_t kOut = coll->topK(qs.data(), qoff.data(), qlens.size(), k, ids.data(), top.data());
        checkTopK(out, qlens.size(), lens.size(), k, kOut, ids, top,
                  std::string("maxsim topK ") + elementTypeName(t) + " dim=" + std::to_string(dim) + " k=" + std::to_string(k));
      }
    }
  }
  // Ties: five distinct documents (one empty) repeated 60 times score identically.
  const uint32_t dim = 40;
  const std::vector<uint32_t> base = {3, 0, 1, 17, 40};
  std::vector<uint32_t> lens;
  for (int r = 0; r < 60; ++r) lens.insert(lens.end(), base.begin(), base.end());
  const auto off = prefix(lens);
  const auto one = randomVec(size_t(61) * dim, 0.2f);
  std::vector<float> docs;
  for (int r = 0; r < 60; ++r) docs.insert(docs.end(), one.begin(), one.end());
  const std::vector<uint32_t> qlens = {4, 19};
  const auto qoff = prefix(qlens);
  const auto qs = randomVec(size_t(qoff.back()) * dim, 0.2f);
  auto coll = gpu::DeviceCollection::upload(0, ElementType::F32, docs.data(), off.back(), dim, off.data(), lens.size());
  std::vector<float> out(qlens.size() * lens.size());
  coll->scoreMatrix(qs.data(), qoff.data(), qlens.size(), out.data());
  for (size_t k : {size_t(1), size_t(61), size_t(299), size_t(300), size_t(301), size_t(1024)}) {
    std::vector<uint32_t> ids(qlens.size() * k);
    std::vector<float> top(qlens.size() * k);
    const size_t kOut = coll->topK(qs.data(), qoff.data(), qlens.size(), k, ids.data(), top.data());
    checkTopK(out, qlens.size(), lens.size(), k, kOut, ids, top, "maxsim topK with ties k=" + std::to_string(k));
  }
}

// Batches that need several launch groups (more than 2048 query tiles), documents staged in
// several chunks, and tokens so wide that only 16 fit in shared memory at once.
void testMaxsimShapes() {
  struct Case { uint32_t dim; std::vector<uint32_t> lens, qlens; ElementType type; };
  std::vector<uint32_t> manyQueries;
  for (int i = 0; i < 150; ++i) manyQueries.push_back(200 + (i * 37) % 120);  // ~2,450 tiles: two groups
  const std::vector<Case> cases = {
      {24, {0, 1, 5, 130, 300, 8, 129}, manyQueries, ElementType::F16},
      {1500, {1, 40, 0, 17}, {3, 40}, ElementType::F32},
      {3000, {9, 0, 25}, {1, 17}, ElementType::BF16},
      {3000, {9, 0, 25, 1, 40}, {1, 17}, ElementType::F32},  // 12 KB rows: staged 16 at a time
  };
  for (const Case& c : cases) {
    const auto off = prefix(c.lens);
    const auto qoff = prefix(c.qlens);
    const float scale = 1.f / std::sqrt(float(c.dim));
    const auto docs = randomVec(size_t(off.back()) * c.dim, scale);
    const auto qs = randomVec(size_t(qoff.back()) * c.dim, scale);
    std::vector<uint16_t> half(c.type == ElementType::F32 ? 0 : docs.size());
    std::vector<float> decoded = docs;
    for (size_t i = 0; i < half.size(); ++i) {
      half[i] = c.type == ElementType::F16 ? floatToHalf(docs[i]) : floatToBf16(docs[i]);
      decoded[i] = c.type == ElementType::F16 ? halfToFloat(half[i]) : bf16ToFloat(half[i]);
    }
    auto coll = gpu::DeviceCollection::upload(0, c.type, half.empty() ? static_cast<const void*>(docs.data()) : half.data(),
                                              off.back(), c.dim, off.data(), c.lens.size());
    std::vector<float> out(c.qlens.size() * c.lens.size());
    coll->scoreMatrix(qs.data(), qoff.data(), c.qlens.size(), out.data());
    const double rel = c.type == ElementType::BF16 ? 1.5e-2 : 2e-3;
    int bad = 0;
    for (size_t qi = 0; qi < c.qlens.size(); ++qi)
      for (size_t di = 0; di < c.lens.size(); ++di) {
        const double want = refMaxsim(qs.data() + size_t(qoff[qi]) * c.dim, c.qlens[qi], decoded.data(), off[di], off[di + 1], c.dim);
        const double got = out[qi * c.lens.size() + di];
        if (!close(got, want, rel * (std::fabs(want) + c.qlens[qi])) && bad++ < 3)
          std::printf("  maxsim shapes %s dim=%u q=%zu doc=%zu: %.5f vs %.5f\n", elementTypeName(c.type), c.dim, qi, di, got, want);
      }
    check(bad == 0, std::string("maxsim shapes ") + elementTypeName(c.type) + " dim=" + std::to_string(c.dim) + ": " +
                        std::to_string(bad) + " wrong scores");
  }
  // Too wide to stage even 8 tokens: a clear argument error at upload, not a failed launch.
  std::vector<float> wide(size_t(2) * 60000, 0.f);
  const std::vector<uint32_t> off = {0, 2};
  expectCode(codes::kInvalidArgument, "dim 60000 f32 upload", [&] {
    gpu::DeviceCollection::upload(0, ElementType::F32, wide.data(), 2, 60000, off.data(), 1);
  });
}

void testPq() {
  struct Shape { uint32_t dim, M; bool rotate; };
  // M % 4 == 0 (word reads) and not; M = 256: one query row's LUT (256 KiB) exceeds shared
  // memory, so the kernel reads LUTs from global memory.
  for (const Shape& s : {Shape{12, 4, false}, Shape{30, 5, true}, Shape{128, 16, false}, Shape{64, 64, true},
                         Shape{96, 3, false}, Shape{256, 256, false}}) {
    const uint32_t dsub = s.dim / s.M;
    const auto codebook = randomVec(size_t(s.M) * 256 * dsub, 0.3f);
    std::vector<float> rotation;
    if (s.rotate) rotation = randomVec(size_t(s.dim) * s.dim, 1.f / std::sqrt(float(s.dim)));
    const std::vector<uint32_t> lens = {1, 0, 70, 2, 33, 0, 129, 5};
    const auto off = prefix(lens);
    std::vector<uint8_t> codes(size_t(off.back()) * s.M);
    for (auto& c : codes) c = uint8_t(rng() & 255u);
    const std::vector<uint32_t> qlens = {1, 5, 32, 9};
    const auto qoff = prefix(qlens);
    const auto qs = randomVec(size_t(qoff.back()) * s.dim, 1.f);
    auto coll = gpu::DevicePqCollection::upload(0, s.dim, s.M, codebook.data(), s.rotate ? rotation.data() : nullptr,
                                                codes.data(), off.back(), off.data(), lens.size());
    std::vector<float> out(qlens.size() * lens.size());
    coll->scoreMatrix(qs.data(), qoff.data(), qlens.size(), out.data());
    const quant::ProductQuantizer pq(s.dim, s.M, 8, codebook, rotation);
    for (size_t qi = 0; qi < qlens.size(); ++qi) {
      std::vector<float> cpuOut(lens.size());
      quant::pqMaxsimBatch(pq, qs.data() + size_t(qoff[qi]) * s.dim, qlens[qi], codes.data(), off.data(), lens.size(),
                           cpuOut.data());
      // Reference: LUT_i[m][c] = <q'_i,m, centroid_mc> in float64, q' = q . R.
      std::vector<double> lut(size_t(qlens[qi]) * s.M * 256);
      double scale = 0;
      for (uint32_t i = 0; i < qlens[qi]; ++i) {
        const float* q = qs.data() + (size_t(qoff[qi]) + i) * s.dim;
        std::vector<double> qr(s.dim);
        for (uint32_t j = 0; j < s.dim; ++j) {
          if (!s.rotate) { qr[j] = q[j]; continue; }
          for (uint32_t t = 0; t < s.dim; ++t) qr[j] += double(q[t]) * rotation[size_t(t) * s.dim + j];
        }
        for (uint32_t m = 0; m < s.M; ++m)
          for (uint32_t c = 0; c < 256; ++c) {
            double v = 0;
            for (uint32_t t = 0; t < dsub; ++t) v += qr[m * dsub + t] * codebook[(size_t(m) * 256 + c) * dsub + t];
            lut[(size_t(i) * s.M + m) * 256 + c] = v;
            scale = std::max(scale, std::fabs(v));
          }
      }
      for (size_t di = 0; di < lens.size(); ++di) {
        double want = off[di] == off[di + 1] ? -INFINITY : 0;
        for (uint32_t i = 0; i < qlens[qi] && off[di] != off[di + 1]; ++i) {
          double best = -INFINITY;
          for (uint32_t j = off[di]; j < off[di + 1]; ++j) {
            double v = 0;
            for (uint32_t m = 0; m < s.M; ++m) v += lut[(size_t(i) * s.M + m) * 256 + codes[size_t(j) * s.M + m]];
            best = std::max(best, v);
          }
          want += best;
        }
        const double got = out[qi * lens.size() + di], cpu = cpuOut[di];
        // f32 LUTs (dsub-term dots) and f32 sums over M entries, then over the query rows.
        const double tol = 1e-5 * scale * s.M * qlens[qi] + 1e-4 * std::fabs(want);
        char buf[200];
        std::snprintf(buf, sizeof buf, "pq dim=%u M=%u rot=%d q=%zu doc=%zu: gpu %.5f, cpu %.5f, float64 %.5f", s.dim, s.M,
                      int(s.rotate), qi, di, got, cpu, want);
        check(close(got, want, tol) && close(got, cpu, 2 * tol), buf);
      }
    }
    for (size_t k : {size_t(1), size_t(4), size_t(8), size_t(100)}) {
      std::vector<uint32_t> ids(qlens.size() * k);
      std::vector<float> top(qlens.size() * k);
      const size_t kOut = coll->topK(qs.data(), qoff.data(), qlens.size(), k, ids.data(), top.data());
      checkTopK(out, qlens.size(), lens.size(), k, kOut, ids, top,
                "pq topK dim=" + std::to_string(s.dim) + " M=" + std::to_string(s.M) + " k=" + std::to_string(k));
    }
  }
}

// Device top-k on long rows with heavy ties: scores from a handful of distinct values (every
// radix bucket crowded, the k-th score shared by thousands), a few distinct values (the k-th
// bucket needed whole), and all-equal rows, against the CPU's selection of the same scores.
void testTopKStress() {
  const size_t n = 70001;
  for (int pattern = 0; pattern < 3; ++pattern) {
    std::vector<float> vecs(n);
    uint64_t x = 0x1234567ull + pattern;
    for (size_t i = 0; i < n; ++i) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      vecs[i] = pattern == 0 ? float(int(x % 7) - 3) : pattern == 1 ? float(x % 1000) * 0.001f : 0.5f;
    }
    auto coll = gpu::DeviceFdeCollection::upload(0, ElementType::F32, vecs.data(), n, 1);
    const float qs[2] = {1.f, -1.f};
    std::vector<float> out(2 * n);
    coll->scoreMatrix(qs, 2, out.data());
    for (size_t k : {size_t(1), size_t(100), size_t(2500), size_t(4096)}) {
      std::vector<uint32_t> ids(2 * k);
      std::vector<float> top(2 * k);
      const size_t kOut = coll->topK(qs, 2, k, ids.data(), top.data());
      checkTopK(out, 2, n, k, kOut, ids, top, "topK stress pattern " + std::to_string(pattern) + " k=" + std::to_string(k));
    }
  }
}

// Every score within 1e-5 x sum |q_k x_k| of the float64 inner product (x as stored).
bool fdeScoresMatch(const std::vector<float>& qs, const std::vector<float>& decoded, const std::vector<float>& out,
                    size_t nq, size_t n, uint32_t dim) {
  for (size_t q = 0; q < nq; ++q)
    for (size_t d = 0; d < n; ++d) {
      double want = 0, mag = 0;
      for (uint32_t k = 0; k < dim; ++k) {
        want += double(qs[q * dim + k]) * decoded[d * dim + k];
        mag += std::fabs(double(qs[q * dim + k]) * decoded[d * dim + k]);
      }
      if (!close(out[q * n + d], want, 1e-5 * mag + 1e-45)) {
        std::printf("  fde q=%zu d=%zu: %.9g vs %.9g\n", q, d, out[q * n + d], want);
        return false;
      }
    }
  return true;
}

void testFde() {
  for (uint32_t dim : {1u, 100u, 128u, 1000u, 2100u}) {
    for (size_t n : {size_t(1), size_t(37), size_t(1000)}) {
      const auto vecs = randomVec(n * dim, 1.f);
      for (ElementType t : {ElementType::F32, ElementType::F16}) {
        std::vector<uint16_t> half(vecs.size());
        std::vector<float> decoded = vecs;
        if (t == ElementType::F16)
          for (size_t i = 0; i < vecs.size(); ++i) decoded[i] = halfToFloat(half[i] = floatToHalf(vecs[i]));
        auto coll = gpu::DeviceFdeCollection::upload(0, t, t == ElementType::F32 ? static_cast<const void*>(vecs.data()) : half.data(),
                                                     n, dim);
        for (size_t nq : {size_t(1), size_t(9), size_t(17), size_t(65)}) {
          const auto qs = randomVec(nq * dim, 1.f);
          std::vector<float> out(nq * n);
          coll->scoreMatrix(qs.data(), nq, out.data());
          const bool ok = fdeScoresMatch(qs, decoded, out, nq, n, dim);
          const std::string tag = std::string("fde ") + elementTypeName(t) + " dim=" + std::to_string(dim) + " n=" +
                                  std::to_string(n) + " nq=" + std::to_string(nq);
          check(ok, tag);
          for (size_t k : {size_t(1), size_t(10), size_t(1001)}) {
            std::vector<uint32_t> ids(nq * k);
            std::vector<float> top(nq * k);
            const size_t kOut = coll->topK(qs.data(), nq, k, ids.data(), top.data());
            checkTopK(out, nq, n, k, kOut, ids, top, tag + " topK k=" + std::to_string(k));
          }
        }
      }
    }
  }
  // Radix select at scale, with heavy ties: 20000 vectors drawn from 3 distinct ones, and an
  // all-zero query (every score ties at 0, so the top k are documents 0..k-1).
  const uint32_t dim = 24;
  const size_t n = 20000;
  const auto distinct = randomVec(3 * dim, 1.f);
  std::vector<float> vecs(n * dim);
  for (size_t i = 0; i < n; ++i) {
    const size_t which = (i < 10000) ? rng() % 3 : i % 7 == 0 ? 0 : 3;
    for (uint32_t k = 0; k < dim; ++k) vecs[i * dim + k] = which < 3 ? distinct[which * dim + k] : gauss(rng);
  }
  auto coll = gpu::DeviceFdeCollection::upload(0, ElementType::F32, vecs.data(), n, dim);
  auto qs = randomVec(3 * dim, 1.f);
  std::fill(qs.begin() + 2 * dim, qs.end(), 0.f);
  std::vector<float> out(3 * n);
  coll->scoreMatrix(qs.data(), 3, out.data());
  for (size_t k : {size_t(1), size_t(100), size_t(1024), size_t(3333), gpu::kMaxDeviceTopK}) {
    std::vector<uint32_t> ids(3 * k);
    std::vector<float> top(3 * k);
    const size_t kOut = coll->topK(qs.data(), 3, k, ids.data(), top.data());
    checkTopK(out, 3, n, k, kOut, ids, top, "fde topK with ties n=20000 k=" + std::to_string(k));
  }
  expectCode(codes::kInvalidArgument, "k over the device limit", [&] {
    std::vector<uint32_t> ids(3 * 4097);
    std::vector<float> top(3 * 4097);
    coll->topK(qs.data(), 3, gpu::kMaxDeviceTopK + 1, ids.data(), top.data());
  });
  // k > n: every document, sorted (n = 4000 <= the limit even though k is not).
  auto small = gpu::DeviceFdeCollection::upload(0, ElementType::F32, vecs.data(), 4000, dim);
  std::vector<float> sOut(3 * 4000);
  small->scoreMatrix(qs.data(), 3, sOut.data());
  std::vector<uint32_t> ids(3 * 4000);
  std::vector<float> top(3 * 4000);
  const size_t kOut = small->topK(qs.data(), 3, 100000, ids.data(), top.data());
  checkTopK(sOut, 3, 4000, 100000, kOut, ids, top, "fde topK k > n");
}

// Wide vectors (dim 10240, the bench's shape) in f16, 64 queries: all-positive values, where
// every product adds up with no cancellation, and query rows of very different scales (the
// tensor-core path scales each row by a power of two before splitting it into f16 halves).
void testFdeWide() {
  const uint32_t dim = 10240;
  const size_t n = 300, nq = 64;
  std::vector<float> vecs(n * dim), qs(nq * dim);
  std::uniform_real_distribution<float> unit(0.f, 1.f);
  for (auto& v : vecs) v = unit(rng);
  for (auto& v : qs) v = unit(rng);
  std::vector<uint16_t> half(vecs.size());
  std::vector<float> decoded(vecs.size());
  for (size_t i = 0; i < vecs.size(); ++i) decoded[i] = halfToFloat(half[i] = floatToHalf(vecs[i]));
  const float scales[] = {1e-30f, 1e30f, 0.f, 3e-5f, 65504.f, 1e-40f};
  for (size_t q = 0; q < 6; ++q)
    for (uint32_t k = 0; k < dim; ++k) qs[q * dim + k] *= scales[q];
  for (uint32_t k = 0; k < dim; ++k) qs[6 * dim + k] = (k % 2 ? 1e-3f : 1.f) * (k % 3 ? 1.f : -1.f);  // mixed signs and sizes
  auto coll = gpu::DeviceFdeCollection::upload(0, ElementType::F16, half.data(), n, dim);
  std::vector<float> out(nq * n);
  coll->scoreMatrix(qs.data(), nq, out.data());
  check(fdeScoresMatch(qs, decoded, out, nq, n, dim), "fde f16 dim=10240 nq=64: positive values, scaled and mixed query rows");
}

// f16 collections: query values past f16's range (65504) or below its normal range (2^-14)
// score as the same query at a moderate scale would, scaled: each query is scaled by a power of
// two on the device before it is rounded to f16, and the sums are unscaled exactly.
void testMaxsimF16QueryRange() {
  const uint32_t dim = 100;
  const std::vector<uint32_t> lens = {0, 1, 17, 200, 5, 33};
  const auto off = prefix(lens);
  const auto docs = randomVec(size_t(off.back()) * dim, 0.1f);
  std::vector<uint16_t> half(docs.size());
  std::vector<float> decoded(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) decoded[i] = halfToFloat(half[i] = floatToHalf(docs[i]));
  auto coll = gpu::DeviceCollection::upload(0, ElementType::F16, half.data(), off.back(), dim, off.data(), lens.size());
  const std::vector<uint32_t> qlens = {1, 32, 7};
  const auto qoff = prefix(qlens);
  const auto qs = randomVec(size_t(qoff.back()) * dim, 0.5f);
  std::vector<float> base(qlens.size() * lens.size());
  coll->scoreMatrix(qs.data(), qoff.data(), qlens.size(), base.data());
  for (float scale : {1048576.f, 1.f / 1073741824.f, 1e6f, 3e-9f, 1e30f}) {
    std::vector<float> scaled(qs);
    for (auto& v : scaled) v *= scale;
    std::vector<float> out(base.size());
    coll->scoreMatrix(scaled.data(), qoff.data(), qlens.size(), out.data());
    const bool powerOfTwo = scale == 1048576.f || scale == 1.f / 1073741824.f;
    bool ok = true;
    for (size_t qi = 0; qi < qlens.size() && ok; ++qi)
      for (size_t di = 0; di < lens.size() && ok; ++di) {
        const double want = refMaxsim(scaled.data() + size_t(qoff[qi]) * dim, qlens[qi], decoded.data(), off[di], off[di + 1], dim);
        const double got = out[qi * lens.size() + di];
        const bool exact = !powerOfTwo || got == double(base[qi * lens.size() + di]) * scale;
        if (!exact || !close(got, want, 2e-3 * (std::fabs(want) + qlens[qi] * double(scale)))) {
          ok = false;
          std::printf("  scale %g q=%zu doc=%zu: %.9g vs %.9g (unscaled query %.9g)\n", scale, qi, di, got, want,
                      base[qi * lens.size() + di]);
        }
      }
    char buf[96];
    std::snprintf(buf, sizeof buf, "maxsim f16 with a query scaled by %g", scale);
    check(ok, buf);
  }
}

void testErrors() {
  // An impossible allocation reports ERR_CUDA_OOM instead of crashing (2^31 rows x 2048 f32).
  expectCode("ERR_CUDA_OOM", "a 16 TiB upload", [] {
    std::vector<uint32_t> off = {0, 1u << 31};
    float one[16] = {0};
    gpu::DeviceCollection::upload(0, ElementType::F32, one, size_t(1) << 31, 2048, off.data(), 1);
  });
  expectCode("ERR_CUDA_OOM", "a 1 PiB FDE upload", [] {
    float one[16] = {0};
    gpu::DeviceFdeCollection::upload(0, ElementType::F32, one, size_t(1) << 30, 1u << 18);
  });
  expectCode(codes::kBadOffsets, "offsets not ending at rows", [] {
    std::vector<uint32_t> off = {0, 3};
    float one[16] = {0};
    gpu::DeviceCollection::upload(0, ElementType::F32, one, 2, 8, off.data(), 1);
  });
  // The device still works after the failures.
  std::vector<uint32_t> off = {0, 1};
  float v[16] = {1.f};
  auto coll = gpu::DeviceCollection::upload(0, ElementType::F32, v, 1, 16, off.data(), 1);
  float s = 0;
  coll->scoreMatrix(v, off.data(), 1, &s);
  check(std::fabs(s - 1.f) < 1e-3f, "scoring after an OOM");
}

// ---- benchmarks (--bench) ----

// Dense tensor-core peaks from NVIDIA's spec sheets (TFLOP/s, no sparsity), by device name.
struct Peaks {
  double tf32 = 0, half = 0;  // half: f16 and bf16
  const char* source = "unknown device: no peak table entry";
};
Peaks tensorPeaks(const std::string& name) {
  Peaks p;
  auto has = [&](const char* s) { return name.find(s) != std::string::npos; };
  if (has("H100") && has("PCIe")) p = {378, 756, "H100 PCIe spec sheet, dense"};
  else if (has("H100") && has("NVL")) p = {418, 835, "H100 NVL spec sheet, dense"};
  else if (has("H100") || has("H200") || has("GH200")) p = {494.7, 989.4, "H100/H200 SXM spec sheet, dense"};
  else if (has("A100")) p = {156, 312, "A100 spec sheet, dense"};
  else if (has("L40S")) p = {183, 362, "L40S spec sheet, dense"};
  return p;
}

// HBM bandwidth in GB/s from the memory clock (kHz, double data rate) and bus width (bits).
// CUDA 13 dropped cudaDeviceProp::memoryClockRate; the attribute query still exists.
double hbmGBs(int dev) {
  int clockKHz = 0, busBits = 0;
  if (cudaDeviceGetAttribute(&clockKHz, cudaDevAttrMemoryClockRate, dev) != cudaSuccess ||
      cudaDeviceGetAttribute(&busBits, cudaDevAttrGlobalMemoryBusWidth, dev) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return 2.0 * clockKHz * 1e3 * (busBits / 8.0) / 1e9;
}

template <class F>
double secondsPerCall(int reps, F&& fn) {
  fn();  // warm-up: allocations happen here and are reused afterwards
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
}

// Cheap uniform fill for the large inputs (std::normal_distribution would dominate set-up).
void fastFill(std::vector<float>& v) {
  uint64_t x = 0x9e3779b97f4a7c15ull;
  for (auto& f : v) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    f = float(int32_t(x >> 40) - (1 << 23)) / float(1 << 23);
  }
}

}  // namespace

void bench() {
  const auto dev = gpu::devices()[0];
  const Peaks peaks = tensorPeaks(dev.name);
  const double hbm = hbmGBs(0);
  std::printf("bench device: %s; tensor peaks TF32 %.0f, FP16/BF16 %.0f TFLOP/s (%s); HBM %.0f GB/s "
              "(memory clock x bus width)\n",
              dev.name.c_str(), peaks.tf32, peaks.half, peaks.source, hbm);
  std::printf("bench timings are wall-clock per call, including query staging and PCIe copies\n");
  {
    const uint32_t dim = 128, nd = 10000, nt = 128, nq = 64, qt = 32;
    std::vector<uint32_t> off(nd + 1), qoff(nq + 1);
    for (uint32_t i = 0; i <= nd; ++i) off[i] = i * nt;
    for (uint32_t i = 0; i <= nq; ++i) qoff[i] = i * qt;
    std::vector<float> docs(size_t(nd) * nt * dim), qs(size_t(nq) * qt * dim), out(size_t(nq) * nd);
    fastFill(docs);
    fastFill(qs);
    for (ElementType t : {ElementType::F16, ElementType::BF16, ElementType::F32}) {
      std::vector<uint16_t> half(t == ElementType::F32 ? 0 : docs.size());
      for (size_t i = 0; i < half.size(); ++i) half[i] = t == ElementType::F16 ? floatToHalf(docs[i]) : floatToBf16(docs[i]);
      auto coll = gpu::DeviceCollection::upload(0, t, t == ElementType::F32 ? static_cast<const void*>(docs.data()) : half.data(),
                                                off.back(), dim, off.data(), nd);
      const double s = secondsPerCall(5, [&] { coll->scoreMatrix(qs.data(), qoff.data(), nq, out.data()); });
      std::vector<uint32_t> ids(nq * 10);
      std::vector<float> top(nq * 10);
      const double sk = secondsPerCall(5, [&] { coll->topK(qs.data(), qoff.data(), nq, 10, ids.data(), top.data()); });
      const double flops = 2.0 * nq * qt * double(nd) * nt * dim;
      const double peak = t == ElementType::F32 ? peaks.tf32 : peaks.half;
      std::printf("bench maxsim %s: 64 queries x 32 tokens vs 10k docs x 128 tokens, dim 128: scoreMatrix %.2f ms/batch "
                  "(%.1f TFLOP/s = %.1f%% of %.0f), topK(10) %.2f ms/batch (%.0f queries/s)\n",
                  elementTypeName(t), s * 1e3, flops / s / 1e12, peak > 0 ? 100 * flops / s / 1e12 / peak : 0.0, peak,
                  sk * 1e3, nq / sk);
    }
  }
  {
    // PQ: 50k docs x 128 tokens, M = 16 (dim 128, 8-bit codes: 16 B per token).
    const uint32_t dim = 128, M = 16, nd = 50000, nt = 128;
    std::vector<uint32_t> off(nd + 1);
    for (uint32_t i = 0; i <= nd; ++i) off[i] = i * nt;
    std::vector<uint8_t> codes(size_t(nd) * nt * M);
    uint64_t x = 88172645463325252ull;
    for (auto& c : codes) x ^= x << 13, x ^= x >> 7, x ^= x << 17, c = uint8_t(x >> 56);
    std::vector<float> codebook(size_t(M) * 256 * (dim / M));
    fastFill(codebook);
    auto coll = gpu::DevicePqCollection::upload(0, dim, M, codebook.data(), nullptr, codes.data(), off.back(), off.data(), nd);
    for (uint32_t nq : {1u, 16u}) {
      const uint32_t qt = 32;
      std::vector<uint32_t> qoff(nq + 1);
      for (uint32_t i = 0; i <= nq; ++i) qoff[i] = i * qt;
      std::vector<float> qs(size_t(nq) * qt * dim);
      fastFill(qs);
      std::vector<uint32_t> ids(nq * 10);
      std::vector<float> top(nq * 10);
      const double s = secondsPerCall(5, [&] { coll->topK(qs.data(), qoff.data(), nq, 10, ids.data(), top.data()); });
      const double bytes = double(nq) * codes.size();  // each query scans every code once
      const double lookups = double(nq) * qt * double(nd) * nt * M;
      std::printf("bench pq codes scan: %u queries x 32 tokens vs 50k docs x 128 tokens (M 16, %.0f MB of codes): "
                  "%.2f ms/batch, %.0f GB/s of codes scanned = %.1f%% of HBM, %.0f G LUT lookups/s\n",
                  nq, codes.size() / 1e6, s * 1e3, bytes / s / 1e9, hbm > 0 ? 100 * bytes / s / 1e9 / hbm : 0.0,
                  lookups / s / 1e9);
    }
  }
  {
    // FDE scan: 40k vectors of dimension 10240.
    const uint32_t dim = 10240;
    const size_t n = 40000;
    std::vector<float> vecs(n * dim);
    fastFill(vecs);
    for (ElementType t : {ElementType::F16, ElementType::F32}) {
      std::vector<uint16_t> half(t == ElementType::F16 ? vecs.size() : 0);
      for (size_t i = 0; i < half.size(); ++i) half[i] = floatToHalf(vecs[i]);
      auto coll = gpu::DeviceFdeCollection::upload(0, t, t == ElementType::F16 ? static_cast<const void*>(half.data()) : vecs.data(),
                                                   n, dim);
      const double docBytes = double(n) * dim * (t == ElementType::F16 ? 2 : 4);
      // f16 batches of 2-64 queries read the vectors once (tensor cores); f32, and single f16
      // queries, once per 8 queries. "collection read at" is vector bytes / time per call.
      for (size_t nq : {size_t(1), size_t(8), size_t(16), size_t(64), size_t(128)}) {
        std::vector<float> qs(nq * dim);
        fastFill(qs);
        std::vector<uint32_t> ids(nq * 100);
        std::vector<float> top(nq * 100);
        const double s = secondsPerCall(5, [&] { coll->topK(qs.data(), nq, 100, ids.data(), top.data()); });
        const size_t passes = t == ElementType::F16 && nq > 1 ? (nq + 63) / 64 : (nq + 7) / 8;
        std::printf("bench fde scan %s: %zu queries vs 40k x 10240 (%.2f GB): topK(100) %.3f ms, collection read at "
                    "%.0f GB/s = %.1f%% of HBM; %zu pass(es) over the vectors: %.1f%% of HBM\n",
                    elementTypeName(t), nq, docBytes / 1e9, s * 1e3, docBytes / s / 1e9,
                    hbm > 0 ? 100 * docBytes / s / 1e9 / hbm : 0.0, passes,
                    hbm > 0 ? 100 * docBytes * passes / s / 1e9 / hbm : 0.0);
      }
      // The per-call floor (query upload, launches, top-k, result copy, stream sync): the same call
      // over 1,000 vectors, whose scan takes microseconds.
      auto small = gpu::DeviceFdeCollection::upload(0, t, t == ElementType::F16 ? static_cast<const void*>(half.data()) : vecs.data(),
                                                    1000, dim);
      std::vector<float> q1(dim);
      fastFill(q1);
      std::vector<uint32_t> ids(100);
      std::vector<float> top(100);
      const double floor = secondsPerCall(20, [&] { small->topK(q1.data(), 1, 100, ids.data(), top.data()); });
      std::printf("bench fde scan %s: per-call floor (1 query vs 1k vectors) %.3f ms\n", elementTypeName(t), floor * 1e3);
    }
  }
}


int main(int argc, char** argv) {
  // --bench: tests, then benchmarks; --bench-only: benchmarks alone (for profilers)
  const bool benchOnly = argc > 1 && std::strcmp(argv[1], "--bench-only") == 0;
  const bool runBench = benchOnly || (argc > 1 && std::strcmp(argv[1], "--bench") == 0);
  const auto devs = gpu::devices();
  if (!gpu::built() || devs.empty()) {
    std::printf("skipped: %s\n", gpu::built() ? "no CUDA device" : "built without CUDA");
    std::printf("0 passed, 0 failed\n");
    return 0;
  }
  for (const auto& d : devs)
    std::printf("device %d: %s, sm_%d%d, %.1f GiB\n", d.index, d.name.c_str(), d.major, d.minor, d.totalMemory / 1073741824.0);
  try {
    // CHECK_QUICK: the f16 query-range and FDE tests alone (for compute-sanitizer runs).
    if (std::getenv("CHECK_QUICK")) {
      testMaxsimF16QueryRange();
      testFde();
      testFdeWide();
    } else if (!benchOnly) {
      testMaxsim();
      testMaxsimShapes();
      testMaxsimF16QueryRange();
      testPq();
      testFde();
      testFdeWide();
      testTopKStress();
      testErrors();
    }
    if (runBench) bench();
  } catch (const Error& e) {
    check(false, std::string("unexpected error ") + e.code() + ": " + e.what());
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
