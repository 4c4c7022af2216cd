/**
 * Loads the compiled addon: a prebuild from prebuilds/<platform>-<arch>/ when one matches,
 * else build/Release from a source build. When neither exists the error says what to do.
 */
import * as path from 'path';
import { MaxsimError } from './errors';

export interface NativeTopK {
  indices: Uint32Array;
  scores: Float32Array;
}

/** The raw addon surface. The facade validates everything before calling it. */
export interface NativeBinding {
  capabilities(): {
    simd: string;
    bestSimd: string;
    kernels: string;
    features: string[];
    threads: number;
    version: string;
    cuda: false | Array<{ index: number; name: string; totalMemory: number; freeMemory: number; computeCapability: string }>;
    cudaBuilt: boolean;
  };
  setThreads(n: number): number;
  setSimdLevel(level: string): string;
  measurePeakGflops(seconds: number): number;

  maxsim(q: Float32Array, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number): number;
  maxsimBatch(q: Float32Array, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number, offsets: Uint32Array): Float32Array;
  maxsimBatchAsync(q: Float32Array, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number, offsets: Uint32Array): Promise<Float32Array>;
  maxsimTopK(q: Float32Array, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number, offsets: Uint32Array, k: number): NativeTopK;
  maxsimTopKAsync(q: Float32Array, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number, offsets: Uint32Array, k: number): Promise<NativeTopK>;
  maxsimMatrix(q: Float32Array, qOffsets: Uint32Array, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number, offsets: Uint32Array): Float32Array;
  maxsimMatrixAsync(q: Float32Array, qOffsets: Uint32Array, type: number, data: ArrayBufferView, scales: Float32Array | undefined, dim: number, offsets: Uint32Array): Promise<Float32Array>;

  toF16(values: Float32Array): Uint16Array;
  toBf16(values: Float32Array): Uint16Array;
  f16ToF32(values: Uint16Array): Float32Array;
  bf16ToF32(values: Uint16Array): Float32Array;
  quantizeInt8(values: Float32Array, dim: number): { codes: Int8Array; scales: Float32Array };
  binarize(values: Float32Array, dim: number): Uint8Array;

  [extra: string]: unknown;
}

function load(): NativeBinding {
  const root = path.join(__dirname, '..');
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeBinding;
    return nodeGypBuild(root);
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new MaxsimError(
      'ERR_NATIVE_MISSING',
      `maxsim: no native binary for ${process.platform}-${process.arch} (Node ${process.versions.node}, ` +
        `N-API ${process.versions.napi}). Prebuilt binaries ship for linux-x64; elsewhere maxsim builds from ` +
        `source. To fix: install a C++17 compiler, make and Python 3, then run "npm rebuild maxsim". ` +
        `(loader said: ${why})`,
    );
  }
}

export const native: NativeBinding = load();
