// N-API surface of MultiVectorIndex. The TS facade (lib/multi_vector_index.ts) validates first;
// everything is checked again here. Methods are plain functions on the prototype that check the
// type tag of `this` before unwrapping, so calling one on a foreign object throws
// ERR_INVALID_ARGUMENT instead of touching foreign memory.
//
// Ids cross the boundary as a Float64Array (integer ids, 0 .. 2^53-1) or an Array of strings.
#include <cmath>
#include <cstring>
#include <memory>

#include "../core/error.h"
#include "../core/finite.h"
#include "../mvindex/multi_vector_index.h"
#include "../mvindex/token_pooling.h"
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

const napi_type_tag kIndexTag = {0x6d766978'4d617853ull, 0x9a3c5e7f'1b2d4c6bull};
constexpr double kMaxSafeInteger = 9007199254740991.0;

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

uint64_t numberId(Napi::Env env, double v, const char* name) {
  if (!(v >= 0) || v > kMaxSafeInteger || std::floor(v) != v)
    throwInvalid(env, std::string(name) + " must hold integers in [0, 2^53 - 1] or strings");
  return static_cast<uint64_t>(v);
}

// A Float64Array of integer ids or an Array of strings.
IdList idsArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Env env = info.Env();
  IdList ids;
  if (info.Length() > i && info[i].IsTypedArray()) {
    auto a = typedArrayArg<double>(info, i, napi_float64_array, name);
    ids.kind = IdKind::Number;
    ids.numbers.resize(a.length);
    for (size_t k = 0; k < a.length; ++k) ids.numbers[k] = numberId(env, a.data[k], name);
    return ids;
  }
  if (info.Length() > i && info[i].IsArray()) {
    Napi::Array arr = info[i].As<Napi::Array>();
    ids.kind = IdKind::String;
    ids.strings.reserve(arr.Length());
    for (uint32_t k = 0; k < arr.Length(); ++k) {
      Napi::Value v = arr.Get(k);
      if (!v.IsString()) throwInvalid(env, std::string(name) + " must be a Float64Array of integers or an array of strings");
      ids.strings.push_back(v.As<Napi::String>().Utf8Value());
    }
    return ids;
  }
  throwInvalid(env, std::string(name) + " must be a Float64Array of integers or an array of strings");
}

// One id: a number or a string.
IdList oneIdArg(const Napi::CallbackInfo& info, size_t i) {
  IdList ids;
  if (info.Length() > i && info[i].IsNumber()) {
    ids.kind = IdKind::Number;
    ids.numbers.push_back(numberId(info.Env(), info[i].As<Napi::Number>().DoubleValue(), "id"));
  } else if (info.Length() > i && info[i].IsString()) {
    ids.kind = IdKind::String;
    ids.strings.push_back(info[i].As<Napi::String>().Utf8Value());
  } else {
    throwInvalid(info.Env(), "id must be an integer or a string");
  }
  return ids;
}

Napi::Value hitsToJs(Napi::Env env, const SearchHits& h) {
  Napi::Object o = Napi::Object::New(env);
  if (h.kind == IdKind::String) {
    Napi::Array a = Napi::Array::New(env, h.strings.size());
    for (size_t i = 0; i < h.strings.size(); ++i) a.Set(uint32_t(i), Napi::String::New(env, h.strings[i]));
    o.Set("ids", a);
  } else {
    Napi::Float64Array a = Napi::Float64Array::New(env, h.numbers.size());
    for (size_t i = 0; i < h.numbers.size(); ++i) a[i] = static_cast<double>(h.numbers[i]);
    o.Set("ids", a);
  }
  Napi::Float32Array s = Napi::Float32Array::New(env, h.scores.size());
  for (size_t i = 0; i < h.scores.size(); ++i) s[i] = h.scores[i];
  o.Set("scores", s);
  return o;
}

size_t kArg(const Napi::CallbackInfo& info, size_t i) {
  const double k = numberArg(info, i, "k");
  if (!(k >= 1) || std::floor(k) != k || k > 4294967295.0) throwInvalid(info.Env(), "k must be a positive integer");
  return static_cast<size_t>(k);
}

// (mode 0 none / 1 allow / 2 deny, ids)
Filter filterArg(const Napi::CallbackInfo& info, size_t i) {
  Filter f;
  const uint32_t mode = uint32Arg(info, i, "filter mode");
  if (mode > 2) throwInvalid(info.Env(), "filter mode must be 0, 1 or 2");
  f.mode = static_cast<Filter::Mode>(mode);
  if (f.mode != Filter::Mode::None) f.ids = idsArg(info, i + 1, "filter");
  return f;
}

struct QueryArg {
  const float* data;
  uint32_t nq;
};

