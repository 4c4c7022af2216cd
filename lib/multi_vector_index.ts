/**
 * MultiVectorIndex: a collection of documents, each a set of token embeddings (ColBERT-style),
 * searched exactly by MaxSim over any storage form, persisted in one checksummed file.
 *
 * Ids: an index holds either integer ids (0 .. 2^53 - 1) or string ids, fixed by `idType` or by
 * the first add. Results carry ids as a Float64Array for integer ids (exact for every id
 * allowed, and cheaper to use from JS than a BigUint64Array) or a string[] for string ids.
 */
import { MaxsimError, awaitNative, callNative, invalidParameter } from './errors';
import { native } from './native';
import { checkDim, checkFloat32, checkK, checkOffsets, checkQuery, checkUint32 } from './validate';
import { NativeIndex, NativeIndexConstructor } from './mvindex/native_index';
import { addDocuments, addOptions, checkDevice, documentsArgs, filterArgs, gpuIndex, idsArg, loadArgs, oneId, searchOptions } from './mvindex/args';
import { progressGate } from './progress';
import { CandidateSearchParams, CandidateStrategy, MuveraOptions, PlaidOptions, candidateNativeOptions, checkCandidateParams } from './mvindex/candidate_options';
import { TuneOptions, TuneResult, tuneCandidates } from './mvindex/tune';

export { CandidateSearchParams, CandidateStrategy, MuveraOptions, PlaidOptions } from './mvindex/candidate_options';
export { TuneOptions, TuneResult, TuneTrial } from './mvindex/tune';

export type MultiVectorStorage = 'f32' | 'f16' | 'bf16' | 'int8' | 'binary' | 'pq' | 'residual';
export const MULTI_VECTOR_STORAGES: readonly MultiVectorStorage[] = ['f32', 'f16', 'bf16', 'int8', 'binary', 'pq', 'residual'];

export type DocId = number | string;
export type IdType = 'number' | 'string';

export interface MultiVectorIndexOptions {
  /** Token dimension. */
  dim: number;
  /**
   * How tokens are stored (default 'f32'):
   * - 'f32' 4·dim bytes a token, exact;
   * - 'f16' / 'bf16' 2·dim bytes;
   * - 'int8' dim + 4 bytes (symmetric per-token scale; queries are quantized the same way);
   * - 'binary' ceil(dim / 8) bytes (sign bits, scored by Hamming: dim − 2·hamming);
   * - 'pq' product-quantizer codes: pqSubspaces bytes a token (8-bit) or half that (4-bit),
   *   scored by per-query lookup tables without decoding;
   * - 'residual' ColBERTv2 residual codes: a 4-byte centroid id + ceil(dim·residualBits / 8).
   * The element-wise forms need no training. 'pq' and 'residual' train their codec on the first
   * add() batch, or on train(sample) before it; see docs/multi-vector-index.md for the rule.
   */
  storage?: MultiVectorStorage;
  /** 'pq': sub-spaces M, a divisor of dim (default: the divisor nearest dim / 4). */
  pqSubspaces?: number;
  /** 'pq': bits per sub-space code, 8 (default) or 4. */
  pqBits?: number;
  /** 'residual': bits per dimension of the residual, 1, 2 (default) or 4. */
  residualBits?: number;
  /** 'residual': centroid count (default ColBERTv2's 2^floor(log2(16·sqrt(training tokens))), at most min(tokens, 65536) / 32). */
  residualCentroids?: number;
  /** 'number' or 'string'; when omitted the first add decides. */
  idType?: IdType;
  /**
   * Token pooling at add time (Clavié et al. 2024): the tokens after `protectedTokens` are
   * clustered (Ward linkage, cosine distance) into max(floor(n / poolFactor), 1) clusters and
   * each cluster's mean is stored. 1 (the default) stores every token.
   */
  poolFactor?: number;
  /** Leading tokens of each document kept out of pooling (default 0). */
  protectedTokens?: number;
  /**
   * Deleted (tombstoned) documents are dropped by compact(), which also runs by itself once
   * tombstones exceed this fraction of the tokens or of the documents. (0, 1], default 0.25;
   * 1 means only on request.
   */
  compactThreshold?: number;
  /**
   * Exact search reads an int8 sketch of the tokens first (a quarter of the f32 bytes, scored by
   * the int8 kernels) and rescores in full precision only the documents whose certified score
   * interval can still reach the top k. The results are exactly those of the plain scan; the
   * sketch costs dim + 4 bytes per token more. 'f32' and 'f16' storage only; default false.
   * See docs/multi-vector-index.md, "Exact pruning".
   */
  exactPruning?: boolean;
  /**
   * Default device of searches: 'cpu' (the default) or 'cuda' (needs toDevice() first; see
   * SearchOptions.device). Not saved with the index.
   */
  device?: SearchDevice;
  /**
   * How search finds documents to score exactly (default 'exact': every document).
   * - 'muvera': MUVERA FDEs of the documents in an HNSW graph (inner product); a search takes
   *   the top `numCandidates` by FDE and reranks them with exact MaxSim.
   * - 'plaid': token-level spherical k-means centroids with inverted lists; PLAID's centroid
   *   interaction (pruned, then unpruned) picks ndocs/4 documents for exact MaxSim.
   * See docs/candidates.md.
   */
  candidates?: CandidateStrategy;
  muvera?: MuveraOptions;
  plaid?: PlaidOptions;
}

