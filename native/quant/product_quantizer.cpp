#include "product_quantizer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../core/error.h"
#include "../core/finite.h"
#include "../core/file_format.h"
#include "../core/thread_pool.h"
#include "../scoring/topk.h"
#include "kmeans.h"
#include "linalg.h"
#include "random.h"

namespace maxsim::quant {
namespace {

constexpr char kPqKind[4] = {'P', 'Q', ' ', ' '};
constexpr uint32_t kPqVersion = 1;

void checkShape(uint32_t d, uint32_t M, uint32_t nbits) {
  if (d == 0) throw Error(codes::kInvalidArgument, "PQ: dim must be at least 1");
  if (M == 0 || d % M != 0)
    throw Error(codes::kInvalidArgument, "PQ: M must divide dim, got M = " + std::to_string(M) + " for dim " + std::to_string(d));
  if (nbits != 4 && nbits != 8) throw Error(codes::kInvalidArgument, "PQ: nbits must be 4 or 8, got " + std::to_string(nbits));
}

// One k-means per sub-space on the rotated points xr (n, d). init: previous codebook (OPQ
// warm start) or empty. Returns the codebook (M, ksub, dsub).
std::vector<float> trainSubspaces(const float* xr, size_t n, uint32_t d, uint32_t M, uint32_t nbits, uint32_t iterations,
                                  const PqTrainOptions& opts, const std::vector<float>& init,
                                  const std::function<void(uint32_t)>& onSubspace) {
  const uint32_t ksub = 1u << nbits, dsub = d / M;
  std::vector<float> codebook(size_t(M) * ksub * dsub);
  std::vector<float> sub(n * dsub);
  for (uint32_t m = 0; m < M; ++m) {
    for (size_t i = 0; i < n; ++i)
      std::copy(xr + i * d + size_t(m) * dsub, xr + i * d + size_t(m + 1) * dsub, sub.data() + i * dsub);
    KMeansOptions ko;
    ko.k = ksub;
    ko.iterations = iterations;
    ko.seed = opts.seed + 7919ull * (m + 1);
    ko.maxPointsPerCentroid = opts.maxPointsPerCentroid;
    ko.allowFewer = opts.allowFewer;
    if (!init.empty()) ko.init = init.data() + size_t(m) * ksub * dsub;
    KMeansResult r = kmeans(sub.data(), n, dsub, ko);
    float* dst = codebook.data() + size_t(m) * ksub * dsub;
    // With allowFewer, k may be below ksub: repeat centroids to fill the table. A repeat is
    // never chosen by encode (ties go to the lower index).
    for (uint32_t j = 0; j < ksub; ++j)
      std::copy(r.centroids.begin() + size_t(j % r.k) * dsub, r.centroids.begin() + size_t(j % r.k + 1) * dsub,
                dst + size_t(j) * dsub);
    if (onSubspace) onSubspace(m + 1);
  }
  return codebook;
}

std::vector<float> gatherRows(const float* x, uint32_t d, const std::vector<uint32_t>& idx) {
  std::vector<float> out(idx.size() * d);
  for (size_t i = 0; i < idx.size(); ++i) std::copy(x + size_t(idx[i]) * d, x + size_t(idx[i] + 1) * d, out.data() + i * d);
  return out;
}

}  // namespace

ProductQuantizer::ProductQuantizer(uint32_t d, uint32_t M, uint32_t nbits, std::vector<float> codebook,
                                   std::vector<float> rotation)
    : d_(d), M_(M), nbits_(nbits), codebook_(std::move(codebook)), rotation_(std::move(rotation)) {
  checkShape(d, M, nbits);
  if (codebook_.size() != size_t(M) * ksub() * dsub())
    throw Error(codes::kInvalidArgument, "PQ: codebook has the wrong size");
  if (!rotation_.empty() && rotation_.size() != size_t(d) * d)
    throw Error(codes::kInvalidArgument, "PQ: rotation must be (dim, dim)");
}

ProductQuantizer ProductQuantizer::train(const float* data, size_t n, uint32_t d, const PqTrainOptions& opts) {
  checkShape(d, opts.M, opts.nbits);
  const uint32_t ksub = 1u << opts.nbits;
  if (n < ksub && !opts.allowFewer)
    throw Error(codes::kInvalidArgument,
                "PQ training needs at least ksub = " + std::to_string(ksub) + " training points, got " + std::to_string(n) +
                    " (pass allowFewer: true to train fewer centroids, or keep these vectors uncompressed)");
  if (n == 0) throw Error(codes::kInvalidArgument, "PQ training needs at least one training point");
  if (const size_t i = firstNonFinite(data, n * d); i != n * d)
    throw Error(codes::kNonFinite, "training data contains NaN or Infinity at element " + std::to_string(i));
  auto progress = [&](double f, const char* stage) {
    if (opts.onProgress) opts.onProgress(std::min(1.0, std::max(0.0, f)), stage);
  };

  // The k-means subsample, shared by every sub-space (and by OPQ's final pass).
  const size_t cap = size_t(ksub) * (opts.maxPointsPerCentroid ? opts.maxPointsPerCentroid : UINT32_MAX);
  std::vector<float> sample;
  const float* x = data;
  size_t nx = n;
  if (n > cap) {
    sample = gatherRows(data, d, sampleIndices(n, cap, opts.seed ^ 0x5bd1e995ull));
    x = sample.data();
    nx = cap;
  }

  std::vector<float> rotation, init;
  double done = 0;
  if (opts.opq) {
    const size_t no = std::min<size_t>(n, std::max<uint32_t>(opts.opqMaxPoints, 1));
    std::vector<float> xs = no < n ? gatherRows(data, d, sampleIndices(n, no, opts.seed ^ 0x0bd1ull)) : std::vector<float>(data, data + n * d);
    rotation = randomOrthogonal(d, opts.seed ^ 0x0b0ull);
    std::vector<float> xr(no * d), y(no * d);
    std::vector<uint8_t> codes;
    for (uint32_t it = 0; it < opts.opqIterations; ++it) {
      multiplyRows(xs.data(), no, d, rotation.data(), xr.data());
      init = trainSubspaces(xr.data(), no, d, opts.M, opts.nbits, it == 0 ? 40 : 4, opts, init, nullptr);
      ProductQuantizer pq(d, opts.M, opts.nbits, init, {});
      codes.resize(no * pq.codeSize());
      pq.encodeRotated(xr.data(), no, codes.data());
      pq.decodeRotated(codes.data(), no, y.data());
      rotation = procrustes(crossProduct(xs.data(), y.data(), no, d), d);
      progress(0.8 * (it + 1) / opts.opqIterations, "opq");
    }
    done = 0.8;
    std::vector<float> rx(nx * d);
    multiplyRows(x, nx, d, rotation.data(), rx.data());
    sample.swap(rx);
    x = sample.data();
  }
  const double span = 1.0 - done;
  std::vector<float> codebook = trainSubspaces(x, nx, d, opts.M, opts.nbits, opts.iterations, opts, init, [&](uint32_t m) {
    progress(done + span * m / opts.M, "kmeans");
  });
  progress(1.0, "done");
  return ProductQuantizer(d, opts.M, opts.nbits, std::move(codebook), std::move(rotation));
}

void ProductQuantizer::rotate(const float* x, size_t n, float* out) const {
  if (rotation_.empty()) std::copy(x, x + n * d_, out);
  else multiplyRows(x, n, d_, rotation_.data(), out);
}

void ProductQuantizer::encodeRotated(const float* xr, size_t n, uint8_t* codes) const {
  const uint32_t dsub = this->dsub(), ks = ksub();
  const size_t cs = codeSize();
  std::fill(codes, codes + n * cs, uint8_t(0));
  std::vector<float> sub(n * dsub);
  std::vector<uint32_t> idx(n);
  for (uint32_t m = 0; m < M_; ++m) {
    for (size_t i = 0; i < n; ++i)
      std::copy(xr + i * d_ + size_t(m) * dsub, xr + i * d_ + size_t(m + 1) * dsub, sub.data() + i * dsub);
    CentroidSearch search(codebook_.data() + size_t(m) * ks * dsub, ks, dsub);
    search.assign(sub.data(), n, false, idx.data(), nullptr);
    for (size_t i = 0; i < n; ++i) {
      if (nbits_ == 8) codes[i * cs + m] = uint8_t(idx[i]);
      else codes[i * cs + m / 2] |= uint8_t(m % 2 ? idx[i] << 4 : idx[i]);
    }
  }
}

void ProductQuantizer::encode(const float* x, size_t n, uint8_t* codes) const {
  // Chunks bound the memory of the rotated and per-sub-space copies.
  constexpr size_t kChunk = 65536;
  std::vector<float> xr;
  for (size_t b = 0; b < n; b += kChunk) {
    const size_t e = std::min(n, b + kChunk);
    const float* src = x + b * d_;
    if (!rotation_.empty()) {
      xr.resize((e - b) * d_);
      rotate(src, e - b, xr.data());
      src = xr.data();
    }
    encodeRotated(src, e - b, codes + b * codeSize());
  }
}

void ProductQuantizer::decodeRotated(const uint8_t* codes, size_t n, float* out) const {
  const uint32_t dsub = this->dsub(), ks = ksub();
  const size_t cs = codeSize();
  parallelFor(n, 1024, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i)
      for (uint32_t m = 0; m < M_; ++m) {
        const float* c = codebook_.data() + (size_t(m) * ks + codeAt(codes + i * cs, m)) * dsub;
        std::copy(c, c + dsub, out + i * d_ + size_t(m) * dsub);
      }
  });
}

