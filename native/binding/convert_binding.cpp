// N-API surface for the f32 -> f16 / bf16 / int8 / 1-bit conversions and back. Output arrays
// are allocated here and filled by the dispatched SIMD kernels.
#include <cmath>

#include "../kernels/kernels.h"
#include "../scoring/token_matrix.h"
#include "napi_util.h"

namespace maxsim::binding {
namespace {

Napi::Value ToF16(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto in = typedArrayArg<float>(info, 0, napi_float32_array, "values");
    Napi::Uint16Array out = Napi::Uint16Array::New(info.Env(), in.length);
    activeKernels().f32ToF16(in.data, out.Data(), in.length);
    return out;
  });
}
Napi::Value ToBf16(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto in = typedArrayArg<float>(info, 0, napi_float32_array, "values");
    Napi::Uint16Array out = Napi::Uint16Array::New(info.Env(), in.length);
    activeKernels().f32ToBf16(in.data, out.Data(), in.length);
    return out;
  });
}
Napi::Value F16ToF32(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto in = typedArrayArg<uint16_t>(info, 0, napi_uint16_array, "values");
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), in.length);
    activeKernels().f16ToF32(in.data, out.Data(), in.length);
    return out;
  });
}
Napi::Value Bf16ToF32(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto in = typedArrayArg<uint16_t>(info, 0, napi_uint16_array, "values");
    Napi::Float32Array out = Napi::Float32Array::New(info.Env(), in.length);
    activeKernels().bf16ToF32(in.data, out.Data(), in.length);
    return out;
  });
}

size_t rowsOf(const Napi::CallbackInfo& info, size_t len, uint32_t dim) {
  if (dim == 0) throwInvalid(info.Env(), "dim must be at least 1");
  if (len % dim != 0)
    throwError(info.Env(), codes::kDimensionMismatch,
               "values length " + std::to_string(len) + " is not a multiple of dim " + std::to_string(dim));
  return len / dim;
}

Napi::Value QuantizeInt8(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto in = typedArrayArg<float>(info, 0, napi_float32_array, "values");
    const uint32_t dim = uint32Arg(info, 1, "dim");
    const size_t rows = rowsOf(info, in.length, dim);
    Napi::Int8Array codes = Napi::Int8Array::New(info.Env(), in.length);
    Napi::Float32Array scales = Napi::Float32Array::New(info.Env(), rows);
    activeKernels().quantizeInt8Rows(in.data, rows, dim, codes.Data(), scales.Data());
    for (size_t r = 0; r < rows; ++r)
      if (std::isnan(scales.Data()[r]))
        throwError(info.Env(), codes::kNonFinite, "values contain NaN or Infinity in row " + std::to_string(r));
    Napi::Object o = Napi::Object::New(info.Env());
    o.Set("codes", codes);
    o.Set("scales", scales);
    return o;
  });
}

Napi::Value Binarize(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    auto in = typedArrayArg<float>(info, 0, napi_float32_array, "values");
    const uint32_t dim = uint32Arg(info, 1, "dim");
    const size_t rows = rowsOf(info, in.length, dim);
    checkFinite(in.data, in.length, "values");
    Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), rows * tokenBytes(ElementType::Binary, dim));
    activeKernels().binarizeRows(in.data, rows, dim, out.Data());
    return out;
  });
}

}  // namespace

void initConvert(Napi::Env env, Napi::Object exports) {
  exports.Set("toF16", Napi::Function::New(env, ToF16, "toF16"));
  exports.Set("toBf16", Napi::Function::New(env, ToBf16, "toBf16"));
  exports.Set("f16ToF32", Napi::Function::New(env, F16ToF32, "f16ToF32"));
  exports.Set("bf16ToF32", Napi::Function::New(env, Bf16ToF32, "bf16ToF32"));
  exports.Set("quantizeInt8", Napi::Function::New(env, QuantizeInt8, "quantizeInt8"));
  exports.Set("binarize", Napi::Function::New(env, Binarize, "binarize"));
}

}  // namespace maxsim::binding