QueryArg queryArg(const Napi::CallbackInfo& info, size_t i, uint32_t dim) {
  auto q = typedArrayArg<float>(info, i, napi_float32_array, "query");
  if (q.length == 0) throwError(info.Env(), codes::kEmptyQuery, "query has no tokens");
  if (q.length % dim != 0)
    throwError(info.Env(), codes::kDimensionMismatch, "query length " + std::to_string(q.length) +
                                                          " is not a multiple of dim " + std::to_string(dim));
  if (q.length / dim > 0xffffffffu) throwInvalid(info.Env(), "query has too many tokens");
  return {q.data, static_cast<uint32_t>(q.length / dim)};
}

struct BatchQueryArg {
  const float* data;
  const uint32_t* offsets;
  size_t n;
};

BatchQueryArg batchQueryArg(const Napi::CallbackInfo& info, size_t i, uint32_t dim) {
  auto q = typedArrayArg<float>(info, i, napi_float32_array, "queries");
  if (q.length % dim != 0)
    throwError(info.Env(), codes::kDimensionMismatch, "queries length " + std::to_string(q.length) +
                                                          " is not a multiple of dim " + std::to_string(dim));
  auto o = typedArrayArg<uint32_t>(info, i + 1, napi_uint32_array, "queryOffsets");
  checkOffsets(o.data, o.length, q.length / dim, "queryOffsets");
  return {q.data, o.data, o.length - 1};
}


// A non-negative integer option of `o` (absent: keep *out).
void uintOption(Napi::Env env, Napi::Object o, const char* key, const std::string& what, uint32_t* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return;
  const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= 4294967295.0) || std::floor(d) != d) throwInvalid(env, what + "." + key + " must be a non-negative integer");
  *out = static_cast<uint32_t>(d);
}

// candidates: 'exact' | 'muvera' | 'plaid', with optional muvera: {...} / plaid: {...} settings.
void candidateOptionsArg(Napi::Env env, Napi::Object o, mvindex::CandidateOptions& c) {
  Napi::Value kind = o.Get("candidates");
  if (kind.IsUndefined()) return;
  const std::string k = kind.IsString() ? kind.As<Napi::String>().Utf8Value() : "";
  if (k == "exact") c.kind = mvindex::CandidateKind::Exact;
  else if (k == "muvera") c.kind = mvindex::CandidateKind::Muvera;
  else if (k == "plaid") c.kind = mvindex::CandidateKind::Plaid;
  else throwInvalid(env, "candidates must be 'exact', 'muvera' or 'plaid'");
  Napi::Value mv = o.Get("muvera");
  if (!mv.IsUndefined()) {
    if (!mv.IsObject()) throwInvalid(env, "muvera must be an object");
    Napi::Object m = mv.As<Napi::Object>();
    uintOption(env, m, "repetitions", "muvera", &c.repetitions);
    uintOption(env, m, "simhashBits", "muvera", &c.simhashBits);
    uintOption(env, m, "projectionDim", "muvera", &c.projectionDim);
    uintOption(env, m, "finalDim", "muvera", &c.finalDim);
    uintOption(env, m, "M", "muvera", &c.M);
    uintOption(env, m, "efConstruction", "muvera", &c.efConstruction);
    uintOption(env, m, "pqSubspaces", "muvera", &c.pqSubspaces);
    uint32_t seed = static_cast<uint32_t>(c.seed);
    uintOption(env, m, "seed", "muvera", &seed);
    c.seed = seed;
    Napi::Value st = m.Get("storage");
    if (!st.IsUndefined()) {
      const std::string s = st.IsString() ? st.As<Napi::String>().Utf8Value() : "";
      if (s == "f32") c.hnswStorage = 0;
      else if (s == "f16") c.hnswStorage = 1;
      else if (s == "int8") c.hnswStorage = 2;
      else if (s == "pq") c.hnswStorage = 3;
      else throwInvalid(env, "muvera.storage must be 'f32', 'f16', 'int8' or 'pq'");
    }
  }
  Napi::Value pv = o.Get("plaid");
  if (!pv.IsUndefined()) {
    if (!pv.IsObject()) throwInvalid(env, "plaid must be an object");
    Napi::Object p = pv.As<Napi::Object>();
    uintOption(env, p, "centroids", "plaid", &c.centroids);
    Napi::Value d = p.Get("retrainDrift");
    if (!d.IsUndefined()) {
      if (!d.IsNumber()) throwInvalid(env, "plaid.retrainDrift must be a number");
      c.retrainDrift = d.As<Napi::Number>().DoubleValue();
    }
  }
}

