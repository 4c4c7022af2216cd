/**
 * HNSW approximate nearest-neighbour index over one vector per id (see docs/hnsw.md).
 *
 * Scores: for 'l2' the squared Euclidean distance, ascending (smaller is closer); for 'ip' the
 * inner product and for 'cosine' the cosine similarity, descending (larger is closer).
 * Ids are unsigned 64-bit integers, given as numbers (safe integers) or bigints, and always
 * returned as a BigUint64Array.
 *
 * Every method is safe to call while async inserts, deletes or searches run: searches see each
 * insert either not at all or completely, and never return an id deleted before they started.
 */
import { MaxsimError, awaitNative, invalidParameter, toMaxsimError } from './errors';
import { native } from './native';
import { checkDim, checkFunction, checkOptions, checkPositiveInt } from './validate';

export type HnswMetric = 'l2' | 'ip' | 'cosine';
export type HnswStorage = 'f32' | 'f16' | 'int8' | 'pq';
export type HnswId = number | bigint;
/** Ids as a BigUint64Array, a typed array of integers, or any iterable of numbers / bigints. */
export type HnswIds = BigUint64Array | Uint32Array | Int32Array | Float64Array | Iterable<HnswId>;
/** An allow-list (only these ids may be returned) or { deny } (these ids are never returned). */
export type HnswFilter = HnswIds | Set<HnswId> | { deny: HnswIds | Set<HnswId> };

export interface HnswOptions {
  dim: number;
  metric: HnswMetric;
  /** Links per node (2M on the bottom level). Default 16. */
  M?: number;
  /** Beam width while inserting. Default 200. */
  efConstruction?: number;
  /** Default beam width of searches. Default 64. */
  ef?: number;
  /**
   * How vectors are stored: 'f32' (default, exact), 'f16', 'int8', or 'pq' (product quantization:
   * pqSubspaces bytes a vector plus a 256·dim·4-byte codebook, searched by asymmetric distance).
   * 'pq' learns its codebooks from the first add() (at least 256 vectors) or from train().
   */
  storage?: HnswStorage;
  /** storage 'pq': sub-spaces M = bytes per vector; must divide dim. Default: the largest divisor of dim that is at most dim / 8. */
  pqSubspaces?: number;
}

export interface HnswSearchOptions {
  /** Beam width for this search (raised to k when smaller). Default: the index's ef. */
  ef?: number;
  filter?: HnswFilter;
}

export interface HnswSearchResult {
  ids: BigUint64Array;
  /** l2: squared distance, ascending; ip / cosine: similarity, descending. */
  scores: Float32Array;
}

export interface HnswAddOptions {
  /** Called on the main thread with (done, total) while an async insert runs. */
  onProgress?: (done: number, total: number) => void;
}

export interface HnswStats {
  size: number;
  slots: number;
  deleted: number;
  capacity: number;
  maxLevel: number;
  vectorBytes: number;
  level0LinkBytes: number;
  upperLinkBytes: number;
  labelBytes: number;
  idMapBytes: number;
  visitedBytes: number;
  /** storage 'pq': the codebooks (256·dim f32); 0 otherwise. */
  codebookBytes: number;
  totalBytes: number;
}

interface NativeHnsw {
  add(v: Float32Array, ids: BigUint64Array): void;
  addAsync(v: Float32Array, ids: BigUint64Array, cb?: (d: number, t: number) => void): Promise<void>;
  upsert(v: Float32Array, ids: BigUint64Array): void;
  upsertAsync(v: Float32Array, ids: BigUint64Array, cb?: (d: number, t: number) => void): Promise<void>;
  remove(ids: BigUint64Array): number;
  removeAsync(ids: BigUint64Array): Promise<number>;
  search(q: Float32Array, k: number, ef: number, mode: number, ids: BigUint64Array | undefined): HnswSearchResult;
  searchInto(q: Float32Array, k: number, ef: number, mode: number, ids: BigUint64Array | undefined, outIds: BigUint64Array, outScores: Float32Array): number;
  searchAsync(q: Float32Array, k: number, ef: number, mode: number, ids: BigUint64Array | undefined): Promise<HnswSearchResult>;
  searchBatch(q: Float32Array, k: number, ef: number, mode: number, ids: BigUint64Array | undefined): NativeBatch;
  searchBatchAsync(q: Float32Array, k: number, ef: number, mode: number, ids: BigUint64Array | undefined): Promise<NativeBatch>;
  has(id: bigint): boolean;
  getVector(id: bigint): Float32Array | null;
  size(): number;
  stats(): HnswStats;
  info(): { dim: number; metric: HnswMetric; storage: HnswStorage; M: number; efConstruction: number; ef: number; readOnly: boolean; pqSubspaces: number; trained: boolean };
  train(sample: Float32Array): void;
  trainAsync(sample: Float32Array): Promise<void>;
  setEf(ef: number): void;
  save(path: string): void;
  saveAsync(path: string): Promise<void>;
  compact(): void;
  compactAsync(): Promise<void>;
  checkIntegrity(): boolean;
}
interface NativeBatch {
  ids: BigUint64Array;
  scores: Float32Array;
  counts: Uint32Array;
}
type NativeCtor = new (...args: unknown[]) => NativeHnsw;