/** An allow-list of ids (only these documents), or { allow } / { deny } lists. */
export type SearchFilter = readonly DocId[] | { allow: readonly DocId[] } | { deny: readonly DocId[] };

export interface SearchOptions extends CandidateSearchParams {
  /** Results to return (default 10). A k larger than the collection returns every document. */
  k?: number;
  /**
   * With a candidate strategy: an allow-list is scored exactly (it is usually short); a deny
   * list filters the candidates.
   */
  filter?: SearchFilter;
  /** Score every document, ignoring the candidate strategy (default false). */
  exact?: boolean;
  /**
   * Where to search (default: the index's `device` option, else 'cpu'). 'cuda' scores every
   * document on the GPU copy made by toDevice() (exhaustive, candidates ignored); 'cpu' always
   * stays on the CPU, even when a GPU copy exists.
   */
  device?: SearchDevice;
}

/** Where a search runs. */
export type SearchDevice = 'cpu' | 'cuda';

/** One query's results, best first; ties rank the earlier-added document first. */
export interface SearchResult {
  ids: Float64Array | string[];
  scores: Float32Array;
}

export interface MultiVectorIndexStats {
  storage: MultiVectorStorage;
  dim: number;
  /** Live documents and their stored tokens (after pooling). */
  documents: number;
  tokens: number;
  /** Tombstoned documents and tokens awaiting compaction. */
  deletedDocuments: number;
  deletedTokens: number;
  /** Bytes one stored token takes (an int8 scale included). */
  bytesPerToken: number;
  /** Live tokens in stored form. */
  tokenBytes: number;
  /** Everything the index holds: stored rows (tombstones included), per-document tables, ids, the exactPruning sketch. */
  totalBytes: number;
  /** Capacity reserved for token arrays (or mapped). */
  allocatedBytes: number;
  /** Token arrays borrowed from a mapped file. */
  mapped: boolean;
  /** The candidate strategy. */
  candidates: CandidateStrategy;
  /** The strategy's own figures: bytes (included in totalBytes); for plaid also drift. */
  candidateStats?: {
    bytes: number;
    centroids?: number;
    /** Mean best-centroid cosine of the tokens the centroids were trained with. */
    trainSimilarity?: number;
    /** The same over tokens added since training (0 when none). */
    addedSimilarity?: number;
    tokensSinceTrain?: number;
    /** trainSimilarity − addedSimilarity. */
    drift?: number;
    /** drift > plaid.retrainDrift over at least 1000 added tokens: call retrain(). */
    needsRetrain?: boolean;
  };
}