// { ef, numCandidates, ncells, ndocs, centroidScoreThreshold } (each optional).
mvindex::CandidateParams candidateParamsArg(Napi::Env env, Napi::Object o) {
  mvindex::CandidateParams p;
  uintOption(env, o, "ef", "search options", &p.ef);
  uintOption(env, o, "numCandidates", "search options", &p.numCandidates);
  uintOption(env, o, "ncells", "search options", &p.ncells);
  uintOption(env, o, "ndocs", "search options", &p.ndocs);
  Napi::Value t = o.Get("centroidScoreThreshold");
  if (!t.IsUndefined()) {
    if (!t.IsNumber() || !std::isfinite(t.As<Napi::Number>().DoubleValue()))
      throwInvalid(env, "centroidScoreThreshold must be a finite number");
    p.centroidScoreThreshold = t.As<Napi::Number>().DoubleValue();
  }
  return p;
}

Napi::Object candidateParamsToJs(Napi::Env env, const mvindex::CandidateParams& p) {
  Napi::Object r = Napi::Object::New(env);
  if (p.ef) r.Set("ef", double(p.ef));
  if (p.numCandidates) r.Set("numCandidates", double(p.numCandidates));
  if (p.ncells) r.Set("ncells", double(p.ncells));
  if (p.ndocs) r.Set("ndocs", double(p.ndocs));
  if (!std::isnan(p.centroidScoreThreshold)) r.Set("centroidScoreThreshold", p.centroidScoreThreshold);
  return r;
}

// Optional search params object at argument i: { exact, ef, numCandidates, ... }.
mvindex::SearchParams searchParamsArg(const Napi::CallbackInfo& info, size_t i) {
  mvindex::SearchParams sp;
  if (info.Length() <= i || info[i].IsUndefined()) return sp;
  if (!info[i].IsObject()) throwInvalid(info.Env(), "search params must be an object");
  Napi::Object o = info[i].As<Napi::Object>();
  sp.exact = o.Get("exact").ToBoolean().Value();
  Napi::Value dev = o.Get("device");
  if (!dev.IsUndefined()) {
    const std::string d = dev.IsString() ? dev.As<Napi::String>().Utf8Value() : "";
    if (d != "cpu" && d != "cuda") throwInvalid(info.Env(), "device must be 'cpu' or 'cuda'");
    sp.onDevice = d == "cuda";
  }
  sp.candidates = candidateParamsArg(info.Env(), o);
  return sp;
}

IndexWrap::IndexWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IndexWrap>(info) {
  guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throwInvalid(env, "options must be an object");
    Napi::Object o = info[0].As<Napi::Object>();
    if (o.Has("load")) {
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
    Napi::Env env = info.Env();
    auto ix = self(info);
    const uint32_t dim = ix->options().dim;
    IdList ids = idsArg(info, 0, "ids");
    DocumentBatch docs;
    if (info.Length() > 1 && info[1].IsArray()) {
      Napi::Array arr = info[1].As<Napi::Array>();
      for (uint32_t d = 0; d < arr.Length(); ++d) {
        Napi::Value v = arr.Get(d);
        if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
          throwInvalid(env, "documents[" + std::to_string(d) + "] must be a Float32Array");
        Napi::Float32Array a = v.As<Napi::Float32Array>();
        if (a.ElementLength() % dim != 0)
          throwError(env, codes::kDimensionMismatch, "documents[" + std::to_string(d) + "] length " +
                                                         std::to_string(a.ElementLength()) + " is not a multiple of dim " + std::to_string(dim));
        if (a.ElementLength() / dim > 0xffffffffu) throwInvalid(env, "a document has too many tokens");
        docs.rows.push_back(a.Data());
        docs.counts.push_back(static_cast<uint32_t>(a.ElementLength() / dim));
      }
    } else {
      auto t = typedArrayArg<float>(info, 1, napi_float32_array, "tokens");
      if (t.length % dim != 0)
        throwError(env, codes::kDimensionMismatch, "tokens length " + std::to_string(t.length) +
                                                       " is not a multiple of dim " + std::to_string(dim));
      auto off = typedArrayArg<uint32_t>(info, 2, napi_uint32_array, "offsets");
      checkOffsets(off.data, off.length, t.length / dim, "offsets");
      for (size_t d = 0; d + 1 < off.length; ++d) {
        docs.rows.push_back(t.data + size_t(off.data[d]) * dim);
        docs.counts.push_back(off.data[d + 1] - off.data[d]);
      }
    }
    const bool upsert = info.Length() > 3 && info[3].ToBoolean().Value();
    ix->add(ids, docs, upsert);
    reportMemory(info);
    return env.Undefined();
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
    auto* w = new PromiseWorker(
        info.Env(), info, [ix, device] { ix->toDevice(device); }, [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
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
      {"deviceState", DeviceState},
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
}

}  // namespace maxsim::binding
