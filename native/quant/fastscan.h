// 4-bit PQ fast-scan (André et al., VLDB 2015; faiss IndexPQFastScan layout).
//
// Packed layout of n codes with M sub-quantizers (M2 = M rounded up to even, rows = M2/2):
//   (ceil(n/32), rows, 32) u8 -- per block of 32 vectors, row p holds sub-quantizer 2p in
//   bytes 0..15 and 2p+1 in bytes 16..31; byte j of a half holds vector j of the block in its
//   low nibble and vector j+16 in its high nibble. Missing vectors and the pad sub-quantizer
//   of an odd M are code 0.
// Quantized LUT of one query: (rows, 32) u8 = (M2, 16) -- entry (m, c) at [16m + c]; the pad
//   sub-quantizer's row is zero. score ≈ acc / scale + bias, acc = Σ_m lut[m][code_m] in u16.
//   Scores are always "higher is better": an L2 table is negated before quantizing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "product_quantizer.h"

namespace maxsim::quant {

inline uint32_t fastScanRows(uint32_t M) { return (M + 1) / 2; }
inline size_t fastScanBlocks(size_t n) { return (n + 31) / 32; }
inline size_t fastScanPackedBytes(size_t n, uint32_t M) { return fastScanBlocks(n) * fastScanRows(M) * 32; }

// codes: (n, ceil(M/2)) flat 4-bit codes (product_quantizer.h); out: fastScanPackedBytes.
void packFastScan(const uint8_t* codes, size_t n, uint32_t M, uint8_t* out);
// The inverse (tests, re-encoding).
void unpackFastScan(const uint8_t* packed, size_t n, uint32_t M, uint8_t* codes);

struct FastScanLut {
  std::vector<uint8_t> table;  // (rows, 32)
  float bias = 0, scale = 1;
  float toScore(uint32_t acc) const { return float(acc) / scale + bias; }
};

// Quantizes a float table (M, 16) of scores to maximise: subtract each row's minimum (summed
// into bias), then one scale = 255 / (largest row span) so every entry fits u8 and any sum of
// M ≤ 256 entries fits u16.
FastScanLut quantizeLut(const float* lut, uint32_t M);
// The quantized LUT of one query for a 4-bit PQ (an L2 table is negated: higher is better).
FastScanLut fastScanLut(const ProductQuantizer& pq, const float* query, Metric metric);

// Raw u16 scores of nq queries over n packed codes. out: (nq, 32·ceil(n/32)).
void fastScanRaw(const std::vector<FastScanLut>& luts, const uint8_t* packed, size_t n, uint32_t M, uint16_t* out);

struct FastScanSearchOptions {
  // Candidates kept from the u16 scan before reranking: k · rerankFactor (at least k).
  uint32_t rerankFactor = 4;
  // Exact rescoring of a candidate for query q: returns the true score (inner product, or
  // L2 distance for Metric::L2). Empty: rerank with the float ADC table on the same codes,
  // which removes the LUT quantization error. Called from worker threads: must be pure.
  std::function<float(size_t query, uint32_t id)> rerank;
};

// Top k per query over packed 4-bit codes. Outputs (nq, k'), best first (largest inner
// product, smallest L2 distance); returns k' = min(k, n).
size_t fastScanSearch(const ProductQuantizer& pq, const float* queries, size_t nq, const uint8_t* packed, size_t n,
                      size_t k, Metric metric, const FastScanSearchOptions& opts, uint32_t* outIndex, float* outScore);

}  // namespace maxsim::quant
