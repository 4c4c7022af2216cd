// Portable kernels: the reference every SIMD table is tested against, and the fallback on CPUs
// without AVX2 or NEON. Compiled with no ISA flags.
#include <cmath>
#include <cstring>
#include <limits>

#include "half.h"
#include "kernels.h"
#include "kernels_common.h"

namespace maxsim {
namespace {

// ---- f32 family: the query is transposed to (dim, qpad) f32 -------------------------------

// Decodes a token of any float type into f32.
template <ElementType T>
inline void loadToken(const void* doc, uint32_t j, uint32_t dim, float* out) {
  if constexpr (T == ElementType::F32) {
    std::memcpy(out, static_cast<const float*>(doc) + size_t(j) * dim, size_t(dim) * 4);
  } else if constexpr (T == ElementType::F16) {
    const uint16_t* p = static_cast<const uint16_t*>(doc) + size_t(j) * dim;
    for (uint32_t k = 0; k < dim; ++k) out[k] = halfToFloat(p[k]);
  } else {
    const uint16_t* p = static_cast<const uint16_t*>(doc) + size_t(j) * dim;
    for (uint32_t k = 0; k < dim; ++k) out[k] = bf16ToFloat(p[k]);
  }
}

template <ElementType T>
float scoreFloat(const PreparedQuery& q, const void* doc, const float*, uint32_t ntok, bool* nonFinite) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t dim = q.dim, qpad = q.qpad, nq = q.nq;
  thread_local std::vector<float> rowMax, tok, acc;
  rowMax.assign(qpad, -std::numeric_limits<float>::infinity());
  tok.resize(dim);
  acc.resize(qpad);
  const float* qt = q.data.as<float>();
  float check = 0.f;
  for (uint32_t j = 0; j < ntok; ++j) {
    loadToken<T>(doc, j, dim, tok.data());
    std::fill(acc.begin(), acc.end(), 0.f);
    for (uint32_t k = 0; k < dim; ++k) {
      const float v = tok[k];
      const float* col = qt + size_t(k) * qpad;
      for (uint32_t i = 0; i < nq; ++i) acc[i] += col[i] * v;
    }
    for (uint32_t i = 0; i < nq; ++i) {
      check += acc[i] * 0.f;
      rowMax[i] = acc[i] > rowMax[i] ? acc[i] : rowMax[i];
    }
  }
  float s = 0.f;
  for (uint32_t i = 0; i < nq; ++i) s += rowMax[i];
  if (!std::isfinite(check) || !std::isfinite(s)) *nonFinite = true;
  return s;
}

// ---- int8: row-major codes, exact integer dots --------------------------------------------

void prepareInt8RowMajor(const float* q, uint32_t nq, uint32_t dim, PreparedQuery& out) {
  out.type = ElementType::Int8;
  out.nq = nq;
  out.qpad = padQueryRows(nq);
  out.dim = dim;
  int8_t* codes = static_cast<int8_t*>(out.data.resizeZeroed(size_t(nq) * dim));
  out.rowScale.assign(out.qpad, 0.f);
  for (uint32_t i = 0; i < nq; ++i) quantizeInt8Row(q + size_t(i) * dim, dim, codes + size_t(i) * dim, &out.rowScale[i]);
}

float scoreInt8(const PreparedQuery& q, const void* doc, const float* scales, uint32_t ntok, bool*) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t dim = q.dim, nq = q.nq;
  const int8_t* qc = q.data.as<int8_t>();
  const int8_t* d = static_cast<const int8_t*>(doc);
  float s = 0.f;
  for (uint32_t i = 0; i < nq; ++i) {
    float best = -std::numeric_limits<float>::infinity();
    for (uint32_t j = 0; j < ntok; ++j) {
      int32_t dot = 0;
      const int8_t* row = d + size_t(j) * dim;
      for (uint32_t k = 0; k < dim; ++k) dot += int32_t(qc[size_t(i) * dim + k]) * row[k];
      const float v = static_cast<float>(dot) * scales[j];
      best = v > best ? v : best;
    }
    s += best * q.rowScale[i];
  }
  return s;
}

// ---- binary ---------------------------------------------------------------------------------

