/**
 * MUVERA fixed-dimensional encodings: one vector per multi-vector set whose inner product
 * approximates MaxSim. Encode documents with kind 'document' and queries with kind 'query'
 * (same other options), search the document encodings with any inner-product index, then
 * rerank the candidates with exact MaxSim.
 */
import { MaxsimError, awaitNative, callNative, invalidParameter } from './errors';
import { native } from './native';
import { checkDim, checkFloat32, checkOffsets } from './validate';

export interface FdeOptions {
  kind: 'query' | 'document';
  dim: number;
  /** Independent repetitions R (default 20). */
  repetitions?: number;
  /** SimHash bits k_sim: 2^k_sim partitions per repetition (default 5). */
  simhashBits?: number;
  /** Projected size of each partition block; equal to dim (or 0) means no projection (default 16). */
  projectionDim?: number;
  /** Seed of every random draw (default 42); encodings are deterministic given it. */
  seed?: number;
  /** Documents: an empty partition takes the token nearest in SimHash bits (default true). */
  fillEmptyPartitions?: boolean;
  /** Optional final count-sketch projection to this many dimensions (default: none). */
  finalDim?: number;
}

interface NativeFdeConfig {
  dim: number; repetitions: number; simhashBits: number; projectionDim: number; seed: number;
  fillEmptyPartitions: boolean; finalDim: number;
}

function intIn(v: unknown, name: string, lo: number, hi: number, def: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) throw invalidParameter(name, `an integer in [${lo}, ${hi}]`, v);
  return v;
}

function config(opts: FdeOptions): { cfg: NativeFdeConfig; isQuery: boolean } {
  if (opts === null || typeof opts !== 'object') throw invalidParameter('options', 'an object', opts);
  if (opts.kind !== 'query' && opts.kind !== 'document') throw invalidParameter('options.kind', "'query' or 'document'", opts.kind);
  const dim = checkDim(opts.dim, 'options.dim');
  const cfg: NativeFdeConfig = {
    dim,
    repetitions: intIn(opts.repetitions, 'options.repetitions', 1, 1024, 20),
    simhashBits: intIn(opts.simhashBits, 'options.simhashBits', 0, 16, 5),
    projectionDim: intIn(opts.projectionDim, 'options.projectionDim', 0, 65536, Math.min(16, dim)),
    seed: intIn(opts.seed, 'options.seed', 0, Number.MAX_SAFE_INTEGER, 42),
    fillEmptyPartitions: opts.fillEmptyPartitions === undefined ? true : Boolean(opts.fillEmptyPartitions),
    finalDim: intIn(opts.finalDim, 'options.finalDim', 0, 1 << 28, 0),
  };
  const full = cfg.repetitions * 2 ** cfg.simhashBits * (cfg.projectionDim || dim);
  if (full > 2 ** 28) throw invalidParameter('options', 'repetitions * 2^simhashBits * projectionDim <= 2^28');
  return { cfg, isQuery: opts.kind === 'query' };
}

/** Length of the encodings these options produce. */
export function fdeDimension(opts: FdeOptions): number {
  const { cfg } = config(opts);
  return cfg.finalDim || cfg.repetitions * 2 ** cfg.simhashBits * (cfg.projectionDim || cfg.dim);
}

/** Encodes one multi-vector set (rows of dim). An empty set encodes to zeros. */
export function encodeFde(tokens: Float32Array, opts: FdeOptions): Float32Array {
  const { cfg, isQuery } = config(opts);
  checkFloat32(tokens, 'tokens');
  if (tokens.length % cfg.dim !== 0)
    throw new MaxsimError('ERR_DIMENSION_MISMATCH', `tokens length ${tokens.length} is not a multiple of dim ${cfg.dim}`);
  return callNative(() => (native.encodeFde as (t: Float32Array, q: boolean, c: NativeFdeConfig) => Float32Array)(tokens, isQuery, cfg));
}

function batchArgs(tokens: Float32Array, offsets: Uint32Array, opts: FdeOptions) {
  const { cfg, isQuery } = config(opts);
  checkFloat32(tokens, 'tokens');
  if (tokens.length % cfg.dim !== 0)
    throw new MaxsimError('ERR_DIMENSION_MISMATCH', `tokens length ${tokens.length} is not a multiple of dim ${cfg.dim}`);
  checkOffsets(offsets, tokens.length / cfg.dim);
  return { cfg, isQuery };
}

type BatchFn<R> = (t: Float32Array, o: Uint32Array, q: boolean, c: NativeFdeConfig) => R;

/** Encodes n sets (set i = rows offsets[i]..offsets[i+1]) on every thread: (n, fdeDimension). */
export function encodeFdeBatch(tokens: Float32Array, offsets: Uint32Array, opts: FdeOptions): Float32Array {
  const { cfg, isQuery } = batchArgs(tokens, offsets, opts);
  return callNative(() => (native.encodeFdeBatch as BatchFn<Float32Array>)(tokens, offsets, isQuery, cfg));
}

export async function encodeFdeBatchAsync(tokens: Float32Array, offsets: Uint32Array, opts: FdeOptions): Promise<Float32Array> {
  const { cfg, isQuery } = batchArgs(tokens, offsets, opts);
  return awaitNative(() => (native.encodeFdeBatchAsync as BatchFn<Promise<Float32Array>>)(tokens, offsets, isQuery, cfg));
}