export interface AddOptions {
  /** Called on the main thread with (done, total) documents while an async add runs. */
  onProgress?: (done: number, total: number) => void;
}

export interface LoadOptions {
  /**
   * Map the file read-only instead of reading it: token arrays are scored in place in the
   * mapping, for every storage form, and the loaded index is read-only (add, delete, compact
   * throw ERR_INVALID_ARGUMENT).
   */
  mmap?: boolean;
  /** Default device of searches on the loaded index ('cpu' unless given). */
  device?: SearchDevice;
}

const Native = (native as unknown as { MultiVectorIndex: NativeIndexConstructor }).MultiVectorIndex;
const nativeLoadAsync = (native as unknown as { mvLoadAsync: (path: string, mmap: boolean) => Promise<unknown> }).mvLoadAsync;
const handles = new WeakMap<object, NativeIndex>();
const defaultDevices = new WeakMap<object, SearchDevice>();
const deviceOf = (self: object): SearchDevice => defaultDevices.get(self) ?? 'cpu';

function handle(self: unknown): NativeIndex {
  const h = typeof self === 'object' && self !== null ? handles.get(self) : undefined;
  if (!h) throw invalidParameter('this', 'a MultiVectorIndex');
  return h;
}

/** addAsync / upsertAsync: checks everything on the main thread, then adds on the thread pool. */
async function addAsyncImpl(self: MultiVectorIndex, ids: unknown, tokens: unknown, a: unknown, b: unknown, upsert: boolean): Promise<void> {
  const h = handle(self);
  // Offsets come only with a flat buffer; with an array of documents the options come third.
  const [offsets, options] = Array.isArray(tokens) ? [undefined, a] : [a, b];
  if (Array.isArray(tokens) && b !== undefined) throw invalidParameter('options', 'the third argument when documents are an array', b);
  const d = documentsArgs(tokens, offsets, self.dim);
  const i = idsArg(ids, 'ids', h.info().idType);
  if (i.length !== d.count) throw invalidParameter('ids', `${d.count} ids (one per document)`, ids);
  // Counts, never decreasing, ending with exactly one (total, total).
  const progress = progressGate(addOptions(options).onProgress, d.count, d.count);
  const native = progress.native;
  await awaitNative(() => h.addAsync(i, d.docs, d.offsets, upsert, native && ((done: number) => native(done, d.count))));
  progress.finish();
}

export class MultiVectorIndex {
  /** Token dimension. */
  readonly dim!: number;
  /** Storage form. */
  readonly storage!: MultiVectorStorage;

