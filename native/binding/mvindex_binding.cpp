// N-API surface of MultiVectorIndex. The TS facade (lib/multi_vector_index.ts) validates first;
// everything is checked again here. Methods are plain functions on the prototype that check the
// type tag of `this` before unwrapping, so calling one on a foreign object throws
// ERR_INVALID_ARGUMENT instead of touching foreign memory.
//
// Ids cross the boundary as a Float64Array (integer ids, 0 .. 2^53-1) or an Array of strings.
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>

#include "../core/error.h"
#include "../core/finite.h"
#include "../mvindex/multi_vector_index.h"
#include "../mvindex/token_pooling.h"
#include "mvindex_args.h"
#include "napi_util.h"

namespace maxsim::binding {
namespace {

using mvindex::DocumentBatch;
using mvindex::Filter;
using mvindex::IdKind;
using mvindex::IdList;
using mvindex::IndexOptions;
using mvindex::MultiVectorIndex;
using mvindex::SearchHits;
using namespace mvargs;  // NOLINT: the argument converters are this file's vocabulary

const napi_type_tag kIndexTag = {0x6d766978'4d617853ull, 0x9a3c5e7f'1b2d4c6bull};

class IndexWrap : public Napi::ObjectWrap<IndexWrap> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit IndexWrap(const Napi::CallbackInfo& info);
  ~IndexWrap() override { memory.set(Env(), 0); }
  // After construction and after every call that changes what the index holds.
  void reportMemory(Napi::Env env) { memory.set(env, index->heapBytes()); }
  std::shared_ptr<MultiVectorIndex> index;
  ExternalMemory memory;
};

std::shared_ptr<MultiVectorIndex> self(const Napi::CallbackInfo& info) {
  IndexWrap* w = unwrapTagged<IndexWrap>(info, kIndexTag, "MultiVectorIndex");
  if (!w->index) throwInvalid(info.Env(), "this MultiVectorIndex was not constructed");
  return w->index;
}

// After a call that changes what the index holds.
void reportMemory(const Napi::CallbackInfo& info) {
  unwrapTagged<IndexWrap>(info, kIndexTag, "MultiVectorIndex")->reportMemory(info.Env());
}

// reportMemory for an async call: on the main thread once the work settles (the wrapper is
// kept alive until then).
std::function<void(Napi::Env)> reportLater(const Napi::CallbackInfo& info) {
  unwrapTagged<IndexWrap>(info, kIndexTag, "MultiVectorIndex");
  auto obj = std::make_shared<Napi::ObjectReference>(Napi::Persistent(info.This().As<Napi::Object>()));
  return [obj](Napi::Env env) { Napi::ObjectWrap<IndexWrap>::Unwrap(obj->Value())->reportMemory(env); };
}

// Queues a worker that changes nothing JS sees of the index's size; resolves to undefined.
Napi::Value queueVoid(const Napi::CallbackInfo& info, std::function<void()> body) {
  auto* w = new PromiseWorker(info.Env(), info, std::move(body), [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// Queues a worker whose body mutates the index; the promise resolves to undefined.
Napi::Value queueMutation(const Napi::CallbackInfo& info, std::function<void()> body) {
  auto* w = new ProgressPromiseWorker(
      info.Env(), info, info.Env().Undefined(), 0, [body = std::move(body)](const ProgressPromiseWorker::Report&) { body(); },
      [](Napi::Env env) -> Napi::Value { return env.Undefined(); }, reportLater(info));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// An index loaded off the main thread, handed to the constructor as { loaded } (tagged, so
// no other External can pose as one; used once).
const napi_type_tag kLoadedTag = {0x6d766978'4c6f6164ull, 0x2b7e1516'28aed2a6ull};
struct LoadedIndex {
  std::shared_ptr<MultiVectorIndex> index;
};


IndexWrap::IndexWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IndexWrap>(info) {
  guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throwInvalid(env, "options must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    if (o.Has("loaded")) {
      Napi::Value v = o.Get("loaded");
      bool tagged = false;
      if (v.IsExternal()) napi_check_object_type_tag(env, v, &kLoadedTag, &tagged);
      if (!tagged) throwInvalid(env, "loaded must come from loadAsync");
      LoadedIndex* l = v.As<Napi::External<LoadedIndex>>().Data();
      if (!l || !l->index) throwInvalid(env, "this loaded index was already used");
      index = std::move(l->index);
    } else if (o.Has("load")) {
      if (!o.Get("load").IsString()) throwInvalid(env, "path must be a string");
      const bool mmap = o.Get("mmap").ToBoolean().Value();
      index = MultiVectorIndex::load(o.Get("load").As<Napi::String>().Utf8Value(), mmap);
    } else {
      IndexOptions opt;
      auto num = [&](const char* key, double dflt) -> double {
        Napi::Value v = o.Get(key);
        if (v.IsUndefined()) return dflt;
        if (!v.IsNumber()) throwInvalid(env, std::string(key) + " must be a number");
        return v.As<Napi::Number>().DoubleValue();
      };
      const double dim = num("dim", 0);
      if (!(dim >= 1 && dim <= 65536) || std::floor(dim) != dim) throwInvalid(env, "dim must be an integer in [1, 65536]");
      opt.dim = static_cast<uint32_t>(dim);
      Napi::Value st = o.Get("storage");
      const std::string storage = st.IsUndefined() ? "f32" : (st.IsString() ? st.As<Napi::String>().Utf8Value() : "");
      if (!mvindex::parseStorage(storage, &opt.storage))
        throwInvalid(env, "storage must be one of 'f32', 'f16', 'bf16', 'int8', 'binary', 'pq', 'residual'");
      Napi::Value it = o.Get("idType");
      if (!it.IsUndefined()) {
        const std::string s = it.IsString() ? it.As<Napi::String>().Utf8Value() : "";
        if (s == "number") opt.idKind = IdKind::Number;
        else if (s == "string") opt.idKind = IdKind::String;
        else throwInvalid(env, "idType must be 'number' or 'string'");
      }
      opt.pooling.factor = num("poolFactor", 1.0);
      const double prot = num("protectedTokens", 0);
      if (!(prot >= 0 && prot <= 4294967295.0) || std::floor(prot) != prot)
        throwInvalid(env, "protectedTokens must be a non-negative integer");
      opt.pooling.protectedTokens = static_cast<uint32_t>(prot);
      opt.compactThreshold = num("compactThreshold", 0.25);
      Napi::Value ep = o.Get("exactPruning");
      if (!ep.IsUndefined()) {
        if (!ep.IsBoolean()) throwInvalid(env, "exactPruning must be a boolean");
        opt.exactPruning = ep.As<Napi::Boolean>().Value();
      }
      candidateOptionsArg(env, o, opt.candidates);
      // Codec parameters: range checks live in the stores (ERR_INVALID_ARGUMENT from there).
      auto count = [&](const char* key, double dflt) -> uint32_t {
        const double v = num(key, dflt);
        if (!(v >= 0 && v <= 4294967295.0) || std::floor(v) != v) throwInvalid(env, std::string(key) + " must be a non-negative integer");
        return static_cast<uint32_t>(v);
      };
      opt.codec.pqSubspaces = count("pqSubspaces", 0);
      opt.codec.pqBits = count("pqBits", 8);
      opt.codec.residualBits = count("residualBits", 2);
      opt.codec.residualCentroids = count("residualCentroids", 0);
      index = std::make_shared<MultiVectorIndex>(opt);
    }
    tagObject(env, info.This().As<Napi::Object>(), kIndexTag);
    reportMemory(env);
    return env.Undefined();
  });
}

// add(ids, tokens: Float32Array | Float32Array[], offsets: Uint32Array | undefined, upsert)
Napi::Value Add(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    const IdList ids = idsArg(info, 0, "ids");
    const DocumentBatch docs = documentsArg(info, 1, ix->options().dim);
    const bool upsert = info.Length() > 3 && info[3].ToBoolean().Value();
    ix->add(ids, docs, upsert);
    reportMemory(info);
    return info.Env().Undefined();
  });
}

// addAsync(ids, tokens, offsets | undefined, upsert, onProgress | undefined): add() on the thread
// pool; onProgress(done, total) in documents, on the main thread.
Napi::Value AddAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    auto ids = std::make_shared<IdList>(idsArg(info, 0, "ids"));
    // The worker keeps the arguments alive, but with an array of documents it reads each
    // element's memory: the elements themselves are pinned, so a caller who empties the array
    // while the add runs cannot free them. Released on the main thread with the result callback.
    auto pinned = std::make_shared<std::vector<Napi::Reference<Napi::Value>>>();
    auto docs = std::make_shared<DocumentBatch>(documentsArg(info, 1, ix->options().dim, pinned.get()));
    const bool upsert = info.Length() > 3 && info[3].ToBoolean().Value();
    Napi::Value cb = info.Length() > 4 ? info[4] : info.Env().Undefined();
    if (!cb.IsUndefined() && !cb.IsFunction()) throwInvalid(info.Env(), "onProgress must be a function");
    auto* w = new ProgressPromiseWorker(
        info.Env(), info, cb, docs->counts.size(),
        [ix, ids, docs, upsert](const ProgressPromiseWorker::Report& report) { ix->add(*ids, *docs, upsert, report); },
        [pinned](Napi::Env env) -> Napi::Value { return env.Undefined(); }, reportLater(info));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

// compactAsync() / retrainAsync(): a no-argument mutation on the thread pool.
template <void (MultiVectorIndex::*Method)()>
Napi::Value MutationAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    return queueMutation(info, [ix] { ((*ix).*Method)(); });
  });
}

