// N-API surface of the HNSW index: class NativeHnsw wrapping a shared HnswIndex. Async workers
// hold the shared_ptr (the index outlives a collected JS object until they finish) and the JS
// buffers they read. Progress reaches JS through AsyncProgressWorker, i.e. on the main thread;
// no JS function is ever called from a worker, and filters arrive as typed id arrays.
//
// Argument order (the TS facade normalised and validated everything first):
//   new NativeHnsw(dim, metric, storage, M, efConstruction, ef, pqSubspaces?) | new NativeHnsw(loadedHandle)
//   train(sample f32) / trainAsync(sample f32)   (storage 'pq')
//   add(vectors f32, ids u64) / addAsync(vectors, ids, onProgress|undefined) / upsert* alike
//   search(query f32, k, ef, filterMode 0|1|2, filterIds u64|undefined) -> { ids, scores }
//   searchBatch(queries f32, k, ef, filterMode, filterIds) -> { ids, scores, counts }
#include <cmath>
#include <cstring>
#include <memory>
#include <vector>

#include "../hnsw/hnsw_index.h"
#include "../hnsw/hnsw_stress.h"
#include "napi_util.h"

namespace maxsim::binding {
namespace {

using hnsw::HnswIndex;

constexpr napi_type_tag kHnswTag = {0x6d6178736d68736eULL, 0x9e1f3c7b5a2d4e61ULL};
constexpr napi_type_tag kLoadedTag = {0x6d6178736d686c64ULL, 0x1c2b3a4958677685ULL};

// A loaded index travelling from load() to the constructor.
struct Loaded {
  std::shared_ptr<HnswIndex> index;
};

uint32_t efArg(const Napi::CallbackInfo& info, size_t i) {
  const uint32_t ef = uint32Arg(info, i, "ef");
  if (ef > 100000) throwInvalid(info.Env(), "ef must be at most 100000");
  return ef;  // 0: the index default
}

size_t kArg(const Napi::CallbackInfo& info, size_t i) {
  const uint32_t k = uint32Arg(info, i, "k");
  if (k < 1 || k > 100000) throwInvalid(info.Env(), "k must be an integer in [1, 100000]");
  return k;
}

struct FilterArg {
  bool present = false;
  hnsw::IdFilter filter;
  const hnsw::IdFilter* ptr() const { return present ? &filter : nullptr; }
};

FilterArg filterArg(const Napi::CallbackInfo& info, size_t i) {
  FilterArg f;
  const uint32_t mode = info.Length() > i && !info[i].IsUndefined() ? uint32Arg(info, i, "filter mode") : 0;
  if (mode > 2) throwInvalid(info.Env(), "unknown filter mode");
  if (mode == 0) return f;
  auto ids = typedArrayArg<uint64_t>(info, i + 1, napi_biguint64_array, "filter ids");
  f.present = true;
  f.filter.ids = ids.data;
  f.filter.count = ids.length;
  f.filter.deny = mode == 2;
  return f;
}

Napi::Object searchResult(Napi::Env env, const uint64_t* ids, const float* scores, size_t n) {
  Napi::ArrayBuffer idBuf = Napi::ArrayBuffer::New(env, n * 8);
  Napi::ArrayBuffer scBuf = Napi::ArrayBuffer::New(env, n * 4);
  if (n) {
    std::memcpy(idBuf.Data(), ids, n * 8);
    std::memcpy(scBuf.Data(), scores, n * 4);
  }
  Napi::Object r = Napi::Object::New(env);
  napi_value idArr, scArr;
  napi_create_typedarray(env, napi_biguint64_array, n, idBuf, 0, &idArr);
  napi_create_typedarray(env, napi_float32_array, n, scBuf, 0, &scArr);
  r.Set("ids", Napi::Value(env, idArr));
  r.Set("scores", Napi::Value(env, scArr));
  return r;
}

class NativeHnsw : public Napi::ObjectWrap<NativeHnsw> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(
        env, "NativeHnsw",
        {
            InstanceMethod<&NativeHnsw::Add>("add"),
            InstanceMethod<&NativeHnsw::AddAsync>("addAsync"),
            InstanceMethod<&NativeHnsw::Upsert>("upsert"),
            InstanceMethod<&NativeHnsw::UpsertAsync>("upsertAsync"),
            InstanceMethod<&NativeHnsw::Remove>("remove"),
            InstanceMethod<&NativeHnsw::RemoveAsync>("removeAsync"),
            InstanceMethod<&NativeHnsw::Search>("search"),
            InstanceMethod<&NativeHnsw::SearchInto>("searchInto"),
            InstanceMethod<&NativeHnsw::SearchAsync>("searchAsync"),
            InstanceMethod<&NativeHnsw::SearchBatch>("searchBatch"),
            InstanceMethod<&NativeHnsw::SearchBatchAsync>("searchBatchAsync"),
            InstanceMethod<&NativeHnsw::Has>("has"),
            InstanceMethod<&NativeHnsw::GetVector>("getVector"),
            InstanceMethod<&NativeHnsw::Size>("size"),
            InstanceMethod<&NativeHnsw::Stats>("stats"),
            InstanceMethod<&NativeHnsw::Info>("info"),
            InstanceMethod<&NativeHnsw::SetEf>("setEf"),
            InstanceMethod<&NativeHnsw::Save>("save"),
            InstanceMethod<&NativeHnsw::SaveAsync>("saveAsync"),
            InstanceMethod<&NativeHnsw::Compact>("compact"),
            InstanceMethod<&NativeHnsw::CompactAsync>("compactAsync"),
            InstanceMethod<&NativeHnsw::CheckIntegrity>("checkIntegrity"),
            InstanceMethod<&NativeHnsw::Train>("train"),
            InstanceMethod<&NativeHnsw::TrainAsync>("trainAsync"),
        });
  }

