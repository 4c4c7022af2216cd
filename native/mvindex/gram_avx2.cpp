// gramBody compiled with the avx2 flags (see scripts/sources.js).
#include "gram.h"
#include "gram_impl.h"

namespace maxsim::mvindex {
namespace {
void gramAvx2Impl(const float* x, uint32_t n, uint32_t dim, float* out, float* scratch) { gramBody(x, n, dim, out, scratch); }
}  // namespace
GramFn gramAvx2() { return gramAvx2Impl; }
}  // namespace maxsim::mvindex
