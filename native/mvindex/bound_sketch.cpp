#include "bound_sketch.h"

#include <algorithm>
#include <cmath>

#include "../kernels/kernels.h"

namespace maxsim::mvindex {

QueryBound QueryBound::of(const float* query, uint32_t nq, uint32_t dim) {
  QueryBound b;
  std::vector<int8_t> codes(dim);
  for (uint32_t i = 0; i < nq; ++i) {
    const float* q = query + size_t(i) * dim;
    float scale = 0;
    // The very quantization the int8 kernels' prepare() applies to query rows.
    quantizeInt8Row(q, dim, codes.data(), &scale);
    double qq = 0, rr = 0, nn = 0;
    for (uint32_t c = 0; c < dim; ++c) {
      const double v = double(codes[c]) * double(scale);
      qq += v * v;
      rr += (double(q[c]) - v) * (double(q[c]) - v);
      nn += double(q[c]) * q[c];
    }
    b.quantizedNormSum += std::sqrt(qq);
    b.residualNormSum += std::sqrt(rr);
    b.normSum += std::sqrt(nn);
  }
  // Float roundings that can pile up in one score: a dot product's dim terms, the nq-term
  // sum, and a few conversions and scalings; counted generously.
  b.roundingUnits = double(dim) + double(nq) + 16.0;
  return b;
}

float QueryBound::margin(const DocBound& d) const {
  const double E = d.maxResidual, N = d.maxNorm;
  const double quantization = quantizedNormSum * E + residualNormSum * N;
  // Unit roundoff 2^-24 for round-to-nearest, doubled for safety; scaled by the largest
  // magnitude either kernel's terms can have.
  const double rounding = roundingUnits * std::ldexp(1.0, -23) * (quantizedNormSum * (N + E) + normSum * N);
  // Rounded up so the float interval still contains the exact one.
  return static_cast<float>((quantization + rounding) * (1.0 + 1e-6));
}

DocBound BoundSketch::encode(const TokenRange& r, const float* rows) {
  DocBound out;
  out.range = r;
  if (r.count == 0) return out;
  const uint32_t dim = store_->dim();
  store_->encode(r, rows);
  thread_local std::vector<float> decoded;
  decoded.resize(size_t(r.count) * dim);
  store_->decode(r, decoded.data());
  double maxRes = 0, maxNorm = 0;
  for (uint32_t j = 0; j < r.count; ++j) {
    const float* x = rows + size_t(j) * dim;
    const float* y = decoded.data() + size_t(j) * dim;
    double res = 0, norm = 0;
    for (uint32_t c = 0; c < dim; ++c) {
      res += (double(x[c]) - y[c]) * (double(x[c]) - y[c]);
      norm += double(x[c]) * x[c];
    }
    maxRes = std::max(maxRes, res);
    maxNorm = std::max(maxNorm, norm);
  }
  // Rounded up: the bound must not shrink in the conversion to float.
  out.maxResidual = static_cast<float>(std::sqrt(maxRes) * (1.0 + 1e-6));
  out.maxNorm = static_cast<float>(std::sqrt(maxNorm) * (1.0 + 1e-6));
  return out;
}

void BoundSketch::compact(const std::vector<uint32_t>& keep) {
  auto fresh = std::make_unique<Int8TokenStore>(store_->dim());
  std::vector<DocBound> docs(keep.size());
  for (size_t i = 0; i < keep.size(); ++i) {
    docs[i] = docs_[keep[i]];
    docs[i].range = fresh->reserve(docs_[keep[i]].range.count);
    fresh->copyFrom(*store_, docs_[keep[i]].range, docs[i].range);
  }
  store_ = std::move(fresh);
  docs_ = std::move(docs);
}

size_t BoundSketch::bytes() const {
  return static_cast<size_t>(std::llround(double(store_->rows()) * store_->bytesPerToken())) +
         docs_.capacity() * sizeof(DocBound);
}

std::vector<uint32_t> survivingPositions(const BoundSketch& sketch, const QueryBound& q, const uint32_t* slots,
                                         const float* sketchScores, size_t n, size_t k) {
  std::vector<uint32_t> out;
  if (n <= k) {
    out.resize(n);
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint32_t>(i);
    return out;
  }
  // Bounds in double: the float sketch score widened by the margin loses nothing to rounding.
  std::vector<double> lower(n), upper(n);
  for (size_t i = 0; i < n; ++i) {
    const double m = q.margin(sketch.doc(slots[i]));
    lower[i] = double(sketchScores[i]) - m;  // an empty document: -inf on both sides
    upper[i] = double(sketchScores[i]) + m;
  }
  std::vector<double> kth(lower);
  std::nth_element(kth.begin(), kth.begin() + (k - 1), kth.end(), [](double a, double b) { return a > b; });
  const double threshold = kth[k - 1];
  for (size_t i = 0; i < n; ++i)
    if (upper[i] >= threshold) out.push_back(static_cast<uint32_t>(i));
  return out;
}

}  // namespace maxsim::mvindex