Napi::Value TrainAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    auto s = typedArrayArg<float>(info, 0, napi_float32_array, "sample");
    const size_t dim = ix->options().dim;
    if (s.length % dim != 0) throwError(info.Env(), codes::kDimensionMismatch, "sample length is not a multiple of dim");
    const float* rows = s.data;
    const size_t n = s.length / dim;
    return queueMutation(info, [ix, rows, n] { ix->train(rows, n); });
  });
}

Napi::Value SaveAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "path must be a string");
    std::string path = info[0].As<Napi::String>().Utf8Value();
    return queueVoid(info, [ix, path] { ix->save(path); });
  });
}

// mvLoadAsync(path, mmap) -> Promise<loaded handle> for new MultiVectorIndex({ loaded }).
Napi::Value LoadAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "path must be a string");
    std::string path = info[0].As<Napi::String>().Utf8Value();
    const bool mmap = info.Length() > 1 && info[1].ToBoolean().Value();
    auto out = std::make_shared<std::shared_ptr<MultiVectorIndex>>();
    auto* w = new PromiseWorker(
        info.Env(), info, [path, mmap, out] { *out = MultiVectorIndex::load(path, mmap); },
        [out](Napi::Env env) -> Napi::Value {
          auto ext = Napi::External<LoadedIndex>::New(env, new LoadedIndex{std::move(*out)}, [](Napi::Env, LoadedIndex* l) { delete l; });
          if (napi_type_tag_object(env, ext, &kLoadedTag) != napi_ok) throwError(env, codes::kInternal, "could not tag object");
          return ext;
        });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value Delete(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    const size_t removed = ix->remove(idsArg(info, 0, "ids"));
    reportMemory(info);
    return Napi::Number::New(info.Env(), double(removed));
  });
}

