/**
 * maxsim: native multi-vector (ColBERT-style late-interaction) retrieval for Node.js.
 */
export { MaxsimError, MaxsimErrorCode } from './errors';
export {
  ElementType, Tokens, EncodedTokens, F32Tokens, F16Tokens, Bf16Tokens, Int8Tokens, BinaryTokens,
  bytesPerToken, packDocuments,
} from './tokens';
export {
  TopK, maxsim, maxsimBatch, maxsimBatchAsync, maxsimTopK, maxsimTopKAsync, maxsimMatrix, maxsimMatrixAsync,
} from './maxsim';
export { toF16, toBf16, quantizeInt8, binarize, toF32 } from './convert';
export { Capabilities, CudaDevice, SimdLevel, capabilities, setThreads, setSimdLevel, supportedSimdLevels, measurePeakGflops } from './system';
export { ndcgAtK, meanAveragePrecision, recallAtK } from './eval';
export { BeirDataset, BeirDocument, BeirQuery, Qrels, loadBeir, loadSciFact, readQrels } from './datasets/beir';
export { SciFactGlove, MultiVectorSet, loadSciFactGlove, embedTexts, words } from './datasets/scifact_glove';
export { GloveVectors, loadGlove, normalizeRows } from './datasets/glove';
export { ColbertNanoFiqa, loadColbertNanoFiqa } from './datasets/colbert';
export { VectorSet, loadSift10k, readFvecs, readIvecs } from './datasets/vecs';
export { dataDir, cacheDir } from './datasets/paths';
export { FdeOptions, fdeDimension, encodeFde, encodeFdeBatch, encodeFdeBatchAsync } from './muvera';
export { DeviceDocuments } from './gpu';
export {
  Metric, ProgressCallback, KMeansOptions, KMeansResult, kmeans, ProductQuantizer, PqTrainOptions, PqTrainAsyncOptions,
  SearchResult as PqSearchResult, FastScanCodes, FastScanSearchOptions, PqCodes, maxsimPq, maxsimPqBatch, maxsimPqBatchAsync, maxsimPqTopK,
  maxsimPqTopKAsync, ResidualCodec, ResidualTrainOptions, ResidualTrainAsyncOptions, ResidualCodes, ResidualMaxsimMode,
  maxsimResidual, maxsimResidualBatch, maxsimResidualBatchAsync, maxsimResidualTopK, maxsimResidualTopKAsync,
} from './quantizer';
export {
  HnswIndex, HnswOptions, HnswMetric, HnswStorage, HnswId, HnswIds, HnswFilter, HnswSearchOptions, HnswSearchResult,
  HnswAddOptions, HnswStats,
} from './hnsw';
export {
  MultiVectorIndex, MultiVectorIndexOptions, MultiVectorStorage, MultiVectorIndexStats, SearchOptions, SearchFilter,
  SearchResult, SearchDevice, LoadOptions, AddOptions, DocId, IdType, poolTokens, PoolTokensOptions,
} from './multi_vector_index';
export { CandidateSearchParams, CandidateStrategy, MuveraOptions, PlaidOptions, TuneOptions, TuneResult, TuneTrial } from './multi_vector_index';
export { recallAgainst } from './mvindex/tune';
export { SciFactSentences, SciFactSentencesOptions, loadSciFactSentences, splitSentences } from './datasets/scifact_sentences';
export { DevicePqDocuments, DeviceFdeCollection, DeviceOptions, MAX_DEVICE_TOP_K } from './gpu';
