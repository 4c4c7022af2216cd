/**
 * The optional CUDA backend. `DeviceDocuments.upload()` copies a collection into GPU memory
 * once; `scoreMatrix()` then scores query batches there on tensor cores. Builds without CUDA
 * (the default, and every prebuild) throw ERR_CUDA_UNAVAILABLE, and nothing else changes: the
 * CPU functions never touch the GPU. `capabilities().cuda` lists the devices, or is false.
 */
import { MaxsimError, awaitNative, callNative, invalidParameter } from './errors';
import { native } from './native';
import { Tokens, toNative } from './tokens';
import { checkOffsets, checkQuery, checkUint32 } from './validate';

interface NativeDeviceDocuments {
  scoreMatrix(q: Float32Array, qo: Uint32Array): Float32Array;
  scoreMatrixAsync(q: Float32Array, qo: Uint32Array): Promise<Float32Array>;
  deviceBytes(): number;
  release(): void;
}
type NativeCtor = new (device: number, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number, offsets: Uint32Array) => NativeDeviceDocuments;

export class DeviceDocuments {
  readonly dim: number;
  readonly count: number;
  #native: NativeDeviceDocuments;

  private constructor(n: NativeDeviceDocuments, dim: number, count: number) {
    this.#native = n;
    this.dim = dim;
    this.count = count;
  }

  /** Uploads f32, f16 or bf16 documents to a CUDA device (default 0). */
  static upload(documents: Tokens, offsets: Uint32Array, dim: number, options: { device?: number } = {}): DeviceDocuments {
    const d = toNative(documents, dim, 'documents');
    const o = checkOffsets(offsets, d.rows);
    const device = options.device ?? 0;
    if (!Number.isInteger(device) || device < 0) throw invalidParameter('options.device', 'a non-negative integer', device);
    if (d.type > 2) throw invalidParameter('documents', 'f32, f16 or bf16 tokens for the GPU');
    const Ctor = native.DeviceDocuments as NativeCtor;
    return new DeviceDocuments(callNative(() => new Ctor(device, d.type, d.data, d.scales, dim, o)), dim, o.length - 1);
  }

  #args(queries: Float32Array, queryOffsets: Uint32Array) {
    const q = checkQuery(queries, this.dim, 'queries');
    const qo = checkOffsets(checkUint32(queryOffsets, 'queryOffsets'), q.length / this.dim, 'queryOffsets');
    for (let i = 1; i < qo.length; i++)
      if (qo[i] === qo[i - 1]) throw new MaxsimError('ERR_EMPTY_QUERY', `queries: query ${i - 1} has no tokens`);
    return { q, qo };
  }

  /** (queries × documents) MaxSim scores, row-major, computed on the GPU. */
  scoreMatrix(queries: Float32Array, queryOffsets: Uint32Array): Float32Array {
    const { q, qo } = this.#args(queries, queryOffsets);
    return callNative(() => this.#native.scoreMatrix(q, qo));
  }

  async scoreMatrixAsync(queries: Float32Array, queryOffsets: Uint32Array): Promise<Float32Array> {
    const { q, qo } = this.#args(queries, queryOffsets);
    return awaitNative(() => this.#native.scoreMatrixAsync(q, qo));
  }

  /** Bytes held in device memory. */
  get deviceBytes(): number {
    return callNative(() => this.#native.deviceBytes());
  }

  /** Frees the device memory now instead of at garbage collection. */
  release(): void {
    callNative(() => this.#native.release());
  }
}