const NativeClass = native.NativeHnsw as NativeCtor;
const nativeLoad = native.hnswLoad as (path: string, mmap: boolean) => unknown;
const nativeLoadAsync = native.hnswLoadAsync as (path: string, mmap: boolean) => Promise<unknown>;

const METRICS: Record<HnswMetric, number> = { l2: 0, ip: 1, cosine: 2 };
const STORAGES: Record<HnswStorage, number> = { f32: 0, f16: 1, int8: 2, pq: 3 };
const HANDLE = Symbol('maxsim.hnsw');
// Per-index scratch for synchronous search results (JS is single-threaded, so one pair per
// index is never shared by two calls in flight); results are sliced out of it.
const OUT = Symbol('maxsim.hnsw.out');
const MAX_ID = (1n << 64n) - 1n;

function toId(v: unknown, name: string): bigint {
  if (typeof v === 'bigint') {
    if (v < 0n || v > MAX_ID) throw invalidParameter(name, 'an unsigned 64-bit integer', v);
    return v;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  throw invalidParameter(name, 'a non-negative safe integer or a bigint', v);
}

/** Normalises any id list to a BigUint64Array (a BigUint64Array is used as is, no copy). */
export function toIdArray(ids: unknown, name = 'ids'): BigUint64Array {
  if (ids instanceof BigUint64Array) return ids;
  if (ids instanceof BigInt64Array) {
    for (let i = 0; i < ids.length; i++) if (ids[i] < 0n) throw invalidParameter(`${name}[${i}]`, 'non-negative', ids[i]);
    return new BigUint64Array(ids.buffer, ids.byteOffset, ids.length);
  }
  if (ArrayBuffer.isView(ids) && !(ids instanceof DataView)) {
    const a = ids as unknown as ArrayLike<number>;
    const out = new BigUint64Array(a.length);
    for (let i = 0; i < a.length; i++) out[i] = toId(a[i], `${name}[${i}]`);
    return out;
  }
  if (ids !== null && typeof ids === 'object' && Symbol.iterator in (ids as object)) {
    const list: bigint[] = [];
    let i = 0;
    for (const v of ids as Iterable<unknown>) list.push(toId(v, `${name}[${i++}]`));
    return BigUint64Array.from(list);
  }
  throw invalidParameter(name, 'a BigUint64Array, a typed array, an array or a Set of ids', ids);
}

function filterArgs(filter: unknown): [number, BigUint64Array | undefined] {
  if (filter === undefined) return [0, undefined];
  if (filter !== null && typeof filter === 'object' && !ArrayBuffer.isView(filter) && 'deny' in (filter as object) &&
      !(Symbol.iterator in (filter as object)))
    return [2, toIdArray((filter as { deny: unknown }).deny, 'filter.deny')];
  return [1, toIdArray(filter, 'filter')];
}

function checkEf(ef: unknown, name = 'ef'): number {
  if (ef === undefined) return 0;
  return checkPositiveInt(ef, name, 100000);
}

function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > 100000)
    throw invalidParameter('k', 'an integer in [1, 100000]', k);
  return k;
}

function handle(self: unknown): NativeHnsw {
  const h = self !== null && typeof self === 'object' ? (self as { [HANDLE]?: NativeHnsw })[HANDLE] : undefined;
  if (h === undefined) throw new MaxsimError('ERR_INVALID_ARGUMENT', 'this is not an HnswIndex');
  return h;
}

export class HnswIndex {
  /** @internal */
  readonly [HANDLE]: NativeHnsw;
  /** @internal */
  private [OUT]: { ids: BigUint64Array; scores: Float32Array } = { ids: new BigUint64Array(16), scores: new Float32Array(16) };
  /** Vector dimension. */
  readonly dim: number;
  readonly metric: HnswMetric;
  readonly storage: HnswStorage;
  readonly M: number;
  readonly efConstruction: number;
  /** storage 'pq': sub-spaces (bytes per vector); 0 for the other storages. */
  readonly pqSubspaces: number;

