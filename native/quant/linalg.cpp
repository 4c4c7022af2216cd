#include "linalg.h"

#include <algorithm>
#include <cmath>

#include "../core/thread_pool.h"
#include "random.h"

namespace maxsim::quant {

void multiplyRows(const float* x, size_t n, uint32_t d, const float* r, float* out) {
  parallelFor(n, 64, [&](size_t b, size_t e) {
    std::vector<double> acc(d);
    for (size_t i = b; i < e; ++i) {
      std::fill(acc.begin(), acc.end(), 0.0);
      const float* xi = x + i * d;
      for (uint32_t k = 0; k < d; ++k) {
        const double v = xi[k];
        const float* rk = r + size_t(k) * d;
        for (uint32_t j = 0; j < d; ++j) acc[j] += v * rk[j];
      }
      for (uint32_t j = 0; j < d; ++j) out[i * d + j] = float(acc[j]);
    }
  });
}

std::vector<double> crossProduct(const float* a, const float* b, size_t n, uint32_t d) {
  constexpr size_t kChunk = 4096;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  std::vector<std::vector<double>> partial(chunks);
  parallelFor(chunks, 1, [&](size_t c0, size_t c1) {
    for (size_t c = c0; c < c1; ++c) {
      std::vector<double> m(size_t(d) * d, 0.0);
      const size_t e = std::min(n, (c + 1) * kChunk);
      for (size_t i = c * kChunk; i < e; ++i) {
        const float* ai = a + i * d;
        const float* bi = b + i * d;
        for (uint32_t p = 0; p < d; ++p) {
          const double v = ai[p];
          double* row = m.data() + size_t(p) * d;
          for (uint32_t q = 0; q < d; ++q) row[q] += v * bi[q];
        }
      }
      partial[c] = std::move(m);
    }
  });
  std::vector<double> out(size_t(d) * d, 0.0);
  for (const auto& m : partial)
    for (size_t i = 0; i < out.size(); ++i) out[i] += m[i];
  return out;
}

namespace {

// Makes the columns of a column-major (d, d) matrix orthonormal in place (modified
// Gram-Schmidt); a column that comes out (near) zero is replaced by a unit vector orthogonal
// to the previous ones, so the result is always orthogonal.
void orthonormalizeColumns(std::vector<double>& colMajor, uint32_t d) {
  for (uint32_t j = 0; j < d; ++j) {
    double* cj = colMajor.data() + size_t(j) * d;
    for (int attempt = 0; attempt <= int(d); ++attempt) {
      for (uint32_t i = 0; i < j; ++i) {
        const double* ci = colMajor.data() + size_t(i) * d;
        double dot = 0;
        for (uint32_t t = 0; t < d; ++t) dot += ci[t] * cj[t];
        for (uint32_t t = 0; t < d; ++t) cj[t] -= dot * ci[t];
      }
      double nrm = 0;
      for (uint32_t t = 0; t < d; ++t) nrm += cj[t] * cj[t];
      nrm = std::sqrt(nrm);
      if (nrm > 1e-10) {
        for (uint32_t t = 0; t < d; ++t) cj[t] /= nrm;
        break;
      }
      for (uint32_t t = 0; t < d; ++t) cj[t] = (t == uint32_t(attempt) % d) ? 1.0 : 0.0;
    }
  }
}

}  // namespace

std::vector<float> randomOrthogonal(uint32_t d, uint64_t seed) {
  Rng rng(seed);
  std::vector<double> g(size_t(d) * d);
  for (auto& v : g) v = rng.gaussian();
  orthonormalizeColumns(g, d);  // g is read as column-major; its transpose is as random
  std::vector<float> r(size_t(d) * d);
  for (uint32_t i = 0; i < d; ++i)
    for (uint32_t j = 0; j < d; ++j) r[size_t(i) * d + j] = float(g[size_t(j) * d + i]);
  return r;
}

void jacobiSvd(const std::vector<double>& a, uint32_t d, std::vector<double>& u, std::vector<double>& s,
               std::vector<double>& v) {
  // Work on columns: w (column-major) starts as a, and rotations that orthogonalise pairs of
  // its columns are applied to v as well, so that a·v = w throughout.
  std::vector<double> w(size_t(d) * d), vc(size_t(d) * d, 0.0);
  for (uint32_t i = 0; i < d; ++i)
    for (uint32_t j = 0; j < d; ++j) w[size_t(j) * d + i] = a[size_t(i) * d + j];
  for (uint32_t j = 0; j < d; ++j) vc[size_t(j) * d + j] = 1.0;
  for (int sweep = 0; sweep < 60; ++sweep) {
    bool rotated = false;
    for (uint32_t p = 0; p + 1 < d; ++p) {
      double* wp = w.data() + size_t(p) * d;
      double* vp = vc.data() + size_t(p) * d;
      for (uint32_t q = p + 1; q < d; ++q) {
        double* wq = w.data() + size_t(q) * d;
        double alpha = 0, beta = 0, gamma = 0;
        for (uint32_t t = 0; t < d; ++t) {
          alpha += wp[t] * wp[t];
          beta += wq[t] * wq[t];
          gamma += wp[t] * wq[t];
        }
        if (std::fabs(gamma) <= 1e-12 * std::sqrt(alpha * beta) || gamma == 0) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (std::fabs(zeta) + std::sqrt(1 + zeta * zeta));
        const double c = 1 / std::sqrt(1 + t * t), sn = c * t;
        double* vq = vc.data() + size_t(q) * d;
        for (uint32_t k = 0; k < d; ++k) {
          const double x = wp[k], y = wq[k];
          wp[k] = c * x - sn * y;
          wq[k] = sn * x + c * y;
          const double vx = vp[k], vy = vq[k];
          vp[k] = c * vx - sn * vy;
          vq[k] = sn * vx + c * vy;
        }
      }
    }
    if (!rotated) break;
  }
  s.assign(d, 0.0);
  for (uint32_t j = 0; j < d; ++j) {
    double n = 0;
    for (uint32_t t = 0; t < d; ++t) n += w[size_t(j) * d + t] * w[size_t(j) * d + t];
    s[j] = std::sqrt(n);
  }
  const double smax = *std::max_element(s.begin(), s.end());
  for (uint32_t j = 0; j < d; ++j) {
    double* wj = w.data() + size_t(j) * d;
    if (s[j] > 1e-12 * smax && s[j] > 0)
      for (uint32_t t = 0; t < d; ++t) wj[t] /= s[j];
    else
      for (uint32_t t = 0; t < d; ++t) wj[t] = 0.0;  // completed below
  }
  orthonormalizeColumns(w, d);  // fills the columns of zero singular values
  u.assign(size_t(d) * d, 0.0);
  v.assign(size_t(d) * d, 0.0);
  for (uint32_t i = 0; i < d; ++i)
    for (uint32_t j = 0; j < d; ++j) {
      u[size_t(i) * d + j] = w[size_t(j) * d + i];
      v[size_t(i) * d + j] = vc[size_t(j) * d + i];
    }
}

std::vector<float> procrustes(const std::vector<double>& m, uint32_t d) {
  std::vector<double> u, s, v;
  jacobiSvd(m, d, u, s, v);
  std::vector<float> r(size_t(d) * d);
  for (uint32_t i = 0; i < d; ++i)
    for (uint32_t j = 0; j < d; ++j) {
      double acc = 0;
      for (uint32_t t = 0; t < d; ++t) acc += u[size_t(i) * d + t] * v[size_t(j) * d + t];
      r[size_t(i) * d + j] = float(acc);
    }
  return r;
}

}  // namespace maxsim::quant