  constructor(options: MultiVectorIndexOptions) {
    if (typeof options !== 'object' || options === null) throw invalidParameter('options', 'an object { dim, storage, ... }', options);
    const o = options as MultiVectorIndexOptions & { [k: string]: unknown };
    const nativeOptions: Record<string, unknown> = { dim: checkDim(o.dim) };
    const storage = o.storage ?? 'f32';
    if (!MULTI_VECTOR_STORAGES.includes(storage)) throw invalidParameter('storage', `one of ${MULTI_VECTOR_STORAGES.map((s) => `'${s}'`).join(', ')}`, storage);
    nativeOptions.storage = storage;
    if (o.idType !== undefined) {
      if (o.idType !== 'number' && o.idType !== 'string') throw invalidParameter('idType', "'number' or 'string'", o.idType);
      nativeOptions.idType = o.idType;
    }
    if (o.poolFactor !== undefined) {
      if (typeof o.poolFactor !== 'number' || !Number.isFinite(o.poolFactor) || o.poolFactor < 1)
        throw invalidParameter('poolFactor', 'a finite number >= 1', o.poolFactor);
      nativeOptions.poolFactor = o.poolFactor;
    }
    if (o.protectedTokens !== undefined) {
      if (typeof o.protectedTokens !== 'number' || !Number.isInteger(o.protectedTokens) || o.protectedTokens < 0 || o.protectedTokens > 0xffffffff)
        throw invalidParameter('protectedTokens', 'a non-negative integer', o.protectedTokens);
      nativeOptions.protectedTokens = o.protectedTokens;
    }
    if (o.compactThreshold !== undefined) {
      if (typeof o.compactThreshold !== 'number' || !(o.compactThreshold > 0 && o.compactThreshold <= 1))
        throw invalidParameter('compactThreshold', 'a number in (0, 1]', o.compactThreshold);
      nativeOptions.compactThreshold = o.compactThreshold;
    }
    if (o.exactPruning !== undefined) {
      if (typeof o.exactPruning !== 'boolean') throw invalidParameter('exactPruning', 'a boolean', o.exactPruning);
      if (o.exactPruning && storage !== 'f32' && storage !== 'f16')
        throw invalidParameter('exactPruning', `false with storage '${storage}' (the sketch only pays off over 'f32' or 'f16')`, o.exactPruning);
      nativeOptions.exactPruning = o.exactPruning;
    }
    candidateNativeOptions(o, nativeOptions);
    const dim = nativeOptions.dim as number;
    if (o.pqSubspaces !== undefined) {
      if (typeof o.pqSubspaces !== 'number' || !Number.isInteger(o.pqSubspaces) || o.pqSubspaces < 1 || o.pqSubspaces > dim || dim % o.pqSubspaces !== 0)
        throw invalidParameter('pqSubspaces', `a divisor of dim (${dim})`, o.pqSubspaces);
      nativeOptions.pqSubspaces = o.pqSubspaces;
    }
    if (o.pqBits !== undefined) {
      if (o.pqBits !== 4 && o.pqBits !== 8) throw invalidParameter('pqBits', '4 or 8', o.pqBits);
      nativeOptions.pqBits = o.pqBits;
    }
    if (o.residualBits !== undefined) {
      if (o.residualBits !== 1 && o.residualBits !== 2 && o.residualBits !== 4) throw invalidParameter('residualBits', '1, 2 or 4', o.residualBits);
      nativeOptions.residualBits = o.residualBits;
    }
    if (o.residualCentroids !== undefined) {
      if (typeof o.residualCentroids !== 'number' || !Number.isInteger(o.residualCentroids) || o.residualCentroids < 1 || o.residualCentroids > 1 << 20)
        throw invalidParameter('residualCentroids', 'an integer in [1, 2^20]', o.residualCentroids);
      nativeOptions.residualCentroids = o.residualCentroids;
    }
    const device = o.device === undefined ? 'cpu' : checkDevice(o.device, 'device');
    const h = callNative(() => new Native(nativeOptions));
    this.attach(h, device);
  }

  private attach(h: NativeIndex, device: SearchDevice): void {
    handles.set(this, h);
    defaultDevices.set(this, device);
    const info = h.info();
    Object.defineProperty(this, 'dim', { value: info.dim, enumerable: true });
    Object.defineProperty(this, 'storage', { value: info.storage, enumerable: true });
  }

  /** Loads a saved index. With { mmap: true } the tokens stay in the mapped file (read-only index). */
  static load(path: string, options: LoadOptions = {}): MultiVectorIndex {
    const { device, mmap } = loadArgs(path, options);
    return MultiVectorIndex.wrap(callNative(() => new Native({ load: path, mmap })), device);
  }

  /** load() off the main thread: the file is read (or mapped) and checked on the thread pool. */
  static async loadAsync(path: string, options: LoadOptions = {}): Promise<MultiVectorIndex> {
    const { device, mmap } = loadArgs(path, options);
    const loaded = await awaitNative(() => nativeLoadAsync(path, mmap));
    return MultiVectorIndex.wrap(callNative(() => new Native({ loaded })), device);
  }

