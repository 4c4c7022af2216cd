#include "dense_token_store.h"

#include <cmath>

#include <cstring>
#include <limits>
#include <string>

#include "../core/error.h"

namespace maxsim::mvindex {
namespace {

struct DenseQuery final : ScoringQuery {
  const KernelTable* kernels = nullptr;
  PreparedQuery prepared;
};

}  // namespace

DenseTokenStore::DenseTokenStore(uint32_t dim, ElementType type)
    : SegmentedTokenStore(dim), type_(type), codeBytes_(tokenBytes(type, dim)), hasScales_(type == ElementType::Int8) {
  rows_.setRowBytes(codeBytes_, hasScales_ ? sizeof(float) : 0);
}

double DenseTokenStore::bytesPerToken() const { return double(codeBytes_) + (hasScales_ ? 4.0 : 0.0); }

void DenseTokenStore::encode(const TokenRange& r, const float* rows) {
  if (r.count == 0) return;
  encodeRows(rows, r.count, rows_.primary(r), hasScales_ ? reinterpret_cast<float*>(rows_.secondary(r)) : nullptr);
}

void DenseTokenStore::copyFrom(const TokenStore& srcBase, const TokenRange& from, const TokenRange& to) {
  const auto& src = static_cast<const DenseTokenStore&>(srcBase);
  if (src.kind() != kind() || src.dim() != dim()) throw Error(codes::kInternal, "copyFrom between different stores");
  rows_.copyRows(src.rows_, from, to);
}

void DenseTokenStore::decode(const TokenRange& r, float* out) const {
  if (r.count == 0) return;
  decodeRows(codesAt(r), scalesAt(r), r.count, out);
}

std::unique_ptr<ScoringQuery> DenseTokenStore::prepare(const float* query, uint32_t nq) const {
  auto q = std::make_unique<DenseQuery>();
  q->kernels = &activeKernels();
  q->kernels->prepare[int(type_)](query, nq, dim_, q->prepared);
  q->prepared.type = type_;
  return q;
}

float DenseTokenStore::score(const ScoringQuery& base, const TokenRange& r, bool* nonFinite) const {
  const auto& q = static_cast<const DenseQuery&>(base);
  if (r.count == 0) return -std::numeric_limits<float>::infinity();
  const float s = q.kernels->score[int(type_)](q.prepared, codesAt(r), scalesAt(r), r.count, nonFinite);
  // The f32 and f16 kernels flag NaN on their own; this also catches a score that overflowed,
  // which the int8 kernels (dot x token scale before the query row's scale) can reach from
  // finite values near 1e34.
  if (!std::isfinite(s) && nonFinite) *nonFinite = true;
  return s;
}

// ---- the five element forms -------------------------------------------------------------------

void F32TokenStore::encodeRows(const float* in, size_t n, uint8_t* codes, float*) const {
  std::memcpy(codes, in, n * codeBytes());
}
void F32TokenStore::decodeRows(const uint8_t* codes, const float*, size_t n, float* out) const {
  std::memcpy(out, codes, n * codeBytes());
}

void F16TokenStore::encodeRows(const float* in, size_t n, uint8_t* codes, float*) const {
  activeKernels().f32ToF16(in, reinterpret_cast<uint16_t*>(codes), n * dim_);
}
void F16TokenStore::decodeRows(const uint8_t* codes, const float*, size_t n, float* out) const {
  activeKernels().f16ToF32(reinterpret_cast<const uint16_t*>(codes), out, n * dim_);
}

void Bf16TokenStore::encodeRows(const float* in, size_t n, uint8_t* codes, float*) const {
  activeKernels().f32ToBf16(in, reinterpret_cast<uint16_t*>(codes), n * dim_);
}
void Bf16TokenStore::decodeRows(const uint8_t* codes, const float*, size_t n, float* out) const {
  activeKernels().bf16ToF32(reinterpret_cast<const uint16_t*>(codes), out, n * dim_);
}

void Int8TokenStore::encodeRows(const float* in, size_t n, uint8_t* codes, float* scales) const {
  activeKernels().quantizeInt8Rows(in, n, dim_, reinterpret_cast<int8_t*>(codes), scales);
}
void Int8TokenStore::decodeRows(const uint8_t* codes, const float* scales, size_t n, float* out) const {
  const int8_t* c = reinterpret_cast<const int8_t*>(codes);
  for (size_t i = 0; i < n; ++i)
    for (uint32_t k = 0; k < dim_; ++k) out[i * dim_ + k] = float(c[i * dim_ + k]) * scales[i];
}

void BinaryTokenStore::encodeRows(const float* in, size_t n, uint8_t* codes, float*) const {
  activeKernels().binarizeRows(in, n, dim_, codes);
}
void BinaryTokenStore::decodeRows(const uint8_t* codes, const float*, size_t n, float* out) const {
  const size_t tb = codeBytes();
  for (size_t i = 0; i < n; ++i)
    for (uint32_t k = 0; k < dim_; ++k) out[i * dim_ + k] = (codes[i * tb + k / 8] >> (k % 8)) & 1 ? 1.f : -1.f;
}

}  // namespace maxsim::mvindex
