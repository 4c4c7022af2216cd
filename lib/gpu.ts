/**
 * The optional CUDA backend. Each class uploads one collection into GPU memory once and then
 * scores or ranks query batches there:
 *  - `DeviceDocuments`: multi-vector documents (f32 / f16 / bf16 tokens), exact MaxSim on
 *    tensor cores; `scoreMatrix()` and exhaustive `topK()`.
 *  - `DevicePqDocuments`: documents as 8-bit PQ codes of a `ProductQuantizer`, MaxSim from
 *    per-query lookup tables in shared memory (inner product, as `pqMaxsimBatch`).
 *  - `DeviceFdeCollection`: one vector per document (e.g. MUVERA FDEs), brute-force inner
 *    product scan.
 * Top-k is selected on the device (ties: lower document index first, as on the CPU), so only
 * nq × k results cross PCIe; k is at most 4096 there. Builds without CUDA (the default, and every
 * prebuild) throw ERR_CUDA_UNAVAILABLE once the arguments have been checked, and nothing else
 * changes: the CPU functions never touch the GPU. `capabilities().cuda` lists the devices, or is false.
 */
import { MaxsimError, awaitNative, callNative, invalidParameter } from './errors';
import { TopK } from './maxsim';
import { native } from './native';
import { ProductQuantizer } from './quant/product_quantizer';
import { Tokens, toNative } from './tokens';
import { checkDim, checkK, checkOffsets, checkQuery, checkUint32 } from './validate';

/** The largest k the device top-k selects. */
export const MAX_DEVICE_TOP_K = 4096;

interface NativeFlatTopK { indices: Uint32Array; scores: Float32Array }
interface NativeMulti {
  scoreMatrix(q: Float32Array, qo: Uint32Array): Float32Array;
  scoreMatrixAsync(q: Float32Array, qo: Uint32Array): Promise<Float32Array>;
  topK(q: Float32Array, qo: Uint32Array, k: number): NativeFlatTopK;
  topKAsync(q: Float32Array, qo: Uint32Array, k: number): Promise<NativeFlatTopK>;
  deviceBytes(): number;
  release(): void;
}
interface NativeFde {
  scoreMatrix(q: Float32Array): Float32Array;
  scoreMatrixAsync(q: Float32Array): Promise<Float32Array>;
  topK(q: Float32Array, k: number): NativeFlatTopK;
  topKAsync(q: Float32Array, k: number): Promise<NativeFlatTopK>;
  deviceBytes(): number;
  release(): void;
}
type DocumentsCtor = new (device: number, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number, offsets: Uint32Array) => NativeMulti;
type PqCtor = new (device: number, dim: number, M: number, codebook: Float32Array, rotation: Float32Array | null, codes: Uint8Array, offsets: Uint32Array) => NativeMulti;
type FdeCtor = new (device: number, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number) => NativeFde;

export interface DeviceOptions {
  /** CUDA device index (default 0). */
  device?: number;
}

function deviceOption(options: DeviceOptions | undefined): number {
  if (options !== undefined && (options === null || typeof options !== 'object')) throw invalidParameter('options', 'an object', options);
  const device = options?.device ?? 0;
  if (!Number.isInteger(device) || device < 0) throw invalidParameter('options.device', 'a non-negative integer', device);
  return device;
}

function topKOption(k: unknown, count: number): number {
  const kk = checkK(k);
  if (Math.min(kk, count) > MAX_DEVICE_TOP_K) throw invalidParameter('k', `at most ${MAX_DEVICE_TOP_K} on the GPU`, kk);
  return kk;
}

/** Splits the flat (nq, kOut) native result into one TopK per query (views, no copies). */
function splitTopK(r: NativeFlatTopK, nq: number): TopK[] {
  const kOut = nq === 0 ? 0 : r.indices.length / nq;
  const out: TopK[] = [];
  for (let i = 0; i < nq; i++)
    out.push({ indices: r.indices.subarray(i * kOut, (i + 1) * kOut), scores: r.scores.subarray(i * kOut, (i + 1) * kOut) });
  return out;
}

