#include "pq_maxsim.h"

#include <algorithm>
#include <limits>
#include <string>

#include "../core/error.h"
#include "../core/thread_pool.h"
#include "../kernels/kernels.h"
#include "../scoring/token_matrix.h"
#include "../scoring/topk.h"
#include "quant_kernels.h"

namespace maxsim::quant {
namespace {

void checkQuery(const ProductQuantizer& pq, const float* query, uint32_t nq) {
  if (nq == 0) throw Error(codes::kEmptyQuery, "query has no tokens");
  checkFinite(query, size_t(nq) * pq.dim(), "query");
}

size_t grainFor(size_t ndocs) {
  const size_t g = ndocs / (size_t(threadCount()) * 16);
  return std::max<size_t>(1, std::min<size_t>(256, g));
}

}  // namespace

void byteLutMaxsimRange(const ByteLut& lut, const uint8_t* codes, const uint32_t* offsets, size_t docBegin, size_t docEnd,
                        const float* base, const uint32_t* baseIdx, float* out) {
  const QuantKernels& kt = activeQuantKernels();
  for (size_t d = docBegin; d < docEnd; ++d) {
    const uint32_t b = offsets[d], e = offsets[d + 1];
    out[d - docBegin] = kt.lutMaxsim(lut.table.data(), lut.nbytes, lut.qpad, lut.nq, codes + size_t(b) * lut.nbytes, e - b,
                                     base, baseIdx ? baseIdx + b : nullptr);
  }
}

void byteLutMaxsimBatch(const ByteLut& lut, const uint8_t* codes, const uint32_t* offsets, size_t ndocs, const float* base,
                        const uint32_t* baseIdx, float* out) {
  parallelFor(ndocs, grainFor(ndocs), [&](size_t b, size_t e) {
    byteLutMaxsimRange(lut, codes, offsets, b, e, base, baseIdx, out + b);
  });
}

PqMaxsimQuery::PqMaxsimQuery(const ProductQuantizer& pq, const float* query, uint32_t nq) {
  checkQuery(pq, query, nq);
  const uint32_t M = pq.M(), ks = pq.ksub();
  lut_.nbytes = uint32_t(pq.codeSize());
  lut_.nq = nq;
  lut_.qpad = padQueryRows(nq);
  lut_.table.assign(size_t(lut_.nbytes) * 256 * lut_.qpad, 0.f);
  std::vector<float> one(size_t(M) * ks);
  for (uint32_t i = 0; i < nq; ++i) {
    pq.computeLut(query + size_t(i) * pq.dim(), Metric::InnerProduct, one.data());
    for (uint32_t b = 0; b < lut_.nbytes; ++b)
      for (uint32_t v = 0; v < 256; ++v) {
        float s;
        if (pq.nbits() == 8) s = one[size_t(b) * 256 + v];
        else {
          s = one[size_t(2 * b) * 16 + (v & 15)];
          if (2 * b + 1 < M) s += one[size_t(2 * b + 1) * 16 + (v >> 4)];
        }
        lut_.table[(size_t(b) * 256 + v) * lut_.qpad + i] = s;
      }
  }
}

float PqMaxsimQuery::score(const uint8_t* codes, uint32_t ntok) const {
  return activeQuantKernels().lutMaxsim(lut_.table.data(), lut_.nbytes, lut_.qpad, lut_.nq, codes, ntok, nullptr, nullptr);
}

PqFastScanMaxsimQuery::PqFastScanMaxsimQuery(const ProductQuantizer& pq, const float* query, uint32_t nq)
    : nq_(nq), rows_(fastScanRows(pq.M())) {
  checkQuery(pq, query, nq);
  luts_.resize(size_t(nq) * rows_ * 32);
  scale_.resize(nq);
  bias_.resize(nq);
  for (uint32_t i = 0; i < nq; ++i) {
    FastScanLut l = fastScanLut(pq, query + size_t(i) * pq.dim(), Metric::InnerProduct);
    std::copy(l.table.begin(), l.table.end(), luts_.begin() + size_t(i) * rows_ * 32);
    scale_[i] = l.scale;
    bias_[i] = l.bias;
  }
}

float PqFastScanMaxsimQuery::scoreRange(const uint8_t* packed, size_t tb, size_t te, uint16_t* runMax) const {
  if (te <= tb) return -std::numeric_limits<float>::infinity();
  const QuantKernels& kt = activeQuantKernels();
  std::fill(runMax, runMax + size_t(nq_) * 32, uint16_t(0));
  for (size_t blk = tb / 32; blk <= (te - 1) / 32; ++blk) {
    const size_t lo = std::max(tb, blk * 32) - blk * 32, hi = std::min(te, blk * 32 + 32) - blk * 32;
    const uint32_t mask = uint32_t(((hi == 32 ? 0x100000000ull : (1ull << hi)) - (1ull << lo)));
    kt.fastscanMaxUpdate(packed + blk * rows_ * 32, rows_, luts_.data(), nq_, mask, runMax);
  }
  float total = 0.f;
  for (uint32_t i = 0; i < nq_; ++i) {
    const uint16_t* r = runMax + size_t(i) * 32;
    uint16_t m = 0;
    for (int v = 0; v < 32; ++v) m = std::max(m, r[v]);
    total += float(m) / scale_[i] + bias_[i];
  }
  return total;
}

float pqMaxsimOne(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* codes, uint32_t ntok) {
  return PqMaxsimQuery(pq, query, nq).score(codes, ntok);
}

void pqMaxsimBatch(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* codes,
                   const uint32_t* offsets, size_t ndocs, float* out) {
  PqMaxsimQuery q(pq, query, nq);
  byteLutMaxsimBatch(q.lut(), codes, offsets, ndocs, nullptr, nullptr, out);
}

size_t pqMaxsimTopK(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* codes,
                    const uint32_t* offsets, size_t ndocs, size_t k, uint32_t* outIndex, float* outScore) {
  std::vector<float> scores(ndocs);
  pqMaxsimBatch(pq, query, nq, codes, offsets, ndocs, scores.data());
  return selectTopK(scores.data(), ndocs, k, outIndex, outScore);
}

void pqMaxsimFastScanBatch(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* packed,
                           const uint32_t* offsets, size_t ndocs, float* out) {
  if (pq.nbits() != 4) throw Error(codes::kInvalidArgument, "fast-scan MaxSim needs a 4-bit PQ (nbits = 4)");
  PqFastScanMaxsimQuery q(pq, query, nq);
  parallelFor(ndocs, grainFor(ndocs), [&](size_t b, size_t e) {
    std::vector<uint16_t> scratch(size_t(nq) * 32);
    for (size_t d = b; d < e; ++d) out[d] = q.scoreRange(packed, offsets[d], offsets[d + 1], scratch.data());
  });
}

size_t pqMaxsimFastScanTopK(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* packed,
                            const uint32_t* offsets, size_t ndocs, size_t k, uint32_t* outIndex, float* outScore) {
  std::vector<float> scores(ndocs);
  pqMaxsimFastScanBatch(pq, query, nq, packed, offsets, ndocs, scores.data());
  return selectTopK(scores.data(), ndocs, k, outIndex, outScore);
}

}  // namespace maxsim::quant
