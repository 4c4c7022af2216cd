#include "maxsim.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "../core/error.h"
#include "../core/finite.h"
#include "../core/thread_pool.h"
#include "topk.h"

namespace maxsim {

void checkOffsets(const uint32_t* offsets, size_t count, size_t rows, const char* what) {
  if (count == 0) throw Error(codes::kBadOffsets, std::string(what) + " must have at least one entry (0)");
  if (offsets[0] != 0) throw Error(codes::kBadOffsets, std::string(what) + "[0] must be 0");
  for (size_t i = 1; i < count; ++i) {
    if (offsets[i] < offsets[i - 1])
      throw Error(codes::kBadOffsets, std::string(what) + " must be non-decreasing, but " + what + "[" +
                                          std::to_string(i) + "] = " + std::to_string(offsets[i]) + " < " +
                                          std::to_string(offsets[i - 1]));
  }
  if (offsets[count - 1] != rows)
    throw Error(codes::kBadOffsets, std::string(what) + " must end at the token count " + std::to_string(rows) +
                                        ", but ends at " + std::to_string(offsets[count - 1]));
}

void checkFinite(const float* v, size_t n, const char* what) {
  const size_t i = firstNonFinite(v, n);
  if (i != n) throw Error(codes::kNonFinite, std::string(what) + " contains NaN or Infinity at element " + std::to_string(i));
}

void checkScales(const TokenMatrix& m, const char* what) {
  if (m.type != ElementType::Int8) return;
  for (size_t i = 0; i < m.rows; ++i)
    if (!(m.scales[i] >= 0.f) || !std::isfinite(m.scales[i]))
      throw Error(codes::kNonFinite, std::string(what) + " scales must be finite and >= 0, but scale " +
                                         std::to_string(i) + " is " + std::to_string(m.scales[i]));
}

namespace {

void prepare(const KernelTable& k, const float* q, uint32_t nq, uint32_t dim, ElementType t, PreparedQuery& out) {
  if (nq == 0) throw Error(codes::kEmptyQuery, "query has no tokens");
  checkFinite(q, size_t(nq) * dim, "query");
  k.prepare[int(t)](q, nq, dim, out);
  out.type = t;
}

inline float scoreDoc(const KernelTable& k, const PreparedQuery& q, const TokenMatrix& docs, uint32_t begin,
                      uint32_t end, bool* nonFinite) {
  const float* sc = docs.type == ElementType::Int8 ? docs.scales + begin : nullptr;
  return k.score[int(docs.type)](q, docs.row(begin), sc, end - begin, nonFinite);
}

[[noreturn]] void throwNonFiniteDoc(size_t d) {
  throw Error(codes::kNonFinite, "document " + std::to_string(d) +
                                     "'s MaxSim score came out NaN or infinite: the documents contain NaN or Infinity, "
                                     "or their products with the query overflow f32");
}

// Documents per chunk: enough work to amortise the atomic claim, small enough to balance.
size_t grainFor(size_t ndocs) {
  const size_t threads = static_cast<size_t>(threadCount());
  size_t g = ndocs / (threads * 16);
  return g < 1 ? 1 : (g > 256 ? 256 : g);
}

}  // namespace

float maxsimOne(const float* query, uint32_t nq, const TokenMatrix& doc) {
  const KernelTable& k = activeKernels();
  checkScales(doc, "document");
  PreparedQuery q;
  prepare(k, query, nq, doc.dim, doc.type, q);
  bool nonFinite = false;
  const float s = k.score[int(doc.type)](q, doc.data, doc.scales, static_cast<uint32_t>(doc.rows), &nonFinite);
  if (nonFinite)
    throw Error(codes::kNonFinite,
                "the MaxSim score came out NaN or infinite: the document contains NaN or Infinity, or its products "
                "with the query overflow f32");
  return s;
}

void maxsimBatch(const float* query, uint32_t nq, const TokenMatrix& docs, const uint32_t* offsets, size_t ndocs,
                 float* out) {
  const KernelTable& k = activeKernels();
  checkOffsets(offsets, ndocs + 1, docs.rows, "offsets");
  checkScales(docs, "documents");
  PreparedQuery q;
  prepare(k, query, nq, docs.dim, docs.type, q);
  parallelFor(ndocs, grainFor(ndocs), [&](size_t b, size_t e) {
    for (size_t d = b; d < e; ++d) {
      bool nonFinite = false;
      out[d] = scoreDoc(k, q, docs, offsets[d], offsets[d + 1], &nonFinite);
      if (nonFinite) throwNonFiniteDoc(d);
    }
  });
}

void maxsimMatrix(const float* queries, const uint32_t* queryOffsets, size_t nqueries, uint32_t dim,
                  const TokenMatrix& docs, const uint32_t* offsets, size_t ndocs, float* out) {
  const KernelTable& k = activeKernels();
  checkOffsets(offsets, ndocs + 1, docs.rows, "offsets");
  checkScales(docs, "documents");
  std::vector<PreparedQuery> prepared(nqueries);
  for (size_t qi = 0; qi < nqueries; ++qi) {
    const uint32_t b = queryOffsets[qi], e = queryOffsets[qi + 1];
    if (e == b) throw Error(codes::kEmptyQuery, "query " + std::to_string(qi) + " has no tokens");
    prepare(k, queries + size_t(b) * dim, e - b, dim, docs.type, prepared[qi]);
  }
  // Documents outer, queries inner: each document's tokens stay in cache across the queries.
  parallelFor(ndocs, grainFor(ndocs), [&](size_t b, size_t e) {
    for (size_t d = b; d < e; ++d) {
      bool nonFinite = false;
      for (size_t qi = 0; qi < nqueries; ++qi)
        out[qi * ndocs + d] = scoreDoc(k, prepared[qi], docs, offsets[d], offsets[d + 1], &nonFinite);
      if (nonFinite) throwNonFiniteDoc(d);
    }
  });
}

size_t maxsimTopK(const float* query, uint32_t nq, const TokenMatrix& docs, const uint32_t* offsets, size_t ndocs,
                  size_t k, uint32_t* outIndex, float* outScore) {
  std::vector<float> scores(ndocs);
  maxsimBatch(query, nq, docs, offsets, ndocs, scores.data());
  return selectTopK(scores.data(), ndocs, k, outIndex, outScore);
}

}  // namespace maxsim
