#include "gram.h"

#include "../core/cpu_features.h"
#include "gram_impl.h"

namespace maxsim::mvindex {
namespace {
void gramPlain(const float* x, uint32_t n, uint32_t dim, float* out, float* scratch) { gramBody(x, n, dim, out, scratch); }
}  // namespace

GramFn gramScalar() { return gramPlain; }

#if !(defined(__x86_64__) || defined(_M_X64)) || defined(MAXSIM_NO_X86_KERNELS)
GramFn gramAvx2() { return nullptr; }
GramFn gramAvx512() { return nullptr; }
#endif

void gram(const float* rows, uint32_t n, uint32_t dim, float* out, float* scratch) {
  GramFn f = nullptr;
  switch (activeSimdLevel()) {
    case SimdLevel::Avx512: f = gramAvx512(); if (f) break; [[fallthrough]];
    case SimdLevel::Avx2: f = gramAvx2(); break;
    default: break;
  }
  (f ? f : gramScalar())(rows, n, dim, out, scratch);
}

}  // namespace maxsim::mvindex
