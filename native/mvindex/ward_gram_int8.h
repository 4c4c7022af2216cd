// ward_gram_int8.h: token pooling's 8-bit path. An exact integer Gram of the rows' 8-bit codes
// (made by the kernel table's quantizeInt8Rows, the int8 storage's own quantizer) -> squared
// distances between the codes' unit directions, bit-identical across ISA builds.
//
// Included by several translation units, each compiled with its own ISA flags:
// every function has internal linkage and the code path is picked from the
// predefined macros (__AVX512VNNI__, __AVX512BW__+__AVX512F__, __AVX2__, else
// plain C++).  Why every build gives the same bits: the Gram g_ij is exact
// int32 in every path; the float math is the same sequence of correctly
// rounded IEEE ops everywhere; FMA contraction (GCC's default
// -ffp-contract=fast) cannot change the result (see i8gDist).
// Assumes the default MXCSR (round to nearest even, no FTZ/DAZ), finite
// inputs and dim <= 16384 (keeps |g_ij| and the shifted VNNI sums < 2^31).
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#if defined(__AVX2__) || defined(__AVX512F__)
#include <immintrin.h>
#endif
// GCC 12's AVX-512 headers trip false -W(maybe-)uninitialized warnings
// (_mm512_undefined_*, GCC PR 105593) in every inlined caller; silence them here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#if defined(__AVX512F__) && defined(__AVX512BW__)
#define I8G_AVX512 1
#define I8G_W 16     // int32 lanes per vector
#define I8G_RMAX 8   // rows per micro-tile: 8 x 2 vectors = 16 zmm accumulators
#if defined(__AVX512VNNI__)
#define I8G_VNNI 1
#define I8G_PLANES 1 // one u32 lane = 4 consecutive int8 dims (vpdpbusd)
#else
#define I8G_PLANES 2 // one u32 lane = 2 int16 dims (vpmaddwd): 2 planes per 4 dims
#endif
#elif defined(__AVX2__)
#define I8G_AVX2 1
#define I8G_W 8
#define I8G_RMAX 4   // 4 x 2 ymm accumulators: fits in the 16 ymm registers
#define I8G_PLANES 2
#endif

// The spec formula for one entry (plain path; the SIMD epilogue is the same ops).
// Contraction-proof: the only product feeding an add/sub is t in t + t; GCC
// may rewrite that as 2*t and fuse it into q - 2*t, which is still exact
// because doubling is exact (seen in the -mfma reference code, same bits).
static inline float i8gDist(int32_t g, float ri, float rj, float qi, float qj) {
  const float t = (float(g) * ri) * rj;
  const float d = (qi + qj) - (t + t);
  return d > 0.f ? d : 0.f;
}

static inline size_t i8gAlign64(size_t x) { return (x + 63) & ~size_t(63); }
// Column padding: n rounded up to 16 plus 16 spare, so a 2-vector tile that
// starts at any row < n stays inside the packed buffers.
static inline uint32_t i8gNpad(uint32_t n) { return ((n + 15u) & ~15u) + 16u; }

// Same formula in every build (a buffer sized in one TU is valid for any other):
// 64 (alignment) + packed operands 2 * 4 * ceil(dim/4) * npad + 3 column arrays.
static size_t int8DistanceScratchBytes(uint32_t n, uint32_t dim) {
  const size_t kq = (size_t(dim) + 3) / 4, npad = i8gNpad(n);
  return 64 + i8gAlign64(8 * kq * npad) + 3 * 4 * npad;
}

