// NEON kernels for arm64: the f32 family gets a register-tiled micro-kernel (4 query-row
// vectors x 4 tokens); int8 and binary use the portable word loops, compiled for arm64.
#if defined(__aarch64__) || defined(_M_ARM64)
#include <arm_neon.h>

#include <limits>

#include "half.h"
#include "kernels.h"
#include "kernels_common.h"

namespace maxsim {
namespace {

constexpr int kTileTokens = 4;

template <int NT>
inline void tileF32(const float* qt, uint32_t qpad, const float* tok, uint32_t dim, float* rowMax, float32x4_t& check) {
  float32x4_t acc[NT][4];
  for (int t = 0; t < NT; ++t)
    for (int v = 0; v < 4; ++v) acc[t][v] = vdupq_n_f32(0.f);
  for (uint32_t k = 0; k < dim; ++k) {
    float32x4_t qv[4];
    for (int v = 0; v < 4; ++v) qv[v] = vld1q_f32(qt + size_t(k) * qpad + v * 4);
    for (int t = 0; t < NT; ++t) {
      const float b = tok[size_t(t) * dim + k];
      for (int v = 0; v < 4; ++v) acc[t][v] = vfmaq_n_f32(acc[t][v], qv[v], b);
    }
  }
  for (int v = 0; v < 4; ++v) {
    float32x4_t m = vld1q_f32(rowMax + v * 4);
    for (int t = 0; t < NT; ++t) {
      m = vmaxq_f32(m, acc[t][v]);
      check = vfmaq_f32(check, acc[t][v], vdupq_n_f32(0.f));
    }
    vst1q_f32(rowMax + v * 4, m);
  }
}

template <ElementType T>
float scoreFloat(const PreparedQuery& q, const void* doc, const float*, uint32_t ntok, bool* nonFinite) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t dim = q.dim, qpad = q.qpad;
  thread_local AlignedBuffer rowMaxBuf, tileBuf;
  float* rowMax = static_cast<float*>(rowMaxBuf.resizeZeroed(qpad * sizeof(float)));
  for (uint32_t i = 0; i < qpad; ++i) rowMax[i] = -std::numeric_limits<float>::infinity();
  float* tile = nullptr;
  if constexpr (T != ElementType::F32) {
    tileBuf.reserve(size_t(kTileTokens) * dim * sizeof(float));
    tile = tileBuf.as<float>();
  }
  const float* qt = q.data.as<float>();
  float32x4_t check = vdupq_n_f32(0.f);
  for (uint32_t j0 = 0; j0 < ntok; j0 += kTileTokens) {
    const int nt = static_cast<int>(ntok - j0 < uint32_t(kTileTokens) ? ntok - j0 : kTileTokens);
    const float* tok;
    if constexpr (T == ElementType::F32) {
      tok = static_cast<const float*>(doc) + size_t(j0) * dim;
    } else {
      const uint16_t* src = static_cast<const uint16_t*>(doc) + size_t(j0) * dim;
      for (size_t i = 0; i < size_t(nt) * dim; ++i) tile[i] = T == ElementType::F16 ? halfToFloat(src[i]) : bf16ToFloat(src[i]);
      tok = tile;
    }
    for (uint32_t rb = 0; rb < qpad; rb += 16) {
      switch (nt) {
        case 1: tileF32<1>(qt + rb, qpad, tok, dim, rowMax + rb, check); break;
        case 2: tileF32<2>(qt + rb, qpad, tok, dim, rowMax + rb, check); break;
        case 3: tileF32<3>(qt + rb, qpad, tok, dim, rowMax + rb, check); break;
        default: tileF32<4>(qt + rb, qpad, tok, dim, rowMax + rb, check); break;
      }
    }
  }
  float s = 0.f;
  for (uint32_t i = 0; i < q.nq; ++i) s += rowMax[i];
  if (!std::isfinite(vaddvq_f32(check)) || !std::isfinite(s)) *nonFinite = true;
  return s;
}

float scoreBinary(const PreparedQuery& q, const void* doc, const float*, uint32_t ntok, bool*) {
  return scoreBinaryWords(q, doc, ntok);
}

float dotF32(const float* a, const float* b, size_t n) {
  float32x4_t s = vdupq_n_f32(0.f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) s = vfmaq_f32(s, vld1q_f32(a + i), vld1q_f32(b + i));
  float r = vaddvq_f32(s);
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}
float l2sqF32(const float* a, const float* b, size_t n) {
  float32x4_t s = vdupq_n_f32(0.f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) { const float32x4_t d = vsubq_f32(vld1q_f32(a + i), vld1q_f32(b + i)); s = vfmaq_f32(s, d, d); }
  float r = vaddvq_f32(s);
  for (; i < n; ++i) { const float d = a[i] - b[i]; r += d * d; }
  return r;
}

}  // namespace

const KernelTable* neonKernels() {
  static const KernelTable table = [] {
    KernelTable t = *scalarKernels();
    t.name = "neon";
    t.score[int(ElementType::F32)] = scoreFloat<ElementType::F32>;
    t.score[int(ElementType::F16)] = scoreFloat<ElementType::F16>;
    t.score[int(ElementType::BF16)] = scoreFloat<ElementType::BF16>;
    t.score[int(ElementType::Binary)] = scoreBinary;
    t.dotF32 = dotF32;
    t.l2sqF32 = l2sqF32;
    return t;
  }();
  return &table;
}

}  // namespace maxsim
#endif
