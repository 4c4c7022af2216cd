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

PromiseWorker::PromiseWorker(Napi::Env env, const Napi::CallbackInfo& info, Body body, Result result)
    : Napi::AsyncWorker(env, "maxsim"), deferred_(Napi::Promise::Deferred::New(env)), body_(std::move(body)),
      result_(std::move(result)) {
  for (size_t i = 0; i < info.Length(); ++i)
    if (info[i].IsObject()) keep_.push_back(Napi::Persistent(info[i]));
}

void PromiseWorker::Execute() {
  try {
    body_();
  } catch (const Error& e) {
    code_ = e.code();
    SetError(e.what());
  } catch (const std::bad_alloc&) {
    code_ = codes::kOutOfMemory;
    SetError("out of memory");
  } catch (const std::exception& e) {
    code_ = codes::kInternal;
    SetError(e.what());
  }
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

}  // namespace maxsim::binding
