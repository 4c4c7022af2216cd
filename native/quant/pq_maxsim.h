// MaxSim of an f32 query against documents stored as PQ codes, without decoding them:
//   score(Q, D) = Σ_i max_j Σ_m LUT_i[m][code_jm]      (inner product ADC, one LUT per query row)
// Query rows are never quantized. Documents follow the usual convention: document d is code
// rows offsets[d] .. offsets[d+1] (n + 1 prefix sums); a document with no tokens scores -inf.
//
// Two paths:
//  * byte LUT (8-bit PQ, or flat 4-bit PQ): the per-row LUTs are regrouped into one table
//    (codeSize, 256, qpad) f32 -- for 4-bit codes each byte holds two sub-quantizers, whose
//    entries are pre-added, so both cost one lookup per code byte. The qpad query rows of a
//    (byte, value) pair are contiguous, so one document token updates all rows with vector adds.
//  * fast-scan (4-bit PQ, packed layout of fastscan.h over all tokens of all documents): u8
//    LUTs, vpshufb, u16 running maxima; score = Σ_i max_j acc_ij / scale_i + bias_i.
//
// The prepared-query classes are the building blocks for an index that stores tokens as PQ
// codes: prepare once per query, then score any document range, from any thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fastscan.h"
#include "product_quantizer.h"

namespace maxsim::quant {

// Byte-LUT MaxSim machinery shared with the residual codec.
struct ByteLut {
  uint32_t nbytes = 0, nq = 0, qpad = 0;
  std::vector<float> table;  // layout: (nbytes, 256, qpad), zero in padded rows
};
// Scores documents [docBegin, docEnd) of a batch: codes (rows, lut.nbytes); base/baseIdx as in
// QuantKernels::lutMaxsim (may be null). out[d - docBegin]. Runs on the calling thread.
void byteLutMaxsimRange(const ByteLut& lut, const uint8_t* codes, const uint32_t* offsets, size_t docBegin, size_t docEnd,
                        const float* base, const uint32_t* baseIdx, float* out);
// The same over all ndocs, in parallel over documents.
void byteLutMaxsimBatch(const ByteLut& lut, const uint8_t* codes, const uint32_t* offsets, size_t ndocs, const float* base,
                        const uint32_t* baseIdx, float* out);

class PqMaxsimQuery {
 public:
  // query: (nq, pq.dim()) f32. Throws ERR_EMPTY_QUERY / ERR_NON_FINITE.
  PqMaxsimQuery(const ProductQuantizer& pq, const float* query, uint32_t nq);
  // One document: codes (ntok, pq.codeSize()).
  float score(const uint8_t* codes, uint32_t ntok) const;
  const ByteLut& lut() const { return lut_; }

 private:
  ByteLut lut_;
};

class PqFastScanMaxsimQuery {
 public:
  PqFastScanMaxsimQuery(const ProductQuantizer& pq, const float* query, uint32_t nq);
  // One document = packed tokens [tokBegin, tokEnd). scratch: at least nq·32 u16.
  float scoreRange(const uint8_t* packed, size_t tokBegin, size_t tokEnd, uint16_t* scratch) const;
  uint32_t nq() const { return nq_; }

 private:
  uint32_t nq_, rows_;
  std::vector<uint8_t> luts_;      // layout: (nq, rows, 32)
  std::vector<float> scale_, bias_;  // per query row
};

float pqMaxsimOne(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* codes, uint32_t ntok);
// codes: (offsets[ndocs], pq.codeSize()). out[ndocs].
void pqMaxsimBatch(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* codes,
                   const uint32_t* offsets, size_t ndocs, float* out);
size_t pqMaxsimTopK(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* codes,
                    const uint32_t* offsets, size_t ndocs, size_t k, uint32_t* outIndex, float* outScore);

// packed: fastScanPackedBytes(offsets[ndocs], pq.M()) bytes (packFastScan of all tokens).
void pqMaxsimFastScanBatch(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* packed,
                           const uint32_t* offsets, size_t ndocs, float* out);
size_t pqMaxsimFastScanTopK(const ProductQuantizer& pq, const float* query, uint32_t nq, const uint8_t* packed,
                            const uint32_t* offsets, size_t ndocs, size_t k, uint32_t* outIndex, float* outScore);

}  // namespace maxsim::quant
