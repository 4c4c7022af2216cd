// N-API surface of the quantizers: kmeans(), and the ProductQuantizer class (training with
// progress, codes, ADC, fast-scan, MaxSim over codes, persistence). The TS facade validates
// every argument first; everything is checked again here.
//
// Objects are created by static factories (train, trainAsync, load) that call the JS
// constructor and then move the trained model into the new object; `new ProductQuantizer()`
// from JS yields an empty object whose methods throw ERR_NOT_TRAINED. Every method checks the
// type tag of `this` first.
#include "quant_binding.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "../core/error.h"
#include "../quant/fastscan.h"
#include "../quant/kmeans.h"
#include "../quant/pq_maxsim.h"
#include "../scoring/token_matrix.h"

namespace maxsim::binding {

uint32_t optUint(Napi::Object o, const char* name, uint32_t def, uint32_t lo, uint32_t hi) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return def;
  if (!v.IsNumber()) throwInvalid(o.Env(), std::string(name) + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo) || d > hi || std::floor(d) != d)
    throwInvalid(o.Env(), std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return uint32_t(d);
}

bool optBool(Napi::Object o, const char* name, bool def) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) return def;
  if (!v.IsBoolean()) throwInvalid(o.Env(), std::string(name) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

Napi::Object optionsArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || info[i].IsUndefined()) return Napi::Object::New(info.Env());
  if (!info[i].IsObject()) throwInvalid(info.Env(), "options must be an object");
  return info[i].As<Napi::Object>();
}

ProgressRelay::ProgressRelay(Napi::Env env, Napi::Value callback) {
  if (callback.IsUndefined() || callback.IsNull()) return;
  if (!callback.IsFunction()) throwInvalid(env, "onProgress must be a function");
  tsfn_ = Napi::ThreadSafeFunction::New(env, callback.As<Napi::Function>(), "maxsim.progress", 0, 1);
  active_ = true;
}

ProgressRelay::~ProgressRelay() { release(); }

void ProgressRelay::release() {
  if (active_) tsfn_.Release();
  active_ = false;
}

quant::ProgressFn ProgressRelay::fn() {
  if (!active_) return nullptr;
  return [this](double f, const char* stage) {
    if (!active_) return;
    if (f < 1.0 && f - last_ < 0.01 && lastStage_ == stage) return;
    last_ = f;
    lastStage_ = stage;
    auto* payload = new std::pair<double, std::string>(f, stage);
    // Runs on the main thread: the only place the JS callback is ever called.
    const napi_status st = tsfn_.BlockingCall(payload, [](Napi::Env env, Napi::Function cb, std::pair<double, std::string>* p) {
      std::unique_ptr<std::pair<double, std::string>> own(p);
      if (env == nullptr || cb.IsEmpty()) return;
      try {
        cb.Call({Napi::Number::New(env, p->first), Napi::String::New(env, p->second)});
      } catch (...) {
        // A throwing progress callback must not abort training; the exception is dropped.
      }
    });
    if (st != napi_ok) delete payload;
  };
}

Napi::Object topKObject(Napi::Env env, Napi::Uint32Array idx, Napi::Float32Array scores) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("indices", idx);
  r.Set("scores", scores);
  return r;
}

namespace {

using quant::Metric;
using quant::ProductQuantizer;

constexpr napi_type_tag kPqTag = {0x6d617873696d5051ull, 0x7175616e74697a31ull};

Metric metricArg(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsString()) throwInvalid(info.Env(), "metric must be 'ip' or 'l2'");
  const std::string m = info[i].As<Napi::String>().Utf8Value();
  if (m == "ip") return Metric::InnerProduct;
  if (m == "l2") return Metric::L2;
  throwInvalid(info.Env(), "metric must be 'ip' or 'l2', got '" + m + "'");
}

size_t kArg(const Napi::CallbackInfo& info, size_t i) {
  const double k = numberArg(info, i, "k");
  if (!(k >= 1) || k != std::floor(k) || k > 4294967295.0) throwInvalid(info.Env(), "k must be a positive integer");
  return size_t(k);
}

