// Helpers shared by the quantizer binding files (quant_binding.cpp, residual_binding.cpp).
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>

#include "../quant/product_quantizer.h"
#include "napi_util.h"

namespace maxsim::binding {

void initResidual(Napi::Env env, Napi::Object exports);

// Reads an optional numeric option (TS validated it; this re-checks the range).
uint32_t optUint(Napi::Object o, const char* name, uint32_t def, uint32_t lo, uint32_t hi);
bool optBool(Napi::Object o, const char* name, bool def);
Napi::Object optionsArg(const Napi::CallbackInfo& info, size_t i);

// Progress from a training thread to a JS callback, through a ThreadSafeFunction: the
// callback runs on the main thread; the worker only queues (fraction, stage). Updates closer
// than 1% apart are dropped, except stage changes and the final one.
class ProgressRelay {
 public:
  ProgressRelay(Napi::Env env, Napi::Value callback);
  ~ProgressRelay();
  quant::ProgressFn fn();
  void release();

 private:
  Napi::ThreadSafeFunction tsfn_;
  bool active_ = false;
  double last_ = -1;
  std::string lastStage_;
};

// Trains on a worker thread, relaying progress to the JS callback at argument `callbackArg`,
// and resolves with `wrapResult(model)` on the main thread. `train(onProgress)` returns the
// model (a shared_ptr); the relay is released on every path, so Node can exit.
template <class Train, class WrapResult>
Napi::Value trainOnWorker(const Napi::CallbackInfo& info, size_t callbackArg, Train train, WrapResult wrapResult) {
  auto relay = std::make_shared<ProgressRelay>(info.Env(), info.Length() > callbackArg ? info[callbackArg] : info.Env().Undefined());
  const quant::ProgressFn progress = relay->fn();
  using Model = decltype(train(progress));
  auto out = std::make_shared<Model>();
  auto* w = new PromiseWorker(
      info.Env(), info,
      [=] {
        struct Release {
          ProgressRelay* r;
          ~Release() { r->release(); }
        } rel{relay.get()};
        *out = train(progress);
      },
      [out, wrapResult](Napi::Env) -> Napi::Value { return wrapResult(*out); });
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// Builds `{ indices, scores }`.
Napi::Object topKObject(Napi::Env env, Napi::Uint32Array idx, Napi::Float32Array scores);

// The sync and async shapes of a batch scoring call. `fill(scores)` writes n scores (it holds
// arguments already read and checked on the main thread). Sync: runs here and returns the
// Float32Array. Async: runs on a worker; the array stays alive until the promise settles.
template <class Fill>
Napi::Value scoresResult(const Napi::CallbackInfo& info, size_t n, Fill fill, bool async) {
  Napi::Float32Array out = Napi::Float32Array::New(info.Env(), n);
  if (!async) {
    fill(out.Data());
    return out;
  }
  float* dst = out.Data();
  auto ref = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(out));
  auto* w = new PromiseWorker(info.Env(), info, [fill, dst] { fill(dst); },
                              [ref](Napi::Env) -> Napi::Value { return ref->Value(); });
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// The same for a top-k call: `select(indices, scores)` writes k of each; the result is
// `{ indices, scores }`.
template <class Select>
Napi::Value topKResult(const Napi::CallbackInfo& info, size_t k, Select select, bool async) {
  Napi::Uint32Array idx = Napi::Uint32Array::New(info.Env(), k);
  Napi::Float32Array sc = Napi::Float32Array::New(info.Env(), k);
  if (!async) {
    select(idx.Data(), sc.Data());
    return topKObject(info.Env(), idx, sc);
  }
  uint32_t* pi = idx.Data();
  float* ps = sc.Data();
  auto ir = std::make_shared<Napi::Reference<Napi::Uint32Array>>(Napi::Persistent(idx));
  auto sr = std::make_shared<Napi::Reference<Napi::Float32Array>>(Napi::Persistent(sc));
  auto* w = new PromiseWorker(info.Env(), info, [select, pi, ps] { select(pi, ps); },
                              [ir, sr](Napi::Env env) -> Napi::Value { return topKObject(env, ir->Value(), sr->Value()); });
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

}  // namespace maxsim::binding
