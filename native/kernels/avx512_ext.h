// Kernels for AVX-512 extensions, each in its own TU with its own flags. avx512.cpp patches
// them into the AVX-512 table only when cpuid reports the extension.
#pragma once
#include "kernels.h"

namespace maxsim {
namespace avx512vnni {
void prepareInt8(const float* q, uint32_t nq, uint32_t dim, PreparedQuery& out);
float scoreInt8(const PreparedQuery& q, const void* doc, const float* scales, uint32_t ntok, bool* nonFinite);
int32_t dotI8(const int8_t* a, const int8_t* b, size_t n);
}  // namespace avx512vnni
namespace avx512bf16 {
void prepareBf16(const float* q, uint32_t nq, uint32_t dim, PreparedQuery& out);
float scoreBf16(const PreparedQuery& q, const void* doc, const float* scales, uint32_t ntok, bool* nonFinite);
}  // namespace avx512bf16
namespace avx512popcnt {
float scoreBinary(const PreparedQuery& q, const void* doc, const float* scales, uint32_t ntok, bool* nonFinite);
}  // namespace avx512popcnt
}  // namespace maxsim
