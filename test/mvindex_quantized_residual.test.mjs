// 'residual' on SciFact-GloVe, 2-bit residuals over 512 centroids (the default 2,048 takes ~35 s
// to train and encode 1M tokens; 512 keeps this file under a minute and measured better here).
// Bound: measured Δ nDCG@10 = -0.031 (512 centroids) and -0.052 (default, 2,048) against f32.
// ColBERTv2's codec assumes unit-norm tokens (spherical k-means, unit centroids); GloVe word
// vectors have norms of ~4-8, so the residuals are large and 2 bits a dimension is coarse for
// them (on ColBERT embeddings the relevant document stays first: mvindex_quantized.test.mjs).
// We hold Δ in [-0.06, +0.01]; 4-bit residuals measured -0.008 (docs/multi-vector-index.md).
import { quantizedTests } from './mvindex_quantized_shared.mjs';

quantizedTests([
  ['residual 2-bit C=512', { storage: 'residual', residualCentroids: 512 }, [-0.06, 0.01]],
]);
