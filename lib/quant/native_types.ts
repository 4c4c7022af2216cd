/** The raw quantizer surface of the addon (quant_binding.cpp / residual_binding.cpp). */
import { native } from '../native';

export interface NativeTopKResult {
  indices: Uint32Array;
  scores: Float32Array;
}

export interface NativePq {
  info(): { dim: number; M: number; nbits: number; ksub: number; dsub: number; codeSize: number; opq: boolean };
  codebook(): Float32Array;
  rotation(): Float32Array | null;
  encode(x: Float32Array): Uint8Array;
  decode(codes: Uint8Array): Float32Array;
  save(path: string): void;
  lut(q: Float32Array, metric: string): Float32Array;
  adcScores(q: Float32Array, codes: Uint8Array, metric: string): Float32Array;
  adcSearch(q: Float32Array, codes: Uint8Array, k: number, metric: string): NativeTopKResult;
  packFastScan(codes: Uint8Array): Uint8Array;
  unpackFastScan(packed: Uint8Array, n: number): Uint8Array;
  fastScanRaw(q: Float32Array, packed: Uint8Array, n: number, metric: string): { raw: Uint16Array; scale: Float32Array; bias: Float32Array };
  fastScanSearch(q: Float32Array, packed: Uint8Array, n: number, k: number, metric: string, rerankFactor: number,
    vectors?: Float32Array, pq?: NativePq, codes?: Uint8Array): NativeTopKResult;
  maxsim(q: Float32Array, codes: Uint8Array, tokens: number, form: number): number;
  maxsimBatch(q: Float32Array, codes: Uint8Array, offsets: Uint32Array, form: number): Float32Array;
  maxsimBatchAsync(q: Float32Array, codes: Uint8Array, offsets: Uint32Array, form: number): Promise<Float32Array>;
  maxsimTopK(q: Float32Array, codes: Uint8Array, offsets: Uint32Array, form: number, k: number): NativeTopKResult;
  maxsimTopKAsync(q: Float32Array, codes: Uint8Array, offsets: Uint32Array, form: number, k: number): Promise<NativeTopKResult>;
}

export interface NativePqClass {
  train(data: Float32Array, dim: number, opts: object): NativePq;
  trainAsync(data: Float32Array, dim: number, opts: object, onProgress?: (f: number, stage: string) => void): Promise<NativePq>;
  load(path: string): NativePq;
}

export interface NativeResidual {
  info(): { dim: number; nbits: number; ncentroids: number; residualBytes: number; bytesPerToken: number };
  tables(): { centroids: Float32Array; cutoffs: Float32Array; weights: Float32Array };
  encode(x: Float32Array): { ids: Uint32Array; residuals: Uint8Array };
  decode(ids: Uint32Array, residuals: Uint8Array): Float32Array;
  save(path: string): void;
  maxsimBatch(q: Float32Array, ids: Uint32Array, res: Uint8Array, offsets: Uint32Array, mode: number): Float32Array;
  maxsimBatchAsync(q: Float32Array, ids: Uint32Array, res: Uint8Array, offsets: Uint32Array, mode: number): Promise<Float32Array>;
  maxsimTopK(q: Float32Array, ids: Uint32Array, res: Uint8Array, offsets: Uint32Array, mode: number, k: number): NativeTopKResult;
  maxsimTopKAsync(q: Float32Array, ids: Uint32Array, res: Uint8Array, offsets: Uint32Array, mode: number, k: number): Promise<NativeTopKResult>;
}

export interface NativeResidualClass {
  train(data: Float32Array, dim: number, opts: object): NativeResidual;
  trainAsync(data: Float32Array, dim: number, opts: object, onProgress?: (f: number, stage: string) => void): Promise<NativeResidual>;
  load(path: string): NativeResidual;
}

export interface NativeKmeans {
  (data: Float32Array, dim: number, opts: object): { centroids: Float32Array; k: number; objective: number; iterations: number; emptySplits: number };
}

export const nativePq = native.ProductQuantizer as NativePqClass;
export const nativeResidual = native.ResidualCodec as NativeResidualClass;
export const nativeKmeans = native.kmeans as NativeKmeans;
