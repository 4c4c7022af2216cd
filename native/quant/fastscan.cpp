#include "fastscan.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "../core/error.h"
#include "../core/thread_pool.h"
#include "../scoring/topk.h"
#include "quant_kernels.h"

namespace maxsim::quant {

void packFastScan(const uint8_t* codes, size_t n, uint32_t M, uint8_t* out) {
  const uint32_t rows = fastScanRows(M);
  const size_t cs = (M + 1) / 2;
  std::fill(out, out + fastScanPackedBytes(n, M), uint8_t(0));
  for (size_t i = 0; i < n; ++i) {
    const size_t blk = i / 32;
    const uint32_t v = uint32_t(i % 32);
    uint8_t* block = out + blk * rows * 32;
    for (uint32_t m = 0; m < M; ++m) {
      const uint8_t c = m % 2 ? codes[i * cs + m / 2] >> 4 : codes[i * cs + m / 2] & 15;
      uint8_t& byte = block[(m / 2) * 32 + (m % 2) * 16 + (v % 16)];
      byte |= v < 16 ? c : uint8_t(c << 4);
    }
  }
}

void unpackFastScan(const uint8_t* packed, size_t n, uint32_t M, uint8_t* codes) {
  const uint32_t rows = fastScanRows(M);
  const size_t cs = (M + 1) / 2;
  std::fill(codes, codes + n * cs, uint8_t(0));
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* block = packed + (i / 32) * rows * 32;
    const uint32_t v = uint32_t(i % 32);
    for (uint32_t m = 0; m < M; ++m) {
      const uint8_t byte = block[(m / 2) * 32 + (m % 2) * 16 + (v % 16)];
      const uint8_t c = v < 16 ? byte & 15 : byte >> 4;
      codes[i * cs + m / 2] |= m % 2 ? uint8_t(c << 4) : c;
    }
  }
}

FastScanLut quantizeLut(const float* lut, uint32_t M) {
  if (M > 256) throw Error(codes::kInvalidArgument, "fast-scan supports at most 256 sub-quantizers");
  FastScanLut out;
  const uint32_t rows = fastScanRows(M);
  out.table.assign(size_t(rows) * 32, 0);
  std::vector<float> mins(M);
  float maxSpan = 0.f;
  double bias = 0;
  for (uint32_t m = 0; m < M; ++m) {
    const float* r = lut + size_t(m) * 16;
    float lo = r[0], hi = r[0];
    for (int c = 1; c < 16; ++c) { lo = std::min(lo, r[c]); hi = std::max(hi, r[c]); }
    if (!std::isfinite(lo) || !std::isfinite(hi)) throw Error(codes::kNonFinite, "query gives a non-finite lookup table");
    mins[m] = lo;
    bias += lo;
    maxSpan = std::max(maxSpan, hi - lo);
  }
  out.bias = float(bias);
  out.scale = maxSpan > 0 ? 255.f / maxSpan : 1.f;
  for (uint32_t m = 0; m < M; ++m)
    for (int c = 0; c < 16; ++c) {
      const float v = std::nearbyint((lut[size_t(m) * 16 + c] - mins[m]) * out.scale);
      out.table[size_t(m) * 16 + c] = uint8_t(std::min(255.f, std::max(0.f, v)));
    }
  return out;
}

FastScanLut fastScanLut(const ProductQuantizer& pq, const float* query, Metric metric) {
  if (pq.nbits() != 4) throw Error(codes::kInvalidArgument, "fast-scan needs a 4-bit PQ (nbits = 4)");
  std::vector<float> lut(size_t(pq.M()) * 16);
  pq.computeLut(query, metric, lut.data());
  if (metric == Metric::L2)
    for (float& v : lut) v = -v;
  return quantizeLut(lut.data(), pq.M());
}

void fastScanRaw(const std::vector<FastScanLut>& luts, const uint8_t* packed, size_t n, uint32_t M, uint16_t* out) {
  const QuantKernels& kt = activeQuantKernels();
  const uint32_t rows = fastScanRows(M);
  const size_t nblocks = fastScanBlocks(n), stride = nblocks * 32, nq = luts.size();
  std::vector<uint8_t> all(nq * rows * 32);
  for (size_t q = 0; q < nq; ++q) std::copy(luts[q].table.begin(), luts[q].table.end(), all.begin() + q * rows * 32);
  // Queries in groups of 4 (one register pass on AVX-512), blocks in chunks: each work item
  // reads a chunk of codes once per group.
  constexpr size_t kGroup = 4, kChunkBlocks = 256;
  const size_t groups = (nq + kGroup - 1) / kGroup, chunks = (nblocks + kChunkBlocks - 1) / kChunkBlocks;
  parallelFor(groups * chunks, 1, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      const size_t g = t / chunks, c = t % chunks;
      const size_t q0 = g * kGroup, gq = std::min(kGroup, nq - q0);
      const size_t b0 = c * kChunkBlocks, b1 = std::min(nblocks, b0 + kChunkBlocks);
      kt.fastscanScan(packed + b0 * rows * 32, b1 - b0, rows, all.data() + q0 * rows * 32, uint32_t(gq),
                      out + q0 * stride + b0 * 32, stride);
    }
  });
}