// deleteAsync(ids): a delete can pass compactThreshold and compact the store, so it has an
// off-thread form too.
Napi::Value DeleteAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    auto ids = std::make_shared<IdList>(idsArg(info, 0, "ids"));
    auto removed = std::make_shared<size_t>(0);
    auto* w = new ProgressPromiseWorker(
        info.Env(), info, info.Env().Undefined(), 0,
        [ix, ids, removed](const ProgressPromiseWorker::Report&) { *removed = ix->remove(*ids); },
        [removed](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, double(*removed)); }, reportLater(info));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value Compact(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    self(info)->compact();
    reportMemory(info);
    return info.Env().Undefined();
  });
}

Napi::Value Train(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    auto s = typedArrayArg<float>(info, 0, napi_float32_array, "sample");
    if (s.length % ix->options().dim != 0)
      throwError(info.Env(), codes::kDimensionMismatch, "sample length is not a multiple of dim");
    ix->train(s.data, s.length / ix->options().dim);
    reportMemory(info);
    return info.Env().Undefined();
  });
}

Napi::Value Size(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), double(self(info)->size())); });
}

Napi::Value Has(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    return Napi::Boolean::New(info.Env(), ix->has(oneIdArg(info, 0), 0));
  });
}

Napi::Value Get(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    std::vector<float> v = ix->get(oneIdArg(info, 0), 0);
    Napi::Float32Array a = Napi::Float32Array::New(info.Env(), v.size());
    if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(float));
    return a;
  });
}

