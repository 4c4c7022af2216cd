#include "residual_codec.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../core/error.h"
#include "../core/file_format.h"
#include "../core/thread_pool.h"
#include "../kernels/kernels.h"
#include "../scoring/token_matrix.h"
#include "../scoring/topk.h"
#include "kmeans.h"
#include "quant_kernels.h"
#include "random.h"

namespace maxsim::quant {
namespace {

constexpr char kResidualKind[4] = {'R', 'E', 'S', 'C'};
constexpr uint32_t kResidualVersion = 1;

void checkNbits(uint32_t nbits) {
  if (nbits != 1 && nbits != 2 && nbits != 4)
    throw Error(codes::kInvalidArgument, "residual codec: nbits must be 1, 2 or 4, got " + std::to_string(nbits));
}

// Linear interpolation between order statistics, as numpy/torch quantile do.
float quantile(const std::vector<float>& sorted, double p) {
  const double pos = p * double(sorted.size() - 1);
  const size_t lo = size_t(std::floor(pos));
  const size_t hi = std::min(sorted.size() - 1, lo + 1);
  const double f = pos - double(lo);
  return float(double(sorted[lo]) * (1 - f) + double(sorted[hi]) * f);
}

}  // namespace

ResidualCodec::ResidualCodec(uint32_t dim, uint32_t nbits, std::vector<float> centroids, std::vector<float> cutoffs,
                             std::vector<float> weights)
    : dim_(dim), nbits_(nbits), centroids_(std::move(centroids)), cutoffs_(std::move(cutoffs)), weights_(std::move(weights)) {
  checkNbits(nbits);
  if (dim == 0) throw Error(codes::kInvalidArgument, "residual codec: dim must be at least 1");
  if (centroids_.empty() || centroids_.size() % dim != 0)
    throw Error(codes::kInvalidArgument, "residual codec: centroids must be (C, dim) with C >= 1");
  if (cutoffs_.size() != (1u << nbits) - 1 || weights_.size() != (1u << nbits))
    throw Error(codes::kInvalidArgument, "residual codec: cutoffs/weights have the wrong size");
}

ResidualCodec ResidualCodec::train(const float* data, size_t n, uint32_t dim, const ResidualTrainOptions& opts) {
  checkNbits(opts.nbits);
  if (dim == 0) throw Error(codes::kInvalidArgument, "residual codec: dim must be at least 1");
  if (n == 0) throw Error(codes::kInvalidArgument, "residual codec training needs at least one point");
  checkFinite(data, n * dim, "training data");
  uint32_t C = opts.ncentroids;
  if (C == 0) {
    const double target = 16.0 * std::sqrt(double(n));
    C = 1u << uint32_t(std::floor(std::log2(std::max(1.0, target))));
    while (C > n) C >>= 1;  // the automatic size never asks for more centroids than points
  }
  auto progress = [&](double f, const char* s) { if (opts.onProgress) opts.onProgress(f, s); };
  KMeansOptions ko;
  ko.k = C;
  ko.iterations = opts.iterations;
  ko.seed = opts.seed;
  ko.maxPointsPerCentroid = opts.maxPointsPerCentroid;
  ko.spherical = true;
  ko.allowFewer = opts.allowFewer;
  ko.onIteration = [&](uint32_t it, uint32_t total) { progress(0.9 * it / std::max(1u, total), "kmeans"); };
  KMeansResult km = kmeans(data, n, dim, ko);

  // Pooled residual quantiles over a sample of tokens (drawn from their own stream; when the
  // set is small it overlaps the k-means sample, which is then the best estimate available).
  const size_t ns = std::min<size_t>(n, std::max<uint32_t>(1, opts.quantileSample));
  std::vector<uint32_t> idx = sampleIndices(n, ns, opts.seed ^ 0x7e51dull);
  std::vector<float> xs(ns * dim);
  for (size_t i = 0; i < ns; ++i) std::copy(data + size_t(idx[i]) * dim, data + size_t(idx[i] + 1) * dim, xs.data() + i * dim);
  std::vector<uint32_t> a(ns);
  CentroidSearch(km.centroids.data(), km.k, dim).assign(xs.data(), ns, true, a.data(), nullptr);
  std::vector<float> pooled(ns * dim);
  for (size_t i = 0; i < ns; ++i)
    for (uint32_t k = 0; k < dim; ++k) pooled[i * dim + k] = xs[i * dim + k] - km.centroids[size_t(a[i]) * dim + k];
  std::sort(pooled.begin(), pooled.end());
  const uint32_t B = 1u << opts.nbits;
  std::vector<float> cutoffs(B - 1), weights(B);
  for (uint32_t i = 1; i < B; ++i) cutoffs[i - 1] = quantile(pooled, double(i) / B);
  for (uint32_t i = 0; i < B; ++i) weights[i] = quantile(pooled, (i + 0.5) / B);
  progress(1.0, "done");
  return ResidualCodec(dim, opts.nbits, std::move(km.centroids), std::move(cutoffs), std::move(weights));
}

void ResidualCodec::encode(const float* x, size_t n, uint32_t* ids, uint8_t* residuals) const {
  CentroidSearch(centroids_.data(), ncentroids(), dim_).assign(x, n, true, ids, nullptr);
  const size_t rb = residualBytes();
  parallelFor(n, 256, [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) {
      uint8_t* out = residuals + i * rb;
      std::fill(out, out + rb, uint8_t(0));
      const float* c = centroids_.data() + size_t(ids[i]) * dim_;
      for (uint32_t k = 0; k < dim_; ++k) {
        const float r = x[i * dim_ + k] - c[k];
        const uint32_t bucket = uint32_t(std::upper_bound(cutoffs_.begin(), cutoffs_.end(), r) - cutoffs_.begin());
        const size_t bit = size_t(k) * nbits_;
        out[bit / 8] |= uint8_t(bucket << (bit % 8));
      }
    }
  });
}

