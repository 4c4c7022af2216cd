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

[[noreturn]] void readOnlyStore() {
  throw Error(codes::kInvalidArgument, "the token store is read-only (the index was loaded with mmap)");
}

}  // namespace

DenseTokenStore::DenseTokenStore(uint32_t dim, ElementType type)
    : TokenStore(dim), type_(type), codeBytes_(tokenBytes(type, dim)), hasScales_(type == ElementType::Int8) {}

double DenseTokenStore::bytesPerToken() const { return double(codeBytes_) + (hasScales_ ? 4.0 : 0.0); }

TokenRange DenseTokenStore::reserve(uint32_t count) {
  if (borrowed_) readOnlyStore();
  if (segments_.empty() || segments_.back().capacity - segments_.back().used < count) {
    if (segments_.size() >= 0xffffffffu) throw Error(codes::kInvalidArgument, "too many token segments");
    Segment s;
    s.capacity = count > kSegmentRows ? count : kSegmentRows;
    s.ownedCodes.reserve(size_t(s.capacity) * codeBytes_ + 1);
    s.codes = s.ownedCodes.as<uint8_t>();
    if (hasScales_) {
      s.ownedScales.reserve(size_t(s.capacity) * sizeof(float));
      s.scales = s.ownedScales.as<float>();
    }
    segments_.push_back(std::move(s));
  }
  Segment& s = segments_.back();
  TokenRange r{static_cast<uint32_t>(segments_.size() - 1), s.used, count};
  s.used += count;
  rows_ += count;
  return r;
}

void DenseTokenStore::encode(const TokenRange& r, const float* rows) {
  if (r.count == 0) return;
  Segment& s = segments_[r.segment];
  encodeRows(rows, r.count, s.codes + size_t(r.row) * codeBytes_, hasScales_ ? s.scales + r.row : nullptr);
}

void DenseTokenStore::copyFrom(const TokenStore& srcBase, const TokenRange& from, const TokenRange& to) {
  const auto& src = static_cast<const DenseTokenStore&>(srcBase);
  if (src.kind() != kind() || src.dim() != dim()) throw Error(codes::kInternal, "copyFrom between different stores");
  if (from.count != to.count) throw Error(codes::kInternal, "copyFrom with different counts");
  if (to.count == 0) return;
  Segment& d = segments_[to.segment];
  std::memcpy(d.codes + size_t(to.row) * codeBytes_, src.codesAt(from), size_t(to.count) * codeBytes_);
  if (hasScales_) std::memcpy(d.scales + to.row, src.scalesAt(from), size_t(to.count) * sizeof(float));
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
  q->prepared.owner = q->kernels;
  return q;
}

float DenseTokenStore::score(const ScoringQuery& base, const TokenRange& r, bool* nonFinite) const {
  const auto& q = static_cast<const DenseQuery&>(base);
  if (r.count == 0) return -std::numeric_limits<float>::infinity();
  return q.kernels->score[int(type_)](q.prepared, codesAt(r), scalesAt(r), r.count, nonFinite);
}

TokenStore::Mark DenseTokenStore::mark() const {
  return Mark{segments_.size(), segments_.empty() ? 0u : segments_.back().used};
}

void DenseTokenStore::rollback(const Mark& m) {
  while (segments_.size() > m.segments) {
    rows_ -= segments_.back().used;
    segments_.pop_back();
  }
  if (!segments_.empty() && segments_.back().used > m.usedInLast) {
    rows_ -= segments_.back().used - m.usedInLast;
    segments_.back().used = m.usedInLast;
  }
}

size_t DenseTokenStore::allocatedBytes() const {
  size_t b = 0;
  for (const Segment& s : segments_) b += size_t(s.capacity) * (codeBytes_ + (hasScales_ ? sizeof(float) : 0));
  return b;
}

void DenseTokenStore::saveRows(FileWriter& w, const std::vector<TokenRange>& ranges) const {
  w.align(64);
  for (const TokenRange& r : ranges)
    if (r.count) w.write(codesAt(r), size_t(r.count) * codeBytes_);
  if (hasScales_) {
    w.align(64);
    for (const TokenRange& r : ranges)
      if (r.count) w.write(scalesAt(r), size_t(r.count) * sizeof(float));
  }
}

void DenseTokenStore::loadRows(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep) {
  segments_.clear();
  rows_ = 0;
  r.align(64);
  if (rows > r.remaining() / (codeBytes_ ? codeBytes_ : 1)) r.corrupt("token array is shorter than its row count");
  const uint8_t* codes = r.borrow(rows * codeBytes_);
  const float* scales = nullptr;
  if (hasScales_) {
    r.align(64);
    if (rows > r.remaining() / sizeof(float)) r.corrupt("scale array is shorter than its row count");
    scales = reinterpret_cast<const float*>(r.borrow(rows * sizeof(float)));
  }
  if (rows == 0) return;
  if (rows > 0xffffffffu) r.corrupt("too many tokens");
  Segment s;
  s.capacity = s.used = static_cast<uint32_t>(rows);
  if (borrow) {
    // Mapped read-only: the kernels only read, and nothing may be appended.
    s.codes = const_cast<uint8_t*>(codes);
    s.scales = const_cast<float*>(scales);
    keep_ = std::move(keep);
    borrowed_ = true;
  } else {
    s.ownedCodes.reserve(rows * codeBytes_ + 1);
    s.codes = s.ownedCodes.as<uint8_t>();
    std::memcpy(s.codes, codes, rows * codeBytes_);
    if (hasScales_) {
      s.ownedScales.reserve(rows * sizeof(float));
      s.scales = s.ownedScales.as<float>();
      std::memcpy(s.scales, scales, rows * sizeof(float));
    }
  }
  segments_.push_back(std::move(s));
  rows_ = rows;
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
