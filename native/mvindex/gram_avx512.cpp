// gramBody compiled with the avx512 flags (see scripts/sources.js).
#include "gram.h"
#include "gram_impl.h"

namespace maxsim::mvindex {
namespace {
void gramAvx512Impl(const float* x, uint32_t n, uint32_t dim, float* out, float* scratch) { gramBody(x, n, dim, out, scratch); }
}  // namespace
GramFn gramAvx512() { return gramAvx512Impl; }
}  // namespace maxsim::mvindex