void ProductQuantizer::decode(const uint8_t* codes, size_t n, float* out) const {
  decodeRotated(codes, n, out);
  if (rotation_.empty()) return;
  // x = x' · Rᵀ (R orthogonal): transpose once, then the same row product.
  std::vector<float> rt(size_t(d_) * d_);
  for (uint32_t i = 0; i < d_; ++i)
    for (uint32_t j = 0; j < d_; ++j) rt[size_t(j) * d_ + i] = rotation_[size_t(i) * d_ + j];
  std::vector<float> tmp(out, out + n * d_);
  multiplyRows(tmp.data(), n, d_, rt.data(), out);
}

double ProductQuantizer::reconstructionError(const float* x, size_t n) const {
  std::vector<uint8_t> codes(n * codeSize());
  std::vector<float> y(n * d_);
  encode(x, n, codes.data());
  decode(codes.data(), n, y.data());
  double s = 0;
  for (size_t i = 0; i < n * d_; ++i) s += double(x[i] - y[i]) * double(x[i] - y[i]);
  return n ? s / double(n) : 0.0;
}

void ProductQuantizer::computeLutRotated(const float* q, Metric metric, float* lut) const {
  const uint32_t dsub = this->dsub(), ks = ksub();
  for (uint32_t m = 0; m < M_; ++m) {
    const float* qm = q + size_t(m) * dsub;
    for (uint32_t j = 0; j < ks; ++j) {
      const float* c = codebook_.data() + (size_t(m) * ks + j) * dsub;
      float s = 0.f;
      if (metric == Metric::InnerProduct)
        for (uint32_t t = 0; t < dsub; ++t) s += qm[t] * c[t];
      else
        for (uint32_t t = 0; t < dsub; ++t) s += (qm[t] - c[t]) * (qm[t] - c[t]);
      lut[size_t(m) * ks + j] = s;
    }
  }
}