// ------------------------------------------------------- SIMD primitives
#if defined(I8G_AVX512)
typedef __m512i I8gVi;
static inline __mmask16 i8gMask16(uint32_t d, uint32_t end) { return __mmask16(d >= end ? 0 : end - d >= 16 ? 0xFFFF : (1u << (end - d)) - 1); }
static inline __mmask64 i8gMask64(uint32_t cnt) { return cnt >= 64 ? ~0ull : (1ull << cnt) - 1; }
static inline I8gVi i8gZero() { return _mm512_setzero_si512(); }
static inline I8gVi i8gLoadI(const void* p) { return _mm512_loadu_si512(p); }
static inline void i8gStoreI(void* p, I8gVi v) { _mm512_storeu_si512(p, v); }
static inline I8gVi i8gBcast(const uint32_t* p) { int v; std::memcpy(&v, p, 4); return _mm512_set1_epi32(v); }  // vpbroadcastd m32
static inline I8gVi i8gLoadBytes(const void* p, uint32_t cnt) { return _mm512_maskz_loadu_epi8(i8gMask64(cnt), p); }
static inline I8gVi i8gDot(I8gVi acc, I8gVi a, I8gVi b) {
#if defined(I8G_VNNI) && defined(__GNUC__)
  // a: unsigned bytes (codes + 128), b: signed codes.  Inline asm because GCC 12
  // does not coalesce the tied accumulator of _mm512_dpbusd_epi32 in the
  // unrolled tile and emits ~2 zmm moves (plus spills) per vpdpbusd.
  __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(a), "v"(b));
  return acc;
#elif defined(I8G_VNNI)
  return _mm512_dpbusd_epi32(acc, a, b);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(a, b));
