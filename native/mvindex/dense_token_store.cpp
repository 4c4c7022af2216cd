#include "dense_token_store.h"

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
    : TokenStore(dim), type_(type), codeBytes_(tokenBytes(type, dim)), hasScales_(type == ElementType::Int8) {
  segs_.setRowBytes(codeBytes_, hasScales_ ? sizeof(float) : 0);
}

double DenseTokenStore::bytesPerToken() const { return double(codeBytes_) + (hasScales_ ? 4.0 : 0.0); }

TokenRange DenseTokenStore::reserve(uint32_t count) { return segs_.reserve(count); }

void DenseTokenStore::encode(const TokenRange& r, const float* rows) {
  if (r.count == 0) return;
  encodeRows(rows, r.count, segs_.primary(r), hasScales_ ? reinterpret_cast<float*>(segs_.secondary(r)) : nullptr);
}

void DenseTokenStore::copyFrom(const TokenStore& srcBase, const TokenRange& from, const TokenRange& to) {
  const auto& src = static_cast<const DenseTokenStore&>(srcBase);
  if (src.kind() != kind() || src.dim() != dim()) throw Error(codes::kInternal, "copyFrom between different stores");
  if (from.count != to.count) throw Error(codes::kInternal, "copyFrom with different counts");
  if (to.count == 0) return;
  std::memcpy(segs_.primary(to), src.codesAt(from), size_t(to.count) * codeBytes_);
  if (hasScales_) std::memcpy(segs_.secondary(to), src.scalesAt(from), size_t(to.count) * sizeof(float));
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
  return q.kernels->score[int(type_)](q.prepared, codesAt(r), scalesAt(r), r.count, nonFinite);
}

TokenStore::Mark DenseTokenStore::mark() const { return segs_.mark(); }

void DenseTokenStore::rollback(const Mark& m) { segs_.rollback(m); }

void DenseTokenStore::saveRows(FileWriter& w, const std::vector<TokenRange>& ranges) const { segs_.save(w, ranges); }

void DenseTokenStore::loadRows(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep) {
  segs_.load(r, rows, borrow, std::move(keep));
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