  private static wrap(h: NativeIndex, device: SearchDevice): MultiVectorIndex {
    const ix = Object.create(MultiVectorIndex.prototype) as MultiVectorIndex;
    ix.attach(h, device);
    return ix;
  }

  /** The id type ('number' or 'string'), or undefined before the first add when not set. */
  get idType(): IdType | undefined {
    return handle(this).info().idType;
  }

  /** True for an index loaded with { mmap: true }. */
  get readOnly(): boolean {
    return handle(this).info().readOnly;
  }

  /** Whether exact search prunes with the int8 sketch (see the exactPruning option). */
  get exactPruning(): boolean {
    return handle(this).info().exactPruning;
  }

  /** Live documents. */
  get size(): number {
    const h = handle(this);
    return callNative(() => h.size());
  }

  /**
   * Adds documents: `tokens` is a flat (totalTokens × dim) Float32Array with `offsets` (n + 1
   * prefix sums in tokens), or an array of per-document Float32Arrays (no offsets). Tokens are
   * encoded straight into the store, a chunk of documents at a time; the input is never
   * copied whole. An id already present, or repeated, gives ERR_DUPLICATE_ID (use upsert);
   * NaN or Infinity gives ERR_NON_FINITE. All-or-nothing.
   */
  add(ids: readonly DocId[] | ArrayLike<number>, tokens: Float32Array | readonly Float32Array[], offsets?: Uint32Array): void {
    addDocuments(handle(this), this.dim, ids, tokens, offsets, false);
  }

  /** Like add(), but an id already present has its document replaced. */
  upsert(ids: readonly DocId[] | ArrayLike<number>, tokens: Float32Array | readonly Float32Array[], offsets?: Uint32Array): void {
    addDocuments(handle(this), this.dim, ids, tokens, offsets, true);
  }

  /**
   * add() on the thread pool, off the main thread: `tokens` and `offsets` as for add(), then
   * `{ onProgress(done, total) }`, called on the main thread with documents pooled and encoded
   * (ending with total, total). Do not modify the inputs until the promise settles.
   */
  addAsync(ids: readonly DocId[] | ArrayLike<number>, tokens: Float32Array, offsets: Uint32Array, options?: AddOptions): Promise<void>;
  addAsync(ids: readonly DocId[] | ArrayLike<number>, tokens: readonly Float32Array[], options?: AddOptions): Promise<void>;
  addAsync(ids: readonly DocId[] | ArrayLike<number>, tokens: Float32Array | readonly Float32Array[], a?: unknown, b?: unknown): Promise<void> {
    return addAsyncImpl(this, ids, tokens, a, b, false);
  }

  /** upsert() off the main thread; arguments as for addAsync(). */
  upsertAsync(ids: readonly DocId[] | ArrayLike<number>, tokens: Float32Array, offsets: Uint32Array, options?: AddOptions): Promise<void>;
  upsertAsync(ids: readonly DocId[] | ArrayLike<number>, tokens: readonly Float32Array[], options?: AddOptions): Promise<void>;
  upsertAsync(ids: readonly DocId[] | ArrayLike<number>, tokens: Float32Array | readonly Float32Array[], a?: unknown, b?: unknown): Promise<void> {
    return addAsyncImpl(this, ids, tokens, a, b, true);
  }

  /**
   * Deletes documents (tombstones; see compactThreshold). An unknown id gives ERR_UNKNOWN_ID
   * and deletes nothing. Returns how many documents were deleted.
   */
  delete(ids: readonly DocId[] | ArrayLike<number>): number {
    const h = handle(this);
    const i = idsArg(ids, 'ids', h.info().idType);
    return callNative(() => h.delete(i));
  }