quant::PqTrainOptions pqOptions(Napi::Object o) {
  quant::PqTrainOptions p;
  p.M = optUint(o, "M", 0, 1, 65536);
  if (p.M == 0) throwInvalid(o.Env(), "M is required");
  p.nbits = optUint(o, "nbits", 8, 4, 8);
  p.iterations = optUint(o, "iterations", 25, 1, 1000);
  p.seed = optUint(o, "seed", 1234, 0, 0xffffffffu);
  p.maxPointsPerCentroid = optUint(o, "maxPointsPerCentroid", 256, 1, 1u << 20);
  p.allowFewer = optBool(o, "allowFewer", false);
  p.opq = optBool(o, "opq", false);
  p.opqIterations = optUint(o, "opqIterations", 50, 1, 1000);
  p.opqMaxPoints = optUint(o, "opqMaxPoints", 65536, 1, 0xffffffffu);
  return p;
}

struct QueryRows {
  const float* data;
  uint32_t nq;
};

QueryRows queryRows(const Napi::CallbackInfo& info, size_t i, uint32_t dim, const char* name = "query") {
  auto q = typedArrayArg<float>(info, i, napi_float32_array, name);
  if (q.length % dim != 0)
    throwError(info.Env(), codes::kDimensionMismatch, std::string(name) + " length " + std::to_string(q.length) +
                                                          " is not a multiple of dim " + std::to_string(dim));
  if (q.length == 0) throwError(info.Env(), codes::kEmptyQuery, std::string(name) + " has no tokens");
  if (q.length / dim > 0xffffffffu) throwInvalid(info.Env(), std::string(name) + " has too many rows");
  return {q.data, uint32_t(q.length / dim)};
}