#endif
}
static inline I8gVi i8gPlane0(I8gVi x) { return _mm512_srai_epi16(_mm512_slli_epi16(x, 8), 8); }  // even bytes -> int16
static inline I8gVi i8gPlane1(I8gVi x) { return _mm512_srai_epi16(x, 8); }                         // odd bytes -> int16
// 16x16 u32 transpose: in t[l] = row l, out t[e] = element e of rows 0..15.
static inline void i8gTranspose(I8gVi* t) {
  I8gVi u[16];
  for (int g = 0; g < 16; g += 4) {  // 4x4 inside each 128-bit lane: u[g+c] lane L = elem 4L+c of rows g..g+3
    const I8gVi a0 = _mm512_unpacklo_epi32(t[g], t[g + 1]), a1 = _mm512_unpackhi_epi32(t[g], t[g + 1]);
    const I8gVi a2 = _mm512_unpacklo_epi32(t[g + 2], t[g + 3]), a3 = _mm512_unpackhi_epi32(t[g + 2], t[g + 3]);
    u[g] = _mm512_unpacklo_epi64(a0, a2); u[g + 1] = _mm512_unpackhi_epi64(a0, a2);
    u[g + 2] = _mm512_unpacklo_epi64(a1, a3); u[g + 3] = _mm512_unpackhi_epi64(a1, a3);
  }
  for (int c = 0; c < 4; ++c) {  // then a 4x4 transpose of 128-bit lanes across the row groups
    const I8gVi v0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44), v1 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xEE);
    const I8gVi v2 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44), v3 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xEE);
    t[c] = _mm512_shuffle_i32x4(v0, v2, 0x88); t[4 + c] = _mm512_shuffle_i32x4(v0, v2, 0xDD);
    t[8 + c] = _mm512_shuffle_i32x4(v1, v3, 0x88); t[12 + c] = _mm512_shuffle_i32x4(v1, v3, 0xDD);
  }
}
// r = g > 0 ? 1/sqrt(float(g)) : 0, q = g > 0 ? 1 : 0 (correctly rounded: scalar bits).
static inline void i8gDiag(I8gVi g, float* r, float* q) {
  const __mmask16 pos = _mm512_cmpgt_epi32_mask(g, _mm512_setzero_si512());
  const __m512 one = _mm512_set1_ps(1.f);
  _mm512_storeu_ps(r, _mm512_maskz_div_ps(pos, one, _mm512_sqrt_ps(_mm512_cvtepi32_ps(g))));
  _mm512_storeu_ps(q, _mm512_maskz_mov_ps(pos, one));
}
#elif defined(I8G_AVX2)
typedef __m256i I8gVi;
static inline __m256i i8gMask8(uint32_t d, uint32_t end) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(d >= end ? 0 : int(end - d)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline I8gVi i8gZero() { return _mm256_setzero_si256(); }
static inline I8gVi i8gLoadI(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
static inline void i8gStoreI(void* p, I8gVi v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }
static inline I8gVi i8gBcast(const uint32_t* p) { int v; std::memcpy(&v, p, 4); return _mm256_set1_epi32(v); }
static inline I8gVi i8gLoadBytes(const void* p, uint32_t cnt) {
  if (cnt >= 32) return i8gLoadI(p);
  alignas(32) uint8_t t[32] = {};
  std::memcpy(t, p, cnt);
  return i8gLoadI(t);
}
static inline I8gVi i8gDot(I8gVi acc, I8gVi a, I8gVi b) { return _mm256_add_epi32(acc, _mm256_madd_epi16(a, b)); }
static inline I8gVi i8gPlane0(I8gVi x) { return _mm256_srai_epi16(_mm256_slli_epi16(x, 8), 8); }
static inline I8gVi i8gPlane1(I8gVi x) { return _mm256_srai_epi16(x, 8); }
static inline void i8gTranspose(I8gVi* t) {  // 8x8 u32, same contract as the 16x16 one
  I8gVi u[8];
  for (int g = 0; g < 8; g += 4) {
    const I8gVi a0 = _mm256_unpacklo_epi32(t[g], t[g + 1]), a1 = _mm256_unpackhi_epi32(t[g], t[g + 1]);
    const I8gVi a2 = _mm256_unpacklo_epi32(t[g + 2], t[g + 3]), a3 = _mm256_unpackhi_epi32(t[g + 2], t[g + 3]);
    u[g] = _mm256_unpacklo_epi64(a0, a2); u[g + 1] = _mm256_unpackhi_epi64(a0, a2);
    u[g + 2] = _mm256_unpacklo_epi64(a1, a3); u[g + 3] = _mm256_unpackhi_epi64(a1, a3);
  }
  for (int c = 0; c < 4; ++c) {
    t[c] = _mm256_permute2x128_si256(u[c], u[4 + c], 0x20);
    t[4 + c] = _mm256_permute2x128_si256(u[c], u[4 + c], 0x31);
  }
}
static inline void i8gDiag(I8gVi g, float* r, float* q) {
  const __m256 pos = _mm256_castsi256_ps(_mm256_cmpgt_epi32(g, _mm256_setzero_si256())), one = _mm256_set1_ps(1.f);
  _mm256_storeu_ps(r, _mm256_and_ps(_mm256_div_ps(one, _mm256_sqrt_ps(_mm256_cvtepi32_ps(g))), pos));  // g == 0: inf & 0
  _mm256_storeu_ps(q, _mm256_and_ps(one, pos));
}
#endif

// ------------------------------------------------------------ distance, SIMD
#if defined(I8G_AVX512) || defined(I8G_AVX2)
// out[j..] = max((q_i + q_j) - (t + t), 0), t = (float(g) * r_i) * r_j: i8gDist's
// ops in the same order; never writes past column n-1 (cnt = n - j).
static inline void i8gStoreDist(float* p, I8gVi g, float ri, float qi, const float* rj, const float* qj, uint32_t cnt) {
#if defined(I8G_AVX512)
  const __m512 t = _mm512_mul_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(g), _mm512_set1_ps(ri)), _mm512_loadu_ps(rj));
  const __m512 d = _mm512_sub_ps(_mm512_add_ps(_mm512_set1_ps(qi), _mm512_loadu_ps(qj)), _mm512_add_ps(t, t));
  _mm512_mask_storeu_ps(p, i8gMask16(0, cnt), _mm512_max_ps(d, _mm512_setzero_ps()));  // max(d, 0) == d > 0 ? d : 0
#else
  const __m256 t = _mm256_mul_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(g), _mm256_set1_ps(ri)), _mm256_loadu_ps(rj));
  const __m256 d = _mm256_max_ps(_mm256_sub_ps(_mm256_add_ps(_mm256_set1_ps(qi), _mm256_loadu_ps(qj)), _mm256_add_ps(t, t)), _mm256_setzero_ps());
  if (cnt >= 8) return _mm256_storeu_ps(p, d);
  _mm256_maskstore_ps(p, i8gMask8(0, cnt), d);
#endif
}

