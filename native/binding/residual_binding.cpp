// N-API surface of the ColBERTv2 residual codec: the ResidualCodec class (train with
// progress, encode/decode, MaxSim over codes by decoding or through tables, persistence).
// Same factory pattern and type-tag checks as ProductQuantizer (quant_binding.cpp).
#include <algorithm>
#include <memory>

#include "../core/error.h"
#include "../quant/residual_codec.h"
#include "../scoring/token_matrix.h"
#include "quant_binding.h"

namespace maxsim::binding {
namespace {

using quant::ResidualCodec;
using quant::ResidualMaxsimMode;

constexpr napi_type_tag kResidualTag = {0x6d617873696d5245ull, 0x73696475616c3031ull};

quant::ResidualTrainOptions residualOptions(Napi::Object o) {
  quant::ResidualTrainOptions r;
  r.nbits = optUint(o, "nbits", 2, 1, 4);
  r.ncentroids = optUint(o, "ncentroids", 0, 0, 1u << 24);
  r.iterations = optUint(o, "iterations", 20, 1, 1000);
  r.seed = optUint(o, "seed", 1234, 0, 0xffffffffu);
  r.maxPointsPerCentroid = optUint(o, "maxPointsPerCentroid", 256, 1, 1u << 20);
  r.quantileSample = optUint(o, "quantileSample", 65536, 1, 0xffffffffu);
  r.allowFewer = optBool(o, "allowFewer", false);
  return r;
}

class ResidualWrap : public Napi::ObjectWrap<ResidualWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "ResidualCodec",
                       {StaticMethod<&ResidualWrap::Train>("train"), StaticMethod<&ResidualWrap::TrainAsync>("trainAsync"),
                        StaticMethod<&ResidualWrap::Load>("load"), InstanceMethod<&ResidualWrap::Info>("info"),
                        InstanceMethod<&ResidualWrap::Tables>("tables"), InstanceMethod<&ResidualWrap::Encode>("encode"),
                        InstanceMethod<&ResidualWrap::Decode>("decode"), InstanceMethod<&ResidualWrap::Save>("save"),
                        InstanceMethod<&ResidualWrap::MaxsimBatch>("maxsimBatch"),
                        InstanceMethod<&ResidualWrap::MaxsimBatchAsync>("maxsimBatchAsync"),
                        InstanceMethod<&ResidualWrap::MaxsimTopK>("maxsimTopK"),
                        InstanceMethod<&ResidualWrap::MaxsimTopKAsync>("maxsimTopKAsync")});
  }
  explicit ResidualWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ResidualWrap>(info) {
    tagObject(info.Env(), info.This().As<Napi::Object>(), kResidualTag);
  }

 private:
  std::shared_ptr<const ResidualCodec> codec_;

  static Napi::Value wrap(Napi::Function ctor, std::shared_ptr<const ResidualCodec> c) {
    Napi::Object o = ctor.New({});
    if (!hasTag(ctor.Env(), o, kResidualTag)) throwInvalid(ctor.Env(), "ResidualCodec constructor expected");
    Napi::ObjectWrap<ResidualWrap>::Unwrap(o)->codec_ = std::move(c);
    return o;
  }
  static Napi::Function ctorOf(const Napi::CallbackInfo& info) {
    if (!info.This().IsFunction()) throwInvalid(info.Env(), "call ResidualCodec.train/load on the class");
    return info.This().As<Napi::Function>();
  }
  static std::shared_ptr<const ResidualCodec> self(const Napi::CallbackInfo& info) {
    ResidualWrap* w = unwrapTagged<ResidualWrap>(info, kResidualTag, "ResidualCodec");
    if (!w->codec_) throwError(info.Env(), codes::kNotTrained, "this ResidualCodec was not trained or loaded");
    return w->codec_;
  }

  struct TrainArgs {
    const float* x;
    size_t n;
    uint32_t dim;
    quant::ResidualTrainOptions o;
  };
  static TrainArgs trainArgs(const Napi::CallbackInfo& info) {
    TrainArgs a;
    a.dim = uint32Arg(info, 1, "dim");
    if (a.dim == 0) throwInvalid(info.Env(), "dim must be at least 1");
    auto data = typedArrayArg<float>(info, 0, napi_float32_array, "data");
    if (data.length % a.dim) throwError(info.Env(), codes::kDimensionMismatch, "data length is not a multiple of dim");
    a.x = data.data;
    a.n = data.length / a.dim;
    a.o = residualOptions(optionsArg(info, 2));
    if (a.o.nbits == 3) throwInvalid(info.Env(), "nbits must be 1, 2 or 4");
    return a;
  }

  static Napi::Value Train(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      Napi::Function ctor = ctorOf(info);
      TrainArgs a = trainArgs(info);
      return wrap(ctor, std::make_shared<const ResidualCodec>(ResidualCodec::train(a.x, a.n, a.dim, a.o)));
    });
  }

  static Napi::Value TrainAsync(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      Napi::Function ctor = ctorOf(info);
      TrainArgs a = trainArgs(info);
      auto ctorRef = std::make_shared<Napi::FunctionReference>(Napi::Persistent(ctor));
      return trainOnWorker(
          info, 3,
          [=](const quant::ProgressFn& progress) {
            TrainArgs withProgress = a;
            withProgress.o.onProgress = progress;
            return std::make_shared<const ResidualCodec>(
                ResidualCodec::train(withProgress.x, withProgress.n, withProgress.dim, withProgress.o));
          },
          [ctorRef](const std::shared_ptr<const ResidualCodec>& c) { return wrap(ctorRef->Value(), c); });
    });
  }

  static Napi::Value Load(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      Napi::Function ctor = ctorOf(info);
      if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "path must be a string");
      return wrap(ctor, std::make_shared<const ResidualCodec>(ResidualCodec::load(info[0].As<Napi::String>().Utf8Value())));
    });
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto c = self(info);
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("dim", c->dim());
      o.Set("nbits", c->nbits());
      o.Set("ncentroids", c->ncentroids());
      o.Set("residualBytes", double(c->residualBytes()));
      o.Set("bytesPerToken", double(c->bytesPerToken()));
      return o;
    });
  }

  Napi::Value Tables(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto c = self(info);
      auto copy = [&](const std::vector<float>& v) {
        Napi::Float32Array a = Napi::Float32Array::New(info.Env(), v.size());
        std::copy(v.begin(), v.end(), a.Data());
        return a;
      };
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("centroids", copy(c->centroids()));
      o.Set("cutoffs", copy(c->cutoffs()));
      o.Set("weights", copy(c->weights()));
      return o;
    });
  }

  Napi::Value Encode(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto c = self(info);
      auto x = typedArrayArg<float>(info, 0, napi_float32_array, "vectors");
      if (x.length % c->dim()) throwError(info.Env(), codes::kDimensionMismatch, "vectors length is not a multiple of dim");
      checkFinite(x.data, x.length, "vectors");
      const size_t n = x.length / c->dim();
      Napi::Uint32Array ids = Napi::Uint32Array::New(info.Env(), n);
      Napi::Uint8Array res = Napi::Uint8Array::New(info.Env(), n * c->residualBytes());
      c->encode(x.data, n, ids.Data(), res.Data());
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("ids", ids);
      o.Set("residuals", res);
      return o;
    });
  }

  size_t tokens(const Napi::CallbackInfo& info, const ResidualCodec& c, const ArrayArg<uint32_t>& ids,
                const ArrayArg<uint8_t>& res) {
    if (res.length != ids.length * c.residualBytes())
      throwError(info.Env(), codes::kDimensionMismatch, "residuals length " + std::to_string(res.length) + " does not match " +
                                                            std::to_string(ids.length) + " ids of " +
                                                            std::to_string(c.residualBytes()) + " bytes");
    return ids.length;
  }

  Napi::Value Decode(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto c = self(info);
      auto ids = typedArrayArg<uint32_t>(info, 0, napi_uint32_array, "ids");
      auto res = typedArrayArg<uint8_t>(info, 1, napi_uint8_array, "residuals");
      const size_t n = tokens(info, *c, ids, res);
      Napi::Float32Array out = Napi::Float32Array::New(info.Env(), n * c->dim());
      c->decode(ids.data, res.data, n, out.Data());
      return out;
    });
  }

  Napi::Value Save(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto c = self(info);
      if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "path must be a string");
      c->save(info[0].As<Napi::String>().Utf8Value());
      return info.Env().Undefined();
    });
  }

  struct DocArgs {
    std::shared_ptr<const ResidualCodec> c;
    const float* q;
    uint32_t nq;
    const uint32_t* ids;
    const uint8_t* res;
    const uint32_t* offsets;
    size_t ndocs;
    ResidualMaxsimMode mode;
  };

  // (query, ids, residuals, offsets, mode)
  DocArgs docArgs(const Napi::CallbackInfo& info) {
    DocArgs a;
    a.c = self(info);
    auto q = typedArrayArg<float>(info, 0, napi_float32_array, "query");
    if (q.length % a.c->dim()) throwError(info.Env(), codes::kDimensionMismatch, "query length is not a multiple of dim");
    if (q.length == 0) throwError(info.Env(), codes::kEmptyQuery, "query has no tokens");
    auto ids = typedArrayArg<uint32_t>(info, 1, napi_uint32_array, "ids");
    auto res = typedArrayArg<uint8_t>(info, 2, napi_uint8_array, "residuals");
    const size_t n = tokens(info, *a.c, ids, res);
    auto off = typedArrayArg<uint32_t>(info, 3, napi_uint32_array, "offsets");
    checkOffsets(off.data, off.length, n, "offsets");
    const uint32_t mode = uint32Arg(info, 4, "mode");
    if (mode > 1) throwInvalid(info.Env(), "mode must be 'tables' or 'decode'");
    a.c->checkIds(ids.data, n);
    a.q = q.data;
    a.nq = uint32_t(q.length / a.c->dim());
    a.ids = ids.data;
    a.res = res.data;
    a.offsets = off.data;
    a.ndocs = off.length - 1;
    a.mode = ResidualMaxsimMode(mode);
    return a;
  }

  static void runBatch(const DocArgs& a, float* out) {
    quant::residualMaxsimBatch(*a.c, a.q, a.nq, a.ids, a.res, a.offsets, a.ndocs, a.mode, out);
  }
  static void runTopK(const DocArgs& a, size_t k, uint32_t* idx, float* sc) {
    quant::residualMaxsimTopK(*a.c, a.q, a.nq, a.ids, a.res, a.offsets, a.ndocs, k, a.mode, idx, sc);
  }
  size_t kArg(const Napi::CallbackInfo& info, size_t i, size_t ndocs) {
    const uint32_t k = uint32Arg(info, i, "k");
    if (k == 0) throwInvalid(info.Env(), "k must be a positive integer");
    return std::min<size_t>(k, ndocs);
  }

  Napi::Value batchCall(const Napi::CallbackInfo& info, bool async) {
    return guard(info, [&]() -> Napi::Value {
      DocArgs a = docArgs(info);
      return scoresResult(info, a.ndocs, [a](float* out) { runBatch(a, out); }, async);
    });
  }
  Napi::Value topKCall(const Napi::CallbackInfo& info, bool async) {
    return guard(info, [&]() -> Napi::Value {
      DocArgs a = docArgs(info);
      const size_t k = kArg(info, 5, a.ndocs);
      return topKResult(info, k, [a, k](uint32_t* idx, float* sc) { runTopK(a, k, idx, sc); }, async);
    });
  }
  Napi::Value MaxsimBatch(const Napi::CallbackInfo& info) { return batchCall(info, false); }
  Napi::Value MaxsimBatchAsync(const Napi::CallbackInfo& info) { return batchCall(info, true); }
  Napi::Value MaxsimTopK(const Napi::CallbackInfo& info) { return topKCall(info, false); }
  Napi::Value MaxsimTopKAsync(const Napi::CallbackInfo& info) { return topKCall(info, true); }

};

}  // namespace

void initResidual(Napi::Env env, Napi::Object exports) { exports.Set("ResidualCodec", ResidualWrap::define(env)); }

}  // namespace maxsim::binding
