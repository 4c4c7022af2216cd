#include "pq_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "../core/error.h"
#include "../core/file_format.h"
#include "../quant/product_quantizer.h"

namespace maxsim::hnsw {

uint32_t defaultPqSubspaces(uint32_t dim) {
  for (uint32_t m = dim / 8; m > 1; --m)
    if (dim % m == 0) return m;
  return 1;
}

namespace {

constexpr uint32_t kKsub = 256;
constexpr uint32_t kTrainIterations = 8;
constexpr uint64_t kTrainSeed = 0x70716e73776bULL;

class PqCodec final : public VectorCodec {
 public:
  PqCodec(uint32_t dim, bool l2, uint32_t M) : VectorCodec(dim, l2), M_(M), dsub_(dim / M) {}
  StorageType type() const override { return StorageType::Pq; }
  std::unique_ptr<VectorCodec> clone() const override { return std::make_unique<PqCodec>(*this); }
  size_t codeBytes() const override { return M_; }
  size_t codeAlign() const override { return 1; }  // no SIMD loads on codes: keep M bytes a vector
  bool needsTraining() const override { return !pq_; }
  size_t stateBytes() const override { return pq_ ? pq_->codebook().size() * 4 : 0; }

  void train(const float* data, size_t n) override {
    if (n < kPqMinTrainVectors)
      throw Error(codes::kInvalidArgument,
                  "storage 'pq' needs at least " + std::to_string(kPqMinTrainVectors) +
                      " vectors to train its codebooks, got " + std::to_string(n) +
                      " (add more vectors in the first add(), or call train() with a larger sample first)");
    quant::PqTrainOptions o;
    o.M = M_;
    o.nbits = 8;
    o.iterations = kTrainIterations;
    o.seed = kTrainSeed;
    setCodebook(quant::ProductQuantizer::train(data, n, dim_, o).codebook());
  }

  void encode(const float* v, uint8_t* code) const override { encodeBatch(v, 1, code, M_); }

  void encodeBatch(const float* v, size_t n, uint8_t* codes, size_t stride) const override {
    requireTrained();
    if (stride == M_) return pq_->encode(v, n, codes);
    std::vector<uint8_t> tmp(n * M_);
    pq_->encode(v, n, tmp.data());
    for (size_t i = 0; i < n; ++i) std::memcpy(codes + i * stride, tmp.data() + i * M_, M_);
  }

  void decode(const uint8_t* code, float* v) const override {
    requireTrained();
    for (uint32_t m = 0; m < M_; ++m) std::memcpy(v + size_t(m) * dsub_, centroid(m, code[m]), size_t(dsub_) * 4);
  }

  // layout of the table: (M, 256) f32, distance contributions with "lower is closer" folded in.
  QueryDistance prepare(const float* q, QueryScratch& s) const override {
    s.f32.reserve(size_t(M_) * kKsub * 4);
    float* lut = s.f32.as<float>();
    switch (dsub_) {
      case 4: buildLut<4>(q, lut); break;
      case 8: buildLut<8>(q, lut); break;
      case 16: buildLut<16>(q, lut); break;
      default: buildLut<0>(q, lut); break;
    }
    QueryDistance d;
    d.kind = QueryDistance::Kind::Custom;
    d.dim = M_;
    d.lut = lut;
    d.codec = this;
    return d;
  }

  QueryDistance prepareCode(const uint8_t* code, QueryScratch& s) const override {
    s.f32.reserve(size_t(dim_) * 4);
    decode(code, s.f32.as<float>());
    QueryDistance d;
    d.kind = QueryDistance::Kind::Custom;
    d.dim = dim_;
    d.q = s.f32.as<float>();
    d.codec = this;
    return d;
  }

  // A decoded query against a code: the distance between the two reconstructions.
  float customDistance(const QueryDistance& qd, const uint8_t* code) const override {
    switch (dsub_) {
      case 4: return decodedDistance<4>(qd.q, code);
      case 8: return decodedDistance<8>(qd.q, code);
      case 16: return decodedDistance<16>(qd.q, code);
      default: return decodedDistance<0>(qd.q, code);
    }
  }

  // State: u32 M | u32 trained | codebook (M, 256, dsub) f32 when trained.
  void writeState(FileWriter& w) const override {
    w.pod<uint32_t>(M_);
    w.pod<uint32_t>(pq_ ? 1u : 0u);
    if (pq_) w.vec(pq_->codebook());
  }
  void readState(FileReader& r) override {
    if (r.pod<uint32_t>() != M_) r.corrupt("PQ sub-space count does not match the header");
    const uint32_t trained = r.pod<uint32_t>();
    if (trained > 1) r.corrupt("bad PQ trained flag");
    pq_.reset();
    cb_ = nullptr;
    if (!trained) return;
    std::vector<float> cb = r.vec<float>(size_t(dim_) * kKsub);
    if (cb.size() != size_t(dim_) * kKsub) r.corrupt("PQ codebook size does not match its shape");
    for (float x : cb)
      if (!std::isfinite(x)) r.corrupt("PQ codebook holds a non-finite value");
    setCodebook(std::move(cb));
  }

