/**
 * Product quantization (PQ, optional OPQ rotation), 4-bit fast-scan, and MaxSim over PQ codes.
 *
 * Code layouts: 8-bit codes are `codeSize = M` bytes per vector; 4-bit codes are
 * `codeSize = ceil(M/2)` bytes, sub-space 2p in the low nibble of byte p. `packFastScan`
 * re-lays 4-bit codes in blocks of 32 for the SIMD shuffle kernels (see native/quant/fastscan.h).
 */
import { MaxsimError, awaitNative, callNative, invalidParameter } from '../errors';
import { checkK } from '../validate';
import {
  Metric, ProgressCallback, checkBytes, checkDim, checkMetric, checkOptions, checkPath, checkProgress, checkRows, optBool,
  optInt, progressGate,
} from './common';
import { NativePq, nativePq } from './native_types';

export interface PqTrainOptions {
  /** Sub-spaces; must divide dim. */
  M: number;
  /** Bits per sub-space code: 8 (256 centroids) or 4 (16 centroids, fast-scan). Default 8. */
  nbits?: 4 | 8;
  /** k-means iterations per sub-space (default 25). */
  iterations?: number;
  seed?: number;
  /** Training points are subsampled to 2^nbits * this (default 256). */
  maxPointsPerCentroid?: number;
  /** Allow fewer training points than 2^nbits (fewer centroids are trained). */
  allowFewer?: boolean;
  /** Learn an OPQ rotation first (alternating PQ k-means and orthogonal Procrustes). */
  opq?: boolean;
  /** OPQ alternations (default 50). */
  opqIterations?: number;
  /** Training points used for the rotation (default 65536). */
  opqMaxPoints?: number;
}

export interface PqTrainAsyncOptions extends PqTrainOptions {
  /** Called on the main thread with (fraction, stage); the last call is (1, 'done'). */
  onProgress?: ProgressCallback;
}

/** Results of a search over many queries: query q's hits are [q*k, (q+1)*k). */
export interface SearchResult {
  indices: Uint32Array;
  scores: Float32Array;
  /** hits per query: min(k, number of codes) */
  k: number;
}

/** 4-bit codes in the fast-scan block layout, with their vector count. */
export interface FastScanCodes {
  packed: Uint8Array;
  count: number;
}

export interface FastScanSearchOptions {
  metric?: Metric;
  /** Candidates kept from the u16 scan before reranking: k * rerankFactor (default 4). */
  rerankFactor?: number;
  /**
   * How candidates are rescored: by default with the float ADC table on the same 4-bit codes;
   * `{ vectors }` gives exact scores from the original vectors (n × dim); `{ pq, codes }`
   * gives 8-bit ADC scores from a second quantizer's codes of the same vectors.
   */
  rerank?: { vectors: Float32Array } | { pq: ProductQuantizer; codes: Uint8Array };
}

const handles = new WeakMap<ProductQuantizer, NativePq>();

function pqOptions(options: unknown): Record<string, unknown> {
  const o = checkOptions(options);
  if (optInt(o, 'M', 1, 65536) === undefined) throw invalidParameter('M', 'an integer in [1, 65536]', o.M);
  const nbits = optInt(o, 'nbits', 4, 8);
  if (nbits !== undefined && nbits !== 4 && nbits !== 8) throw invalidParameter('nbits', '4 or 8', nbits);
  optInt(o, 'iterations', 1, 1000);
  optInt(o, 'seed', 0, 0xffffffff);
  optInt(o, 'maxPointsPerCentroid', 1, 1 << 20);
  optBool(o, 'allowFewer');
  optBool(o, 'opq');
  optInt(o, 'opqIterations', 1, 1000);
  optInt(o, 'opqMaxPoints', 1, 0xffffffff);
  const { onProgress: _ignored, ...rest } = o;
  return rest;
}

function trainChecks(data: unknown, dim: unknown, o: Record<string, unknown>): Float32Array {
  checkDim(dim);
  const x = checkRows(data, dim as number, 'data');
  const M = o.M as number;
  if ((dim as number) % M !== 0) throw invalidParameter('M', `a divisor of dim ${dim}`, M);
  const ksub = 1 << ((o.nbits as number | undefined) ?? 8);
  const n = x.length / (dim as number);
  if (n < ksub && !o.allowFewer)
    throw new MaxsimError('ERR_INVALID_ARGUMENT',
      `PQ training needs at least ksub = ${ksub} training points, got ${n} (pass allowFewer: true to train fewer centroids, or keep these vectors uncompressed)`);
  return x;
}