Napi::Value Ids(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    return hitsToJs(info.Env(), self(info)->ids()).As<Napi::Object>().Get("ids");
  });
}

// search(query, k, filterMode, filterIds)
Napi::Value Search(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    QueryArg q = queryArg(info, 0, ix->options().dim);
    const size_t k = kArg(info, 1);
    Filter f = filterArg(info, 2);
    const mvindex::SearchParams sp = searchParamsArg(info, 4);
    return hitsToJs(info.Env(), ix->search(q.data, q.nq, k, f, sp));
  });
}

Napi::Value SearchAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    QueryArg q = queryArg(info, 0, ix->options().dim);
    const size_t k = kArg(info, 1);
    auto f = std::make_shared<Filter>(filterArg(info, 2));
    const mvindex::SearchParams sp = searchParamsArg(info, 4);
    auto hits = std::make_shared<SearchHits>();
    auto* w = new PromiseWorker(
        info.Env(), info, [ix, q, k, f, sp, hits] { *hits = ix->search(q.data, q.nq, k, *f, sp); },
        [hits](Napi::Env env) -> Napi::Value { return hitsToJs(env, *hits); });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value batchToJs(Napi::Env env, const std::vector<SearchHits>& all) {
  Napi::Array a = Napi::Array::New(env, all.size());
  for (size_t i = 0; i < all.size(); ++i) a.Set(uint32_t(i), hitsToJs(env, all[i]));
  return a;
}

// searchBatch(queries, queryOffsets, k, filterMode, filterIds)
Napi::Value SearchBatch(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    BatchQueryArg q = batchQueryArg(info, 0, ix->options().dim);
    const size_t k = kArg(info, 2);
    Filter f = filterArg(info, 3);
    const mvindex::SearchParams sp = searchParamsArg(info, 5);
    return batchToJs(info.Env(), ix->searchBatch(q.data, q.offsets, q.n, k, f, sp));
  });
}

Napi::Value SearchBatchAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    BatchQueryArg q = batchQueryArg(info, 0, ix->options().dim);
    const size_t k = kArg(info, 2);
    auto f = std::make_shared<Filter>(filterArg(info, 3));
    const mvindex::SearchParams sp = searchParamsArg(info, 5);
    auto out = std::make_shared<std::vector<SearchHits>>();
    auto* w = new PromiseWorker(
        info.Env(), info, [ix, q, k, f, sp, out] { *out = ix->searchBatch(q.data, q.offsets, q.n, k, *f, sp); },
        [out](Napi::Env env) -> Napi::Value { return batchToJs(env, *out); });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value Save(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "path must be a string");
    ix->save(info[0].As<Napi::String>().Utf8Value());
    return info.Env().Undefined();
  });
}

