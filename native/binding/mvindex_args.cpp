// Argument conversion for the MultiVectorIndex binding (mvindex_binding.cpp): JS values in,
// the core's types out, checked again here whatever the TS facade already checked.
#include "mvindex_args.h"

#include <cmath>
#include <string>

#include "../core/error.h"

namespace maxsim::binding::mvargs {

using mvindex::DocumentBatch;
using mvindex::Filter;
using mvindex::IdKind;
using mvindex::IdList;
using mvindex::SearchHits;

namespace {

constexpr double kMaxSafeInteger = 9007199254740991.0;

uint64_t numberId(Napi::Env env, double v, const char* name) {
  if (!(v >= 0) || v > kMaxSafeInteger || std::floor(v) != v)
    throwInvalid(env, std::string(name) + " must hold integers in [0, 2^53 - 1] or strings");
  return static_cast<uint64_t>(v);
}

}  // namespace

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

QueryArg queryArg(const Napi::CallbackInfo& info, size_t i, uint32_t dim) {
  auto q = typedArrayArg<float>(info, i, napi_float32_array, "query");
  if (q.length == 0) throwError(info.Env(), codes::kEmptyQuery, "query has no tokens");
  if (q.length % dim != 0)
    throwError(info.Env(), codes::kDimensionMismatch, "query length " + std::to_string(q.length) +
                                                          " is not a multiple of dim " + std::to_string(dim));
  if (q.length / dim > 0xffffffffu) throwInvalid(info.Env(), "query has too many tokens");
  return {q.data, static_cast<uint32_t>(q.length / dim)};
}

BatchQueryArg batchQueryArg(const Napi::CallbackInfo& info, size_t i, uint32_t dim) {
  auto q = typedArrayArg<float>(info, i, napi_float32_array, "queries");
  if (q.length % dim != 0)
    throwError(info.Env(), codes::kDimensionMismatch, "queries length " + std::to_string(q.length) +
                                                          " is not a multiple of dim " + std::to_string(dim));
  auto o = typedArrayArg<uint32_t>(info, i + 1, napi_uint32_array, "queryOffsets");
  checkOffsets(o.data, o.length, q.length / dim, "queryOffsets");
  return {q.data, o.data, o.length - 1};
}


// o[key] into *out when present; anything but an object there is refused.
static bool subObject(Napi::Env env, Napi::Object o, const char* key, Napi::Object* out) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return false;
  if (!v.IsObject()) throwInvalid(env, std::string(key) + " must be an object");
  *out = v.As<Napi::Object>();
  return true;
}

// A non-negative integer option of `o` (absent: keep *out).
static void uintOption(Napi::Env env, Napi::Object o, const char* key, const std::string& what, uint32_t* out) {
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
  Napi::Object m;
  if (subObject(env, o, "muvera", &m)) {
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
  Napi::Object p;
  if (subObject(env, o, "plaid", &p)) {
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

DocumentBatch documentsArg(const Napi::CallbackInfo& info, size_t i, uint32_t dim,
                           std::vector<Napi::Reference<Napi::Value>>* pins) {
  Napi::Env env = info.Env();
  DocumentBatch docs;
  if (info.Length() > i && info[i].IsArray()) {
    Napi::Array arr = info[i].As<Napi::Array>();
    for (uint32_t d = 0; d < arr.Length(); ++d) {
      Napi::Value v = arr.Get(d);
      if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        throwInvalid(env, "documents[" + std::to_string(d) + "] must be a Float32Array");
      Napi::Float32Array a = v.As<Napi::Float32Array>();
      if (a.ElementLength() % dim != 0)
        throwError(env, codes::kDimensionMismatch, "documents[" + std::to_string(d) + "] length " +
                                                       std::to_string(a.ElementLength()) + " is not a multiple of dim " + std::to_string(dim));
      if (a.ElementLength() / dim > 0xffffffffu) throwInvalid(env, "a document has too many tokens");
      if (pins) pins->push_back(Napi::Persistent(v));
      docs.rows.push_back(a.Data());
      docs.counts.push_back(static_cast<uint32_t>(a.ElementLength() / dim));
    }
    return docs;
  }
  auto t = typedArrayArg<float>(info, i, napi_float32_array, "tokens");
  if (t.length % dim != 0)
    throwError(env, codes::kDimensionMismatch, "tokens length " + std::to_string(t.length) +
                                                   " is not a multiple of dim " + std::to_string(dim));
  auto off = typedArrayArg<uint32_t>(info, i + 1, napi_uint32_array, "offsets");
  checkOffsets(off.data, off.length, t.length / dim, "offsets");
  for (size_t d = 0; d + 1 < off.length; ++d) {
    docs.rows.push_back(t.data + size_t(off.data[d]) * dim);
    docs.counts.push_back(off.data[d + 1] - off.data[d]);
  }
  return docs;
}

}  // namespace maxsim::binding::mvargs
