/**
 * Exact MaxSim (ColBERT late interaction): score(Q, D) = Σ_i max_j ⟨q_i, d_j⟩.
 *
 * Queries are always f32 (rows of `dim`); documents may be any token form (see tokens.ts).
 * For int8 documents the query is quantized per row the same way; for binary documents it is
 * binarized, and scores are Σ_i (dim − 2·min_j hamming(q_i, d_j)). A document with no tokens
 * scores −Infinity, so it ranks last.
 */
import { MaxsimError, awaitNative, callNative } from './errors';
import { native } from './native';
import { Tokens, toNative } from './tokens';
import { checkK, checkOffsets, checkQuery, checkUint32 } from './validate';

export interface TopK {
  /** Document indices (positions in `offsets`), best first. */
  indices: Uint32Array;
  scores: Float32Array;
}

/** One query against one document. */
export function maxsim(query: Float32Array, document: Tokens, dim: number): number {
  const d = toNative(document, dim, 'document');
  const q = checkQuery(query, dim);
  return callNative(() => native.maxsim(q, d.type, d.data, d.scales, dim));
}

function batchArgs(query: Float32Array, documents: Tokens, offsets: Uint32Array, dim: number) {
  const d = toNative(documents, dim, 'documents');
  const q = checkQuery(query, dim);
  const o = checkOffsets(offsets, d.rows);
  return { q, d, o };
}

/** One query against many documents: document i is tokens offsets[i] .. offsets[i+1]. */
export function maxsimBatch(query: Float32Array, documents: Tokens, offsets: Uint32Array, dim: number): Float32Array {
  const { q, d, o } = batchArgs(query, documents, offsets, dim);
  return callNative(() => native.maxsimBatch(q, d.type, d.data, d.scales, dim, o));
}

/** maxsimBatch on the thread pool, off the main thread. Do not modify the inputs until it settles. */
export async function maxsimBatchAsync(query: Float32Array, documents: Tokens, offsets: Uint32Array, dim: number): Promise<Float32Array> {
  const { q, d, o } = batchArgs(query, documents, offsets, dim);
  return awaitNative(() => native.maxsimBatchAsync(q, d.type, d.data, d.scales, dim, o));
}

/** The k best documents, best first (ties: lower index first). k above the count returns all. */
export function maxsimTopK(query: Float32Array, documents: Tokens, offsets: Uint32Array, dim: number, k: number): TopK {
  const { q, d, o } = batchArgs(query, documents, offsets, dim);
  const kk = checkK(k);
  return callNative(() => native.maxsimTopK(q, d.type, d.data, d.scales, dim, o, kk));
}

export async function maxsimTopKAsync(query: Float32Array, documents: Tokens, offsets: Uint32Array, dim: number, k: number): Promise<TopK> {
  const { q, d, o } = batchArgs(query, documents, offsets, dim);
  const kk = checkK(k);
  return awaitNative(() => native.maxsimTopKAsync(q, d.type, d.data, d.scales, dim, o, kk));
}

function matrixArgs(queries: Float32Array, queryOffsets: Uint32Array, documents: Tokens, offsets: Uint32Array, dim: number) {
  const d = toNative(documents, dim, 'documents');
  const q = checkQuery(queries, dim, 'queries');
  const qo = checkOffsets(checkUint32(queryOffsets, 'queryOffsets'), q.length / dim, 'queryOffsets');
  for (let i = 1; i < qo.length; i++)
    if (qo[i] === qo[i - 1]) throw new MaxsimError('ERR_EMPTY_QUERY', `queries: query ${i - 1} has no tokens`);
  const o = checkOffsets(offsets, d.rows);
  return { q, qo, d, o };
}

/**
 * Many queries against many documents. Returns a (queries × documents) row-major matrix:
 * score of query i and document j at [i * nDocs + j].
 */
export function maxsimMatrix(queries: Float32Array, queryOffsets: Uint32Array, documents: Tokens, offsets: Uint32Array, dim: number): Float32Array {
  const { q, qo, d, o } = matrixArgs(queries, queryOffsets, documents, offsets, dim);
  return callNative(() => native.maxsimMatrix(q, qo, d.type, d.data, d.scales, dim, o));
}

export async function maxsimMatrixAsync(queries: Float32Array, queryOffsets: Uint32Array, documents: Tokens, offsets: Uint32Array, dim: number): Promise<Float32Array> {
  const { q, qo, d, o } = matrixArgs(queries, queryOffsets, documents, offsets, dim);
  return awaitNative(() => native.maxsimMatrixAsync(q, qo, d.type, d.data, d.scales, dim, o));
}