function multiQueries(queries: Float32Array, queryOffsets: Uint32Array, dim: number) {
  const q = checkQuery(queries, dim, 'queries');
  const qo = checkOffsets(checkUint32(queryOffsets, 'queryOffsets'), q.length / dim, 'queryOffsets');
  for (let i = 1; i < qo.length; i++)
    if (qo[i] === qo[i - 1]) throw new MaxsimError('ERR_EMPTY_QUERY', `queries: query ${i - 1} has no tokens`);
  return { q, qo };
}

/** Shared by the two multi-vector collections (tokens and PQ codes). */
abstract class MultiVectorDeviceCollection {
  readonly dim: number;
  /** Number of documents. */
  readonly count: number;
  #native: NativeMulti;

  protected constructor(n: NativeMulti, dim: number, count: number) {
    this.#native = n;
    this.dim = dim;
    this.count = count;
  }

  /** (queries × documents) MaxSim scores, row-major, computed on the GPU. */
  scoreMatrix(queries: Float32Array, queryOffsets: Uint32Array): Float32Array {
    const { q, qo } = multiQueries(queries, queryOffsets, this.dim);
    return callNative(() => this.#native.scoreMatrix(q, qo));
  }

  async scoreMatrixAsync(queries: Float32Array, queryOffsets: Uint32Array): Promise<Float32Array> {
    const { q, qo } = multiQueries(queries, queryOffsets, this.dim);
    return awaitNative(() => this.#native.scoreMatrixAsync(q, qo));
  }

  /**
   * Exhaustive top-k per query, scored and selected on the GPU: one TopK per query with
   * min(k, count) results, best first (ties: lower document index first). k ≤ 4096.
   */
  topK(queries: Float32Array, queryOffsets: Uint32Array, options: { k: number }): TopK[] {
    const { q, qo } = multiQueries(queries, queryOffsets, this.dim);
    const k = topKOption(options?.k, this.count);
    return splitTopK(callNative(() => this.#native.topK(q, qo, k)), qo.length - 1);
  }

  async topKAsync(queries: Float32Array, queryOffsets: Uint32Array, options: { k: number }): Promise<TopK[]> {
    const { q, qo } = multiQueries(queries, queryOffsets, this.dim);
    const k = topKOption(options?.k, this.count);
    return splitTopK(await awaitNative(() => this.#native.topKAsync(q, qo, k)), qo.length - 1);
  }

  /** Bytes held in device memory. */
  get deviceBytes(): number {
    return callNative(() => this.#native.deviceBytes());
  }

  /** Frees the device memory now instead of at garbage collection (waits for a running call). */
  release(): void {
    callNative(() => this.#native.release());
  }
}

/** Multi-vector documents resident on a GPU, scored with exact MaxSim on tensor cores. */
export class DeviceDocuments extends MultiVectorDeviceCollection {
  /** Uploads f32, f16 or bf16 documents to a CUDA device (default 0). */
  static upload(documents: Tokens, offsets: Uint32Array, dim: number, options: DeviceOptions = {}): DeviceDocuments {
    const d = toNative(documents, dim, 'documents');
    const o = checkOffsets(offsets, d.rows);
    const device = deviceOption(options);
    if (d.type > 2) throw invalidParameter('documents', 'f32, f16 or bf16 tokens for the GPU');
    const Ctor = native.DeviceDocuments as DocumentsCtor;
    return new DeviceDocuments(callNative(() => new Ctor(device, d.type, d.data, d.scales, dim, o)), dim, o.length - 1);
  }
}

/**
 * Documents stored as 8-bit PQ codes on a GPU. score = Σ_i max_j Σ_m LUT_i[m][code_jm] with
 * inner-product LUTs of the (OPQ-rotated) query rows; a document without tokens scores -Infinity.
 * Agrees with `pqMaxsimBatch` to f32 rounding (the GPU sums in a different order).
 */
export class DevicePqDocuments extends MultiVectorDeviceCollection {
  /** codes: (tokens, pq.M) u8 from `pq.encode()`; offsets: document boundaries over the tokens. */
  static upload(pq: ProductQuantizer, codes: Uint8Array, offsets: Uint32Array, options: DeviceOptions = {}): DevicePqDocuments {
    if (!(pq instanceof ProductQuantizer)) throw invalidParameter('pq', 'a ProductQuantizer', pq);
    if (pq.nbits !== 8) throw invalidParameter('pq', 'an 8-bit ProductQuantizer (nbits: 8) for the GPU', `nbits ${pq.nbits}`);
    if (!(codes instanceof Uint8Array)) throw invalidParameter('codes', 'a Uint8Array', codes);
    if (codes.length % pq.M !== 0)
      throw new MaxsimError('ERR_DIMENSION_MISMATCH', `codes length ${codes.length} is not a multiple of M = ${pq.M}`);
    const o = checkOffsets(offsets, codes.length / pq.M);
    const device = deviceOption(options);
    const codebook = pq.codebook;
    const rotation = pq.rotation;
    const Ctor = native.DevicePqDocuments as PqCtor;
    return new DevicePqDocuments(callNative(() => new Ctor(device, pq.dim, pq.M, codebook, rotation, codes, o)), pq.dim, o.length - 1);
  }
}

/** One vector per document (f32 or f16, e.g. MUVERA FDEs) on a GPU, scanned by brute force. */
export class DeviceFdeCollection {
  readonly dim: number;
  /** Number of vectors. */
  readonly count: number;
  #native: NativeFde;

  private constructor(n: NativeFde, dim: number, count: number) {
    this.#native = n;
    this.dim = dim;
    this.count = count;
  }

  /** vectors: (count, dim) as a Float32Array or f16 tokens (`toF16`). */
  static upload(vectors: Tokens, dim: number, options: DeviceOptions = {}): DeviceFdeCollection {
    checkDim(dim);
    const v = toNative(vectors, dim, 'vectors');
    const device = deviceOption(options);
    if (v.type > 1) throw invalidParameter('vectors', 'f32 or f16 vectors for the GPU');
    const Ctor = native.DeviceFdeCollection as FdeCtor;
    return new DeviceFdeCollection(callNative(() => new Ctor(device, v.type, v.data, v.scales, dim)), dim, v.rows);
  }

  #queries(queries: Float32Array): Float32Array {
    return checkQuery(queries, this.dim, 'queries');
  }

  /** (queries × vectors) inner products, row-major; queries: (nq, dim). */
  scoreMatrix(queries: Float32Array): Float32Array {
    const q = this.#queries(queries);
    return callNative(() => this.#native.scoreMatrix(q));
  }

  async scoreMatrixAsync(queries: Float32Array): Promise<Float32Array> {
    const q = this.#queries(queries);
    return awaitNative(() => this.#native.scoreMatrixAsync(q));
  }

  /** Top-k by inner product per query, selected on the GPU (ties: lower index first). k ≤ 4096. */
  topK(queries: Float32Array, options: { k: number }): TopK[] {
    const q = this.#queries(queries);
    const k = topKOption(options?.k, this.count);
    return splitTopK(callNative(() => this.#native.topK(q, k)), q.length / this.dim);
  }

  async topKAsync(queries: Float32Array, options: { k: number }): Promise<TopK[]> {
    const q = this.#queries(queries);
    const k = topKOption(options?.k, this.count);
    return splitTopK(await awaitNative(() => this.#native.topKAsync(q, k)), q.length / this.dim);
  }

  get deviceBytes(): number {
    return callNative(() => this.#native.deviceBytes());
  }

  release(): void {
    callNative(() => this.#native.release());
  }
}