  constructor(options: HnswOptions);
  /** @internal */
  constructor(options: HnswOptions, loaded: unknown);
  constructor(options: HnswOptions, loaded?: unknown) {
    let h: NativeHnsw;
    if (loaded !== undefined) {
      h = wrap(() => new NativeClass(loaded));
    } else {
      if (options === null || typeof options !== 'object') throw invalidParameter('options', 'an object', options);
      const dim = checkDim(options.dim, 'dim');
      const metric = options.metric;
      if (!(typeof metric === 'string' && metric in METRICS)) throw invalidParameter('metric', "'l2', 'ip' or 'cosine'", metric);
      const storage = options.storage ?? 'f32';
      if (!(typeof storage === 'string' && storage in STORAGES)) throw invalidParameter('storage', "'f32', 'f16', 'int8' or 'pq'", storage);
      let pqSubspaces = 0;
      if (options.pqSubspaces !== undefined) {
        if (storage !== 'pq') throw invalidParameter('pqSubspaces', "omitted unless storage is 'pq'", options.pqSubspaces);
        pqSubspaces = checkPositiveInt(options.pqSubspaces, 'pqSubspaces', 65536);
        if (dim % pqSubspaces !== 0) throw invalidParameter('pqSubspaces', `a divisor of dim ${dim}`, pqSubspaces);
      }
      const M = options.M === undefined ? 16 : checkPositiveInt(options.M, 'M', 256);
      if (M < 2) throw invalidParameter('M', 'an integer in [2, 256]', M);
      const efC = options.efConstruction === undefined ? 200 : checkPositiveInt(options.efConstruction, 'efConstruction', 100000);
      const ef = options.ef === undefined ? 64 : checkPositiveInt(options.ef, 'ef', 100000);
      h = wrap(() => new NativeClass(dim, METRICS[metric], STORAGES[storage], M, efC, ef, pqSubspaces));
    }
    const info = h.info();
    this[HANDLE] = h;
    this.dim = info.dim;
    this.metric = info.metric;
    this.storage = info.storage;
    this.M = info.M;
    this.efConstruction = info.efConstruction;
    this.pqSubspaces = info.pqSubspaces;
  }

  /** Loads a file written by save(). With { mmap: true } vectors and links are served from a read-only memory map. */
  static load(path: string, options: { mmap?: boolean } = {}): HnswIndex {
    if (typeof path !== 'string') throw invalidParameter('path', 'a string', path);
    const o = checkOptions(options, 'options', 'mmap');
    const loaded = wrap(() => nativeLoad(path, !!o.mmap));
    return new HnswIndex(undefined as unknown as HnswOptions, loaded);
  }

  static async loadAsync(path: string, options: { mmap?: boolean } = {}): Promise<HnswIndex> {
    if (typeof path !== 'string') throw invalidParameter('path', 'a string', path);
    const o = checkOptions(options, 'options', 'mmap');
    const loaded = await awaitNative(() => nativeLoadAsync(path, !!o.mmap));
    return new HnswIndex(undefined as unknown as HnswOptions, loaded);
  }

  /** Number of live (not deleted) vectors. */
  get size(): number {
    const h = handle(this);
    return wrap(() => h.size());
  }

  /** Default beam width of searches. */
  get ef(): number {
    return handle(this).info().ef;
  }
  set ef(v: number) {
    const h = handle(this);
    const ef = checkPositiveInt(v, 'ef', 100000);
    wrap(() => h.setEf(ef));
  }

  /** False for storage 'pq' until its codebooks are learned (by train() or the first add()). */
  get trained(): boolean {
    return handle(this).info().trained;
  }

  /**
   * storage 'pq': learns the codebooks from a sample (n x dim, n >= 256) before the first add();
   * without it the first add() trains on its own batch. ERR_INVALID_ARGUMENT for other storages,
   * for fewer than 256 vectors, or once the index holds vectors.
   */
  train(sample: Float32Array | Float32Array[]): void {
    const h = handle(this);
    const v = this.rows(sample, 'sample');
    wrap(() => h.train(v));
  }

