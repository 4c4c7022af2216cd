#include "multi_vector_index.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_set>

#include "../core/error.h"
#include "../core/thread_pool.h"
#include "index_helpers.h"

namespace maxsim::mvindex {

MultiVectorIndex::MultiVectorIndex(const IndexOptions& o) : options_(o) {
  if (o.dim < 1 || o.dim > 65536) throw Error(codes::kInvalidArgument, "dim must be an integer in [1, 65536]");
  if (!(o.pooling.factor >= 1.0) || !std::isfinite(o.pooling.factor))
    throw Error(codes::kInvalidArgument, "poolFactor must be a finite number >= 1");
  if (!(o.compactThreshold > 0.0 && o.compactThreshold <= 1.0))
    throw Error(codes::kInvalidArgument, "compactThreshold must be in (0, 1]");
  store_ = createTokenStore(o.storage, o.dim, o.codec);
  // Storage of 8 bits a value or fewer pools on the rows' 8-bit codes (see WardInput); f32, f16
  // and bf16 on their f32 unit rows.
  const bool coarse = o.storage == StorageKind::Int8 || o.storage == StorageKind::Binary ||
                      o.storage == StorageKind::PQ || o.storage == StorageKind::Residual;
  options_.pooling.wardInput = coarse ? WardInput::Int8Codes : WardInput::UnitRows;
  if (o.exactPruning) {
    if (o.storage != StorageKind::F32 && o.storage != StorageKind::F16)
      throw Error(codes::kInvalidArgument, std::string("exactPruning needs 'f32' or 'f16' storage, not '") +
                                               storageName(o.storage) + "' (the compressed forms are already smaller than the sketch)");
    sketch_ = std::make_unique<BoundSketch>(o.dim);
  }
  idMap_.setKind(o.idKind);
  gen_ = createCandidateGenerator(o.candidates, o.dim);
}

IdKind MultiVectorIndex::idKind() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return idMap_.kind();
}

void MultiVectorIndex::requireWritable() const {
  if (readOnly_) throw Error(codes::kInvalidArgument, "this index was loaded with { mmap: true } and is read-only");
}

