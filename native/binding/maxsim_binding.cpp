// N-API surface for exact MaxSim. Argument order (after the JS facade normalised it):
//   query f32, element type code, data, scales|undefined, dim [, offsets [, k]]
#include <memory>

#include "../core/error.h"
#include "../scoring/maxsim.h"
#include "napi_util.h"

namespace maxsim::binding {
namespace {

struct QueryArg {
  const float* data;
  uint32_t nq;
};

QueryArg queryArg(const Napi::CallbackInfo& info, size_t i, uint32_t dim) {
  auto q = typedArrayArg<float>(info, i, napi_float32_array, "query");
  if (q.length % dim != 0)
    throwError(info.Env(), codes::kDimensionMismatch, "query length " + std::to_string(q.length) +
                                                          " is not a multiple of dim " + std::to_string(dim));
  if (q.length == 0) throwError(info.Env(), codes::kEmptyQuery, "query has no tokens");
  if (q.length / dim > 0xffffffffu) throwInvalid(info.Env(), "query has too many tokens");
  return {q.data, static_cast<uint32_t>(q.length / dim)};
}

struct BatchArgs {
  QueryArg query;
  TokenMatrix docs;
  const uint32_t* offsets;
  size_t ndocs;
};

BatchArgs batchArgs(const Napi::CallbackInfo& info) {
  BatchArgs a;
  a.docs = tokenMatrixArg(info, 1, "documents");
  a.query = queryArg(info, 0, a.docs.dim);
  auto off = typedArrayArg<uint32_t>(info, 5, napi_uint32_array, "offsets");
  if (off.length == 0) throwError(info.Env(), codes::kBadOffsets, "offsets must have at least one entry (0)");
  a.offsets = off.data;
  a.ndocs = off.length - 1;
  checkOffsets(a.offsets, off.length, a.docs.rows, "offsets");
  return a;
}

Napi::Value Maxsim(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    TokenMatrix doc = tokenMatrixArg(info, 1, "document");
    QueryArg q = queryArg(info, 0, doc.dim);
    return Napi::Number::New(info.Env(), maxsimOne(q.data, q.nq, doc));
  });
}

Napi::Value MaxsimBatch(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    BatchArgs a = batchArgs(info);
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), a.ndocs);
    maxsimBatch(a.query.data, a.query.nq, a.docs, a.offsets, a.ndocs, out.Data());
    return out;
  });
}

Napi::Value MaxsimBatchAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    BatchArgs a = batchArgs(info);
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), a.ndocs);
    float* dst = out.Data();
    auto outRef = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(out));
    auto* w = new PromiseWorker(
        info.Env(), info, [a, dst] { maxsimBatch(a.query.data, a.query.nq, a.docs, a.offsets, a.ndocs, dst); },
        [outRef](Napi::Env) -> Napi::Value { return outRef->Value(); });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

Napi::Value topKResult(Napi::Env env, Napi::Uint32Array idx, Napi::Float32Array scores) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("indices", idx);
  r.Set("scores", scores);
  return r;
}

size_t topKArg(const Napi::CallbackInfo& info, size_t i) {
  const double k = numberArg(info, i, "k");
  if (!(k >= 1) || k != static_cast<double>(static_cast<uint64_t>(k)))
    throwInvalid(info.Env(), "k must be a positive integer");
  return static_cast<size_t>(k);
}

Napi::Value MaxsimTopK(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    BatchArgs a = batchArgs(info);
    const size_t k = std::min(topKArg(info, 6), a.ndocs);
    Napi::Uint32Array idx = Napi::Uint32Array::New(info.Env(), k);
    Napi::Float32Array sc = Napi::Float32Array::New(info.Env(), k);
    maxsimTopK(a.query.data, a.query.nq, a.docs, a.offsets, a.ndocs, k, idx.Data(), sc.Data());
    return topKResult(info.Env(), idx, sc);
  });
}

