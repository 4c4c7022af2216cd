// Process-wide settings: capabilities, thread count, forced SIMD level.
#include "../core/cpu_features.h"
#include "../core/thread_pool.h"
#include "../gpu/cuda_backend.h"
#include "../kernels/kernels.h"
#include "napi_util.h"

#ifndef MAXSIM_VERSION
#define MAXSIM_VERSION "0.0.0"
#endif

namespace maxsim::binding {
namespace {

Napi::Value Capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("simd", simdLevelName(activeSimdLevel()));
  o.Set("bestSimd", simdLevelName(bestSimdLevel()));
  o.Set("kernels", activeKernels().name);
  const auto names = detectedFeatures().names();
  Napi::Array feats = Napi::Array::New(env, names.size());
  for (size_t i = 0; i < names.size(); ++i) feats.Set(uint32_t(i), names[i]);
  o.Set("features", feats);
  o.Set("threads", threadCount());
  o.Set("version", MAXSIM_VERSION);
  // false unless this build has the CUDA backend and a device is present.
  const auto devs = gpu::devices();
  if (devs.empty()) {
    o.Set("cuda", Napi::Boolean::New(env, false));
  } else {
    Napi::Array list = Napi::Array::New(env, devs.size());
    for (size_t i = 0; i < devs.size(); ++i) {
      Napi::Object d = Napi::Object::New(env);
      d.Set("index", devs[i].index);
      d.Set("name", devs[i].name);
      d.Set("totalMemory", static_cast<double>(devs[i].totalMemory));
      d.Set("freeMemory", static_cast<double>(devs[i].freeMemory));
      d.Set("computeCapability", std::to_string(devs[i].major) + "." + std::to_string(devs[i].minor));
      list.Set(uint32_t(i), d);
    }
    o.Set("cuda", list);
  }
  o.Set("cudaBuilt", Napi::Boolean::New(env, gpu::built()));
  return o;
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    const uint32_t n = uint32Arg(info, 0, "n");
    if (n < 1 || n > 1024) throwInvalid(info.Env(), "n must be an integer in [1, 1024]");
    setThreadCount(static_cast<int>(n));
    return Napi::Number::New(info.Env(), threadCount());
  });
}

Napi::Value SetSimd(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    if (info.Length() < 1 || !info[0].IsString()) throwInvalid(info.Env(), "level must be a string");
    SimdLevel lvl;
    if (!parseSimdLevel(info[0].As<Napi::String>().Utf8Value(), &lvl))
      throwInvalid(info.Env(), "level must be one of 'scalar', 'avx2', 'avx512', 'neon'");
    return Napi::String::New(info.Env(), simdLevelName(setSimdLevel(lvl)));
  });
}

Napi::Value MeasurePeak(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    const double seconds = numberArg(info, 0, "seconds");
    if (!(seconds > 0 && seconds <= 10)) throwInvalid(info.Env(), "seconds must be in (0, 10]");
    return Napi::Number::New(info.Env(), activeKernels().fmaPeakGflops(seconds));
  });
}

}  // namespace

void initSystem(Napi::Env env, Napi::Object exports) {
  exports.Set("capabilities", Napi::Function::New(env, Capabilities, "capabilities"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("setSimdLevel", Napi::Function::New(env, SetSimd, "setSimdLevel"));
  exports.Set("measurePeakGflops", Napi::Function::New(env, MeasurePeak, "measurePeakGflops"));
}

}  // namespace maxsim::binding
