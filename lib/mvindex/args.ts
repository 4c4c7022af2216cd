/**
 * Argument checks and conversions for MultiVectorIndex (../multi_vector_index.ts): ids,
 * documents, filters and search options in the forms the addon takes, each refused with a
 * MaxsimError naming the argument.
 */
import { MaxsimError, callNative, invalidParameter } from '../errors';
import { checkFloat32, checkFunction, checkK, checkOffsets, checkOptions } from '../validate';
import type { DocId, IdType, LoadOptions, SearchDevice, SearchOptions } from '../multi_vector_index';
import { CandidateSearchParams, checkCandidateParams } from './candidate_options';
import { NativeIndex } from './native_index';

/** ids -> what the addon takes: a Float64Array of integers or an array of strings. */
export function idsArg(ids: unknown, name: string, expectedKind: IdType | undefined): Float64Array | string[] {
  let out: Float64Array | string[];
  if (ids instanceof Float64Array) out = ids;
  else if (ids instanceof Uint32Array || ids instanceof Int32Array || ids instanceof Uint16Array || ids instanceof Uint8Array)
    out = Float64Array.from(ids);
  else if (typeof BigUint64Array !== 'undefined' && ids instanceof BigUint64Array) {
    out = new Float64Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidParameter(`${name}[${i}]`, 'an integer in [0, 2^53 - 1]', Number(ids[i]));
      out[i] = Number(ids[i]);
    }
  } else if (Array.isArray(ids)) {
    if (ids.length === 0) out = expectedKind === 'string' ? [] : new Float64Array(0);
    else if (typeof ids[0] === 'string') {
      ids.forEach((v, i) => { if (typeof v !== 'string') throw invalidParameter(`${name}[${i}]`, 'a string like the other ids', v); });
      out = ids as string[];
    } else {
      const f = new Float64Array(ids.length);
      ids.forEach((v, i) => { f[i] = v as number; });
      out = f;
    }
  } else {
    throw invalidParameter(name, 'an array of integers or strings (or an integer TypedArray)', ids);
  }
  if (out instanceof Float64Array) {
    for (let i = 0; i < out.length; i++) {
      const v = out[i];
      if (!Number.isInteger(v) || v < 0 || v > Number.MAX_SAFE_INTEGER) {
        const raw = Array.isArray(ids) ? ids[i] : v;
        throw invalidParameter(`${name}[${i}]`, 'an integer in [0, 2^53 - 1] or a string', raw);
      }
    }
  }
  if (expectedKind !== undefined && out.length > 0) {
    const kind: IdType = out instanceof Float64Array ? 'number' : 'string';
    if (kind !== expectedKind) throw invalidParameter(name, `${expectedKind} ids (this index's id type)`, ids);
  }
  return out;
}

export function oneId(id: unknown): DocId {
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isInteger(id) && id >= 0 && id <= Number.MAX_SAFE_INTEGER) return id;
  throw invalidParameter('id', 'an integer in [0, 2^53 - 1] or a string', id);
}

export function filterArgs(filter: unknown, kind: IdType | undefined): [number, Float64Array | string[] | undefined] {
  if (filter === undefined || filter === null) return [0, undefined];
  if (Array.isArray(filter)) return [1, idsArg(filter, 'filter', kind)];
  if (typeof filter === 'object') {
    const f = filter as { allow?: unknown; deny?: unknown };
    if (f.allow !== undefined && f.deny === undefined) return [1, idsArg(f.allow, 'filter.allow', kind)];
    if (f.deny !== undefined && f.allow === undefined) return [2, idsArg(f.deny, 'filter.deny', kind)];
  }
  throw invalidParameter('filter', 'an array of ids, { allow: ids } or { deny: ids }', filter);
}

export function gpuIndex(options: unknown): number {
  if (typeof options !== 'object' || options === null) throw invalidParameter('options', 'an object { device }', options);
  const d = (options as { device?: unknown }).device ?? 0;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 1024) throw invalidParameter('options.device', 'a CUDA device index (a non-negative integer)', d);
  return d;
}

type NativeParams = CandidateSearchParams & { exact?: boolean; device?: SearchDevice };

export function checkDevice(d: unknown, name: string): SearchDevice {
  if (d !== 'cpu' && d !== 'cuda') throw invalidParameter(name, "'cpu' or 'cuda'", d);
  return d;
}

export function searchOptions(opts: unknown, device: SearchDevice): { k: number; filter: unknown; params: NativeParams | undefined } {
  if (opts === undefined) return { k: 10, filter: undefined, params: device === 'cuda' ? { device } : undefined };
  if (typeof opts !== 'object' || opts === null) throw invalidParameter('options', 'an object { k, filter }', opts);
  const o = opts as SearchOptions;
  const params: NativeParams = checkCandidateParams(o);
  if (o.exact !== undefined) {
    if (typeof o.exact !== 'boolean') throw invalidParameter('exact', 'a boolean', o.exact);
    params.exact = o.exact;
  }
  params.device = o.device === undefined ? device : checkDevice(o.device, 'device');
  return { k: o.k === undefined ? 10 : checkK(o.k), filter: o.filter, params };
}

/** Documents as one flat buffer + offsets, or as an array of per-document Float32Arrays. */
export function documentsArgs(tokens: unknown, offsets: unknown, dim: number): { docs: Float32Array | Float32Array[]; offsets?: Uint32Array; count: number } {
  if (Array.isArray(tokens)) {
    if (offsets !== undefined) throw invalidParameter('offsets', 'omitted when documents are an array of Float32Array', offsets);
    tokens.forEach((d, i) => {
      if (!(d instanceof Float32Array)) throw invalidParameter(`documents[${i}]`, 'a Float32Array', d);
      if (d.length % dim !== 0)
        throw new MaxsimError('ERR_DIMENSION_MISMATCH', `documents[${i}] length ${d.length} is not a multiple of dim ${dim}`);
    });
    return { docs: tokens as Float32Array[], count: tokens.length };
  }
  const t = checkFloat32(tokens, 'tokens');
  if (t.length % dim !== 0) throw new MaxsimError('ERR_DIMENSION_MISMATCH', `tokens length ${t.length} is not a multiple of dim ${dim}`);
  const o = checkOffsets(offsets, t.length / dim);
  return { docs: t, offsets: o, count: o.length - 1 };
}

/** load / loadAsync: the path, and { mmap, device }. */
export function loadArgs(path: unknown, options: unknown): { device: SearchDevice; mmap: boolean } {
  if (typeof path !== 'string' || path.length === 0) throw invalidParameter('path', 'a non-empty string', path);
  if (typeof options !== 'object' || options === null) throw invalidParameter('options', 'an object { mmap }', options);
  const o = options as LoadOptions;
  return { device: o.device === undefined ? 'cpu' : checkDevice(o.device, 'options.device'), mmap: o.mmap === true };
}

/** The options argument of addAsync / upsertAsync. */
export function addOptions(options: unknown): { onProgress?: (done: number, total: number) => void } {
  const o = checkOptions(options, 'options', 'onProgress');
  return { onProgress: checkFunction<(done: number, total: number) => void>(o.onProgress, 'onProgress') };
}

export function addDocuments(h: NativeIndex, dim: number, ids: unknown, tokens: unknown, offsets: unknown, upsert: boolean): void {
  const d = documentsArgs(tokens, offsets, dim);
  const i = idsArg(ids, 'ids', h.info().idType);
  if (i.length !== d.count) throw invalidParameter('ids', `${d.count} ids (one per document)`, ids);
  callNative(() => h.add(i, d.docs, d.offsets, upsert));
}