  /** delete() off the main thread (a delete that passes compactThreshold compacts the store). */
  async deleteAsync(ids: readonly DocId[] | ArrayLike<number>): Promise<number> {
    const h = handle(this);
    const i = idsArg(ids, 'ids', h.info().idType);
    return awaitNative(() => h.deleteAsync(i));
  }

  /** Drops tombstoned documents now, rebuilding the token store without re-encoding. */
  compact(): void {
    const h = handle(this);
    callNative(() => h.compact());
  }

  /** compact() off the main thread. */
  async compactAsync(): Promise<void> {
    const h = handle(this);
    await awaitNative(() => h.compactAsync());
  }

  /**
   * Trains a compressed storage's codec on a sample of tokens ((rows × dim) f32). Element-wise
   * storage ('f32', 'f16', 'bf16', 'int8', 'binary') needs no training and ignores it.
   */
  train(sample: Float32Array): void {
    const h = handle(this);
    const s = checkFloat32(sample, 'sample');
    if (s.length === 0 || s.length % this.dim !== 0)
      throw new MaxsimError('ERR_DIMENSION_MISMATCH', `sample length ${s.length} is not a positive multiple of dim ${this.dim}`);
    callNative(() => h.train(s));
  }

  /** train() off the main thread. Do not modify the sample until the promise settles. */
  async trainAsync(sample: Float32Array): Promise<void> {
    const h = handle(this);
    const s = checkFloat32(sample, 'sample');
    if (s.length === 0 || s.length % this.dim !== 0)
      throw new MaxsimError('ERR_DIMENSION_MISMATCH', `sample length ${s.length} is not a positive multiple of dim ${this.dim}`);
    await awaitNative(() => h.trainAsync(s));
  }

  has(id: DocId): boolean {
    const h = handle(this);
    return callNative(() => h.has(oneId(id)));
  }

  /** A document's stored tokens decoded to f32 ((count × dim), after pooling). ERR_UNKNOWN_ID if absent. */
  get(id: DocId): Float32Array {
    const h = handle(this);
    const i = oneId(id);
    return callNative(() => h.get(i));
  }

  /** Ids of the live documents, in insertion order (upserted documents move to the end). */
  ids(): Float64Array | string[] {
    const h = handle(this);
    return callNative(() => h.ids());
  }

  /** Exact MaxSim search of one query ((nq × dim) f32) over every live document. */
  search(query: Float32Array, options?: SearchOptions): SearchResult {
    const h = handle(this);
    const q = checkQuery(query, this.dim);
    const { k, filter, params } = searchOptions(options, deviceOf(this));
    const [mode, f] = filterArgs(filter, h.info().idType);
    return callNative(() => h.search(q, k, mode, f, params));
  }

  /** search() on the thread pool, off the main thread. Do not modify the query until it settles. */
  async searchAsync(query: Float32Array, options?: SearchOptions): Promise<SearchResult> {
    const h = handle(this);
    const q = checkQuery(query, this.dim);
    const { k, filter, params } = searchOptions(options, deviceOf(this));
    const [mode, f] = filterArgs(filter, h.info().idType);
    return awaitNative(() => h.searchAsync(q, k, mode, f, params));
  }

  /**
   * Uploads the live documents to a CUDA device (default 0) for `device: 'cuda'` searches:
   * 'f32' (scored as TF32), 'f16' or 'bf16' storage. Any later add, delete or compaction drops
   * the GPU copy; call toDevice() again. ERR_CUDA_UNAVAILABLE without a GPU or CUDA build,
   * ERR_CUDA_OOM when it does not fit.
   */
  toDevice(options: { device?: number } = {}): void {
    const h = handle(this);
    const d = gpuIndex(options);
    callNative(() => h.toDevice(d));
  }

  /** toDevice() off the main thread. */
  async toDeviceAsync(options: { device?: number } = {}): Promise<void> {
    const h = handle(this);
    const d = gpuIndex(options);
    return awaitNative(() => h.toDeviceAsync(d));
  }