void MultiVectorIndex::add(const IdList& ids, const DocumentBatch& docs, bool upsert, const AddProgress& progress) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  requireWritable();
  const size_t n = ids.size();
  if (docs.rows.size() != n || docs.counts.size() != n)
    throw Error(codes::kInvalidArgument, "ids has " + std::to_string(n) + " entries but there are " +
                                             std::to_string(docs.counts.size()) + " documents");
  idMap_.checkKind(ids, false);
  // Duplicates inside the batch, then against the index.
  if (ids.kind == IdKind::String) {
    std::unordered_set<std::string_view> seen;
    seen.reserve(n * 2);
    for (size_t i = 0; i < n; ++i)
      if (!seen.insert(ids.strings[i]).second)
        throw Error(codes::kDuplicateId, "id " + describeId(ids, i) + " appears twice in this batch");
  } else {
    std::unordered_set<uint64_t> seen;
    seen.reserve(n * 2);
    for (size_t i = 0; i < n; ++i)
      if (!seen.insert(ids.numbers[i]).second)
        throw Error(codes::kDuplicateId, "id " + describeId(ids, i) + " appears twice in this batch");
  }
  if (!upsert)
    for (size_t i = 0; i < n; ++i)
      if (idMap_.find(ids, i) != IdMap::kNone)
        throw Error(codes::kDuplicateId, "id " + describeId(ids, i) + " is already in the index (use upsert)");
  if (n == 0) return;
  // NaN and Infinity (and for f16 and bf16 storage, values they would round to Infinity) are
  // looked for by the task that pools or encodes each document, just before it reads the rows
  // again (from cache): a separate pass over the batch would read the whole input from memory
  // once more. A document that fails throws before anything is committed: the training pass
  // runs before train(), and the encoding pass rolls its reservations back.

  const bool pooling = options_.pooling.enabled();
  const size_t dim = options_.dim;
  // Pooled rows are means, no larger than the largest input value, so the input is what to check.
  const uint32_t limit = options_.storage == StorageKind::F16    ? kF16OverflowBits
                         : options_.storage == StorageKind::BF16 ? kBf16OverflowBits
                                                                 : kNonFiniteBits;
  const char* storage = options_.storage == StorageKind::F16 ? "f16" : "bf16";
  const auto checkDocument = [&](size_t d) { checkStorableRows(docs.rows[d], size_t(docs.counts[d]) * dim, d, limit, storage); };
  // A compressed store trains its codec on the first batch, pooled as it will be stored: the
  // batch is pooled once, in parallel, into the training sample, and later encoded from it.
  const bool fromSample = !store_->trained();
  // Progress counts documents through the pass that pools them: the training pass when there
  // is one (encoding from its sample is cheap), else the encoding pass.
  std::atomic<size_t> processed{0};
  const size_t reportEvery = std::max<size_t>(1, n / 100);
  const auto documentDone = [&]() {
    if (!progress) return;
    const size_t d = processed.fetch_add(1, std::memory_order_relaxed) + 1;
    if (d % reportEvery == 0 || d == n) progress(d);
  };
  std::vector<float> sample;
  std::vector<size_t> sampleAt;  // first row of each document in `sample`
  if (fromSample) {
    sampleAt.assign(n + 1, 0);
    for (size_t d = 0; d < n; ++d) sampleAt[d + 1] = sampleAt[d] + pooledRowCount(docs.counts[d], options_.pooling);
    sample.resize(sampleAt[n] * dim);
    parallelFor(n, pooling ? 1 : grainFor(n), [&](size_t b, size_t e) {
      thread_local std::vector<float> pooled;
      for (size_t d = b; d < e; ++d) {
        const float* src = docs.rows[d];
        checkDocument(d);
        if (pooling) {
          poolTokens(src, docs.counts[d], options_.dim, options_.pooling, pooled);
          src = pooled.data();
        }
        std::memcpy(sample.data() + sampleAt[d] * dim, src, (sampleAt[d + 1] - sampleAt[d]) * dim * sizeof(float));
        documentDone();
      }
      trimScratch(pooled);
    });
    store_->train(sample.data(), sampleAt[n]);
  }

  const TokenStore::Mark mark = store_->mark();
  const TokenStore::Mark sketchMark = sketch_ ? sketch_->mark() : TokenStore::Mark{};
  std::vector<TokenRange> newRanges(n);
  std::vector<DocBound> newBounds(sketch_ ? n : 0);
  try {
    // Pooled sizes are known before pooling, so the batch reserves its ranges first and then
    // each task pools and encodes a document: the pooled rows stay in that thread's cache and no
    // per-document copy outlives its encoding.
    for (size_t d = 0; d < n; ++d) {
      const uint32_t count = pooledRowCount(docs.counts[d], options_.pooling);
      newRanges[d] = store_->reserve(count);
      if (sketch_) newBounds[d].range = sketch_->reserve(count);
    }
    // Pooling costs O(n^2 d) a document, so those tasks go one document at a time.
    parallelFor(n, pooling && !fromSample ? 1 : grainFor(n), [&](size_t b, size_t e) {
      thread_local std::vector<float> pooled, stored;
      for (size_t d = b; d < e; ++d) {
        const float* src = docs.rows[d];
        if (fromSample) {
          src = sample.data() + sampleAt[d] * dim;  // checked by the training pass
        } else {
          checkDocument(d);
          if (pooling) {
            poolTokens(src, docs.counts[d], options_.dim, options_.pooling, pooled);
            src = pooled.data();
          }
        }
        store_->encode(newRanges[d], src);
        if (sketch_) {
          // The sketch bounds what exact search scores: the stored values, which for f16
          // storage are the rounded ones.
          if (options_.storage != StorageKind::F32) {
            stored.resize(size_t(newRanges[d].count) * options_.dim);
            store_->decode(newRanges[d], stored.data());
            src = stored.data();
          }
          newBounds[d] = sketch_->encode(newBounds[d].range, src);
        }
        if (!fromSample) documentDone();
      }
      trimScratch(pooled);
      trimScratch(stored);
    });
    ranges_.reserve(ranges_.size() + n);
    alive_.reserve(alive_.size() + n);
    if (sketch_) sketch_->reserveSlots(n);
  } catch (...) {
    store_->rollback(mark);
    if (sketch_) sketch_->rollback(sketchMark);
    throw;
  }
  // Commit: nothing below allocates more than was reserved, except the id map's nodes.
  idMap_.checkKind(ids, true);
  device_.reset();  // the GPU copy no longer matches
  for (size_t i = 0; i < n; ++i) {
    const uint32_t old = idMap_.find(ids, i);
    if (old != IdMap::kNone) kill(old);
    idMap_.append(ids, i);
    ranges_.push_back(newRanges[i]);
    if (sketch_) sketch_->append(newBounds[i]);
    alive_.push_back(1);
    liveDocs_++;
    liveTokens_ += newRanges[i].count;
  }
  if (gen_) feedGenerator(static_cast<uint32_t>(ranges_.size() - n), static_cast<uint32_t>(ranges_.size()), false);
  maybeCompact();
}

