/** The addon's MultiVectorIndex class, as the facade in ../multi_vector_index.ts calls it. */

export interface NativeHits {
  ids: Float64Array | string[];
  scores: Float32Array;
}

export interface NativeStats {
  storage: string;
  dim: number;
  documents: number;
  tokens: number;
  deletedDocuments: number;
  deletedTokens: number;
  bytesPerToken: number;
  tokenBytes: number;
  totalBytes: number;
  allocatedBytes: number;
  mapped: boolean;
}

export interface NativeInfo {
  dim: number;
  storage: 'f32' | 'f16' | 'bf16' | 'int8' | 'binary' | 'pq' | 'residual';
  idType: 'number' | 'string' | undefined;
  poolFactor: number;
  protectedTokens: number;
  compactThreshold: number;
  readOnly: boolean;
}

type Ids = Float64Array | string[];

export interface NativeIndex {
  add(ids: Ids, docs: Float32Array | Float32Array[], offsets: Uint32Array | undefined, upsert: boolean): void;
  delete(ids: Ids): number;
  compact(): void;
  train(sample: Float32Array): void;
  size(): number;
  has(id: number | string): boolean;
  get(id: number | string): Float32Array;
  ids(): Ids;
  search(q: Float32Array, k: number, filterMode: number, filter: Ids | undefined): NativeHits;
  searchAsync(q: Float32Array, k: number, filterMode: number, filter: Ids | undefined): Promise<NativeHits>;
  searchBatch(q: Float32Array, qOffsets: Uint32Array, k: number, filterMode: number, filter: Ids | undefined): NativeHits[];
  searchBatchAsync(q: Float32Array, qOffsets: Uint32Array, k: number, filterMode: number, filter: Ids | undefined): Promise<NativeHits[]>;
  save(path: string): void;
  stats(): NativeStats;
  info(): NativeInfo;
}

export type NativeIndexConstructor = new (options: Record<string, unknown>) => NativeIndex;