export class ProductQuantizer {
  readonly dim: number;
  readonly M: number;
  readonly nbits: 4 | 8;
  readonly ksub: number;
  readonly dsub: number;
  /** Bytes per encoded vector (flat layout). */
  readonly codeSize: number;
  /** Whether an OPQ rotation is applied before quantizing. */
  readonly opq: boolean;

  private constructor(h: NativePq) {
    handles.set(this, h);
    const i = h.info();
    this.dim = i.dim;
    this.M = i.M;
    this.nbits = i.nbits as 4 | 8;
    this.ksub = i.ksub;
    this.dsub = i.dsub;
    this.codeSize = i.codeSize;
    this.opq = i.opq;
  }

  /** @internal */
  static handle(pq: unknown): NativePq {
    const h = pq instanceof ProductQuantizer ? handles.get(pq) : undefined;
    if (!h) throw invalidParameter('pq', 'a ProductQuantizer', pq);
    return h;
  }

  /** Trains on `data` (n × dim rows). Blocks the calling thread; see trainAsync. */
  static train(data: Float32Array, dim: number, options: PqTrainOptions): ProductQuantizer {
    const o = pqOptions(options);
    const x = trainChecks(data, dim, o);
    return new ProductQuantizer(callNative(() => nativePq.train(x, dim, o)));
  }

  /** Trains on the thread pool; `onProgress` runs on the main thread. Do not modify `data` until it settles. */
  static async trainAsync(data: Float32Array, dim: number, options: PqTrainAsyncOptions): Promise<ProductQuantizer> {
    const o = pqOptions(options);
    const x = trainChecks(data, dim, o);
    const gate = progressGate(checkProgress(options.onProgress));
    const h = await awaitNative(() => nativePq.trainAsync(x, dim, o, gate.native));
    gate.finish();
    return new ProductQuantizer(h);
  }

  /** Loads a file written by save(); a damaged file gives ERR_CORRUPT_FILE. */
  static load(path: string): ProductQuantizer {
    const p = checkPath(path);
    return new ProductQuantizer(callNative(() => nativePq.load(p)));
  }

  /** Writes the quantizer (versioned, checksummed, atomic replace). */
  save(path: string): void {
    const p = checkPath(path);
    callNative(() => ProductQuantizer.handle(this).save(p));
  }

  /** Codebook, layout (M, ksub, dsub). */
  get codebook(): Float32Array {
    return callNative(() => ProductQuantizer.handle(this).codebook());
  }

  /** OPQ rotation (dim × dim, x' = x·R), or null. */
  get rotation(): Float32Array | null {
    return callNative(() => ProductQuantizer.handle(this).rotation());
  }

  /** Codes of n vectors: (n, codeSize) bytes. */
  encode(vectors: Float32Array): Uint8Array {
    const x = checkRows(vectors, this.dim, 'vectors', true);
    return callNative(() => ProductQuantizer.handle(this).encode(x));
  }

  decode(codes: Uint8Array): Float32Array {
    const c = this.checkCodes(codes, 'codes');
    return callNative(() => ProductQuantizer.handle(this).decode(c));
  }

  /** ADC table of one query: (M, ksub), ⟨q_m, c_mj⟩ for 'ip' or ‖q_m − c_mj‖² for 'l2'. */
  lookupTable(query: Float32Array, metric: Metric = 'ip'): Float32Array {
    const q = checkRows(query, this.dim, 'query');
    if (q.length !== this.dim) throw new MaxsimError('ERR_DIMENSION_MISMATCH', `query must have ${this.dim} values`);
    const m = checkMetric(metric);
    return callNative(() => ProductQuantizer.handle(this).lut(q, m));
  }

  /** ADC scores of every code for each query: (queries, n) row-major. */
  adcScores(queries: Float32Array, codes: Uint8Array, metric: Metric = 'l2'): Float32Array {
    const q = checkRows(queries, this.dim, 'queries');
    const c = this.checkCodes(codes, 'codes');
    const m = checkMetric(metric);
    return callNative(() => ProductQuantizer.handle(this).adcScores(q, c, m));
  }

  /** Top k codes per query by ADC (8-bit or flat 4-bit codes): best first. */
  search(queries: Float32Array, codes: Uint8Array, k: number, metric: Metric = 'l2'): SearchResult {
    const q = checkRows(queries, this.dim, 'queries');
    const c = this.checkCodes(codes, 'codes');
    const kk = checkK(k);
    const m = checkMetric(metric);
    const r = callNative(() => ProductQuantizer.handle(this).adcSearch(q, c, kk, m));
    return { ...r, k: Math.min(kk, c.length / this.codeSize) };
  }

