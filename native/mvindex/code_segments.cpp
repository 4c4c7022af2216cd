#include "code_segments.h"

#include <cstring>

#include "../core/error.h"

namespace maxsim::mvindex {

TokenRange CodeSegments::reserve(uint32_t count) {
  if (borrowed_) throw Error(codes::kInvalidArgument, "the token store is read-only (the index was loaded with mmap)");
  if (segments_.empty() || segments_.back().capacity - segments_.back().used < count) {
    if (segments_.size() >= 0xffffffffu) throw Error(codes::kInvalidArgument, "too many token segments");
    Segment s;
    s.capacity = count > kSegmentRows ? count : kSegmentRows;
    s.ownedPrimary.reserve(size_t(s.capacity) * primaryBytes_ + 1);
    s.primary = s.ownedPrimary.as<uint8_t>();
    if (secondaryBytes_) {
      s.ownedSecondary.reserve(size_t(s.capacity) * secondaryBytes_ + 1);
      s.secondary = s.ownedSecondary.as<uint8_t>();
    }
    segments_.push_back(std::move(s));
  }
  Segment& s = segments_.back();
  TokenRange r{static_cast<uint32_t>(segments_.size() - 1), s.used, count};
  s.used += count;
  rows_ += count;
  return r;
}

TokenStore::Mark CodeSegments::mark() const {
  return TokenStore::Mark{segments_.size(), segments_.empty() ? 0u : segments_.back().used};
}

void CodeSegments::rollback(const TokenStore::Mark& m) {
  while (segments_.size() > m.segments) {
    rows_ -= segments_.back().used;
    segments_.pop_back();
  }
  if (!segments_.empty() && segments_.back().used > m.usedInLast) {
    rows_ -= segments_.back().used - m.usedInLast;
    segments_.back().used = m.usedInLast;
  }
}

size_t CodeSegments::allocatedBytes() const {
  size_t b = 0;
  for (const Segment& s : segments_) b += size_t(s.capacity) * (primaryBytes_ + secondaryBytes_);
  return b;
}

void CodeSegments::copyRows(const CodeSegments& src, const TokenRange& from, const TokenRange& to) {
  if (from.count != to.count) throw Error(codes::kInternal, "copyRows with different counts");
  if (src.primaryBytes_ != primaryBytes_ || src.secondaryBytes_ != secondaryBytes_)
    throw Error(codes::kInternal, "copyRows between different row layouts");
  if (to.count == 0) return;
  std::memcpy(primary(to), src.primary(from), size_t(to.count) * primaryBytes_);
  if (secondaryBytes_) std::memcpy(secondary(to), src.secondary(from), size_t(to.count) * secondaryBytes_);
}

void CodeSegments::save(FileWriter& w, const std::vector<TokenRange>& ranges) const {
  w.align(64);
  for (const TokenRange& r : ranges)
    if (r.count) w.write(primary(r), size_t(r.count) * primaryBytes_);
  if (secondaryBytes_) {
    w.align(64);
    for (const TokenRange& r : ranges)
      if (r.count) w.write(secondary(r), size_t(r.count) * secondaryBytes_);
  }
}

void CodeSegments::load(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep) {
  segments_.clear();
  rows_ = 0;
  r.align(64);
  if (rows > r.remaining() / (primaryBytes_ ? primaryBytes_ : 1)) r.corrupt("code array is shorter than its row count");
  const uint8_t* prim = r.borrow(rows * primaryBytes_);
  const uint8_t* sec = nullptr;
  if (secondaryBytes_) {
    r.align(64);
    if (rows > r.remaining() / secondaryBytes_) r.corrupt("side array (scales or centroid ids) is shorter than its row count");
    sec = r.borrow(rows * secondaryBytes_);
  }
  if (rows == 0) return;
  if (rows > 0xffffffffu) r.corrupt("too many tokens");
  Segment s;
  s.capacity = s.used = static_cast<uint32_t>(rows);
  if (borrow) {
    // Mapped read-only: scoring only reads, and nothing may be appended.
    s.primary = const_cast<uint8_t*>(prim);
    s.secondary = const_cast<uint8_t*>(sec);
    keep_ = std::move(keep);
    borrowed_ = true;
  } else {
    s.ownedPrimary.reserve(rows * primaryBytes_ + 1);
    s.primary = s.ownedPrimary.as<uint8_t>();
    std::memcpy(s.primary, prim, rows * primaryBytes_);
    if (secondaryBytes_) {
      s.ownedSecondary.reserve(rows * secondaryBytes_ + 1);
      s.secondary = s.ownedSecondary.as<uint8_t>();
      std::memcpy(s.secondary, sec, rows * secondaryBytes_);
    }
  }
  segments_.push_back(std::move(s));
  rows_ = rows;
}

}  // namespace maxsim::mvindex
