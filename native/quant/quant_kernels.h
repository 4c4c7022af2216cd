// SIMD kernels for the quantizers, dispatched like the MaxSim kernels: one table per ISA, each
// filled in its own translation unit compiled with that ISA's flags (quant_kernels_avx2.cpp,
// fastscan_avx512.cpp, ...), and picked at run time from activeSimdLevel().
//
// Every entry gives bit-identical results on every level: the fast-scan kernels work in exact
// u16 integer arithmetic, and the float kernels add in the same order everywhere (no FMA
// contraction changes a sum of plain additions).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../core/cpu_features.h"

namespace maxsim::quant {

// Fast-scan block geometry: 32 vectors per block; one 32-byte row holds two sub-quantizers.
constexpr uint32_t kFastScanBlock = 32;
constexpr uint32_t kFastScanRowBytes = 32;

struct QuantKernels {
  const char* name;

  // Nearest centroid of each point. x: (n, d) row-major. ct: centroids transposed, (d, kpad),
  // zero in padded columns. cnorm: (kpad) squared norms, +inf in padded columns. With ip the
  // largest inner product wins, else the smallest squared L2 distance; ties go to the lower
  // index. Writes idx[n] and, if score is non-null, the winning value (L2: ‖x−c‖², ip: ⟨x,c⟩).
  void (*assignNearest)(const float* x, size_t n, uint32_t d, const float* ct, const float* cnorm, uint32_t k,
                        uint32_t kpad, bool ip, uint32_t* idx, float* score);

  // Byte-LUT MaxSim over one document. lut: (nbytes, 256, qpad) f32, so that the qpad query
  // rows of one (byte position, byte value) are contiguous. codes: ntok rows of nbytes.
  // base (optional): (nbase, qpad) per-token additive rows picked by baseIdx[j] (residual
  // codec: the centroid scores). Returns Σ_{i<nq} max_j (base[j][i] + Σ_b lut[b][code_jb][i]);
  // ntok == 0 gives -inf.
  float (*lutMaxsim)(const float* lut, uint32_t nbytes, uint32_t qpad, uint32_t nq, const uint8_t* codes,
                     uint32_t ntok, const float* base, const uint32_t* baseIdx);

  // Fast-scan: scores nblocks blocks of packed 4-bit codes (rows 32-byte rows per block)
  // against nq u8 LUTs, layout (nq, rows, 32) (= (nq, 2*rows, 16)). out: (nq, outStride) u16,
  // block b's 32 vectors at out[q*outStride + 32b ..], in vector order.
  void (*fastscanScan)(const uint8_t* codes, size_t nblocks, uint32_t rows, const uint8_t* luts, uint32_t nq,
                       uint16_t* out, size_t outStride);

  // Fast-scan running max for MaxSim: scores one block against nq LUTs and folds the vectors
  // whose bit is set in validMask into runMax (nq, 32) u16: runMax = max(runMax, score).
  void (*fastscanMaxUpdate)(const uint8_t* block, uint32_t rows, const uint8_t* luts, uint32_t nq, uint32_t validMask,
                            uint16_t* runMax);
};

const QuantKernels* scalarQuantKernels();
const QuantKernels* avx2QuantKernels();    // nullptr where the build lacks x86 kernels
const QuantKernels* avx512QuantKernels();  // nullptr where the build lacks x86 kernels

// The table for a level (clamped to what exists), and for the active level.
const QuantKernels& quantKernelsFor(SimdLevel level);
const QuantKernels& activeQuantKernels();

}  // namespace maxsim::quant