Napi::Value Stats(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto ix = self(info);
    const mvindex::IndexStats s = ix->stats();
    const IndexOptions& o = ix->options();
    Napi::Object r = Napi::Object::New(env);
    r.Set("storage", mvindex::storageName(o.storage));
    r.Set("dim", double(o.dim));
    r.Set("documents", double(s.documents));
    r.Set("tokens", double(s.tokens));
    r.Set("deletedDocuments", double(s.deletedDocuments));
    r.Set("deletedTokens", double(s.deletedTokens));
    r.Set("bytesPerToken", s.bytesPerToken);
    r.Set("tokenBytes", double(s.tokenBytes));
    r.Set("totalBytes", double(s.totalBytes));
    r.Set("allocatedBytes", double(s.allocatedBytes));
    r.Set("mapped", s.mapped);
    r.Set("candidates", mvindex::candidateKindName(o.candidates.kind));
    if (o.candidates.kind != mvindex::CandidateKind::Exact) {
      const mvindex::CandidateStats c = ix->candidateStats();
      Napi::Object cs = Napi::Object::New(env);
      cs.Set("bytes", double(c.bytes));
      if (o.candidates.kind == mvindex::CandidateKind::Plaid) {
        cs.Set("centroids", double(c.centroids));
        cs.Set("trainSimilarity", c.trainSimilarity);
        cs.Set("addedSimilarity", c.addedSimilarity);
        cs.Set("tokensSinceTrain", double(c.tokensSinceTrain));
        cs.Set("drift", c.drift);
        cs.Set("needsRetrain", c.needsRetrain);
      }
      r.Set("candidateStats", cs);
    }
    return r;
  });
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto ix = self(info);
    const IndexOptions& o = ix->options();
    Napi::Object r = Napi::Object::New(env);
    r.Set("dim", double(o.dim));
    r.Set("storage", mvindex::storageName(o.storage));
    const IdKind k = ix->idKind();
    r.Set("idType", k == IdKind::Unset ? env.Undefined() : Napi::String::New(env, mvindex::idKindName(k)));
    r.Set("poolFactor", o.pooling.factor);
    r.Set("protectedTokens", double(o.pooling.protectedTokens));
    r.Set("compactThreshold", o.compactThreshold);
    r.Set("exactPruning", o.exactPruning);
    r.Set("readOnly", ix->readOnly());
    r.Set("candidates", mvindex::candidateKindName(o.candidates.kind));
    r.Set("searchDefaults", candidateParamsToJs(env, ix->searchDefaults()));
    return r;
  });
}

// poolTokens(rows f32, dim, poolFactor, protectedTokens, int8Codes) -> pooled rows (the add-time transform)
Napi::Value PoolTokens(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto rows = typedArrayArg<float>(info, 0, napi_float32_array, "tokens");
    const uint32_t dim = uint32Arg(info, 1, "dim");
    if (dim == 0 || rows.length % dim != 0) throwError(env, codes::kDimensionMismatch, "tokens length is not a multiple of dim");
    // Ward over a NaN distance has no defined merge order: refuse, as add() does.
    const size_t bad = firstNonFinite(rows.data, rows.length);
    if (bad != rows.length)
      throwError(env, codes::kNonFinite, "tokens contains NaN or Infinity (row " + std::to_string(bad / dim) + ")");
    mvindex::PoolingOptions o;
    o.factor = numberArg(info, 2, "poolFactor");
    if (!(o.factor >= 1) || !std::isfinite(o.factor)) throwInvalid(env, "poolFactor must be a finite number >= 1");
    o.protectedTokens = uint32Arg(info, 3, "protectedTokens");
    if (info.Length() > 4 && info[4].IsBoolean() && info[4].As<Napi::Boolean>().Value()) o.wardInput = mvindex::WardInput::Int8Codes;
    std::vector<float> out;
    mvindex::poolTokens(rows.data, static_cast<uint32_t>(rows.length / dim), dim, o, out);
    Napi::Float32Array a = Napi::Float32Array::New(env, out.size());
    if (!out.empty()) std::memcpy(a.Data(), out.data(), out.size() * sizeof(float));
    return a;
  });
}