namespace {

// The `count` largest u16 scores (ties: lower index), in no particular order. Most scores
// fail one compare against the heap's minimum, so the scan stays in integers.
void selectTopKU16(const uint16_t* s, size_t n, size_t count, uint32_t* out) {
  // min-heap on (score, -index) packed into one u64: larger key = better
  std::vector<uint64_t> heap;
  heap.reserve(count);
  auto key = [](uint16_t v, size_t i) { return (uint64_t(v) << 32) | uint64_t(0xffffffffu - uint32_t(i)); };
  std::greater<uint64_t> cmp;
  size_t i = 0;
  for (; i < n && heap.size() < count; ++i) {
    heap.push_back(key(s[i], i));
    std::push_heap(heap.begin(), heap.end(), cmp);
  }
  uint16_t floor = heap.empty() ? 0 : uint16_t(heap.front() >> 32);
  for (; i < n; ++i) {
    if (s[i] <= floor) continue;  // equal scores lose to the lower indices already kept
    std::pop_heap(heap.begin(), heap.end(), cmp);
    heap.back() = key(s[i], i);
    std::push_heap(heap.begin(), heap.end(), cmp);
    floor = uint16_t(heap.front() >> 32);
  }
  for (size_t t = 0; t < heap.size(); ++t) out[t] = 0xffffffffu - uint32_t(heap[t] & 0xffffffffu);
}

}  // namespace

size_t fastScanSearch(const ProductQuantizer& pq, const float* queries, size_t nq, const uint8_t* packed, size_t n,
                      size_t k, Metric metric, const FastScanSearchOptions& opts, uint32_t* outIndex, float* outScore) {
  const size_t kk = std::min(k, n);
  if (kk == 0) return 0;
  const size_t cand = std::min(n, std::max(kk, kk * std::max<uint32_t>(1, opts.rerankFactor)));
  const size_t stride = fastScanBlocks(n) * 32;
  constexpr size_t kBatch = 16;
  std::vector<uint16_t> raw(std::min(nq, kBatch) * stride);
  std::vector<float> floatLut(size_t(pq.M()) * 16);
  for (size_t q0 = 0; q0 < nq; q0 += kBatch) {
    const size_t bq = std::min(kBatch, nq - q0);
    std::vector<FastScanLut> luts;
    for (size_t q = 0; q < bq; ++q) luts.push_back(fastScanLut(pq, queries + (q0 + q) * pq.dim(), metric));
    fastScanRaw(luts, packed, n, pq.M(), raw.data());
    parallelFor(bq, 1, [&](size_t b, size_t e) {
      std::vector<float> lut(size_t(pq.M()) * 16);
      std::vector<uint32_t> ci(cand);
      std::vector<float> rs(cand);
      const size_t cs4 = pq.codeSize();
      for (size_t q = b; q < e; ++q) {
        const uint16_t* r = raw.data() + q * stride;
        selectTopKU16(r, n, cand, ci.data());
        // Rerank: higher is better in rs.
        if (!opts.rerank) pq.computeLut(queries + (q0 + q) * pq.dim(), metric, lut.data());
        std::vector<uint8_t> code(cs4);
        for (size_t c = 0; c < cand; ++c) {
          float v;
          if (opts.rerank) {
            v = opts.rerank(q0 + q, ci[c]);
          } else {
            const size_t i = ci[c];
            const uint8_t* block = packed + (i / 32) * fastScanRows(pq.M()) * 32;
            const uint32_t lane = uint32_t(i % 32);
            v = 0.f;
            for (uint32_t m = 0; m < pq.M(); ++m) {
              const uint8_t byte = block[(m / 2) * 32 + (m % 2) * 16 + (lane % 16)];
              v += lut[size_t(m) * 16 + (lane < 16 ? byte & 15 : byte >> 4)];
            }
          }
          rs[c] = metric == Metric::L2 ? -v : v;
        }
        std::vector<uint32_t> order(kk);
        std::vector<float> best(kk);
        selectTopK(rs.data(), cand, kk, order.data(), best.data());
        for (size_t t = 0; t < kk; ++t) {
          outIndex[(q0 + q) * kk + t] = ci[order[t]];
          outScore[(q0 + q) * kk + t] = metric == Metric::L2 ? -best[t] : best[t];
        }
      }
    });
  }
  return kk;
}

}  // namespace maxsim::quant