void ResidualCodec::checkIds(const uint32_t* ids, size_t n) const {
  const uint32_t C = ncentroids();
  for (size_t i = 0; i < n; ++i)
    if (ids[i] >= C)
      throw Error(codes::kInvalidArgument, "centroid id " + std::to_string(ids[i]) + " at token " + std::to_string(i) +
                                               " is out of range (the codec has " + std::to_string(C) + " centroids)");
}

void ResidualCodec::decodeUnchecked(const uint32_t* ids, const uint8_t* residuals, size_t n, float* out) const {
  const size_t rb = residualBytes();
  const uint32_t mask = (1u << nbits_) - 1;
  for (size_t i = 0; i < n; ++i) {
    const float* c = centroids_.data() + size_t(ids[i]) * dim_;
    const uint8_t* r = residuals + i * rb;
    for (uint32_t k = 0; k < dim_; ++k) {
      const size_t bit = size_t(k) * nbits_;
      out[i * dim_ + k] = c[k] + weights_[(r[bit / 8] >> (bit % 8)) & mask];
    }
  }
}

void ResidualCodec::decode(const uint32_t* ids, const uint8_t* residuals, size_t n, float* out) const {
  checkIds(ids, n);
  const size_t rb = residualBytes();
  parallelFor(n, 256, [&](size_t b, size_t e) { decodeUnchecked(ids + b, residuals + b * rb, e - b, out + b * dim_); });
}

void ResidualCodec::save(const std::string& path) const {
  FileWriter w(path, kResidualKind, kResidualVersion);
  w.pod<uint32_t>(dim_);
  w.pod<uint32_t>(nbits_);
  w.vec(centroids_);
  w.vec(cutoffs_);
  w.vec(weights_);
  w.commit();
}

ResidualCodec ResidualCodec::load(const std::string& path) {
  auto r = FileReader::open(path, kResidualKind, kResidualVersion);
  const uint32_t dim = r->pod<uint32_t>(), nbits = r->pod<uint32_t>();
  if (dim == 0 || dim > 65536 || (nbits != 1 && nbits != 2 && nbits != 4)) r->corrupt("bad residual codec shape");
  std::vector<float> centroids = r->vec<float>();
  std::vector<float> cutoffs = r->vec<float>(15);
  std::vector<float> weights = r->vec<float>(16);
  r->expectEnd();
  if (centroids.empty() || centroids.size() % dim != 0) r->corrupt("residual codec centroids do not match dim");
  if (cutoffs.size() != (1u << nbits) - 1 || weights.size() != (1u << nbits)) r->corrupt("residual codec tables do not match nbits");
  for (const auto* v : {&centroids, &cutoffs, &weights})
    for (float f : *v) if (!std::isfinite(f)) r->corrupt("residual codec holds a non-finite value");
  for (size_t i = 1; i < cutoffs.size(); ++i) if (cutoffs[i] < cutoffs[i - 1]) r->corrupt("residual cutoffs are not sorted");
  return ResidualCodec(dim, nbits, std::move(centroids), std::move(cutoffs), std::move(weights));
}

