// Standalone kernel check (no Node): every kernel table this CPU supports against the scalar
// table, on random shapes. Used to test the NEON kernels on arm64 (natively or under qemu) and
// runnable on any machine:  scripts/check-kernels.sh [cross-compiler prefix]
#include <cmath>
#include <limits>
#include <cstdio>
#include <random>
#include <vector>

#include "../core/cpu_features.h"
#include "../kernels/kernels.h"
#include "../mvindex/ward_kernels.h"

using namespace maxsim;

static int failures = 0;

static void expect(bool ok, const char* what, const char* table, uint32_t dim, uint32_t nq, uint32_t nt, double a, double b) {
  if (!ok) {
    ++failures;
    std::printf("FAIL %s [%s] dim=%u nq=%u ntok=%u: %.6f vs %.6f\n", what, table, dim, nq, nt, a, b);
  }
}

int main() {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  const KernelTable& ref = *scalarKernels();
  std::vector<const KernelTable*> tables;
  for (SimdLevel l : {SimdLevel::Neon, SimdLevel::Avx2, SimdLevel::Avx512}) {
    const KernelTable& t = kernelsFor(l);
    if (&t != &ref) tables.push_back(&t);
  }
  std::printf("tables:");
  for (auto* t : tables) std::printf(" %s", t->name);
  std::printf(" (vs scalar)\n");
  int cases = 0;
  for (uint32_t dim : {1u, 3u, 17u, 96u, 128u, 130u}) {
    for (uint32_t nq : {1u, 16u, 33u}) {
      for (uint32_t nt : {0u, 1u, 7u, 25u, 130u}) {
        std::vector<float> q(size_t(nq) * dim), d(size_t(nt) * dim);
        for (auto& x : q) x = u(rng);
        for (auto& x : d) x = u(rng);
        std::vector<uint16_t> h(d.size()), b(d.size());
        std::vector<int8_t> c(d.size());
        std::vector<float> sc(nt);
        std::vector<uint8_t> bits(size_t(nt) * tokenBytes(ElementType::Binary, dim));
        ref.f32ToF16(d.data(), h.data(), d.size());
        ref.f32ToBf16(d.data(), b.data(), d.size());
        ref.quantizeInt8Rows(d.data(), nt, dim, c.data(), sc.data());
        ref.binarizeRows(d.data(), nt, dim, bits.data());
        const void* docs[kElementTypeCount] = {d.data(), h.data(), b.data(), c.data(), bits.data()};
        for (int ty = 0; ty < kElementTypeCount; ++ty) {
          PreparedQuery pr;
          ref.prepare[ty](q.data(), nq, dim, pr);
          bool nf = false;
          const float want = ref.score[ty](pr, docs[ty], sc.data(), nt, &nf);
          for (auto* t : tables) {
            PreparedQuery pt;
            t->prepare[ty](q.data(), nq, dim, pt);
            const float got = t->score[ty](pt, docs[ty], sc.data(), nt, &nf);
            const double tol = ty == int(ElementType::BF16) ? 0.02 * nq * std::sqrt(double(dim)) : 1e-4 * nq * dim;
            const bool ok = (nt == 0) ? std::isinf(got) && got < 0 : std::fabs(double(got) - want) <= tol;
            expect(ok, elementTypeName(ElementType(ty)), t->name, dim, nq, nt, got, want);
            ++cases;
          }
        }
        // Single-vector primitives and conversions.
        if (nt > 0) {
          for (auto* t : tables) {
            expect(std::fabs(t->dotF32(q.data(), d.data(), dim) - ref.dotF32(q.data(), d.data(), dim)) <= 1e-4 * dim, "dotF32", t->name, dim, nq, nt, 0, 0);
            expect(std::fabs(t->l2sqF32(q.data(), d.data(), dim) - ref.l2sqF32(q.data(), d.data(), dim)) <= 1e-4 * dim, "l2sqF32", t->name, dim, nq, nt, 0, 0);
            expect(t->dotI8(c.data(), c.data(), dim) == ref.dotI8(c.data(), c.data(), dim), "dotI8", t->name, dim, nq, nt, 0, 0);
            std::vector<uint16_t> h2(d.size());
            t->f32ToF16(d.data(), h2.data(), d.size());
            expect(h2 == h, "f32ToF16", t->name, dim, nq, nt, 0, 0);
          }
        }
      }
    }
  }
  // int8 codes: every table's quantizeInt8Rows equals the scalar one's byte for byte, including
  // rows of subnormals, whose 127 / max|x| would overflow to infinity without care.
  // Rows the kernels must route like the reference: NaN or infinity anywhere (the last value
  // of a ragged end too) gives codes 0 and a NaN scale; exact halves round to even; the
  // largest value sitting in the ragged end; negative extremes.
  for (uint32_t dim : {1u, 3u, 8u, 15u, 17u, 100u, 131u}) {
    const uint32_t rows = 7;
    std::vector<float> x(size_t(rows) * dim);
    for (auto& v : x) v = u(rng);
    x[dim - 1] = std::numeric_limits<float>::quiet_NaN();            // row 0: NaN last
    x[dim + (dim - 1) / 2] = -std::numeric_limits<float>::infinity();  // row 1: -inf inside
    for (uint32_t c = 0; c < dim; ++c) x[2 * dim + c] = float(c % 5) - 2.5f;  // row 2: halves
    x[2 * dim] = 127.f;                                                 // so 127 / maxAbs = 1
    x[4 * dim - 1] = -50.f;                                             // row 3: max |x| last
    for (uint32_t c = 0; c < dim; ++c) x[4 * dim + c] = -1e38f;         // row 4: all -1e38
    x[5 * dim + dim / 3] = 3e38f;                                       // row 5: a huge value
    std::vector<int8_t> want(x.size()), got(x.size());
    std::vector<float> ws(rows), gs(rows);
    ref.quantizeInt8Rows(x.data(), rows, dim, want.data(), ws.data());
    expect(std::isnan(ws[0]) && std::isnan(ws[1]) && ws[2] == 1.f, "quantizeInt8Rows edge rows", "scalar", dim, 0, rows, 0, 0);
    for (auto* t : tables) {
      std::fill(got.begin(), got.end(), int8_t(99));
      t->quantizeInt8Rows(x.data(), rows, dim, got.data(), gs.data());
      expect(got == want && std::memcmp(gs.data(), ws.data(), rows * sizeof(float)) == 0, "quantizeInt8Rows edge rows",
             t->name, dim, 0, rows, 0, 0);
      ++cases;
    }
  }
  for (uint32_t dim : {1u, 5u, 16u, 100u, 131u}) {
    const uint32_t rows = 4;
    std::vector<float> x(size_t(rows) * dim);
    for (auto& v : x) v = u(rng);
    for (uint32_t c = 0; c < dim; ++c) {
      x[dim + c] *= 1e-39f;      // a row of subnormals
      x[2 * dim + c] *= 1e-30f;  // tiny but normal
      x[3 * dim + c] = 0.f;      // all zero
    }
    std::vector<int8_t> want(x.size()), got(x.size());
    std::vector<float> ws(rows), gs(rows);
    ref.quantizeInt8Rows(x.data(), rows, dim, want.data(), ws.data());
    bool spread = false;  // the subnormal row keeps its shape: not every code at ±127
    for (uint32_t c = 0; c < dim; ++c) spread |= std::abs(int(want[dim + c])) != 127;
    expect(dim < 5 || spread, "quantizeInt8Rows subnormal row", "scalar", dim, 0, rows, 0, 0);
    for (auto* t : tables) {
      t->quantizeInt8Rows(x.data(), rows, dim, got.data(), gs.data());
      expect(got == want && gs == ws, "quantizeInt8Rows", t->name, dim, 0, rows, 0, 0);
      ++cases;
    }
  }

  // Token pooling's 8-bit path: every build's merges equal the scalar build's bit for bit (the
  // integer Gram is exact), including the AVX-512BW build, which a VNNI CPU never picks.
  {
    using namespace maxsim::mvindex;
    const CpuFeatures& f = detectedFeatures();
    std::vector<std::pair<const char*, const PoolingKernels*>> pools;
    if (f.hasAvx2Level() && poolingKernelsAvx2()) pools.push_back({"avx2", poolingKernelsAvx2()});
    if (f.hasAvx512Level() && poolingKernelsAvx512()) pools.push_back({"avx512", poolingKernelsAvx512()});
    if (f.hasAvx512Level() && f.avx512vnni && poolingKernelsAvx512Vnni()) pools.push_back({"avx512_vnni", poolingKernelsAvx512Vnni()});
    const PoolingKernels& plain = *poolingKernelsScalar();
    const auto mergesOf = [](const PoolingKernels& k, const std::vector<int8_t>& codes, uint32_t n, uint32_t dim) {
      const uint32_t padded = wardPaddedLen(n);
      std::vector<float> scratch(wardInt8ScratchFloats(n, dim)), dist(wardDistFloats(n)), size(n, 1.f), mask(padded), nnDist(padded);
      std::vector<uint32_t> nn(padded), stale(padded), synced(n), keeps(n);
      std::vector<WardMerge> merges(n - n / 2);
      const WardBuffers buf{scratch.data(), dist.data(), size.data(), mask.data(), nnDist.data(), nn.data(), stale.data(), synced.data(), keeps.data()};
      k.wardMergesInt8(codes.data(), n, dim, n / 2, buf, merges.data());
      return merges;
    };
    // Eight draws of each shape: a Lance–Williams rounded differently (an FMA where the scalar
    // build has a product and an add) moves about one merge cost in a hundred documents by an ulp.
    for (int draw = 0; draw < 8; ++draw)
    for (uint32_t dim : {1u, 3u, 17u, 100u, 128u, 131u})
      for (uint32_t n : {2u, 7u, 17u, 40u, 127u, 130u}) {
        std::vector<float> rows(size_t(n) * dim);
        for (auto& x : rows) x = u(rng);
        const uint32_t stride = int8CodeStride(dim);
        std::vector<int8_t> want(size_t(n) * stride, 0);
        float scale;
        for (uint32_t i = 0; i < n; ++i) ref.quantizeInt8Rows(rows.data() + size_t(i) * dim, 1, dim, want.data() + size_t(i) * stride, &scale);
        const std::vector<WardMerge> wantMerges = mergesOf(plain, want, n, dim);
        for (const auto& [name, k] : pools) {
          const std::vector<WardMerge> gotMerges = mergesOf(*k, want, n, dim);
          bool same = true;
          for (size_t m = 0; m < gotMerges.size(); ++m)
            same &= gotMerges[m].a == wantMerges[m].a && gotMerges[m].b == wantMerges[m].b && gotMerges[m].cost == wantMerges[m].cost;
          expect(same, "pool wardMergesInt8", name, dim, 0, n, 0, 0);
          if (!same) for (size_t m = 0; m < gotMerges.size(); ++m) std::printf("  %zu: got %u %u %.9g want %u %u %.9g\n", m, gotMerges[m].a, gotMerges[m].b, gotMerges[m].cost, wantMerges[m].a, wantMerges[m].b, wantMerges[m].cost);
          ++cases;
        }
      }
  }
  // The float kernels' non-finite flag, in every table and tile shape: a NaN or an infinity
  // in the document sets it; large finite dots (six of 1e38) must not, though their sum
  // overflows; a score whose sum overflows (four query rows of 1e38) must. Every table
  // (the scalar one included) answers alike.
  {
    std::vector<const KernelTable*> all = tables;
    all.push_back(&ref);
    for (const KernelTable* t : all)
      for (int ty : {int(ElementType::F32), int(ElementType::F16), int(ElementType::BF16)})
        for (uint32_t dim : {3u, 16u, 130u})
          for (uint32_t nt : {1u, 6u, 30u}) {
            const bool half = ty == int(ElementType::F16);
            const float big = half ? 200.f : 1e19f;  // f16 cannot hold 1e19
            auto encode = [&](const std::vector<float>& x) {
              std::vector<uint16_t> h(x.size());
              if (ty == int(ElementType::F16)) ref.f32ToF16(x.data(), h.data(), x.size());
              if (ty == int(ElementType::BF16)) ref.f32ToBf16(x.data(), h.data(), x.size());
              return h;
            };
            auto run = [&](const std::vector<float>& qv, uint32_t nq, const std::vector<float>& dv, bool* nf) {
              const std::vector<uint16_t> h = encode(dv);
              const void* doc = ty == int(ElementType::F32) ? static_cast<const void*>(dv.data()) : h.data();
              PreparedQuery pq;
              t->prepare[ty](qv.data(), nq, dim, pq);
              *nf = false;
              return t->score[ty](pq, doc, nullptr, nt, nf);
            };
            std::vector<float> d(size_t(nt) * dim, 0.f), q1(dim, 0.f), q4(size_t(4) * dim, 0.f);
            for (uint32_t j = 0; j < nt; ++j) d[size_t(j) * dim] = big;
            q1[0] = big;
            for (uint32_t i = 0; i < 4; ++i) q4[size_t(i) * dim] = half ? 1e36f : big;
            bool nf;
            const float s = run(q1, 1, d, &nf);
            const bool largeOk = half || (!nf && std::isfinite(s) && std::fabs(s / 1e38f - 1.f) < 0.02f);
            expect(largeOk, "non-finite flag: large finite dots", t->name, dim, 1, nt, s, 1e38);
            run(q4, 4, d, &nf);
            expect(nf, "non-finite flag: overflowing sum", t->name, dim, 4, nt, 0, 0);
            for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
              std::vector<float> db(size_t(nt) * dim, 0.25f);
              db[size_t(nt - 1) * dim + dim - 1] = bad;  // the very last value; the query is zero there
              std::vector<float> qz(dim, 0.5f);
              qz[dim - 1] = 0.f;
              run(qz, 1, db, &nf);
              expect(nf, std::isnan(bad) ? "non-finite flag: NaN" : "non-finite flag: Inf", t->name, dim, 1, nt, 0, 0);
            }
            cases += 4;
          }
  }
  std::printf("%d checks, %d failures\n", cases, failures);
  std::printf("%d passed, %d failed\n", cases - failures, failures);
  return failures ? 1 : 0;
}
