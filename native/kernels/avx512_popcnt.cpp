// Binary (1-bit) MaxSim with AVX-512 VPOPCNTDQ: Hamming distance d - 2*popcount(q XOR d) over
// 16 query rows per pair of zmm (u64 lanes), eight tokens at a time. Flags: AVX-512 F/BW/VL/DQ
// + -mavx512vpopcntdq.
#include <immintrin.h>

#include <limits>

#include "avx512_ext.h"
#include "kernels_common.h"

namespace maxsim {
namespace avx512popcnt {
namespace {

constexpr int kTileTokens = 8;

// qb: (words, qpad) u64 at the row block; tok: (NT, words) u64.
template <int NT>
inline void tile(const uint64_t* qb, uint32_t qpad, const uint64_t* tok, uint32_t words, uint64_t* rowMin) {
  __m512i acc[NT][2];
#pragma GCC unroll 24
  for (int t = 0; t < NT; ++t) acc[t][0] = acc[t][1] = _mm512_setzero_si512();
  for (uint32_t w = 0; w < words; ++w) {
    const __m512i q0 = _mm512_load_si512(qb + size_t(w) * qpad);
    const __m512i q1 = _mm512_load_si512(qb + size_t(w) * qpad + 8);
#pragma GCC unroll 24
    for (int t = 0; t < NT; ++t) {
      const __m512i b = _mm512_set1_epi64(static_cast<long long>(tok[size_t(t) * words + w]));
      acc[t][0] = _mm512_add_epi64(acc[t][0], _mm512_popcnt_epi64(_mm512_xor_si512(q0, b)));
      acc[t][1] = _mm512_add_epi64(acc[t][1], _mm512_popcnt_epi64(_mm512_xor_si512(q1, b)));
    }
  }
  __m512i m0 = _mm512_load_si512(rowMin), m1 = _mm512_load_si512(rowMin + 8);
#pragma GCC unroll 24
  for (int t = 0; t < NT; ++t) {
    m0 = _mm512_min_epu64(m0, acc[t][0]);
    m1 = _mm512_min_epu64(m1, acc[t][1]);
  }
  _mm512_store_si512(rowMin, m0);
  _mm512_store_si512(rowMin + 8, m1);
}

}  // namespace

float scoreBinary(const PreparedQuery& q, const void* doc, const float*, uint32_t ntok, bool*) {
  if (ntok == 0) return -std::numeric_limits<float>::infinity();
  const uint32_t words = binaryWords(q.dim), qpad = q.qpad;
  const size_t tb = tokenBytes(ElementType::Binary, q.dim);
  const uint64_t lastMask = binaryLastWordMask(q.dim);
  thread_local AlignedBuffer minBuf, tileBuf;
  uint64_t* rowMin = static_cast<uint64_t*>(minBuf.resizeZeroed(qpad * 8));
  for (uint32_t i = 0; i < qpad; ++i) rowMin[i] = ~uint64_t(0);
  uint64_t* tw = static_cast<uint64_t*>(tileBuf.resizeZeroed(size_t(kTileTokens) * words * 8));
  const uint8_t* d = static_cast<const uint8_t*>(doc);
  const uint64_t* qb = q.data.as<uint64_t>();
  for (uint32_t j0 = 0; j0 < ntok; j0 += kTileTokens) {
    const int nt = static_cast<int>(ntok - j0 < uint32_t(kTileTokens) ? ntok - j0 : kTileTokens);
    for (int t = 0; t < nt; ++t) {
      const uint8_t* tok = d + size_t(j0 + t) * tb;
      if (tb % 8 == 0) {
        std::memcpy(tw + size_t(t) * words, tok, tb);
      } else {
        for (uint32_t w = 0; w < words; ++w) tw[size_t(t) * words + w] = loadBinaryWord(tok, tb, w);
      }
      tw[size_t(t) * words + words - 1] &= lastMask;
    }
    for (uint32_t rb = 0; rb < qpad; rb += 16) {
      switch (nt) {
#define MAXSIM_CASE(N) case N: tile<N>(qb + rb, qpad, tw, words, rowMin + rb); break;
        MAXSIM_CASE(1) MAXSIM_CASE(2) MAXSIM_CASE(3) MAXSIM_CASE(4) MAXSIM_CASE(5) MAXSIM_CASE(6)
        MAXSIM_CASE(7) MAXSIM_CASE(8)
#undef MAXSIM_CASE
        default: break;
      }
    }
  }
  float s = 0.f;
  for (uint32_t i = 0; i < q.nq; ++i) s += static_cast<float>(int32_t(q.dim) - 2 * int32_t(rowMin[i]));
  return s;
}

}  // namespace avx512popcnt
}  // namespace maxsim