class PqWrap : public Napi::ObjectWrap<PqWrap> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(
        env, "ProductQuantizer",
        {StaticMethod<&PqWrap::Train>("train"), StaticMethod<&PqWrap::TrainAsync>("trainAsync"),
         StaticMethod<&PqWrap::Load>("load"), InstanceMethod<&PqWrap::Info>("info"),
         InstanceMethod<&PqWrap::Codebook>("codebook"), InstanceMethod<&PqWrap::Rotation>("rotation"),
         InstanceMethod<&PqWrap::Encode>("encode"), InstanceMethod<&PqWrap::Decode>("decode"),
         InstanceMethod<&PqWrap::Save>("save"), InstanceMethod<&PqWrap::Lut>("lut"),
         InstanceMethod<&PqWrap::AdcScores>("adcScores"), InstanceMethod<&PqWrap::AdcSearch>("adcSearch"),
         InstanceMethod<&PqWrap::PackFastScan>("packFastScan"), InstanceMethod<&PqWrap::UnpackFastScan>("unpackFastScan"),
         InstanceMethod<&PqWrap::FastScanRaw>("fastScanRaw"), InstanceMethod<&PqWrap::FastScanSearch>("fastScanSearch"),
         InstanceMethod<&PqWrap::Maxsim>("maxsim"), InstanceMethod<&PqWrap::MaxsimBatch>("maxsimBatch"),
         InstanceMethod<&PqWrap::MaxsimBatchAsync>("maxsimBatchAsync"), InstanceMethod<&PqWrap::MaxsimTopK>("maxsimTopK"),
         InstanceMethod<&PqWrap::MaxsimTopKAsync>("maxsimTopKAsync")});
  }

  explicit PqWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PqWrap>(info) {
    tagObject(info.Env(), info.This().As<Napi::Object>(), kPqTag);
  }

 private:
  std::shared_ptr<const ProductQuantizer> pq_;

  static Napi::Value wrap(Napi::Function ctor, std::shared_ptr<const ProductQuantizer> pq) {
    Napi::Object o = ctor.New({});
    if (!hasTag(ctor.Env(), o, kPqTag)) throwInvalid(ctor.Env(), "ProductQuantizer constructor expected");
    Napi::ObjectWrap<PqWrap>::Unwrap(o)->pq_ = std::move(pq);
    return o;
  }
  static Napi::Function ctorOf(const Napi::CallbackInfo& info) {
    if (!info.This().IsFunction()) throwInvalid(info.Env(), "call ProductQuantizer.train/load on the class");
    return info.This().As<Napi::Function>();
  }
  static std::shared_ptr<const ProductQuantizer> self(const Napi::CallbackInfo& info) {
    PqWrap* w = unwrapTagged<PqWrap>(info, kPqTag, "ProductQuantizer");
    if (!w->pq_) throwError(info.Env(), codes::kNotTrained, "this ProductQuantizer was not trained or loaded");
    return w->pq_;
  }

  // train(data, dim, options)
  static Napi::Value Train(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      Napi::Function ctor = ctorOf(info);
      const uint32_t dim = uint32Arg(info, 1, "dim");
      if (dim == 0) throwInvalid(info.Env(), "dim must be at least 1");
      auto data = typedArrayArg<float>(info, 0, napi_float32_array, "data");
      if (data.length % dim) throwError(info.Env(), codes::kDimensionMismatch, "data length is not a multiple of dim");
      quant::PqTrainOptions o = pqOptions(optionsArg(info, 2));
      auto pq = std::make_shared<const ProductQuantizer>(ProductQuantizer::train(data.data, data.length / dim, dim, o));
      return wrap(ctor, pq);
    });
  }

  // trainAsync(data, dim, options, onProgress?)
  static Napi::Value TrainAsync(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      Napi::Function ctor = ctorOf(info);
      const uint32_t dim = uint32Arg(info, 1, "dim");
      if (dim == 0) throwInvalid(info.Env(), "dim must be at least 1");
      auto data = typedArrayArg<float>(info, 0, napi_float32_array, "data");
      if (data.length % dim) throwError(info.Env(), codes::kDimensionMismatch, "data length is not a multiple of dim");
      quant::PqTrainOptions o = pqOptions(optionsArg(info, 2));
      auto ctorRef = std::make_shared<Napi::FunctionReference>(Napi::Persistent(ctor));
      const float* x = data.data;
      const size_t n = data.length / dim;
      return trainOnWorker(
          info, 3,
          [=](const quant::ProgressFn& progress) {
            quant::PqTrainOptions withProgress = o;
            withProgress.onProgress = progress;
            return std::make_shared<const ProductQuantizer>(ProductQuantizer::train(x, n, dim, withProgress));
          },
          [ctorRef](const std::shared_ptr<const ProductQuantizer>& pq) { return wrap(ctorRef->Value(), pq); });
    });
  }

  static Napi::Value Load(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      Napi::Function ctor = ctorOf(info);
      if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "path must be a string");
      return wrap(ctor, std::make_shared<const ProductQuantizer>(ProductQuantizer::load(info[0].As<Napi::String>().Utf8Value())));
    });
  }

  Napi::Value Info(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("dim", pq->dim());
      o.Set("M", pq->M());
      o.Set("nbits", pq->nbits());
      o.Set("ksub", pq->ksub());
      o.Set("dsub", pq->dsub());
      o.Set("codeSize", double(pq->codeSize()));
      o.Set("opq", pq->hasRotation());
      return o;
    });
  }

  Napi::Value Codebook(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      Napi::Float32Array a = Napi::Float32Array::New(info.Env(), pq->codebook().size());
      std::copy(pq->codebook().begin(), pq->codebook().end(), a.Data());
      return a;
    });
  }

  Napi::Value Rotation(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      if (!pq->hasRotation()) return info.Env().Null();
      Napi::Float32Array a = Napi::Float32Array::New(info.Env(), pq->rotation().size());
      std::copy(pq->rotation().begin(), pq->rotation().end(), a.Data());
      return a;
    });
  }

  Napi::Value Encode(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      auto x = typedArrayArg<float>(info, 0, napi_float32_array, "vectors");
      if (x.length % pq->dim()) throwError(info.Env(), codes::kDimensionMismatch, "vectors length is not a multiple of dim");
      const size_t n = x.length / pq->dim();
      checkFinite(x.data, x.length, "vectors");
      Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), n * pq->codeSize());
      pq->encode(x.data, n, out.Data());
      return out;
    });
  }

  size_t codeRows(const Napi::CallbackInfo& info, const ProductQuantizer& pq, const ArrayArg<uint8_t>& c) {
    if (c.length % pq.codeSize())
      throwError(info.Env(), codes::kDimensionMismatch, "codes length " + std::to_string(c.length) +
                                                            " is not a multiple of the code size " + std::to_string(pq.codeSize()));
    return c.length / pq.codeSize();
  }

  Napi::Value Decode(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      auto c = typedArrayArg<uint8_t>(info, 0, napi_uint8_array, "codes");
      const size_t n = codeRows(info, *pq, c);
      Napi::Float32Array out = Napi::Float32Array::New(info.Env(), n * pq->dim());
      pq->decode(c.data, n, out.Data());
      return out;
    });
  }

  Napi::Value Save(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "path must be a string");
      pq->save(info[0].As<Napi::String>().Utf8Value());
      return info.Env().Undefined();
    });
  }

  // lut(query, metric) -> (M, ksub)
  Napi::Value Lut(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      auto q = typedArrayArg<float>(info, 0, napi_float32_array, "query");
      if (q.length != pq->dim()) throwError(info.Env(), codes::kDimensionMismatch, "query must have dim values");
      checkFinite(q.data, q.length, "query");
      Napi::Float32Array out = Napi::Float32Array::New(info.Env(), size_t(pq->M()) * pq->ksub());
      pq->computeLut(q.data, metricArg(info, 1), out.Data());
      return out;
    });
  }

  // adcScores(queries, codes, metric) -> (nq, n)
  Napi::Value AdcScores(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      QueryRows q = queryRows(info, 0, pq->dim(), "queries");
      checkFinite(q.data, size_t(q.nq) * pq->dim(), "queries");
      auto c = typedArrayArg<uint8_t>(info, 1, napi_uint8_array, "codes");
      const size_t n = codeRows(info, *pq, c);
      const Metric m = metricArg(info, 2);
      Napi::Float32Array out = Napi::Float32Array::New(info.Env(), size_t(q.nq) * n);
      quant::adcScores(*pq, q.data, q.nq, c.data, n, m, out.Data());
      return out;
    });
  }

  // adcSearch(queries, codes, k, metric) -> { indices (nq, k'), scores }
  Napi::Value AdcSearch(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      QueryRows q = queryRows(info, 0, pq->dim(), "queries");
      checkFinite(q.data, size_t(q.nq) * pq->dim(), "queries");
      auto c = typedArrayArg<uint8_t>(info, 1, napi_uint8_array, "codes");
      const size_t n = codeRows(info, *pq, c);
      const size_t k = std::min(kArg(info, 2), n);
      const Metric m = metricArg(info, 3);
      Napi::Uint32Array idx = Napi::Uint32Array::New(info.Env(), size_t(q.nq) * k);
      Napi::Float32Array sc = Napi::Float32Array::New(info.Env(), size_t(q.nq) * k);
      quant::adcSearch(*pq, q.data, q.nq, c.data, n, k, m, idx.Data(), sc.Data());
      return topKObject(info.Env(), idx, sc);
    });
  }

  void need4(const Napi::CallbackInfo& info, const ProductQuantizer& pq) {
    if (pq.nbits() != 4) throwInvalid(info.Env(), "fast-scan needs a 4-bit ProductQuantizer (nbits: 4)");
  }

  // packed-length check: (packed, n) must match.
  void checkPacked(const Napi::CallbackInfo& info, const ProductQuantizer& pq, const ArrayArg<uint8_t>& p, size_t n) {
    if (p.length != quant::fastScanPackedBytes(n, pq.M()))
      throwError(info.Env(), codes::kDimensionMismatch,
                 "packed codes have " + std::to_string(p.length) + " bytes; " + std::to_string(n) + " vectors need " +
                     std::to_string(quant::fastScanPackedBytes(n, pq.M())));
  }

  Napi::Value PackFastScan(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      need4(info, *pq);
      auto c = typedArrayArg<uint8_t>(info, 0, napi_uint8_array, "codes");
      const size_t n = codeRows(info, *pq, c);
      Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), quant::fastScanPackedBytes(n, pq->M()));
      quant::packFastScan(c.data, n, pq->M(), out.Data());
      return out;
    });
  }

  Napi::Value UnpackFastScan(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      need4(info, *pq);
      auto p = typedArrayArg<uint8_t>(info, 0, napi_uint8_array, "packed");
      const size_t n = uint32Arg(info, 1, "n");
      checkPacked(info, *pq, p, n);
      Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), n * pq->codeSize());
      quant::unpackFastScan(p.data, n, pq->M(), out.Data());
      return out;
    });
  }

  // fastScanRaw(queries, packed, n, metric) -> { raw u16 (nq, n), scale, bias } for tests
  Napi::Value FastScanRaw(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      need4(info, *pq);
      QueryRows q = queryRows(info, 0, pq->dim(), "queries");
      checkFinite(q.data, size_t(q.nq) * pq->dim(), "queries");
      auto p = typedArrayArg<uint8_t>(info, 1, napi_uint8_array, "packed");
      const size_t n = uint32Arg(info, 2, "n");
      checkPacked(info, *pq, p, n);
      const Metric m = metricArg(info, 3);
      std::vector<quant::FastScanLut> luts;
      for (uint32_t i = 0; i < q.nq; ++i) luts.push_back(quant::fastScanLut(*pq, q.data + size_t(i) * pq->dim(), m));
      const size_t stride = quant::fastScanBlocks(n) * 32;
      std::vector<uint16_t> raw(q.nq * stride);
      quant::fastScanRaw(luts, p.data, n, pq->M(), raw.data());
      Napi::Uint16Array out = Napi::Uint16Array::New(info.Env(), size_t(q.nq) * n);
      Napi::Float32Array scale = Napi::Float32Array::New(info.Env(), q.nq), bias = Napi::Float32Array::New(info.Env(), q.nq);
      for (uint32_t i = 0; i < q.nq; ++i) {
        std::copy(raw.begin() + i * stride, raw.begin() + i * stride + n, out.Data() + size_t(i) * n);
        scale[i] = luts[i].scale;
        bias[i] = luts[i].bias;
      }
      Napi::Object o = Napi::Object::New(info.Env());
      o.Set("raw", out);
      o.Set("scale", scale);
      o.Set("bias", bias);
      return o;
    });
  }

  // fastScanSearch(queries, packed, n, k, metric, rerankFactor, rerankVectors?, rerankPq?, rerankCodes?)
  Napi::Value FastScanSearch(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      need4(info, *pq);
      QueryRows q = queryRows(info, 0, pq->dim(), "queries");
      checkFinite(q.data, size_t(q.nq) * pq->dim(), "queries");
      auto p = typedArrayArg<uint8_t>(info, 1, napi_uint8_array, "packed");
      const size_t n = uint32Arg(info, 2, "n");
      checkPacked(info, *pq, p, n);
      const size_t k = std::min(kArg(info, 3), n);
      const Metric m = metricArg(info, 4);
      quant::FastScanSearchOptions so;
      so.rerankFactor = uint32Arg(info, 5, "rerankFactor");
      const uint32_t d = pq->dim();
      std::vector<std::vector<float>> luts8;
      if (info.Length() > 6 && !info[6].IsUndefined()) {
        auto v = typedArrayArg<float>(info, 6, napi_float32_array, "rerank vectors");
        if (v.length != n * d) throwError(info.Env(), codes::kDimensionMismatch, "rerank vectors must be (n, dim)");
        checkFinite(v.data, v.length, "rerank vectors");
        const float* vx = v.data;
        const float* qs = q.data;
        so.rerank = [=](size_t qi, uint32_t id) {
          const float* a = qs + qi * d;
          const float* b = vx + size_t(id) * d;
          float s = 0.f;
          if (m == Metric::InnerProduct) for (uint32_t t = 0; t < d; ++t) s += a[t] * b[t];
          else for (uint32_t t = 0; t < d; ++t) s += (a[t] - b[t]) * (a[t] - b[t]);
          return s;
        };
      } else if (info.Length() > 8 && !info[7].IsUndefined()) {
        PqWrap* other = hasTag(info.Env(), info[7], kPqTag) ? Napi::ObjectWrap<PqWrap>::Unwrap(info[7].As<Napi::Object>()) : nullptr;
        if (!other || !other->pq_) throwInvalid(info.Env(), "rerank.pq must be a trained ProductQuantizer");
        std::shared_ptr<const ProductQuantizer> pq8 = other->pq_;
        if (pq8->dim() != d) throwError(info.Env(), codes::kDimensionMismatch, "rerank.pq has another dim");
        auto c8 = typedArrayArg<uint8_t>(info, 8, napi_uint8_array, "rerank codes");
        if (c8.length != n * pq8->codeSize()) throwError(info.Env(), codes::kDimensionMismatch, "rerank codes must be (n, codeSize)");
        luts8.resize(q.nq);
        for (uint32_t i = 0; i < q.nq; ++i) {
          luts8[i].resize(size_t(pq8->M()) * pq8->ksub());
          pq8->computeLut(q.data + size_t(i) * d, m, luts8[i].data());
        }
        const uint8_t* cd = c8.data;
        const auto* L = &luts8;
        so.rerank = [=](size_t qi, uint32_t id) {
          const uint8_t* code = cd + size_t(id) * pq8->codeSize();
          const float* lut = (*L)[qi].data();
          float s = 0.f;
          for (uint32_t mm = 0; mm < pq8->M(); ++mm) s += lut[size_t(mm) * pq8->ksub() + pq8->codeAt(code, mm)];
          return s;
        };
      }
      Napi::Uint32Array idx = Napi::Uint32Array::New(info.Env(), size_t(q.nq) * k);
      Napi::Float32Array sc = Napi::Float32Array::New(info.Env(), size_t(q.nq) * k);
      quant::fastScanSearch(*pq, q.data, q.nq, p.data, n, k, m, so, idx.Data(), sc.Data());
      return topKObject(info.Env(), idx, sc);
    });
  }

  // MaxSim over codes. form: 0 = flat codes (ADC byte LUT), 1 = fast-scan packed.
  struct DocArgs {
    std::shared_ptr<const ProductQuantizer> pq;
    QueryRows q;
    const uint8_t* codes;
    const uint32_t* offsets;
    size_t ndocs;
    bool fastScan;
  };

  // (query, codes, offsets, form)
  DocArgs docArgs(const Napi::CallbackInfo& info) {
    DocArgs a;
    a.pq = self(info);
    a.q = queryRows(info, 0, a.pq->dim());
    auto c = typedArrayArg<uint8_t>(info, 1, napi_uint8_array, "codes");
    auto off = typedArrayArg<uint32_t>(info, 2, napi_uint32_array, "offsets");
    if (off.length == 0) throwError(info.Env(), codes::kBadOffsets, "offsets must have at least one entry (0)");
    a.fastScan = uint32Arg(info, 3, "form") == 1;
    const size_t ntok = off.data[off.length - 1];
    if (a.fastScan) {
      need4(info, *a.pq);
      if (c.length != quant::fastScanPackedBytes(ntok, a.pq->M()))
        throwError(info.Env(), codes::kDimensionMismatch, "packed codes do not match offsets (" + std::to_string(ntok) + " tokens need " +
                                                              std::to_string(quant::fastScanPackedBytes(ntok, a.pq->M())) + " bytes)");
      checkOffsets(off.data, off.length, ntok, "offsets");
    } else {
      checkOffsets(off.data, off.length, codeRows(info, *a.pq, c), "offsets");
    }
    a.codes = c.data;
    a.offsets = off.data;
    a.ndocs = off.length - 1;
    return a;
  }

  static void runBatch(const DocArgs& a, float* out) {
    if (a.fastScan) quant::pqMaxsimFastScanBatch(*a.pq, a.q.data, a.q.nq, a.codes, a.offsets, a.ndocs, out);
    else quant::pqMaxsimBatch(*a.pq, a.q.data, a.q.nq, a.codes, a.offsets, a.ndocs, out);
  }
  static void runTopK(const DocArgs& a, size_t k, uint32_t* idx, float* sc) {
    if (a.fastScan) quant::pqMaxsimFastScanTopK(*a.pq, a.q.data, a.q.nq, a.codes, a.offsets, a.ndocs, k, idx, sc);
    else quant::pqMaxsimTopK(*a.pq, a.q.data, a.q.nq, a.codes, a.offsets, a.ndocs, k, idx, sc);
  }

  // maxsim(query, codes, form): one document holding all of `codes`.
  Napi::Value Maxsim(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      auto pq = self(info);
      QueryRows q = queryRows(info, 0, pq->dim());
      auto c = typedArrayArg<uint8_t>(info, 1, napi_uint8_array, "codes");
      const double n = numberArg(info, 2, "tokens");
      const bool fs = uint32Arg(info, 3, "form") == 1;
      const uint32_t offs[2] = {0, uint32_t(n)};
      float out = 0.f;
      if (fs) {
        need4(info, *pq);
        if (c.length != quant::fastScanPackedBytes(size_t(n), pq->M())) throwError(info.Env(), codes::kDimensionMismatch, "packed codes do not match the token count");
        quant::pqMaxsimFastScanBatch(*pq, q.data, q.nq, c.data, offs, 1, &out);
      } else {
        if (codeRows(info, *pq, c) != size_t(n)) throwError(info.Env(), codes::kDimensionMismatch, "codes do not match the token count");
        quant::pqMaxsimBatch(*pq, q.data, q.nq, c.data, offs, 1, &out);
      }
      return Napi::Number::New(info.Env(), out);
    });
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
      const size_t k = std::min(kArg(info, 4), a.ndocs);
      return topKResult(info, k, [a, k](uint32_t* idx, float* sc) { runTopK(a, k, idx, sc); }, async);
    });
  }
  Napi::Value MaxsimBatch(const Napi::CallbackInfo& info) { return batchCall(info, false); }
  Napi::Value MaxsimBatchAsync(const Napi::CallbackInfo& info) { return batchCall(info, true); }
  Napi::Value MaxsimTopK(const Napi::CallbackInfo& info) { return topKCall(info, false); }
  Napi::Value MaxsimTopKAsync(const Napi::CallbackInfo& info) { return topKCall(info, true); }

};

