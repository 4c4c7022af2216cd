/**
 * ColBERTv2 residual compression: each token is a centroid id (u32) plus a 1-, 2- or 4-bit
 * residual per dimension, bucketed by pooled quantiles (native/quant/residual_codec.h has the
 * exact layout). MaxSim over the codes either decodes each document ('decode') or scores the
 * codes through per-query tables without decoding ('tables', WARP-style); both give the same
 * scores up to float rounding.
 */
import { MaxsimError, awaitNative, callNative, invalidParameter } from '../errors';
import { TopK } from '../maxsim';
import { checkK, checkOffsets, checkUint32 } from '../validate';
import {
  ProgressCallback, checkBytes, checkDim, checkOptions, checkPath, checkProgress, checkRows, optBool, optInt, progressGate,
} from './common';
import { NativeResidual, nativeResidual } from './native_types';

export interface ResidualTrainOptions {
  /** Bits per residual dimension: 1, 2 or 4 (default 2). */
  nbits?: 1 | 2 | 4;
  /** Centroids; default 2^floor(log2(16·sqrt(n))) as ColBERTv2 (at most n). */
  ncentroids?: number;
  iterations?: number;
  seed?: number;
  maxPointsPerCentroid?: number;
  /** Tokens whose residual coordinates are pooled for the quantiles (default 65536). */
  quantileSample?: number;
  allowFewer?: boolean;
}

export interface ResidualTrainAsyncOptions extends ResidualTrainOptions {
  onProgress?: ProgressCallback;
}

export interface ResidualCodes {
  /** centroid id per token */
  ids: Uint32Array;
  /** (tokens, residualBytes) packed buckets, dimension k at bits [k·nbits, (k+1)·nbits) */
  residuals: Uint8Array;
}

export type ResidualMaxsimMode = 'tables' | 'decode';

const handles = new WeakMap<ResidualCodec, NativeResidual>();

function options(o0: unknown): Record<string, unknown> {
  const o = checkOptions(o0);
  const nbits = optInt(o, 'nbits', 1, 4);
  if (nbits === 3) throw invalidParameter('nbits', '1, 2 or 4', nbits);
  optInt(o, 'ncentroids', 1, 1 << 24);
  optInt(o, 'iterations', 1, 1000);
  optInt(o, 'seed', 0, 0xffffffff);
  optInt(o, 'maxPointsPerCentroid', 1, 1 << 20);
  optInt(o, 'quantileSample', 1, 0xffffffff);
  optBool(o, 'allowFewer');
  const { onProgress: _ignored, ...rest } = o;
  return rest;
}

function trainChecks(data: unknown, dim: unknown, o: Record<string, unknown>): Float32Array {
  checkDim(dim);
  const x = checkRows(data, dim as number, 'data');
  const n = x.length / (dim as number);
  const C = o.ncentroids as number | undefined;
  if (C !== undefined && n < C && !o.allowFewer)
    throw new MaxsimError('ERR_INVALID_ARGUMENT',
      `k-means needs at least k = ${C} training points, got ${n} (pass allowFewer: true to clamp k to the point count, or keep these vectors uncompressed)`);
  return x;
}

export class ResidualCodec {
  readonly dim: number;
  readonly nbits: 1 | 2 | 4;
  readonly ncentroids: number;
  /** Residual bytes per token: ceil(dim·nbits/8). */
  readonly residualBytes: number;
  /** Bytes per stored token: 4 (centroid id) + residualBytes. */
  readonly bytesPerToken: number;

  private constructor(h: NativeResidual) {
    handles.set(this, h);
    const i = h.info();
    this.dim = i.dim;
    this.nbits = i.nbits as 1 | 2 | 4;
    this.ncentroids = i.ncentroids;
    this.residualBytes = i.residualBytes;
    this.bytesPerToken = i.bytesPerToken;
  }

  /** @internal */
  static handle(c: unknown): NativeResidual {
    const h = c instanceof ResidualCodec ? handles.get(c) : undefined;
    if (!h) throw invalidParameter('codec', 'a ResidualCodec', c);
    return h;
  }

  static train(data: Float32Array, dim: number, opts: ResidualTrainOptions = {}): ResidualCodec {
    const o = options(opts);
    const x = trainChecks(data, dim, o);
    return new ResidualCodec(callNative(() => nativeResidual.train(x, dim, o)));
  }

