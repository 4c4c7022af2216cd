// 'pq' on SciFact-GloVe. Bound: 8-bit PQ with the default M = 25 (4-d sub-spaces, 256 centroids
// each, 25 B/token = 16x smaller than f32) measured Δ nDCG@10 = -0.0013 against f32; the
// reconstruction error only reorders documents whose MaxSim scores are nearly tied, so we hold
// |Δ| <= 0.01 (about 8x the measured change, room for k-means sampling and SIMD rounding).
// 4-bit PQ (16 centroids per sub-space, 13 B/token) is coarser: measured Δ in the docs; bound 0.04.
import { quantizedTests } from './mvindex_quantized_shared.mjs';

quantizedTests([
  ['pq 8-bit M=25', { storage: 'pq' }, [-0.01, 0.01]],
  ['pq 4-bit M=25', { storage: 'pq', pqBits: 4 }, [-0.04, 0.01]],
]);
