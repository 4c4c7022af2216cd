// N-API surface for the optional CUDA backend: DeviceDocuments (multi-vector tokens),
// DevicePqDocuments (8-bit PQ codes) and DeviceFdeCollection (one vector per document) each hold
// one collection in GPU memory (uploaded once) and score / rank query batches against it. In a
// CPU-only build, creating one throws ERR_CUDA_UNAVAILABLE (after the arguments are checked).
//
// Each collection owns one CUDA stream and reusable staging buffers, so calls on the same
// collection are serialised by its mutex (sync and async alike); release() waits for a running
// call. Top-k results come back flat: indices / scores laid out (nq, min(k, documents)).
#include <memory>
#include <mutex>
#include <string>

#include "../gpu/cuda_backend.h"
#include "napi_util.h"

namespace maxsim::binding {
namespace {

const napi_type_tag kDeviceDocumentsTag = {0x6d617873696d4744ull, 0x6576446f63730001ull};
const napi_type_tag kDevicePqTag = {0x6d617873696d4744ull, 0x6576507144630002ull};
const napi_type_tag kDeviceFdeTag = {0x6d617873696d4744ull, 0x6576466465630003ull};

// A device collection behind a mutex; `with` runs fn on it unless it was released.
template <class Coll>
struct Held {
  std::unique_ptr<Coll> coll;
  std::mutex mu;
  size_t count = 0;  // documents
  uint32_t dim = 0;
  template <class F>
  void with(F&& fn) {
    std::lock_guard<std::mutex> lock(mu);
    if (!coll) throw Error(codes::kInvalidArgument, "this device collection was released");
    fn(*coll);
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    coll.reset();
  }
};

struct Queries {
  const float* q = nullptr;
  const uint32_t* qo = nullptr;  // null for FDE queries (one row each)
  size_t nq = 0;
};

// Multi-vector queries: (queries f32, queryOffsets u32) at arguments 0 and 1.
Queries multiVectorQueries(const Napi::CallbackInfo& info, uint32_t dim) {
  auto q = typedArrayArg<float>(info, 0, napi_float32_array, "queries");
  auto qo = typedArrayArg<uint32_t>(info, 1, napi_uint32_array, "queryOffsets");
  if (q.length % dim) throwError(info.Env(), codes::kDimensionMismatch, "queries length is not a multiple of dim");
  if (qo.length == 0) throwError(info.Env(), codes::kBadOffsets, "queryOffsets must have at least one entry (0)");
  checkOffsets(qo.data, qo.length, q.length / dim, "queryOffsets");
  for (size_t i = 0; i + 1 < qo.length; ++i)
    if (qo.data[i + 1] == qo.data[i]) throwError(info.Env(), codes::kEmptyQuery, "queries: a query has no tokens");
  checkFinite(q.data, q.length, "queries");
  return {q.data, qo.data, qo.length - 1};
}

// One f32 vector per query at argument 0.
Queries vectorQueries(const Napi::CallbackInfo& info, uint32_t dim) {
  auto q = typedArrayArg<float>(info, 0, napi_float32_array, "queries");
  if (q.length == 0) throwError(info.Env(), codes::kEmptyQuery, "queries is empty");
  if (q.length % dim) throwError(info.Env(), codes::kDimensionMismatch, "queries length is not a multiple of dim");
  checkFinite(q.data, q.length, "queries");
  return {q.data, nullptr, q.length / dim};
}

size_t topKArg(const Napi::CallbackInfo& info, size_t i, size_t count) {
  const uint32_t k = uint32Arg(info, i, "k");
  if (k == 0) throwInvalid(info.Env(), "k must be a positive integer");
  const size_t kOut = k < count ? k : count;
  if (kOut > gpu::kMaxDeviceTopK)
    throwInvalid(info.Env(), "k is at most " + std::to_string(gpu::kMaxDeviceTopK) + " on the GPU");
  return k;
}

// Shared method bodies. Call(coll, queries, out...) does the work on whichever thread runs it.
template <class Coll, class ScoreFn>
Napi::Value scoreMatrixImpl(const Napi::CallbackInfo& info, Held<Coll>& h, const Queries& a, bool async, ScoreFn score) {
  Napi::Float32Array out = Napi::Float32Array::New(info.Env(), a.nq * h.count);
  if (!async) {
    h.with([&](Coll& c) { score(c, a, out.Data()); });
    return out;
  }
  float* dst = out.Data();
  auto keepOut = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(out));
  auto keepThis = std::make_shared<Napi::Reference<Napi::Object>>(Napi::Persistent(info.This().As<Napi::Object>()));
  Held<Coll>* held = &h;  // alive while keepThis holds the JS object
  auto* w = new PromiseWorker(
      info.Env(), info, [held, a, dst, score] { held->with([&](Coll& c) { score(c, a, dst); }); },
      [keepOut, keepThis](Napi::Env) -> Napi::Value { return keepOut->Value(); });
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

template <class Coll, class TopKFn>
Napi::Value topKImpl(const Napi::CallbackInfo& info, Held<Coll>& h, const Queries& a, size_t k, bool async, TopKFn topK) {
  const size_t kOut = k < h.count ? k : h.count;
  Napi::Uint32Array ids = Napi::Uint32Array::New(info.Env(), a.nq * kOut);
  Napi::Float32Array scores = Napi::Float32Array::New(info.Env(), a.nq * kOut);
  auto pack = [](Napi::Env env, Napi::Uint32Array i, Napi::Float32Array s) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("indices", i);
    r.Set("scores", s);
    return r;
  };
  if (!async) {
    h.with([&](Coll& c) { topK(c, a, k, ids.Data(), scores.Data()); });
    return pack(info.Env(), ids, scores);
  }
  uint32_t* pi = ids.Data();
  float* ps = scores.Data();
  auto keepIds = std::make_shared<Napi::Reference<Napi::Uint32Array>>(Napi::Persistent(ids));
  auto keepScores = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(scores));
  auto keepThis = std::make_shared<Napi::Reference<Napi::Object>>(Napi::Persistent(info.This().As<Napi::Object>()));
  Held<Coll>* held = &h;
  auto* w = new PromiseWorker(
      info.Env(), info, [held, a, k, pi, ps, topK] { held->with([&](Coll& c) { topK(c, a, k, pi, ps); }); },
      [keepIds, keepScores, keepThis, pack](Napi::Env env) -> Napi::Value {
        return pack(env, keepIds->Value(), keepScores->Value());
      });
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// Scoring lambdas shared by DeviceDocuments and DevicePqDocuments (same query form).
template <class Coll>
void multiScore(Coll& c, const Queries& a, float* out) {
  c.scoreMatrix(a.q, a.qo, a.nq, out);
}
template <class Coll>
void multiTopK(Coll& c, const Queries& a, size_t k, uint32_t* ids, float* scores) {
  c.topK(a.q, a.qo, a.nq, k, ids, scores);
}
void fdeScore(gpu::DeviceFdeCollection& c, const Queries& a, float* out) { c.scoreMatrix(a.q, a.nq, out); }
void fdeTopK(gpu::DeviceFdeCollection& c, const Queries& a, size_t k, uint32_t* ids, float* scores) {
  c.topK(a.q, a.nq, k, ids, scores);
}

// The methods every device collection class has; Derived supplies held(), queries(info) and the
// score / topK functions.
template <class Derived, class Coll>
class DeviceWrap : public Napi::ObjectWrap<Derived> {
 public:
  explicit DeviceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info) {}

