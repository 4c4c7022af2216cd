// HNSW storage 'pq': each vector is M one-byte product-quantizer codes (quant/product_quantizer.h,
// 8-bit, no rotation). Searches use asymmetric distances (ADC): prepare() builds the query's
// lookup table, layout (M, 256) f32, in the per-thread QueryScratch, and a distance is M table
// lookups (pqAdcDistance, inlined in QueryDistance). The neighbour heuristic compares stored
// vectors with each other: prepareCode() decodes the stored code once (d floats) and compares
// it with the other code's centroids directly, d multiply-adds per pair, which is the exact
// distance between the two reconstructions and avoids a 256·d table per stored vector.
//
// The codebook is learned: train() before the first encode (HnswIndex trains on its first add).
#pragma once
#include <cstdint>
#include <memory>

#include "vector_codec.h"

namespace maxsim::hnsw {

// Fewest training vectors: one per centroid of a sub-space (k-means needs k points).
constexpr size_t kPqMinTrainVectors = 256;

// Default sub-space count: the largest divisor of dim that is at most dim / 8 (sub-vectors of at
// least 8 floats, i.e. at least 32x smaller than f32); 1 when dim < 16.
uint32_t defaultPqSubspaces(uint32_t dim);

// pqSubspaces must divide dim (ERR_INVALID_ARGUMENT otherwise); 0 picks defaultPqSubspaces.
std::unique_ptr<VectorCodec> makePqCodec(uint32_t dim, bool l2, uint32_t pqSubspaces);

}  // namespace maxsim::hnsw
