/**
 * Quantizers: k-means, product quantization (PQ/OPQ, 4-bit fast-scan), the ColBERTv2 residual
 * codec, and MaxSim computed directly on compressed document tokens.
 *
 * API choice: the quantizers are classes (train / trainAsync / load / save / encode / decode /
 * search); MaxSim over codes is a set of free functions taking the quantizer first, mirroring
 * maxsim / maxsimBatch / maxsimTopK: maxsimPq*, maxsimResidual* (each with an Async form).
 */
export { Metric, ProgressCallback } from './quant/common';
export { KMeansOptions, KMeansResult, kmeans } from './quant/kmeans';
export {
  ProductQuantizer, PqTrainOptions, PqTrainAsyncOptions, SearchResult, FastScanCodes, FastScanSearchOptions,
} from './quant/product_quantizer';
export { PqCodes, maxsimPq, maxsimPqBatch, maxsimPqBatchAsync, maxsimPqTopK, maxsimPqTopKAsync } from './quant/pq_maxsim';
export {
  ResidualCodec, ResidualTrainOptions, ResidualTrainAsyncOptions, ResidualCodes, ResidualMaxsimMode, maxsimResidual,
  maxsimResidualBatch, maxsimResidualBatchAsync, maxsimResidualTopK, maxsimResidualTopKAsync,
} from './quant/residual_codec';
