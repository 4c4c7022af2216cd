// The codec-based storage forms. Both learn a codec from a sample of tokens -- the first add()
// batch (pooled as it will be stored) or an explicit train() -- and then keep only codes.
//
//  * PqTokenStore ('pq'): ProductQuantizer codes (native/quant/product_quantizer.h), no OPQ.
//      layout per segment: codes (capacity, codeSize) u8 -- 8-bit: (rows, M), byte m = sub-space m;
//      4-bit: (rows, ceil(M/2)), two sub-spaces per byte (low nibble first).
//    Scored per query with one ADC table per query row, regrouped into a byte table
//    (PqMaxsimQuery, native/quant/pq_maxsim.h): no decoding at search time.
//  * ResidualTokenStore ('residual'): ColBERTv2 residual codes (native/quant/residual_codec.h).
//      layout per segment: ids (capacity) u32; residuals (capacity, ceil(dim·nbits/8)) u8.
//    Scored by the WARP-style table path (ResidualMaxsimQuery): centroid scores + a byte table,
//    see docs/multi-vector-index.md for the measurement that picked it over decode + f32 kernel.
//
// Tiny collections: training never refuses a small sample. k-means runs with allowFewer, so a
// sample of n tokens trains min(n, k) centroids (PQ repeats centroids to fill its 2^nbits table).
// The codec is fixed once trained: a codec learned from a handful of tokens stays that coarse,
// so train() on a representative sample first when the first batch is small.
#pragma once
#include <memory>

#include "../quant/product_quantizer.h"
#include "../quant/residual_codec.h"
#include "code_segments.h"
#include "token_store.h"

namespace maxsim::mvindex {

// M used when pqSubspaces is 0: the divisor of dim nearest dim / 4 (ties: the larger), so an
// 8-bit code is about a byte per four dimensions -- 25 for GloVe's 100, 32 for ColBERT's 128.
uint32_t defaultPqSubspaces(uint32_t dim);
// ColBERTv2's centroid count for n training tokens, 2^floor(log2(16 sqrt(n))), clamped to
// min(n, 65536) / 32 (k-means samples at most 65,536 tokens, 32 per centroid); at least 1.
uint32_t defaultResidualCentroids(size_t n);

class PqTokenStore final : public SegmentedTokenStore {
 public:
  PqTokenStore(uint32_t dim, const CodecOptions& options);

  StorageKind kind() const override { return StorageKind::PQ; }
  double bytesPerToken() const override { return double(codeSize()); }
  size_t codecBytes() const override;
  bool trained() const override { return pq_ != nullptr; }
  void train(const float* rows, size_t n) override;
  TokenRange reserve(uint32_t count) override;
  void encode(const TokenRange& r, const float* rows) override;
  void copyFrom(const TokenStore& src, const TokenRange& from, const TokenRange& to) override;
  void decode(const TokenRange& r, float* out) const override;
  std::unique_ptr<ScoringQuery> prepare(const float* query, uint32_t nq) const override;
  float score(const ScoringQuery& q, const TokenRange& r, bool* nonFinite) const override;
  std::unique_ptr<TokenStore> emptyClone() const override;
  void saveCodec(FileWriter& w) const override;
  void loadCodec(FileReader& r) override;
  void loadRows(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep) override;

 private:
  size_t codeSize() const { return bits_ == 8 ? M_ : (M_ + 1) / 2; }
  uint32_t M_, bits_;
  std::shared_ptr<const quant::ProductQuantizer> pq_;  // shared with compaction's clone
};

class ResidualTokenStore final : public SegmentedTokenStore {
 public:
  ResidualTokenStore(uint32_t dim, const CodecOptions& options);

  StorageKind kind() const override { return StorageKind::Residual; }
  double bytesPerToken() const override { return 4.0 + double(residualBytes()); }
  size_t codecBytes() const override;
  bool trained() const override { return codec_ != nullptr; }
  void train(const float* rows, size_t n) override;
  TokenRange reserve(uint32_t count) override;
  void encode(const TokenRange& r, const float* rows) override;
  void copyFrom(const TokenStore& src, const TokenRange& from, const TokenRange& to) override;
  void decode(const TokenRange& r, float* out) const override;
  std::unique_ptr<ScoringQuery> prepare(const float* query, uint32_t nq) const override;
  float score(const ScoringQuery& q, const TokenRange& r, bool* nonFinite) const override;
  std::unique_ptr<TokenStore> emptyClone() const override;
  void saveCodec(FileWriter& w) const override;
  void loadCodec(FileReader& r) override;
  void loadRows(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep) override;

 private:
  size_t residualBytes() const { return (size_t(dim_) * bits_ + 7) / 8; }
  uint32_t bits_, centroids_;
  std::shared_ptr<const quant::ResidualCodec> codec_;
  // rows_: primary = centroid ids u32, secondary = packed residuals
};

}  // namespace maxsim::mvindex