// Micro-tile: rows [i0, i0+R) x columns [j0, j0+V*W).  Both operands use the
// packed (K, npad) u32 layout: per k step, V column vectors from B and one
// broadcast per row from Ar (the R rows are R consecutive u32).  cols holds
// corr, r, q (see int8DistanceUpper).  Epilogue in registers.
template <int R, int V>
static inline void i8gTile(const uint32_t* Ar, const uint32_t* B, uint32_t npad, uint32_t K, const float* cols,
                           float* out, uint32_t n, uint32_t i0, uint32_t j0) {
  const float *r = cols + npad, *q = cols + 2 * npad;
  I8gVi acc[R][V];
  for (int v = 0; v < V; ++v) {
    const I8gVi c0 = i8gLoadI(cols + j0 + v * I8G_W);  // corr: VNNI -128*colsum_j cancels the +128 row shift
    for (int i = 0; i < R; ++i) acc[i][v] = c0;
  }
  const uint32_t* a = Ar + i0;
  const uint32_t* b = B + j0;
  for (uint32_t k = 0; k < K; ++k, a += npad, b += npad) {
    I8gVi bv[V];
    for (int v = 0; v < V; ++v) bv[v] = i8gLoadI(b + v * I8G_W);
    for (int i = 0; i < R; ++i) {
      const I8gVi ai = i8gBcast(a + i);
      for (int v = 0; v < V; ++v) acc[i][v] = i8gDot(acc[i][v], ai, bv[v]);
    }
  }
  for (int i = 0; i < R; ++i)
    for (int v = 0; v < V; ++v) {
      const uint32_t j = j0 + v * I8G_W;
      if (j < n) i8gStoreDist(out + size_t(i0 + i) * n + j, acc[i][v], r[i0 + i], q[i0 + i], r + j, q + j, n - j);
    }
}

// SYRK-style row block: tiles start at the block's first row (j0 = i0), so only
// the R x R diagonal square does lower-triangle work.
template <int R>
static inline void i8gRowBlock(const uint32_t* Ar, const uint32_t* B, uint32_t npad, uint32_t K, const float* cols,
                               float* out, uint32_t n, uint32_t i0) {
  uint32_t j0 = i0;
  for (; j0 + I8G_W < n; j0 += 2 * I8G_W)  // more than one vector of columns left
    i8gTile<R, 2>(Ar, B, npad, K, cols, out, n, i0, j0);
  if (j0 < n) i8gTile<R, 1>(Ar, B, npad, K, cols, out, n, i0, j0);
}

// Last n % RMAX rows: map the runtime remainder to a compile-time R.
template <int R>
static inline void i8gTailRows(const uint32_t* Ar, const uint32_t* B, uint32_t npad, uint32_t K, const float* cols,
                               float* out, uint32_t n, uint32_t i0) {
  if constexpr (R > 0) {
    if (n - i0 == R) i8gRowBlock<R>(Ar, B, npad, K, cols, out, n, i0);
    else i8gTailRows<R - 1>(Ar, B, npad, K, cols, out, n, i0);
  }
}

