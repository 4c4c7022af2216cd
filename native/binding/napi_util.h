// Helpers shared by every binding file: argument extraction that never trusts JS, conversion of
// maxsim::Error into JS errors carrying `code`, and a base AsyncWorker that keeps its input
// buffers alive until the work is done.
#pragma once
#include <napi.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "../core/error.h"
#include "../scoring/token_matrix.h"

namespace maxsim::binding {

// A JS Error with a `code`; the TS facade turns it into a MaxsimError of the same code.
Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& message);
[[noreturn]] void throwError(Napi::Env env, const std::string& code, const std::string& message);
[[noreturn]] void throwInvalid(Napi::Env env, const std::string& message);

// Runs fn, turning C++ exceptions into JS exceptions.
Napi::Value guard(const Napi::CallbackInfo& info, const std::function<Napi::Value()>& fn);

template <class T>
struct ArrayArg {
  T* data = nullptr;
  size_t length = 0;
};

template <class T>
ArrayArg<T> typedArrayArg(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type type, const char* name) {
  if (info.Length() <= i || !info[i].IsTypedArray()) throwInvalid(info.Env(), std::string(name) + " must be a TypedArray");
  Napi::TypedArray ta = info[i].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != type) throwInvalid(info.Env(), std::string(name) + " has the wrong TypedArray type");
  napi_typedarray_type t;
  size_t len;
  void* data;
  napi_value ab;
  size_t offset;
  napi_status st = napi_get_typedarray_info(info.Env(), ta, &t, &len, &data, &ab, &offset);
  if (st != napi_ok) throwInvalid(info.Env(), std::string(name) + " could not be read");
  return ArrayArg<T>{static_cast<T*>(data), len};  // data already includes byteOffset
}

uint32_t uint32Arg(const Napi::CallbackInfo& info, size_t i, const char* name);
double numberArg(const Napi::CallbackInfo& info, size_t i, const char* name);

// (typeCode, data, scales|undefined, dim) starting at argument i.
TokenMatrix tokenMatrixArg(const Napi::CallbackInfo& info, size_t i, const char* name);

// A worker whose Execute body is a C++ lambda and whose result is built on the main thread.
// It holds references to the JS values it reads so the GC keeps them alive.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  using Body = std::function<void()>;
  using Result = std::function<Napi::Value(Napi::Env)>;
  PromiseWorker(Napi::Env env, const Napi::CallbackInfo& info, Body body, Result result);
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::Reference<Napi::Value>> keep_;
  Body body_;
  Result result_;
  std::string code_;
};

// A promise worker whose body reports progress (a count of `total`) from any thread, several at
// once included; the latest count reaches onProgress(done, total) on the main thread, never in
// the worker threads. A throwing onProgress is ignored. `settle` (optional) runs on the main
// thread before the promise resolves or rejects, whichever it does.
class ProgressPromiseWorker : public Napi::AsyncProgressWorker<size_t> {
 public:
  using Report = std::function<void(size_t done)>;
  using Body = std::function<void(const Report&)>;
  using Result = std::function<Napi::Value(Napi::Env)>;
  using Settle = std::function<void(Napi::Env)>;
  ProgressPromiseWorker(Napi::Env env, const Napi::CallbackInfo& info, Napi::Value onProgress, size_t total, Body body,
                        Result result, Settle settle = {});
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute(const ExecutionProgress& progress) override;
  void OnProgress(const size_t* done, size_t count) override;
  void OnOK() override;
  void OnError(const Napi::Error& e) override;

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<Napi::Reference<Napi::Value>> keep_;
  Napi::FunctionReference onProgress_;
  size_t total_;
  Body body_;
  Result result_;
  Settle settle_;
  std::string code_;
};

// Native memory a wrapped object holds, reported to V8 (napi_adjust_external_memory) so that an
// object JS drops is collected as promptly as its size deserves: to the collector a multi-GB
// index is otherwise a small object, and dropped ones pile up. Main thread only.
class ExternalMemory {
 public:
  void set(Napi::Env env, size_t bytes) {
    const int64_t now = static_cast<int64_t>(bytes);
    if (now != reported_) Napi::MemoryManagement::AdjustExternalMemory(env, now - reported_);
    reported_ = now;
  }

 private:
  int64_t reported_ = 0;
};

// Type tags (napi_type_tag_object): every wrapped native object is tagged at construction, and
// every method checks the tag of `this` before unwrapping, so a method called on the wrong
// object throws ERR_INVALID_ARGUMENT instead of reading foreign memory.
void tagObject(Napi::Env env, Napi::Object obj, const napi_type_tag& tag);
bool hasTag(Napi::Env env, Napi::Value v, const napi_type_tag& tag);
// Unwraps `info.This()` as T after checking its tag.
template <class T>
T* unwrapTagged(const Napi::CallbackInfo& info, const napi_type_tag& tag, const char* className) {
  if (!hasTag(info.Env(), info.This(), tag))
    throwInvalid(info.Env(), std::string("this is not a ") + className);
  T* p = Napi::ObjectWrap<T>::Unwrap(info.This().As<Napi::Object>());
  if (!p) throwInvalid(info.Env(), std::string("this is not a ") + className);
  return p;
}

// Registration hooks, one per binding file.
void initSystem(Napi::Env env, Napi::Object exports);
void initMaxsim(Napi::Env env, Napi::Object exports);
void initConvert(Napi::Env env, Napi::Object exports);
void initMuvera(Napi::Env env, Napi::Object exports);
void initGpu(Napi::Env env, Napi::Object exports);
void initQuant(Napi::Env env, Napi::Object exports);
void initHnsw(Napi::Env env, Napi::Object exports);
void initMultiVectorIndex(Napi::Env env, Napi::Object exports);
void initPlaidProbe(Napi::Env env, Napi::Object exports);  // internal, tests only

}  // namespace maxsim::binding