// The generator indexes documents as stored (pooled, and decoded from lossy storage), which
// is what exact reranking scores too.
void MultiVectorIndex::feedGenerator(uint32_t first, uint32_t end, bool retrain) {
  SlotDocs all;
  std::vector<float> buf;
  std::vector<size_t> at;
  auto collect = [&](uint32_t b, uint32_t e) {
    SlotDocs docs;
    size_t rows = 0;
    for (uint32_t s = b; s < e; ++s)
      if (alive_[s]) rows += ranges_[s].count;
    buf.assign(rows * options_.dim, 0.f);
    size_t row = 0;
    for (uint32_t s = b; s < e; ++s) {
      if (!alive_[s]) continue;
      store_->decode(ranges_[s], buf.data() + row * options_.dim);
      docs.slots.push_back(s);
      docs.counts.push_back(ranges_[s].count);
      docs.rows.push_back(buf.data() + row * options_.dim);
      row += ranges_[s].count;
    }
    return docs;
  };
  if (retrain) {  // centroids learn from every live document at once
    SlotDocs docs = collect(first, end);
    gen_->retrain(docs);
    return;
  }
  // Chunks bound the decoded copy; the first chunk is the whole batch when the generator has
  // not learned anything yet, so its training sees every document of the first add.
  constexpr uint32_t kChunkDocs = 8192;
  for (uint32_t b = first; b < end;) {
    const uint32_t e = std::min<uint32_t>(end, b + kChunkDocs);
    SlotDocs docs = collect(b, e);
    gen_->add(docs);
    b = e;
  }
}

void MultiVectorIndex::kill(uint32_t slot) {
  device_.reset();  // the GPU copy no longer matches (callers hold the writer lock)
  alive_[slot] = 0;
  if (gen_) gen_->remove(slot);
  idMap_.erase(slot);
  liveDocs_--;
  liveTokens_ -= ranges_[slot].count;
  deadDocs_++;
  deadTokens_ += ranges_[slot].count;
}

size_t MultiVectorIndex::remove(const IdList& ids) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  requireWritable();
  idMap_.checkKind(ids, false);
  std::vector<uint32_t> slots(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    slots[i] = idMap_.find(ids, i);
    if (slots[i] == IdMap::kNone) throw Error(codes::kUnknownId, "id " + describeId(ids, i) + " is not in the index");
  }
  size_t removed = 0;
  for (uint32_t s : slots)
    if (alive_[s]) {  // an id repeated in the list is deleted once
      kill(s);
      removed++;
    }
  maybeCompact();
  return removed;
}

void MultiVectorIndex::maybeCompact() {
  if (deadDocs_ == 0) return;
  const double t = options_.compactThreshold;
  const bool tokens = double(deadTokens_) > t * double(deadTokens_ + liveTokens_);
  const bool docs = double(deadDocs_) > t * double(deadDocs_ + liveDocs_);
  if (t < 1.0 && (tokens || docs)) compactLocked();
}

void MultiVectorIndex::compact() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  requireWritable();
  compactLocked();
}

void MultiVectorIndex::compactLocked() {
  if (deadDocs_ == 0) return;
  std::unique_ptr<TokenStore> fresh = store_->emptyClone();
  std::vector<uint32_t> keep;
  keep.reserve(liveDocs_);
  for (uint32_t s = 0; s < ranges_.size(); ++s)
    if (alive_[s]) keep.push_back(s);
  std::vector<TokenRange> ranges(keep.size());
  for (size_t i = 0; i < keep.size(); ++i) ranges[i] = fresh->reserve(ranges_[keep[i]].count);
  parallelFor(keep.size(), grainFor(keep.size()), [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) fresh->copyFrom(*store_, ranges_[keep[i]], ranges[i]);
  });
  idMap_.compact(keep);
  if (gen_) {
    std::vector<uint32_t> oldToNew(ranges_.size(), CandidateGenerator::kDropped);
    for (size_t i = 0; i < keep.size(); ++i) oldToNew[keep[i]] = static_cast<uint32_t>(i);
    gen_->compact(oldToNew);
  }
  if (sketch_) sketch_->compact(keep);
  device_.reset();
  store_ = std::move(fresh);
  ranges_ = std::move(ranges);
  alive_.assign(ranges_.size(), 1);
  deadDocs_ = deadTokens_ = 0;
}