  /** train() off the main thread. Do not modify the sample until it settles. */
  trainAsync(sample: Float32Array | Float32Array[]): Promise<void> {
    try {
      const h = handle(this);
      const v = this.rows(sample, 'sample');
      return awaitNative(() => h.trainAsync(v));
    } catch (e) {
      return Promise.reject(toMaxsimError(e));
    }
  }

  /** True for an index loaded with { mmap: true }: every mutation throws. */
  get readOnly(): boolean {
    return handle(this).info().readOnly;
  }

  /**
   * Inserts vectors (n x dim, row-major, or an array of rows) under ids, in parallel on the
   * thread pool. ERR_DUPLICATE_ID (nothing inserted) when an id exists already or repeats.
   */
  add(vectors: Float32Array | Float32Array[], ids: HnswIds): void {
    const h = handle(this);
    const [v, i] = this.batch(vectors, ids);
    wrap(() => h.add(v, i));
  }

  /** add() off the main thread. Do not modify the inputs until it settles. */
  addAsync(vectors: Float32Array | Float32Array[], ids: HnswIds, options: HnswAddOptions = {}): Promise<void> {
    return this.addAsyncImpl(vectors, ids, options, false);
  }

  /** Like add(), but an existing id has its vector replaced. */
  upsert(vectors: Float32Array | Float32Array[], ids: HnswIds): void {
    const h = handle(this);
    const [v, i] = this.batch(vectors, ids);
    wrap(() => h.upsert(v, i));
  }

  upsertAsync(vectors: Float32Array | Float32Array[], ids: HnswIds, options: HnswAddOptions = {}): Promise<void> {
    return this.addAsyncImpl(vectors, ids, options, true);
  }

  /** Deletes ids (tombstones: never returned again). ERR_UNKNOWN_ID (nothing deleted) when one is absent. */
  delete(ids: HnswIds | HnswId): number {
    const h = handle(this);
    const list = typeof ids === 'number' || typeof ids === 'bigint' ? BigUint64Array.of(toId(ids, 'id')) : toIdArray(ids);
    return wrap(() => h.remove(list));
  }

  deleteAsync(ids: HnswIds | HnswId): Promise<number> {
    const h = handle(this);
    const list = typeof ids === 'number' || typeof ids === 'bigint' ? BigUint64Array.of(toId(ids, 'id')) : toIdArray(ids);
    return awaitNative(() => h.removeAsync(list));
  }

  /** The k nearest live vectors, best first (fewer when fewer pass the filter). */
  search(query: Float32Array, k: number, options?: HnswSearchOptions): HnswSearchResult {
    const h = handle(this);
    if (!(query instanceof Float32Array)) throw invalidParameter('query', 'a Float32Array', query);
    checkK(k);
    let out = this[OUT];
    if (out.ids.length < k) out = this[OUT] = { ids: new BigUint64Array(k), scores: new Float32Array(k) };
    let n: number;
    try {
      if (options === undefined) n = h.searchInto(query, k, 0, 0, undefined, out.ids, out.scores);
      else {
        const o = checkOptions(options, 'options', 'ef, filter');
        const [mode, ids] = filterArgs(o.filter);
        n = h.searchInto(query, k, checkEf(o.ef), mode, ids, out.ids, out.scores);
      }
    } catch (e) {
      throw toMaxsimError(e);
    }
    return { ids: out.ids.slice(0, n), scores: out.scores.slice(0, n) };
  }

  /** search() on a worker thread. */
  searchAsync(query: Float32Array, k: number, options: HnswSearchOptions = {}): Promise<HnswSearchResult> {
    const h = handle(this);
    if (!(query instanceof Float32Array)) return Promise.reject(invalidParameter('query', 'a Float32Array', query));
    try {
      checkK(k);
      const o = checkOptions(options, 'options', 'ef, filter');
      const [mode, ids] = filterArgs(o.filter);
      return awaitNative(() => h.searchAsync(query, k, checkEf(o.ef), mode, ids));
    } catch (e) {
      return Promise.reject(toMaxsimError(e));
    }
  }

  /** Many queries (nq x dim, row-major, or an array of rows) in parallel; one result per query. */
  searchBatch(queries: Float32Array | Float32Array[], k: number, options: HnswSearchOptions = {}): HnswSearchResult[] {
    const h = handle(this);
    const q = this.rows(queries, 'queries');
    checkK(k);
    const o = checkOptions(options, 'options', 'ef, filter');
    const [mode, ids] = filterArgs(o.filter);
    const ef = checkEf(o.ef);
    return splitBatch(wrap(() => h.searchBatch(q, k, ef, mode, ids)), k);
  }

