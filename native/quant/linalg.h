// The little dense linear algebra OPQ needs, in double precision: products of tall matrices,
// a random orthogonal matrix, and orthogonal Procrustes through a one-sided Jacobi SVD.
// Matrices are row-major unless a name says otherwise.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace maxsim::quant {

// out (n, d) = x (n, d) · r (d, d), in parallel over rows. out must not alias x.
void multiplyRows(const float* x, size_t n, uint32_t d, const float* r, float* out);

// (d, d) = aᵀ · b for a, b of shape (n, d), in double. Partial sums over fixed chunks of 4096
// rows are added in chunk order, so the result does not depend on the thread count.
std::vector<double> crossProduct(const float* a, const float* b, size_t n, uint32_t d);

// A uniformly random orthogonal (d, d) matrix (Gram-Schmidt on a Gaussian matrix).
std::vector<float> randomOrthogonal(uint32_t d, uint64_t seed);

// SVD of a square (d, d) matrix by one-sided Jacobi (Hestenes): a = u · diag(s) · vᵀ, with
// u and v orthogonal (row-major), s descending is not guaranteed. Sweeps until every column
// pair is orthogonal to 1e-12 relative, at most 60 sweeps.
void jacobiSvd(const std::vector<double>& a, uint32_t d, std::vector<double>& u, std::vector<double>& s,
               std::vector<double>& v);

// The orthogonal r minimising ‖x·r − y‖_F given m = xᵀ·y: r = u·vᵀ from the SVD of m.
std::vector<float> procrustes(const std::vector<double>& m, uint32_t d);

}  // namespace maxsim::quant
