// The built-in codecs: f32 (exact), f16 (half the memory, ~1e-3 relative error) and int8
// (symmetric per-vector scale, a quarter of the memory; queries are quantized the same way so
// the integer dot product runs on the VNNI / AVX2 int8 kernels).
#include "vector_codec.h"

#include <cstring>

#include "../core/error.h"
#include "../kernels/half.h"
#include "pq_codec.h"

namespace maxsim::hnsw {

const char* metricName(Metric m) {
  switch (m) {
    case Metric::L2: return "l2";
    case Metric::IP: return "ip";
    case Metric::Cosine: return "cosine";
  }
  return "?";
}

const char* storageName(StorageType s) {
  switch (s) {
    case StorageType::F32: return "f32";
    case StorageType::F16: return "f16";
    case StorageType::Int8: return "int8";
    case StorageType::Pq: return "pq";
  }
  return "?";
}

void VectorCodec::train(const float*, size_t) {
  throw Error(codes::kInvalidArgument, std::string("train() applies to storage 'pq' only, this index stores ") + storageName(type()));
}

void VectorCodec::encodeBatch(const float* v, size_t n, uint8_t* codes, size_t stride) const {
  for (size_t i = 0; i < n; ++i) encode(v + i * dim_, codes + i * stride);
}

namespace {

class F32Codec final : public VectorCodec {
 public:
  F32Codec(uint32_t dim, bool l2) : VectorCodec(dim, l2) {}
  StorageType type() const override { return StorageType::F32; }
  std::unique_ptr<VectorCodec> clone() const override { return std::make_unique<F32Codec>(*this); }
  size_t codeBytes() const override { return size_t(dim_) * 4; }
  void encode(const float* v, uint8_t* code) const override { std::memcpy(code, v, codeBytes()); }
  void decode(const uint8_t* code, float* v) const override { std::memcpy(v, code, codeBytes()); }
  QueryDistance prepare(const float* q, QueryScratch&) const override {
    QueryDistance d;
    d.kind = l2_ ? QueryDistance::Kind::F32L2 : QueryDistance::Kind::F32IP;
    d.dim = dim_;
    d.q = q;
    d.kt = &activeKernels();
    return d;
  }
  QueryDistance prepareCode(const uint8_t* code, QueryScratch& s) const override {
    return prepare(reinterpret_cast<const float*>(code), s);
  }
};

class F16Codec final : public VectorCodec {
 public:
  F16Codec(uint32_t dim, bool l2) : VectorCodec(dim, l2) {}
  StorageType type() const override { return StorageType::F16; }
  std::unique_ptr<VectorCodec> clone() const override { return std::make_unique<F16Codec>(*this); }
  size_t codeBytes() const override { return size_t(dim_) * 2; }
  void encode(const float* v, uint8_t* code) const override {
    activeKernels().f32ToF16(v, reinterpret_cast<uint16_t*>(code), dim_);
  }
  void decode(const uint8_t* code, float* v) const override {
    activeKernels().f16ToF32(reinterpret_cast<const uint16_t*>(code), v, dim_);
  }
  QueryDistance prepare(const float* q, QueryScratch&) const override {
    QueryDistance d;
    d.kind = l2_ ? QueryDistance::Kind::F16L2 : QueryDistance::Kind::F16IP;
    d.dim = dim_;
    d.q = q;
    d.kt = &activeKernels();
    return d;
  }
  QueryDistance prepareCode(const uint8_t* code, QueryScratch& s) const override {
    s.f32.reserve(size_t(dim_) * 4);
    decode(code, s.f32.as<float>());
    return prepare(s.f32.as<float>(), s);
  }
};

class Int8Codec final : public VectorCodec {
 public:
  Int8Codec(uint32_t dim, bool l2) : VectorCodec(dim, l2) {}
  StorageType type() const override { return StorageType::Int8; }
  std::unique_ptr<VectorCodec> clone() const override { return std::make_unique<Int8Codec>(*this); }
  size_t codeBytes() const override { return int8ScaleOffset(dim_) + 8; }
  void encode(const float* v, uint8_t* code) const override {
    std::memset(code, 0, codeBytes());
    float scale = 0.f;
    // The kernel table's quantizer: the reference's codes bit for bit, without its libm calls.
    activeKernels().quantizeInt8Rows(v, 1, dim_, reinterpret_cast<int8_t*>(code), &scale);
    if (!(scale == scale)) scale = 0.f;  // the caller rejected non-finite input already
    float norm2 = 0.f;
    for (uint32_t k = 0; k < dim_; ++k) {
      const float x = float(reinterpret_cast<const int8_t*>(code)[k]) * scale;
      norm2 += x * x;
    }
    std::memcpy(code + int8ScaleOffset(dim_), &scale, 4);
    std::memcpy(code + int8ScaleOffset(dim_) + 4, &norm2, 4);
  }
  void decode(const uint8_t* code, float* v) const override {
    float scale;
    std::memcpy(&scale, code + int8ScaleOffset(dim_), 4);
    for (uint32_t k = 0; k < dim_; ++k) v[k] = float(reinterpret_cast<const int8_t*>(code)[k]) * scale;
  }
  QueryDistance prepare(const float* q, QueryScratch& s) const override {
    s.i8.reserve(codeBytes());
    int8_t* codes = s.i8.as<int8_t>();
    float scale = 0.f;
    activeKernels().quantizeInt8Rows(q, 1, dim_, codes, &scale);
    if (!(scale == scale)) scale = 0.f;
    float qn = 0.f;
    for (uint32_t k = 0; k < dim_; ++k) qn += q[k] * q[k];
    QueryDistance d;
    d.kind = l2_ ? QueryDistance::Kind::I8L2 : QueryDistance::Kind::I8IP;
    d.dim = dim_;
    d.q8 = codes;
    d.q8scale = scale;
    d.qnorm2 = qn;
    d.kt = &activeKernels();
    return d;
  }
  QueryDistance prepareCode(const uint8_t* code, QueryScratch&) const override {
    QueryDistance d;
    d.kind = l2_ ? QueryDistance::Kind::I8L2 : QueryDistance::Kind::I8IP;
    d.dim = dim_;
    d.q8 = reinterpret_cast<const int8_t*>(code);
    std::memcpy(&d.q8scale, code + int8ScaleOffset(dim_), 4);
    std::memcpy(&d.qnorm2, code + int8ScaleOffset(dim_) + 4, 4);
    d.kt = &activeKernels();
    return d;
  }
};

}  // namespace

std::unique_ptr<VectorCodec> makeCodec(StorageType type, uint32_t dim, Metric metric, uint32_t pqSubspaces) {
  const bool l2 = metric == Metric::L2;
  switch (type) {
    case StorageType::F32: return std::make_unique<F32Codec>(dim, l2);
    case StorageType::F16: return std::make_unique<F16Codec>(dim, l2);
    case StorageType::Int8: return std::make_unique<Int8Codec>(dim, l2);
    case StorageType::Pq: return makePqCodec(dim, l2, pqSubspaces);
  }
  return nullptr;
}

}  // namespace maxsim::hnsw
