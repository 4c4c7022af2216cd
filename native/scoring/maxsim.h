// Exact MaxSim: score(Q, D) = sum_i max_j <q_i, d_j>, run through the dispatched kernels and
// spread over the thread pool by documents.
#pragma once
#include <cstddef>
#include <cstdint>

#include "token_matrix.h"

namespace maxsim {

// One f32 query (nq x dim, row-major) against one document (all rows of `doc`).
float maxsimOne(const float* query, uint32_t nq, const TokenMatrix& doc);

// One query against ndocs documents; document d is rows offsets[d]..offsets[d+1]. out[ndocs].
void maxsimBatch(const float* query, uint32_t nq, const TokenMatrix& docs, const uint32_t* offsets,
                 size_t ndocs, float* out);

// nqueries queries (query q is rows queryOffsets[q]..queryOffsets[q+1] of `queries`) against
// ndocs documents. out is (nqueries, ndocs) row-major.
void maxsimMatrix(const float* queries, const uint32_t* queryOffsets, size_t nqueries, uint32_t dim,
                  const TokenMatrix& docs, const uint32_t* offsets, size_t ndocs, float* out);

// maxsimBatch followed by exact top-k. Writes min(k, ndocs) entries; returns the count.
size_t maxsimTopK(const float* query, uint32_t nq, const TokenMatrix& docs, const uint32_t* offsets,
                  size_t ndocs, size_t k, uint32_t* outIndex, float* outScore);

}  // namespace maxsim