  explicit NativeHnsw(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeHnsw>(info) {
    Napi::Env env = info.Env();
    guard(info, [&]() -> Napi::Value {
      bool loaded = false;
      if (info.Length() == 1 && info[0].IsExternal())
        napi_check_object_type_tag(env, info[0], &kLoadedTag, &loaded);
      if (loaded) {
        Loaded* l = info[0].As<Napi::External<Loaded>>().Data();
        if (!l || !l->index) throwInvalid(env, "this loaded index was already used");
        index_ = std::move(l->index);
      } else {
        hnsw::HnswParams p;
        p.dim = uint32Arg(info, 0, "dim");
        const uint32_t metric = uint32Arg(info, 1, "metric");
        const uint32_t storage = uint32Arg(info, 2, "storage");
        if (metric > 2) throwInvalid(env, "unknown metric");
        if (storage > 3) throwInvalid(env, "unknown storage");
        p.metric = hnsw::Metric(metric);
        p.storage = hnsw::StorageType(storage);
        p.M = uint32Arg(info, 3, "M");
        p.efConstruction = uint32Arg(info, 4, "efConstruction");
        p.efSearch = uint32Arg(info, 5, "ef");
        if (info.Length() > 6 && !info[6].IsUndefined()) p.pqSubspaces = uint32Arg(info, 6, "pqSubspaces");
        index_ = std::make_shared<HnswIndex>(p);
      }
      tagObject(env, info.This().As<Napi::Object>(), kHnswTag);
      reportMemory(env);
      return env.Undefined();
    });
  }
  ~NativeHnsw() override { memory_.set(Env(), 0); }

 private:
  // After construction and after every call that changes what the index holds.
  void reportMemory(Napi::Env env) {
    if (index_) memory_.set(env, index_->heapBytes());
  }
  static void reportMemory(const Napi::CallbackInfo& info) {
    unwrapTagged<NativeHnsw>(info, kHnswTag, "HnswIndex")->reportMemory(info.Env());
  }
  // For an async call: a callback for the main thread, holding the JS object (and with it this
  // wrapper) alive until the call is done.
  static std::function<void(Napi::Env)> reportLater(const Napi::CallbackInfo& info) {
    auto self = std::make_shared<Napi::ObjectReference>(Napi::Persistent(info.This().As<Napi::Object>()));
    return [self](Napi::Env env) { Napi::ObjectWrap<NativeHnsw>::Unwrap(self->Value())->reportMemory(env); };
  }

  static HnswIndex& self(const Napi::CallbackInfo& info) {
    return *unwrapTagged<NativeHnsw>(info, kHnswTag, "HnswIndex")->index_;
  }
  static std::shared_ptr<HnswIndex> shared(const Napi::CallbackInfo& info) {
    return unwrapTagged<NativeHnsw>(info, kHnswTag, "HnswIndex")->index_;
  }

  struct Batch {
    const float* v;
    const uint64_t* ids;
    size_t n;
  };
  static Batch batchArg(const Napi::CallbackInfo& info, const HnswIndex& idx) {
    auto v = typedArrayArg<float>(info, 0, napi_float32_array, "vectors");
    auto ids = typedArrayArg<uint64_t>(info, 1, napi_biguint64_array, "ids");
    const uint32_t dim = idx.dim();
    if (v.length != ids.length * dim)
      throwError(info.Env(), codes::kDimensionMismatch,
                 "vectors has " + std::to_string(v.length) + " values; " + std::to_string(ids.length) + " ids x dim " +
                     std::to_string(dim) + " need " + std::to_string(ids.length * dim));
    return {v.data, ids.data, ids.length};
  }

  Napi::Value Add(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      Batch b = batchArg(info, idx);
      idx.add(b.v, b.ids, b.n);
      reportMemory(info);
      return info.Env().Undefined();
    });
  }
  Napi::Value Upsert(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      Batch b = batchArg(info, idx);
      idx.upsert(b.v, b.ids, b.n);
      reportMemory(info);
      return info.Env().Undefined();
    });
  }
  Napi::Value addAsyncImpl(const Napi::CallbackInfo& info, bool upsert) {
    return guard(info, [&]() -> Napi::Value {
      auto idx = shared(info);
      Batch b = batchArg(info, *idx);
      Napi::Value cb = info.Length() > 2 ? info[2] : info.Env().Undefined();
      if (!cb.IsUndefined() && !cb.IsFunction()) throwInvalid(info.Env(), "onProgress must be a function");
      const float* v = b.v;
      const uint64_t* ids = b.ids;
      const size_t n = b.n;
      auto* w = new ProgressPromiseWorker(
          info.Env(), info, cb, n,
          [idx, v, ids, n, upsert](const ProgressPromiseWorker::Report& report) {
            if (upsert) idx->upsert(v, ids, n, report);
            else idx->add(v, ids, n, report);
          },
          [](Napi::Env env) -> Napi::Value { return env.Undefined(); }, reportLater(info));
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }
  Napi::Value AddAsync(const Napi::CallbackInfo& info) { return addAsyncImpl(info, false); }
  Napi::Value UpsertAsync(const Napi::CallbackInfo& info) { return addAsyncImpl(info, true); }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      auto ids = typedArrayArg<uint64_t>(info, 0, napi_biguint64_array, "ids");
      const size_t removed = idx.remove(ids.data, ids.length);
      reportMemory(info);
      return Napi::Number::New(info.Env(), double(removed));
    });
  }
  Napi::Value RemoveAsync(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto idx = shared(info);
      auto ids = typedArrayArg<uint64_t>(info, 0, napi_biguint64_array, "ids");
      auto removed = std::make_shared<size_t>(0);
      auto* w = new PromiseWorker(
          info.Env(), info, [idx, ids, removed] { *removed = idx->remove(ids.data, ids.length); },
          [removed, done = reportLater(info)](Napi::Env env) -> Napi::Value {
            done(env);
            return Napi::Number::New(env, double(*removed));
          });
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }

  struct QueryArgs {
    const float* q;
    size_t nq;
    size_t k;
    uint32_t ef;
    FilterArg filter;
  };
  static QueryArgs queryArgs(const Napi::CallbackInfo& info, const HnswIndex& idx, bool batch) {
    QueryArgs a;
    auto q = typedArrayArg<float>(info, 0, napi_float32_array, batch ? "queries" : "query");
    const uint32_t dim = idx.dim();
    if (batch ? q.length % dim != 0 : q.length != dim)
      throwError(info.Env(), codes::kDimensionMismatch,
                 std::string(batch ? "queries length " : "query length ") + std::to_string(q.length) +
                     (batch ? " is not a multiple of dim " : " does not equal dim ") + std::to_string(dim));
    a.q = q.data;
    a.nq = q.length / dim;
    a.k = kArg(info, 1);
    a.ef = efArg(info, 2);
    a.filter = filterArg(info, 3);
    return a;
  }

  Napi::Value Search(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      QueryArgs a = queryArgs(info, idx, false);
      thread_local std::vector<uint64_t> ids;
      thread_local std::vector<float> scores;
      if (ids.size() < a.k) {
        ids.resize(a.k);
        scores.resize(a.k);
      }
      const size_t n = idx.search(a.q, a.k, a.ef, a.filter.ptr(), ids.data(), scores.data());
      return searchResult(info.Env(), ids.data(), scores.data(), n);
    });
  }
  // The hot path of synchronous search: results go into caller-owned scratch arrays (the
  // facade keeps one pair per index and slices them), so a call allocates nothing here and
  // returns a plain number. Args: ... as search, then outIds u64, outScores f32 (length >= k).
  Napi::Value SearchInto(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      QueryArgs a = queryArgs(info, idx, false);
      auto ids = typedArrayArg<uint64_t>(info, 5, napi_biguint64_array, "outIds");
      auto scores = typedArrayArg<float>(info, 6, napi_float32_array, "outScores");
      if (ids.length < a.k || scores.length < a.k) throwInvalid(info.Env(), "output arrays are shorter than k");
      const size_t n = idx.search(a.q, a.k, a.ef, a.filter.ptr(), ids.data, scores.data);
      return Napi::Number::New(info.Env(), double(n));
    });
  }
  Napi::Value SearchAsync(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto idx = shared(info);
      QueryArgs a = queryArgs(info, *idx, false);
      struct Out {
        std::vector<uint64_t> ids;
        std::vector<float> scores;
        size_t n = 0;
      };
      auto out = std::make_shared<Out>();
      out->ids.resize(a.k);
      out->scores.resize(a.k);
      auto* w = new PromiseWorker(
          info.Env(), info,
          [idx, a, out] { out->n = idx->search(a.q, a.k, a.ef, a.filter.ptr(), out->ids.data(), out->scores.data()); },
          [out](Napi::Env env) -> Napi::Value { return searchResult(env, out->ids.data(), out->scores.data(), out->n); });
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }

  struct BatchOut {
    std::vector<uint64_t> ids;
    std::vector<float> scores;
    std::vector<uint32_t> counts;
    size_t k = 0;
  };
  static Napi::Value batchResult(Napi::Env env, const BatchOut& o) {
    // Rows are padded to k: entries past counts[i] are id 0 / score NaN.
    const size_t nq = o.counts.size();
    Napi::BigUint64Array ids = Napi::BigUint64Array::New(env, nq * o.k);
    Napi::Float32Array sc = Napi::Float32Array::New(env, nq * o.k);
    Napi::Uint32Array cnt = Napi::Uint32Array::New(env, nq);
    for (size_t i = 0; i < nq; ++i) {
      cnt[i] = o.counts[i];
      for (size_t j = 0; j < o.k; ++j) {
        const bool ok = j < o.counts[i];
        ids[i * o.k + j] = ok ? o.ids[i * o.k + j] : 0;
        sc[i * o.k + j] = ok ? o.scores[i * o.k + j] : NAN;
      }
    }
    Napi::Object r = Napi::Object::New(env);
    r.Set("ids", ids);
    r.Set("scores", sc);
    r.Set("counts", cnt);
    return r;
  }
  Napi::Value SearchBatch(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      QueryArgs a = queryArgs(info, idx, true);
      BatchOut o;
      o.k = a.k;
      o.ids.resize(a.nq * a.k);
      o.scores.resize(a.nq * a.k);
      o.counts.resize(a.nq);
      idx.searchBatch(a.q, a.nq, a.k, a.ef, a.filter.ptr(), o.ids.data(), o.scores.data(), o.counts.data());
      return batchResult(info.Env(), o);
    });
  }
  Napi::Value SearchBatchAsync(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto idx = shared(info);
      QueryArgs a = queryArgs(info, *idx, true);
      auto o = std::make_shared<BatchOut>();
      o->k = a.k;
      o->ids.resize(a.nq * a.k);
      o->scores.resize(a.nq * a.k);
      o->counts.resize(a.nq);
      auto* w = new PromiseWorker(
          info.Env(), info,
          [idx, a, o] {
            idx->searchBatch(a.q, a.nq, a.k, a.ef, a.filter.ptr(), o->ids.data(), o->scores.data(), o->counts.data());
          },
          [o](Napi::Env env) -> Napi::Value { return batchResult(env, *o); });
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }

  static uint64_t idArg(const Napi::CallbackInfo& info, size_t i) {
    if (info.Length() <= i || !info[i].IsBigInt()) throwInvalid(info.Env(), "id must be a bigint");
    bool lossless = false;
    const uint64_t v = info[i].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throwInvalid(info.Env(), "id must be an unsigned 64-bit integer");
    return v;
  }
  Napi::Value Has(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      return Napi::Boolean::New(info.Env(), idx.has(idArg(info, 0)));
    });
  }
  Napi::Value GetVector(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      const uint64_t id = idArg(info, 0);
      Napi::Float32Array out = Napi::Float32Array::New(info.Env(), idx.dim());
      if (!idx.getVector(id, out.Data())) return info.Env().Null();
      return out;
    });
  }
  Napi::Value Size(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), double(self(info).size())); });
  }
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      const hnsw::HnswStats s = self(info).stats();
      Napi::Env env = info.Env();
      Napi::Object o = Napi::Object::New(env);
      o.Set("size", double(s.size));
      o.Set("slots", double(s.slots));
      o.Set("deleted", double(s.deleted));
      o.Set("capacity", double(s.capacity));
      o.Set("maxLevel", double(s.maxLevel));
      o.Set("vectorBytes", double(s.codeBytes));
      o.Set("codebookBytes", double(s.codecBytes));
      o.Set("level0LinkBytes", double(s.level0Bytes));
      o.Set("upperLinkBytes", double(s.upperBytes));
      o.Set("labelBytes", double(s.labelBytes));
      o.Set("idMapBytes", double(s.mapBytes));
      o.Set("visitedBytes", double(s.visitedBytes));
      o.Set("totalBytes", double(s.totalBytes()));
      return o;
    });
  }
  Napi::Value Info(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      const auto& p = idx.params();
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("dim", double(p.dim));
      o.Set("metric", hnsw::metricName(p.metric));
      o.Set("storage", hnsw::storageName(p.storage));
      o.Set("M", double(p.M));
      o.Set("efConstruction", double(p.efConstruction));
      o.Set("ef", double(p.efSearch));
      o.Set("readOnly", idx.readOnly());
      o.Set("pqSubspaces", double(p.pqSubspaces));
      o.Set("trained", idx.trained());
      return o;
    });
  }
  Napi::Value SetEf(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      idx.setEfSearch(uint32Arg(info, 0, "ef"));
      return info.Env().Undefined();
    });
  }
  static std::string pathArg(const Napi::CallbackInfo& info, size_t i) {
    if (info.Length() <= i || !info[i].IsString()) throwInvalid(info.Env(), "path must be a string");
    return info[i].As<Napi::String>().Utf8Value();
  }
  Napi::Value Save(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      idx.save(pathArg(info, 0));
      return info.Env().Undefined();
    });
  }
  Napi::Value SaveAsync(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto idx = shared(info);
      std::string path = pathArg(info, 0);
      auto* w = new PromiseWorker(info.Env(), info, [idx, path] { idx->save(path); },
                                  [](Napi::Env env) -> Napi::Value { return env.Undefined(); });
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }
  Napi::Value Compact(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      self(info).compact();
      reportMemory(info);
      return info.Env().Undefined();
    });
  }
  Napi::Value CompactAsync(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto idx = shared(info);
      auto* w = new PromiseWorker(info.Env(), info, [idx] { idx->compact(); },
                                  [done = reportLater(info)](Napi::Env env) -> Napi::Value {
                                    done(env);
                                    return env.Undefined();
                                  });
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }
  Napi::Value Train(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      HnswIndex& idx = self(info);
      auto v = typedArrayArg<float>(info, 0, napi_float32_array, "sample");
      if (v.length % idx.dim()) throwInvalid(info.Env(), "sample length is not a multiple of dim");
      idx.train(v.data, v.length / idx.dim());
      reportMemory(info);
      return info.Env().Undefined();
    });
  }
  Napi::Value TrainAsync(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto idx = shared(info);
      auto v = typedArrayArg<float>(info, 0, napi_float32_array, "sample");
      if (v.length % idx->dim()) throwInvalid(info.Env(), "sample length is not a multiple of dim");
      const float* data = v.data;
      const size_t n = v.length / idx->dim();
      auto* w = new PromiseWorker(info.Env(), info, [idx, data, n] { idx->train(data, n); },
                                  [done = reportLater(info)](Napi::Env env) -> Napi::Value {
                                    done(env);
                                    return env.Undefined();
                                  });
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }
  Napi::Value CheckIntegrity(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      self(info).checkIntegrity();
      return Napi::Boolean::New(info.Env(), true);
    });
  }

  std::shared_ptr<HnswIndex> index_;
  ExternalMemory memory_;
};