float scoreBinary(const PreparedQuery& q, const void* doc, const float*, uint32_t ntok, bool*) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t words = binaryWords(q.dim);
  const size_t tb = tokenBytes(ElementType::Binary, q.dim);
  const uint64_t* qb = q.data.as<uint64_t>();
  const uint8_t* d = static_cast<const uint8_t*>(doc);
  const uint64_t lastMask = binaryLastWordMask(q.dim);
  float s = 0.f;
  for (uint32_t i = 0; i < q.nq; ++i) {
    uint32_t bestHamming = ~0u;
    for (uint32_t j = 0; j < ntok; ++j) {
      uint32_t h = 0;
      for (uint32_t w = 0; w < words; ++w) {
        uint64_t dw = loadBinaryWord(d + size_t(j) * tb, tb, w);
        if (w + 1 == words) dw &= lastMask;
        h += static_cast<uint32_t>(popcount64(dw ^ qb[size_t(w) * q.qpad + i]));
      }
      bestHamming = h < bestHamming ? h : bestHamming;
    }
    s += static_cast<float>(int32_t(q.dim) - 2 * int32_t(bestHamming));
  }
  return s;
}

// ---- single-vector primitives and conversions -----------------------------------------------

float dotF32(const float* a, const float* b, size_t n) {
  float s = 0.f;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}
float l2sqF32(const float* a, const float* b, size_t n) {
  float s = 0.f;
  for (size_t i = 0; i < n; ++i) { const float d = a[i] - b[i]; s += d * d; }
  return s;
}
float dotF32F16(const float* a, const uint16_t* b, size_t n) {
  float s = 0.f;
  for (size_t i = 0; i < n; ++i) s += a[i] * halfToFloat(b[i]);
  return s;
}
float l2sqF32F16(const float* a, const uint16_t* b, size_t n) {
  float s = 0.f;
  for (size_t i = 0; i < n; ++i) { const float d = a[i] - halfToFloat(b[i]); s += d * d; }
  return s;
}
int32_t dotI8(const int8_t* a, const int8_t* b, size_t n) {
  int32_t s = 0;
  for (size_t i = 0; i < n; ++i) s += int32_t(a[i]) * b[i];
  return s;
}
void f32ToF16(const float* in, uint16_t* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = floatToHalf(in[i]); }
void f16ToF32(const uint16_t* in, float* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = halfToFloat(in[i]); }
void f32ToBf16(const float* in, uint16_t* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = floatToBf16(in[i]); }
void bf16ToF32(const uint16_t* in, float* out, size_t n) { for (size_t i = 0; i < n; ++i) out[i] = bf16ToFloat(in[i]); }
void quantizeInt8Rows(const float* in, size_t rows, uint32_t dim, int8_t* codes, float* scales) {
  for (size_t r = 0; r < rows; ++r) quantizeInt8Row(in + r * dim, dim, codes + r * dim, scales + r);
}
void binarizeRows(const float* in, size_t rows, uint32_t dim, uint8_t* out) {
  const size_t tb = tokenBytes(ElementType::Binary, dim);
  for (size_t r = 0; r < rows; ++r) {
    uint8_t* o = out + r * tb;
    std::memset(o, 0, tb);
    for (uint32_t k = 0; k < dim; ++k)
      if (in[r * dim + k] > 0.f) o[k >> 3] |= static_cast<uint8_t>(1u << (k & 7));
  }
}

double fmaPeakGflops(double seconds) {
  // Eight independent multiply-add chains: the compiler may vectorise or not; this is the
  // scalar build's reference, not a hardware peak.
  float a[8] = {1, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f, 1.6f, 1.7f};
  volatile float sink;
  const double g = timeFlops(seconds, 16.0, [&](long n) {
    for (long it = 0; it < n; ++it)
      for (int i = 0; i < 8; ++i) a[i] = a[i] * 0.9999999f + 1e-7f;
  });
  sink = a[0] + a[7];
  (void)sink;
  return g;
}

const KernelTable kTable = {
    "scalar",
    {prepareTransposedF32, prepareTransposedF32, prepareTransposedF32, prepareInt8RowMajor, prepareBinary},
    {scoreFloat<ElementType::F32>, scoreFloat<ElementType::F16>, scoreFloat<ElementType::BF16>, scoreInt8, scoreBinary},
    dotF32, l2sqF32, dotF32F16, l2sqF32F16, dotI8,
    f32ToF16, f16ToF32, f32ToBf16, bf16ToF32, quantizeInt8Rows, binarizeRows,
    fmaPeakGflops,
};

}  // namespace

const KernelTable* scalarKernels() { return &kTable; }

}  // namespace maxsim
