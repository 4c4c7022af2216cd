// Module entry point. Each binding file registers its own functions.
#include <napi.h>

#include "napi_util.h"

namespace {
Napi::Object Init(Napi::Env env, Napi::Object exports) {
  maxsim::binding::initSystem(env, exports);
  maxsim::binding::initMaxsim(env, exports);
  maxsim::binding::initConvert(env, exports);
  maxsim::binding::initMuvera(env, exports);
  maxsim::binding::initGpu(env, exports);
  maxsim::binding::initQuant(env, exports);
  maxsim::binding::initHnsw(env, exports);
  maxsim::binding::initMultiVectorIndex(env, exports);
  maxsim::binding::initPlaidProbe(env, exports);
  return exports;
}
}  // namespace

NODE_API_MODULE(maxsim, Init)