  /** Re-lays 4-bit codes (n, codeSize) into the fast-scan block layout. */
  packFastScan(codes: Uint8Array): FastScanCodes {
    this.need4();
    const c = this.checkCodes(codes, 'codes');
    return { packed: callNative(() => ProductQuantizer.handle(this).packFastScan(c)), count: c.length / this.codeSize };
  }

  unpackFastScan(codes: FastScanCodes): Uint8Array {
    this.need4();
    const f = this.checkFastScan(codes);
    return callNative(() => ProductQuantizer.handle(this).unpackFastScan(f.packed, f.count));
  }

  /**
   * The raw u16 fast-scan accumulators (queries × n) and each query's LUT scale and bias
   * (score ≈ raw / scale + bias; for 'l2' the score is the negated distance). For tests.
   */
  fastScanRaw(queries: Float32Array, codes: FastScanCodes, metric: Metric = 'l2'): { raw: Uint16Array; scale: Float32Array; bias: Float32Array } {
    this.need4();
    const q = checkRows(queries, this.dim, 'queries');
    const f = this.checkFastScan(codes);
    const m = checkMetric(metric);
    return callNative(() => ProductQuantizer.handle(this).fastScanRaw(q, f.packed, f.count, m));
  }

  /** Top k per query through the 4-bit fast-scan kernels, then reranking (see options). */
  fastScanSearch(queries: Float32Array, codes: FastScanCodes, k: number, options: FastScanSearchOptions = {}): SearchResult {
    this.need4();
    const o = checkOptions(options);
    const q = checkRows(queries, this.dim, 'queries');
    const f = this.checkFastScan(codes);
    const kk = checkK(k);
    const m = checkMetric(o.metric ?? 'l2');
    const factor = optInt(o, 'rerankFactor', 1, 1 << 16) ?? 4;
    const h = ProductQuantizer.handle(this);
    let r;
    if (o.rerank === undefined) {
      r = callNative(() => h.fastScanSearch(q, f.packed, f.count, kk, m, factor));
    } else {
      const rr = checkOptions(o.rerank, 'rerank') as Record<string, unknown>;
      if (rr.vectors !== undefined) {
        const v = checkRows(rr.vectors, this.dim, 'rerank.vectors');
        if (v.length !== f.count * this.dim) throw new MaxsimError('ERR_DIMENSION_MISMATCH', `rerank.vectors must hold ${f.count} vectors`);
        r = callNative(() => h.fastScanSearch(q, f.packed, f.count, kk, m, factor, v));
      } else {
        const other = ProductQuantizer.handle(rr.pq);
        const p8 = rr.pq as ProductQuantizer;
        if (p8.dim !== this.dim) throw new MaxsimError('ERR_DIMENSION_MISMATCH', 'rerank.pq has another dim');
        const c8 = checkBytes(rr.codes, 'rerank.codes');
        if (c8.length !== f.count * p8.codeSize) throw new MaxsimError('ERR_DIMENSION_MISMATCH', `rerank.codes must hold ${f.count} codes of ${p8.codeSize} bytes`);
        r = callNative(() => h.fastScanSearch(q, f.packed, f.count, kk, m, factor, undefined, other, c8));
      }
    }
    return { ...r, k: Math.min(kk, f.count) };
  }

  /** @internal */
  checkCodes(codes: unknown, name: string): Uint8Array {
    const c = checkBytes(codes, name);
    if (c.length % this.codeSize !== 0)
      throw new MaxsimError('ERR_DIMENSION_MISMATCH', `${name} length ${c.length} is not a multiple of the code size ${this.codeSize}`);
    return c;
  }

  /** @internal */
  checkFastScan(codes: unknown): FastScanCodes {
    const o = checkOptions(codes, 'codes');
    const packed = checkBytes(o.packed, 'codes.packed');
    const count = o.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) throw invalidParameter('codes.count', 'a non-negative integer', count);
    const need = Math.ceil(count / 32) * Math.ceil(this.M / 2) * 32;
    if (packed.length !== need)
      throw new MaxsimError('ERR_DIMENSION_MISMATCH', `codes.packed has ${packed.length} bytes; ${count} codes need ${need}`);
    return { packed, count };
  }

  private need4(): void {
    if (this.nbits !== 4) throw invalidParameter('pq', 'a 4-bit ProductQuantizer (nbits: 4) for fast-scan', `nbits ${this.nbits}`);
  }
}