  /** Frees the GPU copy now. */
  releaseDevice(): void {
    const h = handle(this);
    callNative(() => h.releaseDevice());
  }

  /** Whether a GPU copy made by toDevice() is current. */
  get onDevice(): boolean {
    return handle(this).deviceState().onDevice;
  }

  /** Bytes the GPU copy holds in device memory (0 without one). */
  get deviceBytes(): number {
    return handle(this).deviceState().deviceBytes;
  }

  private batchArgs(queries: unknown, queryOffsets: unknown) {
    const q = checkQuery(queries, this.dim, 'queries');
    const qo = checkOffsets(checkUint32(queryOffsets, 'queryOffsets'), q.length / this.dim, 'queryOffsets');
    for (let i = 1; i < qo.length; i++)
      if (qo[i] === qo[i - 1]) throw new MaxsimError('ERR_EMPTY_QUERY', `queries: query ${i - 1} has no tokens`);
    return { q, qo };
  }

  /** Many queries at once (query i = rows queryOffsets[i] .. queryOffsets[i+1]); one result per query. */
  searchBatch(queries: Float32Array, queryOffsets: Uint32Array, options?: SearchOptions): SearchResult[] {
    const h = handle(this);
    const { q, qo } = this.batchArgs(queries, queryOffsets);
    const { k, filter, params } = searchOptions(options, deviceOf(this));
    const [mode, f] = filterArgs(filter, h.info().idType);
    return callNative(() => h.searchBatch(q, qo, k, mode, f, params));
  }

  async searchBatchAsync(queries: Float32Array, queryOffsets: Uint32Array, options?: SearchOptions): Promise<SearchResult[]> {
    const h = handle(this);
    const { q, qo } = this.batchArgs(queries, queryOffsets);
    const { k, filter, params } = searchOptions(options, deviceOf(this));
    const [mode, f] = filterArgs(filter, h.info().idType);
    return awaitNative(() => h.searchBatchAsync(q, qo, k, mode, f, params));
  }

  /** Writes the index atomically (temporary file, fsync, rename). Only live documents are written. */
  save(path: string): void {
    const h = handle(this);
    if (typeof path !== 'string' || path.length === 0) throw invalidParameter('path', 'a non-empty string', path);
    callNative(() => h.save(path));
  }

  /** save() off the main thread (the same temporary file, fsync and rename). */
  async saveAsync(path: string): Promise<void> {
    const h = handle(this);
    if (typeof path !== 'string' || path.length === 0) throw invalidParameter('path', 'a non-empty string', path);
    await awaitNative(() => h.saveAsync(path));
  }

  stats(): MultiVectorIndexStats {
    const h = handle(this);
    return callNative(() => h.stats()) as MultiVectorIndexStats;
  }

  /** The candidate strategy ('exact' when none). */
  get candidates(): CandidateStrategy {
    return handle(this).info().candidates;
  }

  /** The index's default candidate parameters (set by tune() or setSearchDefaults(); persisted). */
  get searchDefaults(): CandidateSearchParams {
    return handle(this).info().searchDefaults;
  }

  /** Sets the default candidate parameters searches use when they pass none. */
  setSearchDefaults(params: CandidateSearchParams): void {
    const h = handle(this);
    const p = checkCandidateParams(params, 'params');
    callNative(() => h.setSearchDefaults(p));
  }

  /** True once plaid's centroids have drifted past plaid.retrainDrift (see stats().candidateStats). */
  get needsRetrain(): boolean {
    return this.stats().candidateStats?.needsRetrain === true;
  }

  /**
   * Rebuilds the candidate structure from the live documents: plaid re-trains its centroids and
   * re-assigns every token; muvera rebuilds its graph (dropping tombstones). Compacts first.
   */
  retrain(): void {
    const h = handle(this);
    if (this.candidates === 'exact') throw invalidParameter('candidates', "'muvera' or 'plaid' for retrain()", 'exact');
    callNative(() => h.retrain());
  }

