// How HNSW stores vectors, kept apart from the graph. A codec turns a float vector into a
// fixed-size code and prepares a query so that distance(code) is cheap. The built-in codecs
// (f32, f16, int8) are dispatched inline in QueryDistance::operator() to the SIMD kernels of
// activeKernels() captured once per query; a codec that needs its own tables (PQ: one lookup
// table per query) returns Kind::Custom and is reached through VectorCodec::customDistance.
//
// Every distance is "lower is closer": l2 gives the squared distance, ip (and cosine, whose
// vectors are normalised before they reach the codec) gives -dot.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "../core/aligned_buffer.h"
#include "../kernels/kernels.h"

namespace maxsim {
class FileWriter;
class FileReader;
}  // namespace maxsim

namespace maxsim::hnsw {

enum class Metric : uint32_t { L2 = 0, IP = 1, Cosine = 2 };
enum class StorageType : uint32_t { F32 = 0, F16 = 1, Int8 = 2, Pq = 3 };

const char* metricName(Metric m);
const char* storageName(StorageType s);

class VectorCodec;

// Per-thread memory a prepared query points into (reused, never freed between queries).
struct QueryScratch {
  AlignedBuffer f32;
  AlignedBuffer i8;
};

// A query ready for distance(code). Cheap to copy; valid while its scratch lives.
struct QueryDistance {
  enum class Kind : uint8_t { F32L2, F32IP, F16L2, F16IP, I8L2, I8IP, Custom };
  Kind kind = Kind::F32L2;
  uint32_t dim = 0;
  const float* q = nullptr;      // f32 query (f32 / f16 codecs)
  const int8_t* q8 = nullptr;    // int8 query codes
  float q8scale = 0.f;           // q ~= q8 * q8scale
  float qnorm2 = 0.f;            // |q|^2 (int8 l2)
  const KernelTable* kt = nullptr;
  const VectorCodec* codec = nullptr;  // Custom only
  // Custom with a lookup table (PQ ADC): layout (dim = M, 256) f32, already "lower is closer";
  // summed inline below so the hot path makes no virtual call.
  const float* lut = nullptr;

  inline float operator()(const uint8_t* code) const;
};

class VectorCodec {
 public:
  virtual ~VectorCodec() = default;
  virtual StorageType type() const = 0;
  // Bytes of one code, before the index pads the stride.
  virtual size_t codeBytes() const = 0;
  virtual void encode(const float* v, uint8_t* code) const = 0;
  virtual void decode(const uint8_t* code, float* v) const = 0;
  // q must already be normalised for cosine. The result points into `s`.
  virtual QueryDistance prepare(const float* q, QueryScratch& s) const = 0;
  // Prepares a stored code as a query (the neighbour heuristic compares stored vectors).
  virtual QueryDistance prepareCode(const uint8_t* code, QueryScratch& s) const = 0;
  virtual float customDistance(const QueryDistance&, const uint8_t*) const { return 0.f; }

  // Codecs that learn from data (PQ) must be trained before the first encode().
  virtual bool needsTraining() const { return false; }
  // data: (n, dim) f32, already normalised for cosine.
  virtual void train(const float* data, size_t n);
  // n codes written `stride` bytes apart (a codec may encode a batch faster than one by one).
  virtual void encodeBatch(const float* v, size_t n, uint8_t* codes, size_t stride) const;
  // Byte alignment of the code stride (32: whole blocks for the SIMD kernels' loads).
  virtual size_t codeAlign() const { return 32; }
  // Learned state (persisted in the HNSW file after the header; empty for built-in codecs).
  virtual void writeState(FileWriter&) const {}
  virtual void readState(FileReader&) {}
  virtual size_t stateBytes() const { return 0; }
  virtual std::unique_ptr<VectorCodec> clone() const = 0;

  uint32_t dim() const { return dim_; }
  bool l2() const { return l2_; }

 protected:
  VectorCodec(uint32_t dim, bool l2) : dim_(dim), l2_(l2) {}
  uint32_t dim_;
  bool l2_;
};

// metric L2 -> l2 distances; IP and Cosine -> -dot. pqSubspaces: PQ only (already resolved,
// a divisor of dim).
std::unique_ptr<VectorCodec> makeCodec(StorageType type, uint32_t dim, Metric metric, uint32_t pqSubspaces = 0);

// Σ_m lut[m][code[m]], lut layout (M, 256). Four independent sums hide the load latency of the
// dependent adds; this is the whole per-candidate cost of a PQ search.
inline float pqAdcDistance(const float* lut, const uint8_t* code, uint32_t M) {
  float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
  uint32_t m = 0;
  for (; m + 4 <= M; m += 4, lut += 1024) {
    s0 += lut[code[m]];
    s1 += lut[256 + code[m + 1]];
    s2 += lut[512 + code[m + 2]];
    s3 += lut[768 + code[m + 3]];
  }
  for (; m < M; ++m, lut += 256) s0 += lut[code[m]];
  return (s0 + s1) + (s2 + s3);
}

// int8 code layout: dim s8 codes | pad to 4 | f32 scale | f32 |v|^2 of the decoded vector.
inline size_t int8ScaleOffset(uint32_t dim) { return (size_t(dim) + 3) & ~size_t(3); }

inline float QueryDistance::operator()(const uint8_t* code) const {
  switch (kind) {
    case Kind::F32L2: return kt->l2sqF32(q, reinterpret_cast<const float*>(code), dim);
    case Kind::F32IP: return -kt->dotF32(q, reinterpret_cast<const float*>(code), dim);
    case Kind::F16L2: return kt->l2sqF32F16(q, reinterpret_cast<const uint16_t*>(code), dim);
    case Kind::F16IP: return -kt->dotF32F16(q, reinterpret_cast<const uint16_t*>(code), dim);
    case Kind::I8L2:
    case Kind::I8IP: {
      const float* tail = reinterpret_cast<const float*>(code + int8ScaleOffset(dim));
      const float dot = float(kt->dotI8(q8, reinterpret_cast<const int8_t*>(code), dim)) * q8scale * tail[0];
      return kind == Kind::I8IP ? -dot : qnorm2 + tail[1] - 2.f * dot;
    }
    case Kind::Custom: return lut ? pqAdcDistance(lut, code, dim) : codec->customDistance(*this, code);
  }
  return 0.f;
}

}  // namespace maxsim::hnsw