  static async trainAsync(data: Float32Array, dim: number, opts: ResidualTrainAsyncOptions = {}): Promise<ResidualCodec> {
    const o = options(opts);
    const x = trainChecks(data, dim, o);
    const gate = progressGate(checkProgress(opts.onProgress));
    const h = await awaitNative(() => nativeResidual.trainAsync(x, dim, o, gate.native));
    gate.finish();
    return new ResidualCodec(h);
  }

  static load(path: string): ResidualCodec {
    const p = checkPath(path);
    return new ResidualCodec(callNative(() => nativeResidual.load(p)));
  }

  save(path: string): void {
    const p = checkPath(path);
    callNative(() => ResidualCodec.handle(this).save(p));
  }

  /** centroids (C, dim), cutoffs (2^nbits − 1), weights (2^nbits) */
  get tables(): { centroids: Float32Array; cutoffs: Float32Array; weights: Float32Array } {
    return callNative(() => ResidualCodec.handle(this).tables());
  }

  encode(vectors: Float32Array): ResidualCodes {
    const x = checkRows(vectors, this.dim, 'vectors', true);
    return callNative(() => ResidualCodec.handle(this).encode(x));
  }

  decode(codes: ResidualCodes): Float32Array {
    const c = this.checkCodes(codes);
    return callNative(() => ResidualCodec.handle(this).decode(c.ids, c.residuals));
  }

  /** @internal */
  checkCodes(codes: unknown): ResidualCodes {
    const o = checkOptions(codes, 'codes');
    const ids = checkUint32(o.ids, 'codes.ids');
    const residuals = checkBytes(o.residuals, 'codes.residuals');
    if (residuals.length !== ids.length * this.residualBytes)
      throw new MaxsimError('ERR_DIMENSION_MISMATCH', `codes.residuals must hold ${ids.length} × ${this.residualBytes} bytes, got ${residuals.length}`);
    return { ids, residuals };
  }
}

function modeCode(mode: unknown): number {
  if (mode === undefined || mode === 'tables') return 0;
  if (mode === 'decode') return 1;
  throw invalidParameter('mode', "'tables' or 'decode'", mode);
}

function batchArgs(codec: ResidualCodec, query: Float32Array, codes: ResidualCodes, offsets: Uint32Array, mode: unknown) {
  const h = ResidualCodec.handle(codec);
  const q = checkRows(query, codec.dim, 'query');
  const c = codec.checkCodes(codes);
  const o = checkOffsets(offsets, c.ids.length);
  return { h, q, c, o, m: modeCode(mode) };
}

/** One query against one document (all of `codes`). */
export function maxsimResidual(codec: ResidualCodec, query: Float32Array, codes: ResidualCodes, mode: ResidualMaxsimMode = 'tables'): number {
  ResidualCodec.handle(codec);  // a wrong codec is refused before its methods are used
  const n = codec.checkCodes(codes).ids.length;
  return maxsimResidualBatch(codec, query, codes, Uint32Array.of(0, n), mode)[0];
}

export function maxsimResidualBatch(codec: ResidualCodec, query: Float32Array, codes: ResidualCodes, offsets: Uint32Array, mode: ResidualMaxsimMode = 'tables'): Float32Array {
  const { h, q, c, o, m } = batchArgs(codec, query, codes, offsets, mode);
  return callNative(() => h.maxsimBatch(q, c.ids, c.residuals, o, m));
}

export async function maxsimResidualBatchAsync(codec: ResidualCodec, query: Float32Array, codes: ResidualCodes, offsets: Uint32Array, mode: ResidualMaxsimMode = 'tables'): Promise<Float32Array> {
  const { h, q, c, o, m } = batchArgs(codec, query, codes, offsets, mode);
  return awaitNative(() => h.maxsimBatchAsync(q, c.ids, c.residuals, o, m));
}

export function maxsimResidualTopK(codec: ResidualCodec, query: Float32Array, codes: ResidualCodes, offsets: Uint32Array, k: number, mode: ResidualMaxsimMode = 'tables'): TopK {
  const { h, q, c, o, m } = batchArgs(codec, query, codes, offsets, mode);
  const kk = checkK(k);
  return callNative(() => h.maxsimTopK(q, c.ids, c.residuals, o, m, kk));
}

export async function maxsimResidualTopKAsync(codec: ResidualCodec, query: Float32Array, codes: ResidualCodes, offsets: Uint32Array, k: number, mode: ResidualMaxsimMode = 'tables'): Promise<TopK> {
  const { h, q, c, o, m } = batchArgs(codec, query, codes, offsets, mode);
  const kk = checkK(k);
  return awaitNative(() => h.maxsimTopKAsync(q, c.ids, c.residuals, o, m, kk));
}
