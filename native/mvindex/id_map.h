// External document ids <-> internal slots. An index holds either integer ids (0 .. 2^53-1,
// exact in a JS number) or string ids, fixed by its first add (or its options); strings are
// hashed natively so filters and deletes never call back into JS.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace maxsim::mvindex {

// Persisted as a u32.
enum class IdKind : uint32_t { Unset = 0, Number = 1, String = 2 };

// A batch of ids of one kind, as the binding read them.
struct IdList {
  IdKind kind = IdKind::Unset;
  std::vector<uint64_t> numbers;
  std::vector<std::string> strings;
  size_t size() const { return kind == IdKind::String ? strings.size() : numbers.size(); }
};

class IdMap {
 public:
  static constexpr uint32_t kNone = 0xffffffffu;

  IdKind kind() const { return kind_; }
  void setKind(IdKind k) { kind_ = k; }
  // ERR_INVALID_ARGUMENT when the list's kind differs from the index's (fixes it when unset).
  void checkKind(const IdList& ids, bool fix);

  uint32_t find(const IdList& ids, size_t i) const;
  // Binds id i of `ids` to slot (which must equal slotCount(): slots are appended).
  void append(const IdList& ids, size_t i);
  // Forgets the id of a slot (the slot keeps its id for reporting until compaction).
  void erase(uint32_t slot);
  size_t slotCount() const { return kind_ == IdKind::String ? slotStrings_.size() : slotNumbers_.size(); }
  size_t liveCount() const { return kind_ == IdKind::String ? strings_.size() : numbers_.size(); }

  uint64_t numberAt(uint32_t slot) const { return slotNumbers_[slot]; }
  const std::string& stringAt(uint32_t slot) const { return slotStrings_[slot]; }

  // Keeps the slots listed (in order) and renumbers them 0..n-1.
  void compact(const std::vector<uint32_t>& keepSlots);
  // Drops every slot from `slotCount` on (undo of a failed add).
  void truncate(size_t slotCount);
  size_t memoryBytes() const;

 private:
  IdKind kind_ = IdKind::Unset;
  std::unordered_map<uint64_t, uint32_t> numbers_;
  std::unordered_map<std::string, uint32_t> strings_;
  std::vector<uint64_t> slotNumbers_;
  std::vector<std::string> slotStrings_;
};

const char* idKindName(IdKind k);
// For messages: the id as text.
std::string describeId(const IdList& ids, size_t i);

}  // namespace maxsim::mvindex