Napi::Value MaxsimTopKAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    BatchArgs a = batchArgs(info);
    const size_t k = std::min(topKArg(info, 6), a.ndocs);
    Napi::Uint32Array idx = Napi::Uint32Array::New(info.Env(), k);
    Napi::Float32Array sc = Napi::Float32Array::New(info.Env(), k);
    uint32_t* pi = idx.Data();
    float* ps = sc.Data();
    auto idxRef = std::make_shared<Napi::Reference<Napi::Uint32Array>>(Napi::Persistent(idx));
    auto scRef = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(sc));
    auto* w = new PromiseWorker(
        info.Env(), info, [a, k, pi, ps] { maxsimTopK(a.query.data, a.query.nq, a.docs, a.offsets, a.ndocs, k, pi, ps); },
        [idxRef, scRef](Napi::Env env) -> Napi::Value { return topKResult(env, idxRef->Value(), scRef->Value()); });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

// (queries f32, queryOffsets u32, type, data, scales, dim, offsets)
struct MatrixArgs {
  const float* queries;
  const uint32_t* queryOffsets;
  size_t nqueries;
  TokenMatrix docs;
  const uint32_t* offsets;
  size_t ndocs;
};

MatrixArgs matrixArgs(const Napi::CallbackInfo& info) {
  MatrixArgs a;
  a.docs = tokenMatrixArg(info, 2, "documents");
  auto q = typedArrayArg<float>(info, 0, napi_float32_array, "queries");
  if (q.length % a.docs.dim != 0)
    throwError(info.Env(), codes::kDimensionMismatch, "queries length " + std::to_string(q.length) +
                                                          " is not a multiple of dim " + std::to_string(a.docs.dim));
  auto qo = typedArrayArg<uint32_t>(info, 1, napi_uint32_array, "queryOffsets");
  if (qo.length < 1) throwError(info.Env(), codes::kBadOffsets, "queryOffsets must have at least one entry (0)");
  checkOffsets(qo.data, qo.length, q.length / a.docs.dim, "queryOffsets");
  auto off = typedArrayArg<uint32_t>(info, 6, napi_uint32_array, "offsets");
  if (off.length < 1) throwError(info.Env(), codes::kBadOffsets, "offsets must have at least one entry (0)");
  checkOffsets(off.data, off.length, a.docs.rows, "offsets");
  a.queries = q.data;
  a.queryOffsets = qo.data;
  a.nqueries = qo.length - 1;
  a.offsets = off.data;
  a.ndocs = off.length - 1;
  return a;
}

Napi::Value MaxsimMatrix(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    MatrixArgs a = matrixArgs(info);
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), a.nqueries * a.ndocs);
    maxsimMatrix(a.queries, a.queryOffsets, a.nqueries, a.docs.dim, a.docs, a.offsets, a.ndocs, out.Data());
    return out;
  });
}

Napi::Value MaxsimMatrixAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    MatrixArgs a = matrixArgs(info);
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), a.nqueries * a.ndocs);
    float* dst = out.Data();
    auto outRef = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(out));
    auto* w = new PromiseWorker(
        info.Env(), info,
        [a, dst] { maxsimMatrix(a.queries, a.queryOffsets, a.nqueries, a.docs.dim, a.docs, a.offsets, a.ndocs, dst); },
        [outRef](Napi::Env) -> Napi::Value { return outRef->Value(); });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

}  // namespace

void initMaxsim(Napi::Env env, Napi::Object exports) {
  exports.Set("maxsim", Napi::Function::New(env, Maxsim, "maxsim"));
  exports.Set("maxsimBatch", Napi::Function::New(env, MaxsimBatch, "maxsimBatch"));
  exports.Set("maxsimBatchAsync", Napi::Function::New(env, MaxsimBatchAsync, "maxsimBatchAsync"));
  exports.Set("maxsimTopK", Napi::Function::New(env, MaxsimTopK, "maxsimTopK"));
  exports.Set("maxsimTopKAsync", Napi::Function::New(env, MaxsimTopKAsync, "maxsimTopKAsync"));
  exports.Set("maxsimMatrix", Napi::Function::New(env, MaxsimMatrix, "maxsimMatrix"));
  exports.Set("maxsimMatrixAsync", Napi::Function::New(env, MaxsimMatrixAsync, "maxsimMatrixAsync"));
}

}  // namespace maxsim::binding
