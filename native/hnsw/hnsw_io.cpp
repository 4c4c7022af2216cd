// Persistence, compaction and integrity checks of HnswIndex.
//
// File: the maxsim container (file_format.h: magic, kind "HNSW", version, crc32c), payload:
//   u32 metric | u32 storage | u32 dim | u32 M | u32 efConstruction | u32 efSearch | u64 seed |
//   v2: u32 pqSubspaces |
//   u64 slots | u64 live | u32 entrySlot | u32 maxLevel | u64 levelSequence | u64 codeStride |
//   v2: codec state (VectorCodec::writeState; PQ: u32 M | u32 trained | u64 n + codebook f32) |
//   align 64 | codes (slots, codeStride) u8 | align 64 | level0 (slots, 2M+1) u32 |
//   labels (slots) u64 | levels (slots) u8 | deleted (slots) u8 | align 4 |
//   upper links: for each slot with level > 0, (level, M+1) u32, in slot order
// Codes and level-0 links are 32-byte aligned in the file so a memory map can serve them
// directly. Load validates every field that indexes memory (link ids, levels, entry point,
// counts) even though the checksum already passed, so a crafted file cannot make a search read
// out of bounds.
#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "../core/error.h"
#include "../core/file_format.h"
#include "atomic_words.h"
#include "hnsw_index.h"