static void int8DistanceUpper(const int8_t* codes, uint32_t n, uint32_t dim, uint32_t codeStride, float* out, void* scratch) {
  if (n == 0) return;
  const uint32_t kq = (dim + 3) / 4, K = I8G_PLANES * kq, npad = i8gNpad(n), VB = 4 * I8G_W;
  uint8_t* p = reinterpret_cast<uint8_t*>(i8gAlign64(reinterpret_cast<uintptr_t>(scratch)));
  // B, layout (K, npad) u32: the column operand, zero past dim and for columns >= n.
  //   VNNI: (ceil(dim/4), npad, 4) int8 codes.  int16 paths: (2, ceil(dim/4), npad, 2)
  //   int16: plane 0 holds dims 4k, 4k+2 and plane 1 dims 4k+1, 4k+3 of column j.
  uint32_t* B = reinterpret_cast<uint32_t*>(p);
  // Ar, the row operand, same layout.  VNNI: (ceil(dim/4), npad, 4) uint8 = codes ^ 0x80
  //   (= codes + 128, unsigned for vpdpbusd).  int16 paths: B itself.
#if defined(I8G_VNNI)
  uint32_t* Ar = B + size_t(kq) * npad;
#else
  const uint32_t* Ar = B;
#endif
  // cols, layout (3, npad) 32-bit: corr_j (int32: VNNI -128*colsum_j, else 0), r_j, q_j.
  float* cols = reinterpret_cast<float*>(p + i8gAlign64(8 * size_t(kq) * npad));

  // Pass 1, blocks of W columns x W dims-quads: load W code rows, transpose in
  // registers into the packed layouts, and get the exact diagonal g_jj lane-wise
  // from the transposed vectors (no horizontal sums).
  for (uint32_t j0 = 0; j0 < npad; j0 += I8G_W) {
    I8gVi g = i8gZero();
#if defined(I8G_VNNI)
    I8gVi cs = i8gZero();
#endif
    for (uint32_t c = 0; c < 4 * kq; c += VB) {  // c < dim always: dim > 4*kq - 4 >= c
      I8gVi t[I8G_W];
      for (uint32_t l = 0; l < I8G_W; ++l)
        t[l] = j0 + l < n ? i8gLoadBytes(codes + size_t(j0 + l) * codeStride + c, dim - c) : i8gZero();
      i8gTranspose(t);  // t[e] = dims-quad c/4 + e of columns j0 .. j0+W-1
      for (uint32_t e = 0, k = c / 4; e < I8G_W && k < kq; ++e, ++k) {
#if defined(I8G_VNNI)
        const I8gVi sh = _mm512_xor_si512(t[e], _mm512_set1_epi8(char(0x80)));
        i8gStoreI(B + size_t(k) * npad + j0, t[e]);
        i8gStoreI(Ar + size_t(k) * npad + j0, sh);
        g = _mm512_dpbusd_epi32(g, sh, t[e]);                     // g_jj + 128 colsum_j
        cs = _mm512_dpbusd_epi32(cs, _mm512_set1_epi8(1), t[e]);  // colsum_j
#else
        const I8gVi p0 = i8gPlane0(t[e]), p1 = i8gPlane1(t[e]);
        i8gStoreI(B + size_t(k) * npad + j0, p0);
        i8gStoreI(B + size_t(kq + k) * npad + j0, p1);
        g = i8gDot(i8gDot(g, p0, p0), p1, p1);
#endif
      }
    }
#if defined(I8G_VNNI)
    const I8gVi c128 = _mm512_slli_epi32(cs, 7);
    g = _mm512_sub_epi32(g, c128);
    i8gStoreI(cols + j0, _mm512_sub_epi32(i8gZero(), c128));
#else
    i8gStoreI(cols + j0, i8gZero());
#endif
    i8gDiag(g, cols + npad + j0, cols + 2 * npad + j0);
  }

  // Pass 2: upper triangle, row blocks of RMAX rows.
  uint32_t i0 = 0;
  for (; n - i0 >= I8G_RMAX; i0 += I8G_RMAX) i8gRowBlock<I8G_RMAX>(Ar, B, npad, K, cols, out, n, i0);
  if (i0 < n) i8gTailRows<I8G_RMAX - 1>(Ar, B, npad, K, cols, out, n, i0);
}

// ----------------------------------------------------------- distance, plain
#else
static void int8DistanceUpper(const int8_t* codes, uint32_t n, uint32_t dim, uint32_t codeStride, float* out, void* scratch) {
  float* r = reinterpret_cast<float*>(i8gAlign64(reinterpret_cast<uintptr_t>(scratch)));  // layout: r[n], q[n]
  float* q = r + n;
  for (uint32_t i = 0; i < n; ++i) {
    const int8_t* a = codes + size_t(i) * codeStride;
    int32_t g = 0;
    for (uint32_t c = 0; c < dim; ++c) g += int32_t(a[c]) * a[c];
    r[i] = g > 0 ? 1.f / std::sqrt(float(g)) : 0.f;
    q[i] = g > 0 ? 1.f : 0.f;
  }
  for (uint32_t i = 0; i < n; ++i) {
    const int8_t* a = codes + size_t(i) * codeStride;
    for (uint32_t j = i; j < n; ++j) {
      const int8_t* b = codes + size_t(j) * codeStride;
      int32_t g = 0;
      for (uint32_t c = 0; c < dim; ++c) g += int32_t(a[c]) * b[c];
      out[size_t(i) * n + j] = i8gDist(g, r[i], r[j], q[i], q[j]);
    }
  }
}
#endif

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
