// Element-wise token storage: every token is encoded on its own (no codec to train) and scored
// by the dispatched fused MaxSim kernels of native/kernels (kernelsFor(activeSimdLevel())).
//
// layout per segment (CodeSegments): primary = codes (capacity, tokenBytes(type, dim)) bytes,
//   row-major; secondary, int8 only = scales (capacity) f32, value = code * scale.
#pragma once
#include <vector>

#include "../kernels/kernels.h"
#include "code_segments.h"
#include "token_store.h"

namespace maxsim::mvindex {

class DenseTokenStore : public SegmentedTokenStore {
 public:
  DenseTokenStore(uint32_t dim, ElementType type);

  ElementType elementType() const { return type_; }
  double bytesPerToken() const override;
  void encode(const TokenRange& r, const float* rows) override;
  void copyFrom(const TokenStore& src, const TokenRange& from, const TokenRange& to) override;
  void decode(const TokenRange& r, float* out) const override;
  std::unique_ptr<ScoringQuery> prepare(const float* query, uint32_t nq) const override;
  float score(const ScoringQuery& q, const TokenRange& r, bool* nonFinite) const override;
  void saveCodec(FileWriter&) const override {}
  void loadCodec(FileReader&) override {}

 protected:
  // The element conversions, n rows at a time.
  virtual void encodeRows(const float* in, size_t n, uint8_t* codes, float* scales) const = 0;
  virtual void decodeRows(const uint8_t* codes, const float* scales, size_t n, float* out) const = 0;
  size_t codeBytes() const { return codeBytes_; }

 private:
  // The int8 scales live in the segments' secondary array (4 bytes a row).
  const uint8_t* codesAt(const TokenRange& r) const { return rows_.primary(r); }
  const float* scalesAt(const TokenRange& r) const {
    return hasScales_ ? reinterpret_cast<const float*>(rows_.secondary(r)) : nullptr;
  }

  ElementType type_;
  size_t codeBytes_;
  bool hasScales_;
};

class F32TokenStore final : public DenseTokenStore {
 public:
  explicit F32TokenStore(uint32_t dim) : DenseTokenStore(dim, ElementType::F32) {}
  StorageKind kind() const override { return StorageKind::F32; }
  std::unique_ptr<TokenStore> emptyClone() const override { return std::make_unique<F32TokenStore>(dim_); }
 protected:
  void encodeRows(const float* in, size_t n, uint8_t* codes, float* scales) const override;
  void decodeRows(const uint8_t* codes, const float* scales, size_t n, float* out) const override;
};

class F16TokenStore final : public DenseTokenStore {
 public:
  explicit F16TokenStore(uint32_t dim) : DenseTokenStore(dim, ElementType::F16) {}
  StorageKind kind() const override { return StorageKind::F16; }
  std::unique_ptr<TokenStore> emptyClone() const override { return std::make_unique<F16TokenStore>(dim_); }
 protected:
  void encodeRows(const float* in, size_t n, uint8_t* codes, float* scales) const override;
  void decodeRows(const uint8_t* codes, const float* scales, size_t n, float* out) const override;
};

class Bf16TokenStore final : public DenseTokenStore {
 public:
  explicit Bf16TokenStore(uint32_t dim) : DenseTokenStore(dim, ElementType::BF16) {}
  StorageKind kind() const override { return StorageKind::BF16; }
  std::unique_ptr<TokenStore> emptyClone() const override { return std::make_unique<Bf16TokenStore>(dim_); }
 protected:
  void encodeRows(const float* in, size_t n, uint8_t* codes, float* scales) const override;
  void decodeRows(const uint8_t* codes, const float* scales, size_t n, float* out) const override;
};

// Symmetric per-token int8 (scale = max|x| / 127).
class Int8TokenStore final : public DenseTokenStore {
 public:
  explicit Int8TokenStore(uint32_t dim) : DenseTokenStore(dim, ElementType::Int8) {}
  StorageKind kind() const override { return StorageKind::Int8; }
  std::unique_ptr<TokenStore> emptyClone() const override { return std::make_unique<Int8TokenStore>(dim_); }
 protected:
  void encodeRows(const float* in, size_t n, uint8_t* codes, float* scales) const override;
  void decodeRows(const uint8_t* codes, const float* scales, size_t n, float* out) const override;
};

// Sign bits (x > 0), scored as dim - 2 * hamming; decodes to +1 / -1 per dimension, the vectors
// whose dot products those scores are.
class BinaryTokenStore final : public DenseTokenStore {
 public:
  explicit BinaryTokenStore(uint32_t dim) : DenseTokenStore(dim, ElementType::Binary) {}
  StorageKind kind() const override { return StorageKind::Binary; }
  std::unique_ptr<TokenStore> emptyClone() const override { return std::make_unique<BinaryTokenStore>(dim_); }
 protected:
  void encodeRows(const float* in, size_t n, uint8_t* codes, float* scales) const override;
  void decodeRows(const uint8_t* codes, const float* scales, size_t n, float* out) const override;
};

}  // namespace maxsim::mvindex
