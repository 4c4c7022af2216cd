/** Argument checks shared by every module. Each throws a MaxsimError naming the argument. */
import { MaxsimError, invalidParameter } from './errors';

export function checkDim(dim: unknown, name = 'dim'): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim < 1 || dim > 65536)
    throw invalidParameter(name, 'an integer in [1, 65536]', dim);
  return dim;
}

export function checkPositiveInt(v: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max)
    throw invalidParameter(name, `an integer in [1, ${max}]`, v);
  return v;
}

export function checkFloat32(v: unknown, name: string): Float32Array {
  if (!(v instanceof Float32Array)) throw invalidParameter(name, 'a Float32Array', v);
  return v;
}

export function checkUint32(v: unknown, name: string): Uint32Array {
  if (!(v instanceof Uint32Array)) throw invalidParameter(name, 'a Uint32Array', v);
  return v;
}

/** A query is a non-empty Float32Array of whole rows of `dim`. */
export function checkQuery(q: unknown, dim: number, name = 'query'): Float32Array {
  const a = checkFloat32(q, name);
  if (a.length === 0) throw new MaxsimError('ERR_EMPTY_QUERY', `${name} has no tokens`);
  if (a.length % dim !== 0)
    throw new MaxsimError('ERR_DIMENSION_MISMATCH', `${name} length ${a.length} is not a multiple of dim ${dim}`);
  return a;
}

/** Prefix sums over `rows` tokens: starts at 0, never decreases, ends at rows. */
export function checkOffsets(offsets: unknown, rows: number, name = 'offsets'): Uint32Array {
  const o = checkUint32(offsets, name);
  if (o.length === 0) throw new MaxsimError('ERR_BAD_OFFSETS', `${name} must have at least one entry (0)`);
  if (o[0] !== 0) throw new MaxsimError('ERR_BAD_OFFSETS', `${name}[0] must be 0, got ${o[0]}`);
  for (let i = 1; i < o.length; i++) {
    if (o[i] < o[i - 1])
      throw new MaxsimError('ERR_BAD_OFFSETS', `${name} must be non-decreasing, but ${name}[${i}] = ${o[i]} < ${o[i - 1]}`);
  }
  if (o[o.length - 1] !== rows)
    throw new MaxsimError('ERR_BAD_OFFSETS', `${name} must end at the token count ${rows}, but ends at ${o[o.length - 1]}`);
  return o;
}

export function checkK(k: unknown, name = 'k'): number {
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1)
    throw invalidParameter(name, 'a positive integer', k);
  return k;
}

/** A file or folder argument: a non-empty string (a number would be read by fs as a descriptor). */
export function checkPath(v: unknown, name = 'path'): string {
  if (typeof v !== 'string' || v.length === 0 || v.includes('\0')) throw invalidParameter(name, 'a non-empty string', v);
  return v;
}

/**
 * An options argument: undefined means the defaults; null, arrays, TypedArrays and primitives
 * are refused, naming the keys it takes when given.
 */
export function checkOptions(o: unknown, name = 'options', keys?: string): Record<string, unknown> {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object' || Array.isArray(o) || ArrayBuffer.isView(o))
    throw invalidParameter(name, keys ? `an object { ${keys} }` : 'an object', o);
  return o as Record<string, unknown>;
}

/** An optional callback argument. */
export function checkFunction<F extends (...args: never[]) => unknown>(v: unknown, name: string): F | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'function') throw invalidParameter(name, 'a function', v);
  return v as F;
}
