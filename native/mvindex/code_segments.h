// Segmented row storage for every token store: each row is `primaryBytes` bytes in one array
// and, optionally, `secondaryBytes` bytes in a second (int8 scales; the residual store's u32
// centroid ids, kept apart from the packed residuals as the scoring kernels read them).
// Rows live in segments of a fixed capacity, so appending never moves what is stored, and one
// document's rows never straddle two segments, so a kernel scores a document as one block.
//
// layout per segment: primary (capacity, primaryBytes) u8; secondary (capacity, secondaryBytes) u8.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "../core/aligned_buffer.h"
#include "token_store.h"

namespace maxsim::mvindex {

class CodeSegments {
 public:
  // Big enough that a segment's allocation is amortised, small enough that the unused tail of
  // the last one is cheap (untouched pages are never resident anyway).
  static constexpr uint32_t kSegmentRows = 1u << 16;

  void setRowBytes(size_t primaryBytes, size_t secondaryBytes) {
    primaryBytes_ = primaryBytes;
    secondaryBytes_ = secondaryBytes;
  }
  size_t primaryBytes() const { return primaryBytes_; }
  size_t secondaryBytes() const { return secondaryBytes_; }

  TokenRange reserve(uint32_t count);
  TokenStore::Mark mark() const;
  void rollback(const TokenStore::Mark& m);

  uint8_t* primary(const TokenRange& r) { return segments_[r.segment].primary + size_t(r.row) * primaryBytes_; }
  uint8_t* secondary(const TokenRange& r) { return segments_[r.segment].secondary + size_t(r.row) * secondaryBytes_; }
  const uint8_t* primary(const TokenRange& r) const { return segments_[r.segment].primary + size_t(r.row) * primaryBytes_; }
  const uint8_t* secondary(const TokenRange& r) const {
    return segments_[r.segment].secondary + size_t(r.row) * secondaryBytes_;
  }

  size_t rows() const { return rows_; }
  size_t allocatedBytes() const;
  bool borrowed() const { return borrowed_; }

  // The rows of `ranges` packed, each array 64-byte aligned (primary first).
  void save(FileWriter& w, const std::vector<TokenRange>& ranges) const;
  // Copies rows between two segment sets of the same row sizes (compaction: no re-encoding).
  void copyRows(const CodeSegments& src, const TokenRange& from, const TokenRange& to);
  // Reads save()'s arrays as one segment; borrowed (read-only, kept alive by `keep`) or copied.
  void load(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep);
  // The loaded single segment (validation after load). Null when empty.
  const uint8_t* loadedPrimary() const { return segments_.empty() ? nullptr : segments_[0].primary; }

 private:
  struct Segment {
    uint8_t* primary = nullptr;
    uint8_t* secondary = nullptr;
    uint32_t capacity = 0, used = 0;
    AlignedBuffer ownedPrimary, ownedSecondary;
  };
  size_t primaryBytes_ = 0, secondaryBytes_ = 0;
  std::vector<Segment> segments_;
  size_t rows_ = 0;
  bool borrowed_ = false;
  std::shared_ptr<FileReader> keep_;
};

// A TokenStore whose rows live in one CodeSegments: the row bookkeeping every store shares.
class SegmentedTokenStore : public TokenStore {
 public:
  using TokenStore::TokenStore;
  TokenRange reserve(uint32_t count) override { return rows_.reserve(count); }
  Mark mark() const override { return rows_.mark(); }
  void rollback(const Mark& m) override { rows_.rollback(m); }
  size_t rows() const override { return rows_.rows(); }
  size_t allocatedBytes() const override { return rows_.allocatedBytes(); }
  bool borrowed() const override { return rows_.borrowed(); }
  void saveRows(FileWriter& w, const std::vector<TokenRange>& ranges) const override { rows_.save(w, ranges); }
  void loadRows(FileReader& r, size_t rows, bool borrow, std::shared_ptr<FileReader> keep) override {
    rows_.load(r, rows, borrow, std::move(keep));
  }

 protected:
  CodeSegments rows_;
};

}  // namespace maxsim::mvindex
