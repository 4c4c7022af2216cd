// Gram matrix of a small set of rows (token pooling's pairwise distances), dispatched on the
// active SIMD level: the same plain C++ body is compiled three times (gram.cpp with no ISA
// flags, gram_avx2.cpp, gram_avx512.cpp) and the compiler vectorises its inner loop.
#pragma once
#include <cstdint>

namespace maxsim::mvindex {

// out (n, n) row-major = rows · rowsᵀ, rows (n, dim). scratch: at least n * dim floats.
void gram(const float* rows, uint32_t n, uint32_t dim, float* out, float* scratch);

using GramFn = void (*)(const float*, uint32_t, uint32_t, float*, float*);
GramFn gramScalar();
GramFn gramAvx2();    // nullptr when this build has no x86 kernels
GramFn gramAvx512();

}  // namespace maxsim::mvindex