  static std::vector<typename Napi::ObjectWrap<Derived>::PropertyDescriptor> methods() {
    using W = Napi::ObjectWrap<Derived>;
    return {W::InstanceMethod("scoreMatrix", &DeviceWrap::ScoreMatrix), W::InstanceMethod("scoreMatrixAsync", &DeviceWrap::ScoreMatrixAsync),
            W::InstanceMethod("topK", &DeviceWrap::TopK), W::InstanceMethod("topKAsync", &DeviceWrap::TopKAsync),
            W::InstanceMethod("deviceBytes", &DeviceWrap::DeviceBytes), W::InstanceMethod("release", &DeviceWrap::Release)};
  }

 protected:
  Held<Coll> held_;

  static Derived* self(const Napi::CallbackInfo& info) {
    return unwrapTagged<Derived>(info, Derived::kTag, Derived::kName);
  }

 private:
  Napi::Value ScoreMatrix(const Napi::CallbackInfo& info) { return score(info, false); }
  Napi::Value ScoreMatrixAsync(const Napi::CallbackInfo& info) { return score(info, true); }
  Napi::Value TopK(const Napi::CallbackInfo& info) { return topK(info, false); }
  Napi::Value TopKAsync(const Napi::CallbackInfo& info) { return topK(info, true); }

