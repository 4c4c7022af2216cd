#include "id_map.h"

#include "../core/error.h"

namespace maxsim::mvindex {

const char* idKindName(IdKind k) {
  switch (k) {
    case IdKind::Number: return "number";
    case IdKind::String: return "string";
    default: return "unset";
  }
}

std::string describeId(const IdList& ids, size_t i) {
  if (ids.kind == IdKind::String) {
    const std::string& s = ids.strings[i];
    return "'" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "'";
  }
  return std::to_string(ids.numbers[i]);
}

void IdMap::checkKind(const IdList& ids, bool fix) {
  if (ids.size() == 0) return;
  if (kind_ == IdKind::Unset) {
    if (fix) kind_ = ids.kind;
    return;
  }
  if (ids.kind != kind_)
    throw Error(codes::kInvalidArgument, std::string("this index has ") + idKindName(kind_) + " ids, but " +
                                             idKindName(ids.kind) + " ids were given");
}

uint32_t IdMap::find(const IdList& ids, size_t i) const {
  if (ids.kind != kind_) return kNone;
  if (kind_ == IdKind::String) {
    auto it = strings_.find(ids.strings[i]);
    return it == strings_.end() ? kNone : it->second;
  }
  auto it = numbers_.find(ids.numbers[i]);
  return it == numbers_.end() ? kNone : it->second;
}

void IdMap::append(const IdList& ids, size_t i) {
  const uint32_t slot = static_cast<uint32_t>(slotCount());
  if (kind_ == IdKind::String) {
    strings_.emplace(ids.strings[i], slot);
    slotStrings_.push_back(ids.strings[i]);
  } else {
    numbers_.emplace(ids.numbers[i], slot);
    slotNumbers_.push_back(ids.numbers[i]);
  }
}

void IdMap::erase(uint32_t slot) {
  if (kind_ == IdKind::String) strings_.erase(slotStrings_[slot]);
  else numbers_.erase(slotNumbers_[slot]);
}

void IdMap::compact(const std::vector<uint32_t>& keep) {
  if (kind_ == IdKind::String) {
    std::vector<std::string> s;
    s.reserve(keep.size());
    strings_.clear();
    for (uint32_t old : keep) {
      strings_.emplace(slotStrings_[old], static_cast<uint32_t>(s.size()));
      s.push_back(std::move(slotStrings_[old]));
    }
    slotStrings_ = std::move(s);
  } else {
    std::vector<uint64_t> n;
    n.reserve(keep.size());
    numbers_.clear();
    for (uint32_t old : keep) {
      numbers_.emplace(slotNumbers_[old], static_cast<uint32_t>(n.size()));
      n.push_back(slotNumbers_[old]);
    }
    slotNumbers_ = std::move(n);
  }
}

void IdMap::truncate(size_t count) {
  while (slotCount() > count) {
    const uint32_t slot = static_cast<uint32_t>(slotCount() - 1);
    if (kind_ == IdKind::String) {
      auto it = strings_.find(slotStrings_[slot]);
      if (it != strings_.end() && it->second == slot) strings_.erase(it);
      slotStrings_.pop_back();
    } else {
      auto it = numbers_.find(slotNumbers_[slot]);
      if (it != numbers_.end() && it->second == slot) numbers_.erase(it);
      slotNumbers_.pop_back();
    }
  }
}

size_t IdMap::memoryBytes() const {
  size_t b = slotNumbers_.capacity() * 8 + numbers_.size() * 32;
  for (const auto& s : slotStrings_) b += sizeof(std::string) + (s.size() > 15 ? s.size() : 0);
  b += strings_.size() * (sizeof(std::string) + 24);
  for (const auto& kv : strings_) b += kv.first.size() > 15 ? kv.first.size() : 0;
  return b;
}

}  // namespace maxsim::mvindex