namespace maxsim::hnsw {

namespace {
constexpr char kKind[4] = {'H', 'N', 'S', 'W'};
constexpr uint32_t kVersion = 2;  // 2: pqSubspaces and the codec state (storage 'pq'); 1 still loads
}  // namespace

void HnswIndex::save(const std::string& path) const {
  std::lock_guard<std::mutex> w(writeMutex_);
  std::shared_lock<std::shared_mutex> grow(growMutex_);
  std::shared_lock<std::shared_mutex> labels(labelMutex_);
  const uint64_t slots = count_.load();
  const uint64_t entry = entry_.load();
  FileWriter f(path, kKind, kVersion);
  f.pod<uint32_t>(uint32_t(p_.metric));
  f.pod<uint32_t>(uint32_t(p_.storage));
  f.pod<uint32_t>(p_.dim);
  f.pod<uint32_t>(p_.M);
  f.pod<uint32_t>(p_.efConstruction);
  f.pod<uint32_t>(efSearch_.load());
  f.pod<uint64_t>(p_.seed);
  f.pod<uint32_t>(p_.pqSubspaces);
  f.pod<uint64_t>(slots);
  f.pod<uint64_t>(labelToSlot_.size());
  f.pod<uint32_t>(uint32_t(entry));
  f.pod<uint32_t>(uint32_t(entry) == kNoEntry ? 0 : uint32_t(entry >> 32));
  f.pod<uint64_t>(levelSequence_.load());
  f.pod<uint64_t>(codeStride_);
  codec_->writeState(f);
  f.align(64);
  if (slots) f.write(codes_, slots * codeStride_);
  f.align(64);
  // Link words may be rewritten by nothing now (writeMutex_ is held), so a plain copy is exact.
  if (slots) f.write(level0_, slots * level0Stride_ * 4);
  if (slots) f.write(labels_.data(), slots * 8);
  if (slots) f.write(levels_.data(), slots);
  if (slots) f.write(deleted_.get(), slots);
  f.align(4);
  for (uint64_t s = 0; s < slots; ++s)
    if (levels_[s]) f.write(upper_[s].get(), size_t(levels_[s]) * (p_.M + 1) * 4);
  f.commit();
}

std::unique_ptr<HnswIndex> HnswIndex::load(const std::string& path, bool mmap) {
  std::unique_ptr<FileReader> r = FileReader::open(path, kKind, kVersion, mmap);
  HnswParams p;
  const uint32_t metric = r->pod<uint32_t>();
  const uint32_t storage = r->pod<uint32_t>();
  if (metric > 2) r->corrupt("unknown metric");
  if (storage > 3 || (storage == 3 && r->version() < 2)) r->corrupt("unknown storage type");
  p.metric = Metric(metric);
  p.storage = StorageType(storage);
  p.dim = r->pod<uint32_t>();
  p.M = r->pod<uint32_t>();
  p.efConstruction = r->pod<uint32_t>();
  p.efSearch = r->pod<uint32_t>();
  p.seed = r->pod<uint64_t>();
  if (r->version() >= 2) p.pqSubspaces = r->pod<uint32_t>();
  if (p.storage == StorageType::Pq && p.pqSubspaces == 0) r->corrupt("storage 'pq' without a sub-space count");
  std::unique_ptr<HnswIndex> idx;
  try {
    idx.reset(new HnswIndex(p));
  } catch (const Error& e) {
    r->corrupt(std::string("bad parameters: ") + e.what());
  }
  HnswIndex& x = *idx;
  const uint64_t slots = r->pod<uint64_t>();
  const uint64_t live = r->pod<uint64_t>();
  const uint32_t entrySlot = r->pod<uint32_t>();
  const uint32_t maxLevel = r->pod<uint32_t>();
  const uint64_t levelSequence = r->pod<uint64_t>();
  const uint64_t codeStride = r->pod<uint64_t>();
  if (codeStride != x.codeStride_) r->corrupt("code stride does not match the dimension and storage");
  if (r->version() >= 2) x.codec_->readState(*r);
  x.trained_.store(!x.codec_->needsTraining(), std::memory_order_release);
  if (slots && x.codec_->needsTraining()) r->corrupt("vectors stored with an untrained codec");
  if (slots > 0xfffffff0u || live > slots) r->corrupt("slot count out of range");
  // Every array below is read through borrow()/read(), which check the remaining length, so a
  // huge slot count fails there instead of allocating.
  if (slots * (codeStride + x.level0Stride_ * 4 + 10) > r->remaining()) r->corrupt("file too short for its slot count");

  r->align(64);
  const uint8_t* codes = r->borrow(slots * codeStride);
  r->align(64);
  const uint8_t* level0 = r->borrow(slots * x.level0Stride_ * 4);
  x.labels_.resize(slots);
  x.levels_.resize(slots);
  x.upper_.resize(slots);
  x.deleted_.reset(new uint8_t[std::max<uint64_t>(slots, 1)]());
  if (slots) {
    r->read(x.labels_.data(), slots * 8);
    r->read(x.levels_.data(), slots);
    r->read(x.deleted_.get(), slots);
  }
  r->align(4);
  const uint32_t M = p.M;
  for (uint64_t s = 0; s < slots; ++s) {
    const uint32_t lv = x.levels_[s];
    if (lv > kMaxLevel) r->corrupt("node level out of range");
    if (!lv) continue;
    const size_t words = size_t(lv) * (M + 1);
    if (words * 4 > r->remaining()) r->corrupt("upper links truncated");
    x.upper_[s].reset(new uint32_t[words]);
    r->read(x.upper_[s].get(), words * 4);
  }
  r->expectEnd();

  // Validate before anything can walk the graph.
  uint32_t highest = 0;
  size_t liveSeen = 0;
  x.labelToSlot_.reserve(live);
  for (uint64_t s = 0; s < slots; ++s) {
    highest = std::max<uint32_t>(highest, x.levels_[s]);
    if (x.deleted_[s] > 1) r->corrupt("bad tombstone flag");
    if (x.deleted_[s]) continue;
    ++liveSeen;
    if (!x.labelToSlot_.emplace(x.labels_[s], uint32_t(s)).second) r->corrupt("duplicate id");
  }
  if (liveSeen != live) r->corrupt("live count does not match the tombstones");
  if (slots == 0) {
    if (entrySlot != kNoEntry) r->corrupt("entry point in an empty index");
  } else {
    if (entrySlot >= slots || x.levels_[entrySlot] != maxLevel || maxLevel != highest) r->corrupt("bad entry point");
  }
  const uint32_t* l0 = reinterpret_cast<const uint32_t*>(level0);
  for (uint64_t s = 0; s < slots; ++s) {
    const uint32_t* links = l0 + s * x.level0Stride_;
    if (links[0] > 2 * M) r->corrupt("level-0 link count out of range");
    for (uint32_t j = 0; j < links[0]; ++j)
      if (links[1 + j] >= slots) r->corrupt("level-0 link out of range");
    for (uint32_t l = 1; l <= x.levels_[s]; ++l) {
      const uint32_t* up = x.upper_[s].get() + size_t(l - 1) * (M + 1);
      if (up[0] > M) r->corrupt("link count out of range");
      for (uint32_t j = 0; j < up[0]; ++j)
        if (up[1 + j] >= slots || x.levels_[up[1 + j]] < l) r->corrupt("upper link out of range");
    }
  }

  x.capacity_ = slots;
  x.count_.store(uint32_t(slots));
  x.levelSequence_.store(levelSequence);
  x.deletedCount_.store(slots - live);
  x.entry_.store(slots ? (uint64_t(maxLevel) << 32) | entrySlot : uint64_t(kNoEntry));
  if (mmap) {
    // The map is read-only: codes_/level0_ are only ever written by mutations, which throw.
    x.codes_ = const_cast<uint8_t*>(codes);
    x.level0_ = const_cast<uint32_t*>(l0);
    x.readOnly_ = true;
    x.mapped_ = std::move(r);
  } else {
    x.codesOwned_.reserve(std::max<uint64_t>(slots, 1) * codeStride);
    x.level0Owned_.reserve(std::max<uint64_t>(slots, 1) * x.level0Stride_ * 4);
    x.codes_ = x.codesOwned_.as<uint8_t>();
    x.level0_ = x.level0Owned_.as<uint32_t>();
    if (slots) {
      std::memcpy(x.codes_, codes, slots * codeStride);
      std::memcpy(x.level0_, level0, slots * x.level0Stride_ * 4);
    }
  }
  return idx;
}

void HnswIndex::swapData(HnswIndex& o) {
  std::swap(capacity_, o.capacity_);
  const uint32_t c = count_.load();
  count_.store(o.count_.load());
  o.count_.store(c);
  std::swap(codes_, o.codes_);
  std::swap(level0_, o.level0_);
  std::swap(codesOwned_, o.codesOwned_);
  std::swap(level0Owned_, o.level0Owned_);
  upper_.swap(o.upper_);
  labels_.swap(o.labels_);
  levels_.swap(o.levels_);
  deleted_.swap(o.deleted_);
  const uint64_t e = entry_.load();
  entry_.store(o.entry_.load());
  o.entry_.store(e);
  const uint64_t seq = levelSequence_.load();
  levelSequence_.store(o.levelSequence_.load());
  o.levelSequence_.store(seq);
  const size_t d = deletedCount_.load();
  deletedCount_.store(o.deletedCount_.load());
  o.deletedCount_.store(d);
  labelToSlot_.swap(o.labelToSlot_);
  std::swap(mapped_, o.mapped_);
  visited_.clear();
}

void HnswIndex::compact() {
  std::lock_guard<std::mutex> w(writeMutex_);
  checkWritable();
  HnswIndex fresh(params());
  fresh.codec_ = codec_->clone();  // the same codebooks (PQ): codes re-encode to themselves
  std::vector<uint64_t> ids;
  std::vector<float> vectors;
  {
    std::shared_lock<std::shared_mutex> grow(growMutex_);
    std::shared_lock<std::shared_mutex> labels(labelMutex_);
    const uint32_t slots = count_.load();
    ids.reserve(labelToSlot_.size());
    vectors.resize(labelToSlot_.size() * size_t(p_.dim));
    for (uint32_t s = 0; s < slots; ++s) {
      if (deleted_[s]) continue;
      codec_->decode(code(s), vectors.data() + ids.size() * p_.dim);
      ids.push_back(labels_[s]);
    }
  }
  fresh.levelSequence_.store(levelSequence_.load());
  fresh.add(vectors.data(), ids.data(), ids.size());
  std::lock_guard<std::mutex> gate(growGate_);
  std::unique_lock<std::shared_mutex> grow(growMutex_);
  std::unique_lock<std::shared_mutex> labels(labelMutex_);
  swapData(fresh);
}

void HnswIndex::checkIntegrity() const {
  std::lock_guard<std::mutex> w(writeMutex_);
  std::shared_lock<std::shared_mutex> grow(growMutex_);
  std::shared_lock<std::shared_mutex> labels(labelMutex_);
  const uint32_t slots = count_.load();
  auto fail = [](const std::string& m) { throw Error(codes::kInternal, "HNSW integrity: " + m); };
  size_t live = 0;
  for (uint32_t s = 0; s < slots; ++s) {
    const uint32_t* l0 = level0Links(s);
    if (l0[0] > 2 * p_.M) fail("level-0 count");
    std::unordered_set<uint32_t> seen;
    for (uint32_t j = 0; j < l0[0]; ++j) {
      if (l0[1 + j] >= slots) fail("level-0 link out of range");
      if (l0[1 + j] == s) fail("self link");
      if (!seen.insert(l0[1 + j]).second) fail("duplicate link");
    }
    for (uint32_t l = 1; l <= levels_[s]; ++l) {
      const uint32_t* up = linksAt(s, l);
      if (up[0] > p_.M) fail("upper count");
      for (uint32_t j = 0; j < up[0]; ++j)
        if (up[1 + j] >= slots || levels_[up[1 + j]] < l) fail("upper link");
    }
    if (!deleted_[s]) {
      ++live;
      auto it = labelToSlot_.find(labels_[s]);
      if (it == labelToSlot_.end() || it->second != s) fail("label map out of sync");
    }
  }
  if (live != labelToSlot_.size()) fail("live count");
}

}  // namespace maxsim::hnsw