void ProductQuantizer::computeLut(const float* query, Metric metric, float* lut) const {
  if (rotation_.empty()) return computeLutRotated(query, metric, lut);
  std::vector<float> qr(d_);
  rotate(query, 1, qr.data());
  computeLutRotated(qr.data(), metric, lut);
}

void ProductQuantizer::save(const std::string& path) const {
  FileWriter w(path, kPqKind, kPqVersion);
  w.pod<uint32_t>(d_);
  w.pod<uint32_t>(M_);
  w.pod<uint32_t>(nbits_);
  w.pod<uint32_t>(rotation_.empty() ? 0u : 1u);
  w.vec(codebook_);
  w.vec(rotation_);
  w.commit();
}

ProductQuantizer ProductQuantizer::load(const std::string& path) {
  auto r = FileReader::open(path, kPqKind, kPqVersion);
  const uint32_t d = r->pod<uint32_t>(), M = r->pod<uint32_t>(), nbits = r->pod<uint32_t>(), hasRot = r->pod<uint32_t>();
  if (d == 0 || d > 65536 || M == 0 || d % M != 0 || (nbits != 4 && nbits != 8) || hasRot > 1)
    r->corrupt("bad PQ shape");
  std::vector<float> codebook = r->vec<float>(size_t(d) << nbits);
  std::vector<float> rotation = r->vec<float>(size_t(d) * d);
  r->expectEnd();
  if (codebook.size() != size_t(d) << nbits) r->corrupt("PQ codebook size does not match its shape");
  if (rotation.size() != (hasRot ? size_t(d) * d : 0)) r->corrupt("PQ rotation size does not match its shape");
  for (float v : codebook) if (!std::isfinite(v)) r->corrupt("PQ codebook holds a non-finite value");
  for (float v : rotation) if (!std::isfinite(v)) r->corrupt("PQ rotation holds a non-finite value");
  return ProductQuantizer(d, M, nbits, std::move(codebook), std::move(rotation));
}

