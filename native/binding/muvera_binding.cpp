// N-API surface for MUVERA fixed-dimensional encodings:
//   encodeFde(tokens f32, isQuery, config) -> Float32Array
//   encodeFdeBatch(tokens f32, offsets u32, isQuery, config) / encodeFdeBatchAsync
// config: { dim, repetitions, simhashBits, projectionDim, seed, fillEmptyPartitions, finalDim },
// already validated by the facade and checked again by FdeEncoder.
#include <memory>

#include "../muvera/fde_encoder.h"
#include "napi_util.h"

namespace maxsim::binding {
namespace {

FdeConfig configArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsObject()) throwInvalid(info.Env(), "options must be an object");
  Napi::Object o = info[i].As<Napi::Object>();
  auto num = [&](const char* key, double def) -> double {
    Napi::Value v = o.Get(key);
    if (v.IsUndefined()) return def;
    if (!v.IsNumber()) throwInvalid(info.Env(), std::string(key) + " must be a number");
    return v.As<Napi::Number>().DoubleValue();
  };
  FdeConfig c;
  c.dim = static_cast<uint32_t>(num("dim", 0));
  c.repetitions = static_cast<uint32_t>(num("repetitions", 20));
  c.simhashBits = static_cast<uint32_t>(num("simhashBits", 5));
  c.projectionDim = static_cast<uint32_t>(num("projectionDim", 0));
  c.seed = static_cast<uint64_t>(num("seed", 42));
  c.finalDim = static_cast<uint32_t>(num("finalDim", 0));
  Napi::Value fill = o.Get("fillEmptyPartitions");
  c.fillEmptyPartitions = fill.IsUndefined() ? true : fill.ToBoolean().Value();
  return c;
}

Napi::Value EncodeFde(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    const FdeConfig c = configArg(info, 2);
    FdeEncoder enc(c);
    auto t = typedArrayArg<float>(info, 0, napi_float32_array, "tokens");
    if (t.length % c.dim) throwError(info.Env(), codes::kDimensionMismatch, "tokens length is not a multiple of dim");
    checkFinite(t.data, t.length, "tokens");
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), enc.outputDim());
    enc.encode(t.data, static_cast<uint32_t>(t.length / c.dim), info[1].ToBoolean().Value(), out.Data());
    return out;
  });
}

struct BatchArgs {
  std::shared_ptr<FdeEncoder> enc;
  const float* tokens;
  const uint32_t* offsets;
  size_t n;
  bool isQuery;
};

BatchArgs batchArgs(const Napi::CallbackInfo& info) {
  const FdeConfig c = configArg(info, 3);
  BatchArgs a;
  a.enc = std::make_shared<FdeEncoder>(c);
  auto t = typedArrayArg<float>(info, 0, napi_float32_array, "tokens");
  if (t.length % c.dim) throwError(info.Env(), codes::kDimensionMismatch, "tokens length is not a multiple of dim");
  auto off = typedArrayArg<uint32_t>(info, 1, napi_uint32_array, "offsets");
  if (off.length == 0) throwError(info.Env(), codes::kBadOffsets, "offsets must have at least one entry (0)");
  checkOffsets(off.data, off.length, t.length / c.dim, "offsets");
  checkFinite(t.data, t.length, "tokens");
  a.tokens = t.data;
  a.offsets = off.data;
  a.n = off.length - 1;
  a.isQuery = info[2].ToBoolean().Value();
  return a;
}

Napi::Value EncodeFdeBatch(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    BatchArgs a = batchArgs(info);
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), a.n * a.enc->outputDim());
    a.enc->encodeBatch(a.tokens, a.offsets, a.n, a.isQuery, out.Data());
    return out;
  });
}

Napi::Value EncodeFdeBatchAsync(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    BatchArgs a = batchArgs(info);
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), a.n * a.enc->outputDim());
    float* dst = out.Data();
    auto ref = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(out));
    auto* w = new PromiseWorker(
        info.Env(), info, [a, dst] { a.enc->encodeBatch(a.tokens, a.offsets, a.n, a.isQuery, dst); },
        [ref](Napi::Env) -> Napi::Value { return ref->Value(); });
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  });
}

}  // namespace

void initMuvera(Napi::Env env, Napi::Object exports) {
  exports.Set("encodeFde", Napi::Function::New(env, EncodeFde, "encodeFde"));
  exports.Set("encodeFdeBatch", Napi::Function::New(env, EncodeFdeBatch, "encodeFdeBatch"));
  exports.Set("encodeFdeBatchAsync", Napi::Function::New(env, EncodeFdeBatchAsync, "encodeFdeBatchAsync"));
}

}  // namespace maxsim::binding