  async searchBatchAsync(queries: Float32Array | Float32Array[], k: number, options: HnswSearchOptions = {}): Promise<HnswSearchResult[]> {
    const h = handle(this);
    const q = this.rows(queries, 'queries');
    checkK(k);
    const o = checkOptions(options, 'options', 'ef, filter');
    const [mode, ids] = filterArgs(o.filter);
    const ef = checkEf(o.ef);
    return splitBatch(await awaitNative(() => h.searchBatchAsync(q, k, ef, mode, ids)), k);
  }

  has(id: HnswId): boolean {
    const h = handle(this);
    const v = toId(id, 'id');
    return wrap(() => h.has(v));
  }

  /** The stored vector (decoded from f16/int8/pq; unit-normalised for cosine), or undefined. */
  getVector(id: HnswId): Float32Array | undefined {
    const h = handle(this);
    const v = toId(id, 'id');
    return wrap(() => h.getVector(v)) ?? undefined;
  }

  /** Memory use by component, in bytes, and slot counts. */
  stats(): HnswStats {
    const h = handle(this);
    return wrap(() => h.stats());
  }

  /** Writes the index atomically (temporary file + rename). */
  save(path: string): void {
    const h = handle(this);
    if (typeof path !== 'string') throw invalidParameter('path', 'a string', path);
    wrap(() => h.save(path));
  }

  saveAsync(path: string): Promise<void> {
    const h = handle(this);
    if (typeof path !== 'string') return Promise.reject(invalidParameter('path', 'a string', path));
    return awaitNative(() => h.saveAsync(path));
  }

  /** Rebuilds the graph without tombstones (frees their memory; searches continue meanwhile). */
  compact(): void {
    const h = handle(this);
    wrap(() => h.compact());
  }

  compactAsync(): Promise<void> {
    const h = handle(this);
    return awaitNative(() => h.compactAsync());
  }

  /** @internal Verifies graph invariants; throws ERR_INTERNAL on a broken graph. For tests. */
  checkIntegrity(): boolean {
    const h = handle(this);
    return wrap(() => h.checkIntegrity());
  }

  private addAsyncImpl(vectors: Float32Array | Float32Array[], ids: HnswIds, options: HnswAddOptions, upsert: boolean): Promise<void> {
    try {
      const h = handle(this);
      const [v, i] = this.batch(vectors, ids);
      const cb = checkFunction<(done: number, total: number) => void>(checkOptions(options, 'options', 'onProgress').onProgress, 'onProgress');
      return awaitNative(() => (upsert ? h.upsertAsync(v, i, cb) : h.addAsync(v, i, cb)));
    } catch (e) {
      return Promise.reject(toMaxsimError(e));
    }
  }

  private rows(v: Float32Array | Float32Array[], name: string): Float32Array {
    const dim = handle(this) && this.dim;
    if (Array.isArray(v)) {
      const out = new Float32Array(v.length * dim);
      v.forEach((row, i) => {
        if (!(row instanceof Float32Array)) throw invalidParameter(`${name}[${i}]`, 'a Float32Array', row);
        if (row.length !== dim)
          throw new MaxsimError('ERR_DIMENSION_MISMATCH', `${name}[${i}] has length ${row.length}, expected dim ${dim}`);
        out.set(row, i * dim);
      });
      return out;
    }
    if (!(v instanceof Float32Array)) throw invalidParameter(name, 'a Float32Array or an array of Float32Array rows', v);
    if (v.length % dim !== 0)
      throw new MaxsimError('ERR_DIMENSION_MISMATCH', `${name} length ${v.length} is not a multiple of dim ${dim}`);
    return v;
  }

  private batch(vectors: Float32Array | Float32Array[], ids: HnswIds): [Float32Array, BigUint64Array] {
    const v = this.rows(vectors, 'vectors');
    const i = toIdArray(ids);
    if (i.length * this.dim !== v.length)
      throw new MaxsimError('ERR_DIMENSION_MISMATCH', `${i.length} ids need ${i.length * this.dim} values, vectors has ${v.length}`);
    return [v, i];
  }
}

function splitBatch(r: NativeBatch, k: number): HnswSearchResult[] {
  const out: HnswSearchResult[] = [];
  for (let i = 0; i < r.counts.length; i++) {
    const n = r.counts[i];
    out.push({ ids: r.ids.subarray(i * k, i * k + n), scores: r.scores.subarray(i * k, i * k + n) });
  }
  return out;
}

function wrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toMaxsimError(e);
  }
}