  Napi::Value score(const Napi::CallbackInfo& info, bool async) {
    return guard(info, [&]() -> Napi::Value {
      Derived* s = self(info);
      const Queries a = Derived::queries(info, s->held_.dim);
      return scoreMatrixImpl(info, s->held_, a, async, Derived::scoreFn);
    });
  }
  Napi::Value topK(const Napi::CallbackInfo& info, bool async) {
    return guard(info, [&]() -> Napi::Value {
      Derived* s = self(info);
      const Queries a = Derived::queries(info, s->held_.dim);
      const size_t k = topKArg(info, Derived::kKArg, s->held_.count);
      return topKImpl(info, s->held_, a, k, async, Derived::topKFn);
    });
  }
  Napi::Value DeviceBytes(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      size_t bytes = 0;
      self(info)->held_.with([&](Coll& c) { bytes = c.deviceBytes(); });
      return Napi::Number::New(info.Env(), double(bytes));
    });
  }
  Napi::Value Release(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      self(info)->held_.release();
      return info.Env().Undefined();
    });
  }
};

// NaN or ±Infinity in f32, f16 or bf16 rows (a half is non-finite when its exponent bits are all
// ones): the GPU's scores and top-k would carry them silently, NaN ranking first.
void checkFiniteElements(const TokenMatrix& m, const char* what) {
  const size_t n = m.rows * m.dim;
  if (m.type == ElementType::F32) return checkFinite(static_cast<const float*>(m.data), n, what);
  const uint16_t exp = m.type == ElementType::F16 ? 0x7c00 : 0x7f80;
  const uint16_t* h = static_cast<const uint16_t*>(m.data);
  uint32_t bad = 0;
  for (size_t i = 0; i < n; ++i) bad |= uint32_t((h[i] & exp) == exp);
  if (bad) throw Error(codes::kNonFinite, std::string(what) + " contain NaN or Infinity");
}

// new DeviceDocuments(device, typeCode, data, scales, dim, offsets)
class DeviceDocuments : public DeviceWrap<DeviceDocuments, gpu::DeviceCollection> {
 public:
  static constexpr const char* kName = "DeviceDocuments";
  static constexpr const napi_type_tag& kTag = kDeviceDocumentsTag;
  static constexpr size_t kKArg = 2;
  static constexpr auto scoreFn = multiScore<gpu::DeviceCollection>;
  static constexpr auto topKFn = multiTopK<gpu::DeviceCollection>;
  static Queries queries(const Napi::CallbackInfo& info, uint32_t dim) { return multiVectorQueries(info, dim); }
  static Napi::Function define(Napi::Env env) { return DefineClass(env, kName, methods()); }

  explicit DeviceDocuments(const Napi::CallbackInfo& info) : DeviceWrap(info) {
    guard(info, [&]() -> Napi::Value {
      tagObject(info.Env(), info.This().As<Napi::Object>(), kTag);
      const uint32_t device = uint32Arg(info, 0, "device");
      TokenMatrix m = tokenMatrixArg(info, 1, "documents");
      auto off = typedArrayArg<uint32_t>(info, 5, napi_uint32_array, "offsets");
      if (off.length == 0) throwError(info.Env(), codes::kBadOffsets, "offsets must have at least one entry (0)");
      checkOffsets(off.data, off.length, m.rows, "offsets");
      if (m.type != ElementType::F32 && m.type != ElementType::F16 && m.type != ElementType::BF16)
        throwInvalid(info.Env(), "the GPU stores f32, f16 or bf16 tokens");
      checkFiniteElements(m, "documents");
      held_.dim = m.dim;
      held_.count = off.length - 1;
      held_.coll = gpu::DeviceCollection::upload(static_cast<int>(device), m.type, m.data, m.rows, m.dim, off.data, held_.count);
      return info.Env().Undefined();
    });
  }
};

// new DevicePqDocuments(device, dim, M, codebook, rotation | null, codes, offsets)
class DevicePqDocuments : public DeviceWrap<DevicePqDocuments, gpu::DevicePqCollection> {
 public:
  static constexpr const char* kName = "DevicePqDocuments";
  static constexpr const napi_type_tag& kTag = kDevicePqTag;
  static constexpr size_t kKArg = 2;
  static constexpr auto scoreFn = multiScore<gpu::DevicePqCollection>;
  static constexpr auto topKFn = multiTopK<gpu::DevicePqCollection>;
  static Queries queries(const Napi::CallbackInfo& info, uint32_t dim) { return multiVectorQueries(info, dim); }
  static Napi::Function define(Napi::Env env) { return DefineClass(env, kName, methods()); }