Napi::Value loadedHandle(Napi::Env env, std::shared_ptr<HnswIndex> idx) {
  auto ext = Napi::External<Loaded>::New(env, new Loaded{std::move(idx)}, [](Napi::Env, Loaded* l) { delete l; });
  if (napi_type_tag_object(env, ext, &kLoadedTag) != napi_ok) throwError(env, codes::kInternal, "could not tag object");
  return ext;
}

Napi::Value Load(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "path must be a string");
    const bool mmap = info.Length() > 1 && info[1].ToBoolean().Value();
    std::shared_ptr<HnswIndex> idx = HnswIndex::load(info[0].As<Napi::String>().Utf8Value(), mmap);
    return loadedHandle(info.Env(), std::move(idx));
  });
}

Napi::Value LoadAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "path must be a string");
    const bool mmap = info.Length() > 1 && info[1].ToBoolean().Value();
    std::string path = info[0].As<Napi::String>().Utf8Value();
    auto out = std::make_shared<std::shared_ptr<HnswIndex>>();
    auto* w = new PromiseWorker(
        info.Env(), info, [path, mmap, out] { *out = HnswIndex::load(path, mmap); },
        [out](Napi::Env env) -> Napi::Value { return loadedHandle(env, std::move(*out)); });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

// hnswNativeStress(seconds, readers) -> Promise<{ searches, results, adds, deletes, compactions, errors }>
Napi::Value NativeStress(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    const double seconds = numberArg(info, 0, "seconds");
    if (!(seconds > 0 && seconds <= 120)) throwInvalid(info.Env(), "seconds must be in (0, 120]");
    const uint32_t readers = uint32Arg(info, 1, "readers");
    if (readers < 1 || readers > 64) throwInvalid(info.Env(), "readers must be in [1, 64]");
    auto rep = std::make_shared<hnsw::StressReport>();
    auto* w = new PromiseWorker(
        info.Env(), info, [seconds, readers, rep] { *rep = hnsw::runStress(seconds, readers); },
        [rep](Napi::Env env) -> Napi::Value {
          Napi::Object o = Napi::Object::New(env);
          o.Set("searches", double(rep->searches));
          o.Set("results", double(rep->results));
          o.Set("adds", double(rep->adds));
          o.Set("deletes", double(rep->deletes));
          o.Set("compactions", double(rep->compactions));
          Napi::Array errs = Napi::Array::New(env, rep->errors.size());
          for (size_t i = 0; i < rep->errors.size(); ++i) errs.Set(uint32_t(i), rep->errors[i]);
          o.Set("errors", errs);
          return o;
        });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

}  // namespace

void initHnsw(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeHnsw", NativeHnsw::define(env));
  exports.Set("hnswLoad", Napi::Function::New(env, Load, "hnswLoad"));
  exports.Set("hnswLoadAsync", Napi::Function::New(env, LoadAsync, "hnswLoadAsync"));
  exports.Set("hnswNativeStress", Napi::Function::New(env, NativeStress, "hnswNativeStress"));
}

}  // namespace maxsim::binding