Napi::Value SetSearchDefaults(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    if (info.Length() < 1 || !info[0].IsObject()) throwInvalid(info.Env(), "defaults must be an object");
    ix->setSearchDefaults(candidateParamsArg(info.Env(), info[0].As<Napi::Object>()));
    return info.Env().Undefined();
  });
}

Napi::Value Retrain(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    self(info)->retrain();
    reportMemory(info);
    return info.Env().Undefined();
  });
}

// toDevice(device) / toDeviceAsync(device): uploads the live documents to a CUDA device.
int deviceArg(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsNumber()) throwInvalid(info.Env(), "device must be a non-negative integer");
  const double d = info[0].As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 1024) || std::floor(d) != d) throwInvalid(info.Env(), "device must be a non-negative integer");
  return static_cast<int>(d);
}

Napi::Value ToDevice(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    self(info)->toDevice(deviceArg(info));
    return info.Env().Undefined();
  });
}

Napi::Value ToDeviceAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    const int device = deviceArg(info);
    return queueVoid(info, [ix, device] { ix->toDevice(device); });
  });
}

Napi::Value ReleaseDevice(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    self(info)->releaseDevice();
    return info.Env().Undefined();
  });
}

Napi::Value DeviceState(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto ix = self(info);
    Napi::Object r = Napi::Object::New(info.Env());
    r.Set("onDevice", ix->onDevice());
    r.Set("deviceBytes", double(ix->deviceBytes()));
    return r;
  });
}

Napi::Function IndexWrap::define(Napi::Env env) {
  struct M { const char* name; Napi::Value (*fn)(const Napi::CallbackInfo&); };
  static const M methods[] = {
      {"add", Add}, {"delete", Delete}, {"compact", Compact}, {"train", Train}, {"size", Size},
      {"has", Has}, {"get", Get}, {"ids", Ids}, {"search", Search}, {"searchAsync", SearchAsync},
      {"searchBatch", SearchBatch}, {"searchBatchAsync", SearchBatchAsync}, {"save", Save},
      {"stats", Stats}, {"info", Info}, {"setSearchDefaults", SetSearchDefaults}, {"retrain", Retrain},
      {"toDevice", ToDevice}, {"toDeviceAsync", ToDeviceAsync}, {"releaseDevice", ReleaseDevice},
      {"deviceState", DeviceState}, {"addAsync", AddAsync}, {"deleteAsync", DeleteAsync}, {"compactAsync", MutationAsync<&MultiVectorIndex::compact>},
      {"trainAsync", TrainAsync}, {"retrainAsync", MutationAsync<&MultiVectorIndex::retrain>}, {"saveAsync", SaveAsync},
  };
  // Plain functions on the prototype (a class template only takes primitives): each checks the
  // tag of `this` itself, which ObjectWrap's InstanceMethod would not.
  Napi::Function ctor = DefineClass(env, "MultiVectorIndex", {});
  Napi::Object proto = ctor.Get("prototype").As<Napi::Object>();
  for (const M& m : methods) proto.Set(m.name, Napi::Function::New(env, m.fn, m.name));
  return ctor;
}

}  // namespace

void initMultiVectorIndex(Napi::Env env, Napi::Object exports) {
  exports.Set("MultiVectorIndex", IndexWrap::define(env));
  exports.Set("mvPoolTokens", Napi::Function::New(env, PoolTokens, "mvPoolTokens"));
  exports.Set("mvLoadAsync", Napi::Function::New(env, LoadAsync, "mvLoadAsync"));
}

}  // namespace maxsim::binding