// kmeans(data, dim, options) -> { centroids, k, objective, iterations, emptySplits }
Napi::Value Kmeans(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    const uint32_t dim = uint32Arg(info, 1, "dim");
    if (dim == 0) throwInvalid(info.Env(), "dim must be at least 1");
    auto data = typedArrayArg<float>(info, 0, napi_float32_array, "data");
    if (data.length % dim) throwError(info.Env(), codes::kDimensionMismatch, "data length is not a multiple of dim");
    checkFinite(data.data, data.length, "data");
    Napi::Object o = optionsArg(info, 2);
    quant::KMeansOptions ko;
    ko.k = optUint(o, "k", 0, 1, 1u << 24);
    if (ko.k == 0) throwInvalid(info.Env(), "k is required");
    ko.iterations = optUint(o, "iterations", 25, 0, 100000);
    ko.seed = optUint(o, "seed", 1234, 0, 0xffffffffu);
    ko.maxPointsPerCentroid = optUint(o, "maxPointsPerCentroid", 256, 0, 0xffffffffu);
    ko.spherical = optBool(o, "spherical", false);
    ko.allowFewer = optBool(o, "allowFewer", false);
    Napi::Value init = o.Get("init");
    if (!init.IsUndefined()) {
      if (!init.IsTypedArray() || init.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
        throwInvalid(info.Env(), "init must be a Float32Array");
      Napi::Float32Array ia = init.As<Napi::Float32Array>();
      if (ia.ElementLength() != size_t(ko.k) * dim)
        throwError(info.Env(), codes::kDimensionMismatch, "init must hold k * dim values");
      checkFinite(ia.Data(), ia.ElementLength(), "init");
      ko.init = ia.Data();
    }
    const size_t n = data.length / dim;
    if (ko.init && n < ko.k) throwInvalid(info.Env(), "k-means needs at least k = " + std::to_string(ko.k) + " training points, got " + std::to_string(n));
    quant::KMeansResult r = quant::kmeans(data.data, n, dim, ko);
    Napi::Float32Array c = Napi::Float32Array::New(info.Env(), r.centroids.size());
    std::copy(r.centroids.begin(), r.centroids.end(), c.Data());
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("centroids", c);
    out.Set("k", r.k);
    out.Set("objective", r.objective);
    out.Set("iterations", r.iterations);
    out.Set("emptySplits", r.emptySplits);
    return out;
  });
}

}  // namespace

void initQuant(Napi::Env env, Napi::Object exports) {
  exports.Set("kmeans", Napi::Function::New(env, Kmeans, "kmeans"));
  exports.Set("ProductQuantizer", PqWrap::define(env));
  initResidual(env, exports);
}

}  // namespace maxsim::binding