  /** retrain() off the main thread. */
  async retrainAsync(): Promise<void> {
    const h = handle(this);
    if (this.candidates === 'exact') throw invalidParameter('candidates', "'muvera' or 'plaid' for retrain()", 'exact');
    await awaitNative(() => h.retrainAsync());
  }

  /**
   * Measures recall@k against exact search on sample queries and keeps, as the index's
   * defaults, the fastest parameters reaching `targetRecall` (see lib/mvindex/tune.ts).
   */
  tune(sampleQueries: Float32Array, queryOffsets: Uint32Array, options: TuneOptions = {}): TuneResult {
    const h = handle(this);
    const strategy = this.candidates;
    if (strategy === 'exact') throw invalidParameter('candidates', "'muvera' or 'plaid' for tune()", strategy);
    if (typeof options !== 'object' || options === null) throw invalidParameter('options', 'an object { targetRecall, k }', options);
    const target = options.targetRecall ?? 0.95;
    if (typeof target !== 'number' || !(target > 0 && target <= 1)) throw invalidParameter('targetRecall', 'a number in (0, 1]', target);
    const k = options.k === undefined ? 10 : checkK(options.k);
    const { q, qo } = this.batchArgs(sampleQueries, queryOffsets);
    const nq = qo.length - 1;
    if (nq === 0) throw invalidParameter('queryOffsets', 'at least one sample query', qo.length);
    const result = tuneCandidates(strategy, (params) => callNative(() => h.searchBatch(q, qo, k, 0, undefined, params)), nq, k, target, this.size);
    callNative(() => h.setSearchDefaults(result.params));
    return result;
  }
}

/** Options of {@link poolTokens}. */
export interface PoolTokensOptions {
  /** Leading rows kept as they are (default 0). */
  protectedTokens?: number;
  /**
   * What Ward compares: `'f32'` (default) the rows' unit directions, `'int8'` the directions of
   * their 8-bit codes, as add() does for storage of 8 bits a value or fewer ('int8', 'binary',
   * 'pq', 'residual'). Cluster means are taken over the f32 rows either way.
   */
  precision?: 'f32' | 'int8';
}

/**
 * The pooling add() applies to one document ((n × dim) f32): the rows it would store.
 * Exposed for inspection and tests. The fourth argument is the options, or for short the
 * number of protected tokens. NaN or ±Infinity anywhere in `tokens` gives ERR_NON_FINITE.
 */
export function poolTokens(tokens: Float32Array, dim: number, poolFactor: number, options: number | PoolTokensOptions = {}): Float32Array {
  checkDim(dim);
  const t = checkFloat32(tokens, 'tokens');
  if (t.length % dim !== 0) throw new MaxsimError('ERR_DIMENSION_MISMATCH', `tokens length ${t.length} is not a multiple of dim ${dim}`);
  if (typeof poolFactor !== 'number' || !Number.isFinite(poolFactor) || poolFactor < 1) throw invalidParameter('poolFactor', 'a finite number >= 1', poolFactor);
  const o: PoolTokensOptions = typeof options === 'number' ? { protectedTokens: options } : options;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) throw invalidParameter('options', 'an object or a number of protected tokens', options);
  const protectedTokens = o.protectedTokens ?? 0;
  if (!Number.isInteger(protectedTokens) || protectedTokens < 0) throw invalidParameter('protectedTokens', 'a non-negative integer', protectedTokens);
  const precision = o.precision ?? 'f32';
  if (precision !== 'f32' && precision !== 'int8') throw invalidParameter('precision', "'f32' or 'int8'", precision);
  const fn = (native as unknown as { mvPoolTokens: (t: Float32Array, dim: number, f: number, p: number, int8: boolean) => Float32Array }).mvPoolTokens;
  return callNative(() => fn(t, dim, poolFactor, protectedTokens, precision === 'int8'));
}


