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
export { Capabilities, SimdLevel, capabilities, setThreads, setSimdLevel, supportedSimdLevels } from './system';
