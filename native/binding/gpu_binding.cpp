// N-API surface for the optional CUDA backend: a DeviceDocuments object holds one collection in
// GPU memory (uploaded once) and scores query batches against it. In a CPU-only build, creating
// one throws ERR_CUDA_UNAVAILABLE.
#include <memory>
#include <mutex>

#include "../gpu/cuda_backend.h"
#include "napi_util.h"

namespace maxsim::binding {
namespace {

const napi_type_tag kDeviceDocumentsTag = {0x6d617873696d4744ull, 0x6576446f63730001ull};

class DeviceDocuments : public Napi::ObjectWrap<DeviceDocuments> {
 public:
  static Napi::Function define(Napi::Env env) {
    return DefineClass(env, "DeviceDocuments",
                       {InstanceMethod("scoreMatrix", &DeviceDocuments::ScoreMatrix),
                        InstanceMethod("scoreMatrixAsync", &DeviceDocuments::ScoreMatrixAsync),
                        InstanceMethod("deviceBytes", &DeviceDocuments::DeviceBytes),
                        InstanceMethod("release", &DeviceDocuments::Release)});
  }

  // new DeviceDocuments(device, typeCode, data, scales, dim, offsets)
  explicit DeviceDocuments(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceDocuments>(info) {
    guard(info, [&]() -> Napi::Value {
      tagObject(info.Env(), info.This().As<Napi::Object>(), kDeviceDocumentsTag);
      const uint32_t device = uint32Arg(info, 0, "device");
      TokenMatrix m = tokenMatrixArg(info, 1, "documents");
      auto off = typedArrayArg<uint32_t>(info, 5, napi_uint32_array, "offsets");
      if (off.length == 0) throwError(info.Env(), codes::kBadOffsets, "offsets must have at least one entry (0)");
      checkOffsets(off.data, off.length, m.rows, "offsets");
      if (m.type == ElementType::F32) checkFinite(static_cast<const float*>(m.data), m.rows * m.dim, "documents");
      dim_ = m.dim;
      ndocs_ = off.length - 1;
      coll_ = gpu::DeviceCollection::upload(static_cast<int>(device), m.type, m.data, m.rows, m.dim, off.data, ndocs_);
      return info.Env().Undefined();
    });
  }

 private:
  gpu::DeviceCollection& live(const Napi::CallbackInfo& info) {
    DeviceDocuments* self = unwrapTagged<DeviceDocuments>(info, kDeviceDocumentsTag, "DeviceDocuments");
    if (!self->coll_) throwInvalid(info.Env(), "this DeviceDocuments was released");
    return *self->coll_;
  }

  struct Args {
    const float* q;
    const uint32_t* qo;
    size_t nq;
  };
  Args args(const Napi::CallbackInfo& info) {
    auto q = typedArrayArg<float>(info, 0, napi_float32_array, "queries");
    auto qo = typedArrayArg<uint32_t>(info, 1, napi_uint32_array, "queryOffsets");
    if (q.length % dim_) throwError(info.Env(), codes::kDimensionMismatch, "queries length is not a multiple of dim");
    if (qo.length == 0) throwError(info.Env(), codes::kBadOffsets, "queryOffsets must have at least one entry (0)");
    checkOffsets(qo.data, qo.length, q.length / dim_, "queryOffsets");
    checkFinite(q.data, q.length, "queries");
    return {q.data, qo.data, qo.length - 1};
  }

  Napi::Value ScoreMatrix(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      gpu::DeviceCollection& c = live(info);
      Args a = args(info);
      Napi::Float32Array out = Napi::Float32Array::New(info.Env(), a.nq * ndocs_);
      c.scoreMatrix(a.q, a.qo, a.nq, out.Data());
      return out;
    });
  }

  Napi::Value ScoreMatrixAsync(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      gpu::DeviceCollection* c = &live(info);
      Args a = args(info);
      Napi::Float32Array out = Napi::Float32Array::New(info.Env(), a.nq * ndocs_);
      float* dst = out.Data();
      auto ref = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(out));
      auto self = std::make_shared<Napi::Reference<Napi::Object>>(Napi::Persistent(info.This().As<Napi::Object>()));
      // One stream per collection: concurrent calls on the same collection are serialised.
      auto* w = new PromiseWorker(
          info.Env(), info,
          [c, a, dst, this] {
            std::lock_guard<std::mutex> lock(mu_);
            c->scoreMatrix(a.q, a.qo, a.nq, dst);
          },
          [ref, self](Napi::Env) -> Napi::Value { return ref->Value(); });
      Napi::Promise p = w->promise();
      w->Queue();
      return p;
    });
  }

  Napi::Value DeviceBytes(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value { return Napi::Number::New(info.Env(), double(live(info).deviceBytes())); });
  }

  Napi::Value Release(const Napi::CallbackInfo& info) {
    return guard(info, [&]() -> Napi::Value {
      DeviceDocuments* self = unwrapTagged<DeviceDocuments>(info, kDeviceDocumentsTag, "DeviceDocuments");
      std::lock_guard<std::mutex> lock(self->mu_);
      self->coll_.reset();
      return info.Env().Undefined();
    });
  }

  std::unique_ptr<gpu::DeviceCollection> coll_;
  std::mutex mu_;
  uint32_t dim_ = 0;
  size_t ndocs_ = 0;
};

}  // namespace

void initGpu(Napi::Env env, Napi::Object exports) { exports.Set("DeviceDocuments", DeviceDocuments::define(env)); }

}  // namespace maxsim::binding