  explicit DevicePqDocuments(const Napi::CallbackInfo& info) : DeviceWrap(info) {
    guard(info, [&]() -> Napi::Value {
      tagObject(info.Env(), info.This().As<Napi::Object>(), kTag);
      const uint32_t device = uint32Arg(info, 0, "device");
      const uint32_t dim = uint32Arg(info, 1, "dim"), M = uint32Arg(info, 2, "M");
      if (dim == 0 || M == 0 || dim % M != 0) throwInvalid(info.Env(), "dim must be a positive multiple of M");
      auto codebook = typedArrayArg<float>(info, 3, napi_float32_array, "codebook");
      if (codebook.length != size_t(dim) * 256)
        throwError(info.Env(), codes::kDimensionMismatch, "codebook must hold (M, 256, dim / M) f32 (an 8-bit PQ)");
      checkFinite(codebook.data, codebook.length, "codebook");
      const float* rotation = nullptr;
      if (info.Length() > 4 && !info[4].IsNull() && !info[4].IsUndefined()) {
        auto r = typedArrayArg<float>(info, 4, napi_float32_array, "rotation");
        if (r.length != size_t(dim) * dim) throwError(info.Env(), codes::kDimensionMismatch, "rotation must be dim x dim");
        checkFinite(r.data, r.length, "rotation");
        rotation = r.data;
      }
      auto codes = typedArrayArg<uint8_t>(info, 5, napi_uint8_array, "codes");
      if (codes.length % M) throwError(info.Env(), codes::kDimensionMismatch, "codes length is not a multiple of M");
      auto off = typedArrayArg<uint32_t>(info, 6, napi_uint32_array, "offsets");
      if (off.length == 0) throwError(info.Env(), codes::kBadOffsets, "offsets must have at least one entry (0)");
      checkOffsets(off.data, off.length, codes.length / M, "offsets");
      held_.dim = dim;
      held_.count = off.length - 1;
      held_.coll = gpu::DevicePqCollection::upload(static_cast<int>(device), dim, M, codebook.data, rotation, codes.data,
                                                   codes.length / M, off.data, held_.count);
      return info.Env().Undefined();
    });
  }
};

// new DeviceFdeCollection(device, typeCode, data, scales, dim)
class DeviceFdeCollection : public DeviceWrap<DeviceFdeCollection, gpu::DeviceFdeCollection> {
 public:
  static constexpr const char* kName = "DeviceFdeCollection";
  static constexpr const napi_type_tag& kTag = kDeviceFdeTag;
  static constexpr size_t kKArg = 1;
  static constexpr auto scoreFn = fdeScore;
  static constexpr auto topKFn = fdeTopK;
  static Queries queries(const Napi::CallbackInfo& info, uint32_t dim) { return vectorQueries(info, dim); }
  static Napi::Function define(Napi::Env env) { return DefineClass(env, kName, methods()); }

  explicit DeviceFdeCollection(const Napi::CallbackInfo& info) : DeviceWrap(info) {
    guard(info, [&]() -> Napi::Value {
      tagObject(info.Env(), info.This().As<Napi::Object>(), kTag);
      const uint32_t device = uint32Arg(info, 0, "device");
      TokenMatrix m = tokenMatrixArg(info, 1, "vectors");
      if (m.type != ElementType::F32 && m.type != ElementType::F16)
        throwInvalid(info.Env(), "FDEs on the GPU are f32 or f16");
      checkFiniteElements(m, "vectors");
      held_.dim = m.dim;
      held_.count = m.rows;
      held_.coll = gpu::DeviceFdeCollection::upload(static_cast<int>(device), m.type, m.data, m.rows, m.dim);
      return info.Env().Undefined();
    });
  }
};

}  // namespace

void initGpu(Napi::Env env, Napi::Object exports) {
  exports.Set("DeviceDocuments", DeviceDocuments::define(env));
  exports.Set("DevicePqDocuments", DevicePqDocuments::define(env));
  exports.Set("DeviceFdeCollection", DeviceFdeCollection::define(env));
}

}  // namespace maxsim::binding
