// MultiVectorIndex persistence, inside the checksummed container of core/file_format.h.
//
// kind "MVIX", version 3 (versions 1 and 2 still load). payload layout:
//   u32 dim | u32 storage | u32 idKind | u32 protectedTokens | f64 poolFactor | f64 compactThreshold
//   u64 documents | u64 tokens
//   ids: numbers -> u64 count + documents x u64; strings -> per document u64 length + bytes
//   counts: u64 count + documents x u32 (tokens per document, in order)
//   codec (storage-specific; empty for element-wise storage)
//   token arrays, 64-byte aligned, documents packed in order (see TokenStore::saveRows)
//   v2: candidate section: u32 kind | CandidateOptions fields | CandidateParams search defaults |
//       the generator's own data (CandidateGenerator::save)
//   v3: u32 exactPruning (the int8 sketch itself is rebuilt from the rows on load)
//   v4: u32 pqSubspaces (muvera storage 'pq') right after the search defaults, before the
//       generator's own data
// Only live documents are written, so a saved index is always compact.
#include <cmath>
#include <mutex>

#include "../core/error.h"
#include "multi_vector_index.h"

namespace maxsim::mvindex {
namespace {
constexpr char kKind[4] = {'M', 'V', 'I', 'X'};
constexpr uint32_t kVersion = 4;

void writeCandidateOptions(FileWriter& w, const CandidateOptions& c, const CandidateParams& d) {
  w.pod<uint32_t>(static_cast<uint32_t>(c.kind));
  for (uint32_t v : {c.repetitions, c.simhashBits, c.projectionDim, c.finalDim, c.hnswStorage, c.M, c.efConstruction, c.centroids})
    w.pod<uint32_t>(v);
  w.pod<uint64_t>(c.seed);
  w.pod<double>(c.retrainDrift);
  for (uint32_t v : {d.ef, d.numCandidates, d.ncells, d.ndocs}) w.pod<uint32_t>(v);
  w.pod<double>(d.centroidScoreThreshold);
  w.pod<uint32_t>(c.pqSubspaces);  // v4
}

void readCandidateOptions(FileReader& r, CandidateOptions& c, CandidateParams& d) {
  const uint32_t kind = r.pod<uint32_t>();
  if (kind > static_cast<uint32_t>(CandidateKind::Plaid)) r.corrupt("unknown candidate strategy");
  c.kind = static_cast<CandidateKind>(kind);
  for (uint32_t* v : {&c.repetitions, &c.simhashBits, &c.projectionDim, &c.finalDim, &c.hnswStorage, &c.M, &c.efConstruction, &c.centroids})
    *v = r.pod<uint32_t>();
  c.seed = r.pod<uint64_t>();
  c.retrainDrift = r.pod<double>();
  for (uint32_t* v : {&d.ef, &d.numCandidates, &d.ncells, &d.ndocs}) *v = r.pod<uint32_t>();
  d.centroidScoreThreshold = r.pod<double>();
  if (r.version() >= 4) c.pqSubspaces = r.pod<uint32_t>();
}
}  // namespace

void MultiVectorIndex::save(const std::string& path) const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  FileWriter w(path, kKind, kVersion);
  w.pod<uint32_t>(options_.dim);
  w.pod<uint32_t>(static_cast<uint32_t>(options_.storage));
  w.pod<uint32_t>(static_cast<uint32_t>(idMap_.kind()));
  w.pod<uint32_t>(options_.pooling.protectedTokens);
  w.pod<double>(options_.pooling.factor);
  w.pod<double>(options_.compactThreshold);
  std::vector<TokenRange> live;
  std::vector<uint32_t> counts;
  std::vector<uint64_t> numbers;
  live.reserve(liveDocs_);
  for (uint32_t s = 0; s < ranges_.size(); ++s)
    if (alive_[s]) {
      live.push_back(ranges_[s]);
      counts.push_back(ranges_[s].count);
      if (idMap_.kind() != IdKind::String) numbers.push_back(idMap_.numberAt(s));
    }
  w.pod<uint64_t>(live.size());
  w.pod<uint64_t>(liveTokens_);
  if (idMap_.kind() == IdKind::String) {
    for (uint32_t s = 0; s < ranges_.size(); ++s)
      if (alive_[s]) w.str(idMap_.stringAt(s));
  } else {
    w.vec(numbers);
  }
  w.vec(counts);
  store_->saveCodec(w);
  store_->saveRows(w, live);
  writeCandidateOptions(w, options_.candidates, options_.searchDefaults);
  if (gen_) {
    std::vector<uint32_t> liveSlots;
    for (uint32_t s = 0; s < ranges_.size(); ++s)
      if (alive_[s]) liveSlots.push_back(s);
    gen_->save(w, liveSlots);
  }
  w.pod<uint32_t>(options_.exactPruning ? 1u : 0u);
  w.commit();
}