 private:
  // D: dsub known at compile time (4, 8, 16), 0: dsub_ at run time. With D known, the per-lane
  // products and the halving tree below are element-wise steps the compiler vectorises (a
  // running sum over t would be a chain of dependent adds it may not reorder).
  template <uint32_t D>
  void buildLut(const float* q, float* lut) const {
    if (D == 0) {
      for (uint32_t m = 0; m < M_; ++m) {
        const float* qm = q + size_t(m) * dsub_;
        const float* c = centroid(m, 0);
        float* row = lut + size_t(m) * kKsub;
        for (uint32_t j = 0; j < kKsub; ++j, c += dsub_) {
          float acc = 0.f;
          if (l2_)
            for (uint32_t t = 0; t < dsub_; ++t) acc += (qm[t] - c[t]) * (qm[t] - c[t]);
          else
            for (uint32_t t = 0; t < dsub_; ++t) acc += qm[t] * c[t];
          row[j] = l2_ ? acc : -acc;
        }
      }
      return;
    }
    constexpr uint32_t L = D ? D : 1;
    for (uint32_t m = 0; m < M_; ++m) {
      float qm[L];
      for (uint32_t t = 0; t < L; ++t) qm[t] = q[size_t(m) * L + t];
      const float* c = centroid(m, 0);
      float* row = lut + size_t(m) * kKsub;
      for (uint32_t j = 0; j < kKsub; ++j, c += L) {
        float lanes[L];
        if (l2_)
          for (uint32_t t = 0; t < L; ++t) lanes[t] = (qm[t] - c[t]) * (qm[t] - c[t]);
        else
          for (uint32_t t = 0; t < L; ++t) lanes[t] = qm[t] * c[t];
        for (uint32_t w = L / 2; w >= 1; w /= 2)
          for (uint32_t t = 0; t < w; ++t) lanes[t] += lanes[t + w];
        row[j] = l2_ ? lanes[0] : -lanes[0];
      }
    }
  }
  // Per-lane partial sums (one per sub-vector position) are element-wise, so the compiler
  // vectorises them without reassociating a reduction; lanes are summed once at the end.
  template <uint32_t D>
  float decodedDistance(const float* q, const uint8_t* code) const {
    if (D == 0) {
      float acc = 0.f;
      for (uint32_t m = 0; m < M_; ++m, q += dsub_) {
        const float* c = centroid(m, code[m]);
        if (l2_)
          for (uint32_t t = 0; t < dsub_; ++t) acc += (q[t] - c[t]) * (q[t] - c[t]);
        else
          for (uint32_t t = 0; t < dsub_; ++t) acc += q[t] * c[t];
      }
      return l2_ ? acc : -acc;
    }
    constexpr uint32_t L = D ? D : 1;
    float lanes[L] = {};
    if (l2_) {
      for (uint32_t m = 0; m < M_; ++m, q += L) {
        const float* c = centroid(m, code[m]);
        for (uint32_t t = 0; t < L; ++t) lanes[t] += (q[t] - c[t]) * (q[t] - c[t]);
      }
    } else {
      for (uint32_t m = 0; m < M_; ++m, q += L) {
        const float* c = centroid(m, code[m]);
        for (uint32_t t = 0; t < L; ++t) lanes[t] += q[t] * c[t];
      }
    }
    float acc = 0.f;
    for (uint32_t t = 0; t < L; ++t) acc += lanes[t];
    return l2_ ? acc : -acc;
  }
  const float* centroid(uint32_t m, uint32_t j) const { return cb_ + (size_t(m) * kKsub + j) * dsub_; }
  void setCodebook(std::vector<float> cb) {
    pq_ = std::make_shared<const quant::ProductQuantizer>(dim_, M_, 8, std::move(cb), std::vector<float>());
    cb_ = pq_->codebook().data();
  }
  void requireTrained() const {
    if (!pq_) throw Error(codes::kInvalidArgument, "storage 'pq' is not trained yet: add vectors or call train() first");
  }
  uint32_t M_, dsub_;
  // Immutable once set (clones share it); null until trained. cb_: its codebook, layout (M, 256, dsub).
  std::shared_ptr<const quant::ProductQuantizer> pq_;
  const float* cb_ = nullptr;
};

}  // namespace

std::unique_ptr<VectorCodec> makePqCodec(uint32_t dim, bool l2, uint32_t pqSubspaces) {
  const uint32_t M = pqSubspaces ? pqSubspaces : defaultPqSubspaces(dim);
  if (M > dim || dim % M != 0)
    throw Error(codes::kInvalidArgument,
                "pqSubspaces must divide dim, got " + std::to_string(M) + " for dim " + std::to_string(dim));
  return std::make_unique<PqCodec>(dim, l2, M);
}

}  // namespace maxsim::hnsw