namespace {

// Σ_m LUT[m][code_m] for vectors [b, e) of one query.
void scanAdc(const ProductQuantizer& pq, const float* lut, const uint8_t* codes, size_t b, size_t e, float* out) {
  const uint32_t M = pq.M();
  const size_t cs = pq.codeSize();
  if (pq.nbits() == 8) {
    for (size_t i = b; i < e; ++i) {
      const uint8_t* c = codes + i * cs;
      float s = 0.f;
      for (uint32_t m = 0; m < M; ++m) s += lut[size_t(m) * 256 + c[m]];
      out[i] = s;
    }
  } else {
    for (size_t i = b; i < e; ++i) {
      const uint8_t* c = codes + i * cs;
      float s = 0.f;
      for (uint32_t m = 0; m < M; ++m) s += lut[size_t(m) * 16 + (m % 2 ? c[m / 2] >> 4 : c[m / 2] & 15)];
      out[i] = s;
    }
  }
}

}  // namespace

void adcScores(const ProductQuantizer& pq, const float* queries, size_t nq, const uint8_t* codes, size_t n, Metric metric,
               float* scores) {
  const uint32_t d = pq.dim();
  const size_t lutSize = size_t(pq.M()) * pq.ksub();
  std::vector<float> luts(nq * lutSize);
  for (size_t q = 0; q < nq; ++q) pq.computeLut(queries + q * d, metric, luts.data() + q * lutSize);
  constexpr size_t kChunk = 8192;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  parallelFor(nq * chunks, 1, [&](size_t b, size_t e) {
    for (size_t t = b; t < e; ++t) {
      const size_t q = t / chunks, c = t % chunks;
      scanAdc(pq, luts.data() + q * lutSize, codes, c * kChunk, std::min(n, (c + 1) * kChunk), scores + q * n);
    }
  });
}

size_t adcSearch(const ProductQuantizer& pq, const float* queries, size_t nq, const uint8_t* codes, size_t n, size_t k,
                 Metric metric, uint32_t* outIndex, float* outScore) {
  const size_t kk = std::min(k, n);
  constexpr size_t kBatch = 16;  // queries scored per pass: bounds the score buffer
  std::vector<float> scores(std::min(nq, kBatch) * n);
  for (size_t q0 = 0; q0 < nq; q0 += kBatch) {
    const size_t bq = std::min(kBatch, nq - q0);
    adcScores(pq, queries + q0 * pq.dim(), bq, codes, n, metric, scores.data());
    parallelFor(bq, 1, [&](size_t b, size_t e) {
      for (size_t q = b; q < e; ++q) {
        float* s = scores.data() + q * n;
        if (metric == Metric::L2) for (size_t i = 0; i < n; ++i) s[i] = -s[i];
        uint32_t* oi = outIndex + (q0 + q) * kk;
        float* os = outScore + (q0 + q) * kk;
        selectTopK(s, n, kk, oi, os);
        if (metric == Metric::L2) for (size_t i = 0; i < kk; ++i) os[i] = -os[i];
      }
    });
  }
  return kk;
}

}  // namespace maxsim::quant
