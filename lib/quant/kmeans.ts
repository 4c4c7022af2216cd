/** k-means (Lloyd, k-means++ seeding, SIMD distances, multi-threaded, deterministic per seed). */
import { MaxsimError, callNative, invalidParameter } from '../errors';
import { checkDim, checkOptions, checkRows, optBool, optInt } from './common';
import { nativeKmeans } from './native_types';

export interface KMeansOptions {
  k: number;
  /** Lloyd iterations (default 25; stops early once no point changes cluster). */
  iterations?: number;
  seed?: number;
  /** Training points are subsampled to k * this (default 256, faiss's rule). */
  maxPointsPerCentroid?: number;
  /** Unit-norm centroids, assignment by largest inner product. */
  spherical?: boolean;
  /**
   * With fewer points than k, k-means throws ERR_INVALID_ARGUMENT naming both counts. Set
   * allowFewer to clamp k to the number of points instead (or keep such small sets exact).
   */
  allowFewer?: boolean;
  /** Starting centroids (k × dim): skips k-means++. */
  init?: Float32Array;
}

export interface KMeansResult {
  /** (k, dim) row-major */
  centroids: Float32Array;
  k: number;
  /** Σ‖x − c‖² (spherical: Σ(1 − ⟨x, c⟩)) over the training points at the last assignment */
  objective: number;
  iterations: number;
  /** empty clusters re-seeded by splitting the largest one */
  emptySplits: number;
}

export function kmeans(data: Float32Array, dim: number, options: KMeansOptions): KMeansResult {
  checkDim(dim);
  const x = checkRows(data, dim, 'data');
  const o = checkOptions(options);
  const k = optInt(o, 'k', 1, 1 << 24);
  if (k === undefined) throw invalidParameter('k', 'a positive integer', o.k);
  optInt(o, 'iterations', 0, 100000);
  optInt(o, 'seed', 0, 0xffffffff);
  optInt(o, 'maxPointsPerCentroid', 0, 0xffffffff);
  optBool(o, 'spherical');
  const allowFewer = optBool(o, 'allowFewer');
  const n = x.length / dim;
  if (n < k && !allowFewer)
    throw new MaxsimError('ERR_INVALID_ARGUMENT',
      `k-means needs at least k = ${k} training points, got ${n} (pass allowFewer: true to clamp k to the point count, or keep these vectors uncompressed)`);
  if (o.init !== undefined) {
    if (!(o.init instanceof Float32Array)) throw invalidParameter('init', 'a Float32Array', o.init);
    if (o.init.length !== k * dim) throw new MaxsimError('ERR_DIMENSION_MISMATCH', `init must hold k * dim = ${k * dim} values, got ${o.init.length}`);
  }
  return callNative(() => nativeKmeans(x, dim, o));
}