ResidualMaxsimQuery::ResidualMaxsimQuery(const ResidualCodec& codec, const float* query, uint32_t nq) {
  if (nq == 0) throw Error(codes::kEmptyQuery, "query has no tokens");
  const uint32_t dim = codec.dim(), nbits = codec.nbits(), C = codec.ncentroids();
  checkFinite(query, size_t(nq) * dim, "query");
  lut_.nbytes = uint32_t(codec.residualBytes());
  lut_.nq = nq;
  lut_.qpad = padQueryRows(nq);
  const uint32_t qpad = lut_.qpad;
  centroidScores_.assign(size_t(C) * qpad, 0.f);
  const KernelTable& k = activeKernels();
  parallelFor(C, 64, [&](size_t b, size_t e) {
    for (size_t c = b; c < e; ++c)
      for (uint32_t i = 0; i < nq; ++i)
        centroidScores_[c * qpad + i] = k.dotF32(query + size_t(i) * dim, codec.centroids().data() + c * dim, dim);
  });
  // T[i][dim][bucket] = q_i,dim · w_bucket, then summed per residual byte.
  const uint32_t B = 1u << nbits, dimsPerByte = 8 / nbits;
  const auto& w = codec.weights();
  std::vector<float> t(size_t(dim) * B * qpad, 0.f);  // layout: (dim, B, qpad)
  for (uint32_t kdim = 0; kdim < dim; ++kdim)
    for (uint32_t bk = 0; bk < B; ++bk)
      for (uint32_t i = 0; i < nq; ++i) t[(size_t(kdim) * B + bk) * qpad + i] = query[size_t(i) * dim + kdim] * w[bk];
  lut_.table.assign(size_t(lut_.nbytes) * 256 * qpad, 0.f);
  for (uint32_t byte = 0; byte < lut_.nbytes; ++byte)
    for (uint32_t v = 0; v < 256; ++v) {
      float* row = lut_.table.data() + (size_t(byte) * 256 + v) * qpad;
      for (uint32_t s = 0; s < dimsPerByte; ++s) {
        const uint32_t kdim = byte * dimsPerByte + s;
        if (kdim >= dim) break;
        const uint32_t bk = (v >> (s * nbits)) & (B - 1);
        const float* src = t.data() + (size_t(kdim) * B + bk) * qpad;
        for (uint32_t i = 0; i < qpad; ++i) row[i] += src[i];
      }
    }
}

float ResidualMaxsimQuery::score(const uint32_t* ids, const uint8_t* residuals, uint32_t ntok) const {
  return activeQuantKernels().lutMaxsim(lut_.table.data(), lut_.nbytes, lut_.qpad, lut_.nq, residuals, ntok,
                                        centroidScores_.data(), ids);
}

void residualMaxsimBatch(const ResidualCodec& codec, const float* query, uint32_t nq, const uint32_t* ids,
                         const uint8_t* residuals, const uint32_t* offsets, size_t ndocs, ResidualMaxsimMode mode,
                         float* out) {
  const size_t ntok = offsets[ndocs];
  codec.checkIds(ids, ntok);
  if (mode == ResidualMaxsimMode::Tables) {
    ResidualMaxsimQuery q(codec, query, nq);
    byteLutMaxsimBatch(q.lut(), residuals, offsets, ndocs, q.centroidScores(), ids, out);
    return;
  }
  if (nq == 0) throw Error(codes::kEmptyQuery, "query has no tokens");
  const uint32_t dim = codec.dim();
  checkFinite(query, size_t(nq) * dim, "query");
  const KernelTable& k = activeKernels();
  PreparedQuery pq;
  k.prepare[int(ElementType::F32)](query, nq, dim, pq);
  pq.type = ElementType::F32;
  const size_t rb = codec.residualBytes();
  const size_t grain = std::max<size_t>(1, std::min<size_t>(64, ndocs / (size_t(threadCount()) * 16)));
  parallelFor(ndocs, grain, [&](size_t b, size_t e) {
    std::vector<float> buf;
    for (size_t d = b; d < e; ++d) {
      const uint32_t tb = offsets[d], te = offsets[d + 1];
      buf.resize(size_t(te - tb) * dim);
      codec.decodeUnchecked(ids + tb, residuals + size_t(tb) * rb, te - tb, buf.data());
      bool nonFinite = false;
      out[d] = k.score[int(ElementType::F32)](pq, buf.data(), nullptr, te - tb, &nonFinite);
    }
  });
}

size_t residualMaxsimTopK(const ResidualCodec& codec, const float* query, uint32_t nq, const uint32_t* ids,
                          const uint8_t* residuals, const uint32_t* offsets, size_t ndocs, size_t k,
                          ResidualMaxsimMode mode, uint32_t* outIndex, float* outScore) {
  std::vector<float> scores(ndocs);
  residualMaxsimBatch(codec, query, nq, ids, residuals, offsets, ndocs, mode, scores.data());
  return selectTopK(scores.data(), ndocs, k, outIndex, outScore);
}

}  // namespace maxsim::quant
