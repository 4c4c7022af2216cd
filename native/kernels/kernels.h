// The table of SIMD kernels. Each ISA fills one table in its own translation unit, compiled
// with its own flags; dispatch.cpp picks a table at run time. Nothing outside kernels/ is
// compiled with ISA flags, so the addon loads on any x86-64 (or arm64) CPU.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../core/aligned_buffer.h"
#include "../core/cpu_features.h"

namespace maxsim {

enum class ElementType : int { F32 = 0, F16 = 1, BF16 = 2, Int8 = 3, Binary = 4 };
constexpr int kElementTypeCount = 5;
const char* elementTypeName(ElementType t);

// Query rows are padded to a multiple of 16 so every ISA's row blocks divide evenly; padded
// rows are zero and never enter the final sum.
constexpr uint32_t kQueryRowPad = 16;
inline uint32_t padQueryRows(uint32_t nq) { return (nq + kQueryRowPad - 1) / kQueryRowPad * kQueryRowPad; }

// Bytes one stored token takes for an element type.
inline size_t tokenBytes(ElementType t, uint32_t dim) {
  switch (t) {
    case ElementType::F32: return size_t(dim) * 4;
    case ElementType::F16:
    case ElementType::BF16: return size_t(dim) * 2;
    case ElementType::Int8: return dim;
    case ElementType::Binary: return (size_t(dim) + 7) / 8;
  }
  return 0;
}

// A query turned into the layout one kernel table wants. Layouts (qpad = padQueryRows(nq)):
//   f32 / f16 / bf16, generic:  data (dim, qpad) f32           -- query transposed
//   bf16 on AVX-512 BF16:       data (ceil(dim/2), qpad, 2) bf16 pairs for vdpbf16ps
//   int8 scalar:                data (nq, dim) s8               -- row-major codes
//   int8 VNNI:                  data (ceil(dim/4), qpad, 4) s8, rowCorrection = 128*sum(codes)
//   int8 AVX2 / AVX-512 (i16):  data (ceil(dim/2), qpad, 2) s16 pairs for vpmaddwd
//   binary:                     data (ceil(dim/64), qpad) u64   -- sign bits, LSB = lowest dim
// int8 queries also carry rowScale (code * scale = value), identical on every ISA so the integer
// part of every int8 score is exact and level-independent.
struct PreparedQuery {
  ElementType type = ElementType::F32;
  uint32_t nq = 0, qpad = 0, dim = 0;
  AlignedBuffer data;
  std::vector<float> rowScale;
  std::vector<int32_t> rowCorrection;
};

// Scores one document. `doc` points at ntok tokens of the element type (docScales: one scale
// per token for int8, else unused). Returns sum_i max_j <q_i, d_j>; ntok == 0 gives -inf.
// Sets *nonFinite when a dot product or the score came out NaN or infinite: a NaN or Inf in the
// document, or finite values whose products or sum overflow f32 (never cleared). The float
// kernels fold each dot times zero into their check (0 for any finite dot), so a large finite
// dot is not mistaken for an overflow, as a running sum of the dots was near 3e38.
using PrepareFn = void (*)(const float* q, uint32_t nq, uint32_t dim, PreparedQuery& out);
using ScoreFn = float (*)(const PreparedQuery& q, const void* doc, const float* docScales,
                          uint32_t ntok, bool* nonFinite);

struct KernelTable {
  const char* name;
  PrepareFn prepare[kElementTypeCount];
  ScoreFn score[kElementTypeCount];

  // Single-vector primitives for k-means, HNSW and quantizers (n elements each).
  float (*dotF32)(const float* a, const float* b, size_t n);
  float (*l2sqF32)(const float* a, const float* b, size_t n);
  float (*dotF32F16)(const float* a, const uint16_t* b, size_t n);
  float (*l2sqF32F16)(const float* a, const uint16_t* b, size_t n);
  int32_t (*dotI8)(const int8_t* a, const int8_t* b, size_t n);

  // Conversions (n elements, or rows x dim).
  void (*f32ToF16)(const float* in, uint16_t* out, size_t n);
  void (*f16ToF32)(const uint16_t* in, float* out, size_t n);
  void (*f32ToBf16)(const float* in, uint16_t* out, size_t n);   // round to nearest even
  void (*bf16ToF32)(const uint16_t* in, float* out, size_t n);
  // Symmetric per-row int8: scale = max|x| / 127, code = round(x / scale).
  void (*quantizeInt8Rows)(const float* in, size_t rows, uint32_t dim, int8_t* codes, float* scales);
  // Sign bits (x > 0), ceil(dim/8) bytes per row, LSB first; pad bits are zero.
  void (*binarizeRows)(const float* in, size_t rows, uint32_t dim, uint8_t* out);

  // Measures this ISA's f32 FMA throughput on the calling thread: independent FMA chains in
  // registers for about `seconds`. Returns GFLOP/s (2 flops per lane per FMA). Benchmarks report
  // kernel speed as a fraction of this figure measured in the same run.
  double (*fmaPeakGflops)(double seconds);
};

// Tables per ISA; a table for an ISA that this build or CPU lacks is nullptr.
const KernelTable* scalarKernels();
const KernelTable* avx2Kernels();
const KernelTable* avx512Kernels();  // F/BW/VL/DQ, with VNNI / BF16 / VPOPCNTDQ entries patched in
const KernelTable* neonKernels();

// The table for the active SIMD level (MAXSIM_SIMD and setSimdLevel respected).
const KernelTable& activeKernels();
const KernelTable& kernelsFor(SimdLevel level);

// Shared by every table: the reference per-row int8 quantization of a single row, so all
// levels quantize queries identically.
void quantizeInt8Row(const float* in, uint32_t dim, int8_t* codes, float* scale);

}  // namespace maxsim
