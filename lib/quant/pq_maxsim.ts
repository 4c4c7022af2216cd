/**
 * MaxSim of an f32 query against documents stored as PQ codes, computed on the codes:
 * score = Σ_i max_j Σ_m LUT_i[m][code_jm], one ADC table per query token (query tokens are
 * never quantized). Codes are either flat PQ codes (8-bit, or 4-bit: one table lookup per code
 * byte) or 4-bit codes packed for fast-scan (`pq.packFastScan(codes)` over all tokens of all
 * documents: u8 tables, SIMD byte shuffles, scores within the LUT quantization error).
 * Documents follow the usual layout: document d is tokens offsets[d] .. offsets[d+1].
 */
import { MaxsimError, awaitNative, callNative } from '../errors';
import { TopK } from '../maxsim';
import { checkK, checkOffsets } from '../validate';
import { checkRows } from './common';
import { FastScanCodes, ProductQuantizer } from './product_quantizer';

export type PqCodes = Uint8Array | FastScanCodes;

function codeArgs(pq: ProductQuantizer, codes: PqCodes): { data: Uint8Array; tokens: number; form: number } {
  if (codes instanceof Uint8Array) {
    const c = pq.checkCodes(codes, 'codes');
    return { data: c, tokens: c.length / pq.codeSize, form: 0 };
  }
  if (pq.nbits !== 4) throw new MaxsimError('ERR_INVALID_ARGUMENT', 'fast-scan codes need a 4-bit ProductQuantizer');
  const f = pq.checkFastScan(codes);
  return { data: f.packed, tokens: f.count, form: 1 };
}

function batchArgs(pq: ProductQuantizer, query: Float32Array, codes: PqCodes, offsets: Uint32Array) {
  const h = ProductQuantizer.handle(pq);
  const q = checkRows(query, pq.dim, 'query');
  const c = codeArgs(pq, codes);
  const o = checkOffsets(offsets, c.tokens);
  return { h, q, c, o };
}

/** One query against one document (all of `codes`). */
export function maxsimPq(pq: ProductQuantizer, query: Float32Array, codes: PqCodes): number {
  const h = ProductQuantizer.handle(pq);
  const q = checkRows(query, pq.dim, 'query');
  const c = codeArgs(pq, codes);
  return callNative(() => h.maxsim(q, c.data, c.tokens, c.form));
}

/** One query against many documents. */
export function maxsimPqBatch(pq: ProductQuantizer, query: Float32Array, codes: PqCodes, offsets: Uint32Array): Float32Array {
  const { h, q, c, o } = batchArgs(pq, query, codes, offsets);
  return callNative(() => h.maxsimBatch(q, c.data, o, c.form));
}

/** maxsimPqBatch on the thread pool. Do not modify the inputs until it settles. */
export async function maxsimPqBatchAsync(pq: ProductQuantizer, query: Float32Array, codes: PqCodes, offsets: Uint32Array): Promise<Float32Array> {
  const { h, q, c, o } = batchArgs(pq, query, codes, offsets);
  return awaitNative(() => h.maxsimBatchAsync(q, c.data, o, c.form));
}

/** The k best documents, best first (ties: lower index first). */
export function maxsimPqTopK(pq: ProductQuantizer, query: Float32Array, codes: PqCodes, offsets: Uint32Array, k: number): TopK {
  const { h, q, c, o } = batchArgs(pq, query, codes, offsets);
  const kk = checkK(k);
  return callNative(() => h.maxsimTopK(q, c.data, o, c.form, kk));
}

export async function maxsimPqTopKAsync(pq: ProductQuantizer, query: Float32Array, codes: PqCodes, offsets: Uint32Array, k: number): Promise<TopK> {
  const { h, q, c, o } = batchArgs(pq, query, codes, offsets);
  const kk = checkK(k);
  return awaitNative(() => h.maxsimTopKAsync(q, c.data, o, c.form, kk));
}