void MultiVectorIndex::train(const float* rows, size_t n) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  requireWritable();
  checkFiniteRows(rows, n * options_.dim, 0);
  if (n == 0) throw Error(codes::kInvalidArgument, "the training sample has no rows");
  store_->train(rows, n);
}

size_t MultiVectorIndex::size() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return liveDocs_;
}

bool MultiVectorIndex::has(const IdList& ids, size_t i) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return idMap_.find(ids, i) != IdMap::kNone;
}

std::vector<float> MultiVectorIndex::get(const IdList& ids, size_t i) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  const uint32_t slot = idMap_.find(ids, i);
  if (slot == IdMap::kNone) throw Error(codes::kUnknownId, "id " + describeId(ids, i) + " is not in the index");
  std::vector<float> out(size_t(ranges_[slot].count) * options_.dim);
  store_->decode(ranges_[slot], out.data());
  return out;
}

void MultiVectorIndex::buildSketch() {
  sketch_ = std::make_unique<BoundSketch>(options_.dim);
  const size_t n = ranges_.size();
  std::vector<DocBound> bounds(n);
  for (size_t s = 0; s < n; ++s) bounds[s].range = sketch_->reserve(ranges_[s].count);
  parallelFor(n, grainFor(n), [&](size_t b, size_t e) {
    std::vector<float> rows;
    for (size_t s = b; s < e; ++s) {
      rows.resize(size_t(ranges_[s].count) * options_.dim);
      store_->decode(ranges_[s], rows.data());
      bounds[s] = sketch_->encode(bounds[s].range, rows.data());
    }
  });
  sketch_->reserveSlots(n);
  for (const DocBound& d : bounds) sketch_->append(d);
}

IndexStats MultiVectorIndex::stats() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  IndexStats s;
  s.documents = liveDocs_;
  s.tokens = liveTokens_;
  s.deletedDocuments = deadDocs_;
  s.deletedTokens = deadTokens_;
  s.bytesPerToken = store_->bytesPerToken();
  s.tokenBytes = static_cast<size_t>(std::llround(double(liveTokens_) * s.bytesPerToken));
  // Rows still held (tombstoned ones until compaction) in stored form, plus the tables. The
  // unused tail of the last segment is left out: its pages are never touched.
  s.totalBytes = static_cast<size_t>(std::llround(double(store_->rows()) * s.bytesPerToken)) + store_->codecBytes() +
                 ranges_.capacity() * sizeof(TokenRange) + alive_.capacity() + idMap_.memoryBytes();
  s.allocatedBytes = store_->allocatedBytes();
  s.mapped = store_->borrowed();
  if (gen_) s.totalBytes += gen_->stats().bytes;
  if (sketch_) s.totalBytes += sketch_->bytes();
  return s;
}

size_t MultiVectorIndex::heapBytes() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  // The sketch is rebuilt in memory on load, mapped or not.
  return (store_->borrowed() ? 0 : store_->allocatedBytes()) + (sketch_ ? sketch_->bytes() : 0);
}

void MultiVectorIndex::setSearchDefaults(const CandidateParams& p) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  options_.searchDefaults = p;
}

CandidateParams MultiVectorIndex::searchDefaults() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return options_.searchDefaults;
}

CandidateStats MultiVectorIndex::candidateStats() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return gen_ ? gen_->stats() : CandidateStats{};
}

void MultiVectorIndex::retrain() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  requireWritable();
  if (!gen_) throw Error(codes::kInvalidArgument, "retrain() needs a candidate strategy ('muvera' or 'plaid')");
  compactLocked();  // slots are then exactly the live documents
  feedGenerator(0, static_cast<uint32_t>(ranges_.size()), true);
}

}  // namespace maxsim::mvindex
