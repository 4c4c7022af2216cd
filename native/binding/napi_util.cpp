#include "napi_util.h"

#include <cmath>
#include <new>

namespace maxsim::binding {

Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

void throwError(Napi::Env env, const std::string& code, const std::string& message) {
  throw makeError(env, code, message);
}

void throwInvalid(Napi::Env env, const std::string& message) { throwError(env, codes::kInvalidArgument, message); }

Napi::Value guard(const Napi::CallbackInfo& info, const std::function<Napi::Value()>& fn) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (const Error& e) {
    throw makeError(info.Env(), e.code(), e.what());
  } catch (const std::bad_alloc&) {
    throw makeError(info.Env(), codes::kOutOfMemory, "out of memory");
  } catch (const std::exception& e) {
    throw makeError(info.Env(), codes::kInternal, e.what());
  }
}

void tagObject(Napi::Env env, Napi::Object obj, const napi_type_tag& tag) {
  if (napi_type_tag_object(env, obj, &tag) != napi_ok) throwError(env, codes::kInternal, "could not tag object");
}

bool hasTag(Napi::Env env, Napi::Value v, const napi_type_tag& tag) {
  if (!v.IsObject()) return false;
  bool ok = false;
  if (napi_check_object_type_tag(env, v, &tag, &ok) != napi_ok) return false;
  return ok;
}

uint32_t uint32Arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  const double v = numberArg(info, i, name);
  if (!(v >= 0) || v > 4294967295.0 || std::floor(v) != v)
    throwInvalid(info.Env(), std::string(name) + " must be an integer in [0, 2^32)");
  return static_cast<uint32_t>(v);
}

double numberArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (info.Length() <= i || !info[i].IsNumber()) throwInvalid(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

TokenMatrix tokenMatrixArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Env env = info.Env();
  const uint32_t code = uint32Arg(info, i, "element type");
  if (code >= uint32_t(kElementTypeCount)) throwInvalid(env, "unknown element type");
  TokenMatrix m;
  m.type = static_cast<ElementType>(code);
  m.dim = uint32Arg(info, i + 3, "dim");
  if (m.dim == 0) throwInvalid(env, "dim must be at least 1");
  size_t elems = 0;
  switch (m.type) {
    case ElementType::F32: { auto a = typedArrayArg<float>(info, i + 1, napi_float32_array, name); m.data = a.data; elems = a.length; break; }
    case ElementType::F16:
    case ElementType::BF16: { auto a = typedArrayArg<uint16_t>(info, i + 1, napi_uint16_array, name); m.data = a.data; elems = a.length; break; }
    case ElementType::Int8: { auto a = typedArrayArg<int8_t>(info, i + 1, napi_int8_array, name); m.data = a.data; elems = a.length; break; }
    case ElementType::Binary: { auto a = typedArrayArg<uint8_t>(info, i + 1, napi_uint8_array, name); m.data = a.data; elems = a.length; break; }
  }
  const size_t perRow = m.type == ElementType::Binary ? tokenBytes(m.type, m.dim) : m.dim;
  if (elems % perRow != 0)
    throwError(env, codes::kDimensionMismatch, std::string(name) + " length " + std::to_string(elems) +
                                                   " is not a multiple of " + std::to_string(perRow));
  m.rows = elems / perRow;
  if (m.type == ElementType::Int8) {
    auto s = typedArrayArg<float>(info, i + 2, napi_float32_array, "scales");
    if (s.length != m.rows)
      throwError(env, codes::kDimensionMismatch, "scales length " + std::to_string(s.length) +
                                                     " does not match the token count " + std::to_string(m.rows));
    m.scales = s.data;
  }
  return m;
}

namespace {

// Runs a worker's body, turning what it throws into (code, message) for the main thread.
// Returns false when it threw.
bool runCatching(const std::function<void()>& body, std::string* code, std::string* message) {
  try {
    body();
    return true;
  } catch (const Error& e) {
    *code = e.code();
    *message = e.what();
  } catch (const std::bad_alloc&) {
    *code = codes::kOutOfMemory;
    *message = "out of memory";
  } catch (const std::exception& e) {
    *code = codes::kInternal;
    *message = e.what();
  }
  return false;
}

void keepObjects(const Napi::CallbackInfo& info, std::vector<Napi::Reference<Napi::Value>>& keep) {
  for (size_t i = 0; i < info.Length(); ++i)
    if (info[i].IsObject()) keep.push_back(Napi::Persistent(info[i]));
}

}  // namespace

PromiseWorker::PromiseWorker(Napi::Env env, const Napi::CallbackInfo& info, Body body, Result result)
    : Napi::AsyncWorker(env, "maxsim"), deferred_(Napi::Promise::Deferred::New(env)), body_(std::move(body)),
      result_(std::move(result)) {
  keepObjects(info, keep_);
}


void PromiseWorker::Execute() {
  std::string message;
  if (!runCatching(body_, &code_, &message)) SetError(message);
}

void PromiseWorker::OnOK() {
  Napi::Env env = Env();
  try {
    deferred_.Resolve(result_(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void PromiseWorker::OnError(const Napi::Error& e) {
  Napi::Error err = makeError(Env(), code_.empty() ? codes::kInternal : code_, e.Message());
  deferred_.Reject(err.Value());
}

ProgressPromiseWorker::ProgressPromiseWorker(Napi::Env env, const Napi::CallbackInfo& info, Napi::Value onProgress,
                                             size_t total, Body body, Result result, Settle settle)
    : Napi::AsyncProgressWorker<size_t>(env, "maxsim"), deferred_(Napi::Promise::Deferred::New(env)), total_(total),
      body_(std::move(body)), result_(std::move(result)), settle_(std::move(settle)) {
  keepObjects(info, keep_);
  if (onProgress.IsFunction()) onProgress_ = Napi::Persistent(onProgress.As<Napi::Function>());
}

void ProgressPromiseWorker::Execute(const ExecutionProgress& progress) {
  std::mutex sendMutex;  // reports may come from several pool threads at once
  Report report;
  if (!onProgress_.IsEmpty())
    report = [&](size_t done) {
      std::lock_guard<std::mutex> lock(sendMutex);
      progress.Send(&done, 1);
    };
  std::string message;
  if (!runCatching([&] { body_(report); }, &code_, &message)) SetError(message);
}

void ProgressPromiseWorker::OnProgress(const size_t* done, size_t count) {
  if (onProgress_.IsEmpty() || count == 0) return;
  Napi::Env env = Env();
  try {
    onProgress_.Call({Napi::Number::New(env, double(*done)), Napi::Number::New(env, double(total_))});
  } catch (const Napi::Error&) {
    // A throwing progress callback must not take the work down; its error is dropped.
  }
}

void ProgressPromiseWorker::OnOK() {
  Napi::Env env = Env();
  if (settle_) settle_(env);
  try {
    deferred_.Resolve(result_(env));
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void ProgressPromiseWorker::OnError(const Napi::Error& e) {
  if (settle_) settle_(Env());  // a failed call may still have changed part of what it works on
  deferred_.Reject(makeError(Env(), code_.empty() ? codes::kInternal : code_, e.Message()).Value());
}

}  // namespace maxsim::binding
