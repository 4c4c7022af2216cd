/** The addon's MultiVectorIndex class, as the facade in ../multi_vector_index.ts calls it. */
import type { MultiVectorIndexStats } from '../multi_vector_index';

export interface NativeHits {
  ids: Float64Array | string[];
  scores: Float32Array;
}

export interface NativeInfo {
  dim: number;
  storage: 'f32' | 'f16' | 'bf16' | 'int8' | 'binary' | 'pq' | 'residual';
  idType: 'number' | 'string' | undefined;
  poolFactor: number;
  protectedTokens: number;
  compactThreshold: number;
  exactPruning: boolean;
  readOnly: boolean;
  candidates: 'exact' | 'muvera' | 'plaid';
  searchDefaults: NativeSearchParams;
}

export interface NativeSearchParams {
  exact?: boolean;
  device?: 'cpu' | 'cuda';
  ef?: number;
  numCandidates?: number;
  ncells?: number;
  ndocs?: number;
  centroidScoreThreshold?: number;
}

type Ids = Float64Array | string[];

export interface NativeIndex {
  add(ids: Ids, docs: Float32Array | Float32Array[], offsets: Uint32Array | undefined, upsert: boolean): void;
  addAsync(ids: Ids, docs: Float32Array | Float32Array[], offsets: Uint32Array | undefined, upsert: boolean,
    onProgress: ((done: number, total: number) => void) | undefined): Promise<void>;
  deleteAsync(ids: Ids): Promise<number>;
  compactAsync(): Promise<void>;
  trainAsync(sample: Float32Array): Promise<void>;
  retrainAsync(): Promise<void>;
  saveAsync(path: string): Promise<void>;
  delete(ids: Ids): number;
  compact(): void;
  train(sample: Float32Array): void;
  size(): number;
  has(id: number | string): boolean;
  get(id: number | string): Float32Array;
  ids(): Ids;
  search(q: Float32Array, k: number, filterMode: number, filter: Ids | undefined, params?: NativeSearchParams): NativeHits;
  searchAsync(q: Float32Array, k: number, filterMode: number, filter: Ids | undefined, params?: NativeSearchParams): Promise<NativeHits>;
  searchBatch(q: Float32Array, qOffsets: Uint32Array, k: number, filterMode: number, filter: Ids | undefined, params?: NativeSearchParams): NativeHits[];
  searchBatchAsync(q: Float32Array, qOffsets: Uint32Array, k: number, filterMode: number, filter: Ids | undefined, params?: NativeSearchParams): Promise<NativeHits[]>;
  toDevice(device: number): void;
  toDeviceAsync(device: number): Promise<void>;
  releaseDevice(): void;
  deviceState(): { onDevice: boolean; deviceBytes: number };
  save(path: string): void;
  stats(): MultiVectorIndexStats;
  info(): NativeInfo;
  setSearchDefaults(p: NativeSearchParams): void;
  retrain(): void;
}

export type NativeIndexConstructor = new (options: Record<string, unknown>) => NativeIndex;