std::unique_ptr<MultiVectorIndex> MultiVectorIndex::load(const std::string& path, bool mmap) {
  std::shared_ptr<FileReader> r(FileReader::open(path, kKind, kVersion, mmap));
  std::unique_ptr<MultiVectorIndex> ix(new MultiVectorIndex());
  IndexOptions& o = ix->options_;
  o.dim = r->pod<uint32_t>();
  const uint32_t storage = r->pod<uint32_t>();
  const uint32_t idKind = r->pod<uint32_t>();
  o.pooling.protectedTokens = r->pod<uint32_t>();
  o.pooling.factor = r->pod<double>();
  o.compactThreshold = r->pod<double>();
  if (o.dim < 1 || o.dim > 65536) r->corrupt("dimension out of range");
  if (storage >= kStorageKindCount) r->corrupt("unknown storage kind " + std::to_string(storage));
  if (idKind > static_cast<uint32_t>(IdKind::String)) r->corrupt("unknown id kind");
  if (!(o.pooling.factor >= 1.0) || !std::isfinite(o.pooling.factor)) r->corrupt("bad pool factor");
  if (!(o.compactThreshold > 0.0 && o.compactThreshold <= 1.0)) r->corrupt("bad compaction threshold");
  o.storage = static_cast<StorageKind>(storage);
  o.idKind = static_cast<IdKind>(idKind);
  const uint64_t docs = r->pod<uint64_t>();
  const uint64_t tokens = r->pod<uint64_t>();
  if (docs > 0xfffffffeull || docs > r->remaining() / 4) r->corrupt("document count out of range");
  if (docs > 0 && o.idKind == IdKind::Unset) r->corrupt("documents without an id kind");

  ix->idMap_.setKind(o.idKind);
  IdList ids;
  ids.kind = o.idKind == IdKind::String ? IdKind::String : IdKind::Number;
  if (o.idKind == IdKind::String) {
    ids.strings.reserve(docs);
    for (uint64_t i = 0; i < docs; ++i) ids.strings.push_back(r->str());
  } else {
    ids.numbers = r->vec<uint64_t>();
    if (ids.numbers.size() != docs) r->corrupt("id count does not match the document count");
  }
  for (size_t i = 0; i < docs; ++i) {
    if (ix->idMap_.find(ids, i) != IdMap::kNone) r->corrupt("duplicate id " + describeId(ids, i));
    ix->idMap_.append(ids, i);
  }
  const std::vector<uint32_t> counts = r->vec<uint32_t>();
  if (counts.size() != docs) r->corrupt("token count table does not match the document count");
  uint64_t sum = 0;
  for (uint32_t c : counts) sum += c;
  if (sum != tokens) r->corrupt("token counts do not add up to the token total");

  ix->store_ = createTokenStore(o.storage, o.dim);
  ix->store_->loadCodec(*r);
  ix->store_->loadRows(*r, tokens, mmap, r);
  bool feed = false;
  if (r->version() >= 2) {
    readCandidateOptions(*r, o.candidates, o.searchDefaults);
    try {
      ix->gen_ = createCandidateGenerator(o.candidates, o.dim);
    } catch (const Error& e) {
      r->corrupt(std::string("bad candidate options: ") + e.what());
    }
    if (ix->gen_) feed = ix->gen_->load(*r, docs);
  }
  if (r->version() >= 3) {
    const uint32_t pruning = r->pod<uint32_t>();
    if (pruning > 1) r->corrupt("bad exactPruning flag");
    if (pruning && o.storage != StorageKind::F32 && o.storage != StorageKind::F16)
      r->corrupt("exactPruning on a storage that does not support it");
    o.exactPruning = pruning == 1;
  }
  r->expectEnd();

  ix->ranges_.resize(docs);
  uint32_t row = 0;
  for (size_t i = 0; i < docs; ++i) {
    ix->ranges_[i] = TokenRange{0, row, counts[i]};
    row += counts[i];
  }
  ix->alive_.assign(docs, 1);
  ix->liveDocs_ = docs;
  ix->liveTokens_ = tokens;
  ix->readOnly_ = mmap;
  if (feed) ix->feedGenerator(0, static_cast<uint32_t>(docs), false);
  if (o.exactPruning) ix->buildSketch();
  return ix;
}

}  // namespace maxsim::mvindex
