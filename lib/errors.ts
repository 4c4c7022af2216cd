/** Stable error codes. A code never changes meaning between versions. */
export type MaxsimErrorCode =
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_DIMENSION_MISMATCH'
  | 'ERR_NON_FINITE'
  | 'ERR_EMPTY_QUERY'
  | 'ERR_BAD_OFFSETS'
  | 'ERR_OUT_OF_MEMORY'
  | 'ERR_IO'
  | 'ERR_CORRUPT_FILE'
  | 'ERR_UNKNOWN_ID'
  | 'ERR_DUPLICATE_ID'
  | 'ERR_NOT_TRAINED'
  | 'ERR_NATIVE_MISSING'
  | 'ERR_CUDA_UNAVAILABLE'
  | 'ERR_INTERNAL';

/** The one error type maxsim throws. `code` is stable; `message` names the argument at fault. */
export class MaxsimError extends Error {
  readonly code: MaxsimErrorCode;
  constructor(code: MaxsimErrorCode, message: string) {
    super(message);
    this.name = 'MaxsimError';
    this.code = code;
  }
}

/** Builds the error for an argument that fails validation. */
export function invalidParameter(name: string, expected: string, actual?: unknown): MaxsimError {
  const got = arguments.length > 2 ? `, got ${describe(actual)}` : '';
  return new MaxsimError('ERR_INVALID_ARGUMENT', `${name} must be ${expected}${got}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (ArrayBuffer.isView(v)) return `${v.constructor.name}(${(v as unknown as { length?: number }).length ?? v.byteLength})`;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return `Array(${v.length})`;
  return typeof v;
}

const KNOWN = new Set<string>([
  'ERR_INVALID_ARGUMENT', 'ERR_DIMENSION_MISMATCH', 'ERR_NON_FINITE', 'ERR_EMPTY_QUERY', 'ERR_BAD_OFFSETS',
  'ERR_OUT_OF_MEMORY', 'ERR_IO', 'ERR_CORRUPT_FILE', 'ERR_UNKNOWN_ID', 'ERR_DUPLICATE_ID', 'ERR_NOT_TRAINED',
  'ERR_NATIVE_MISSING', 'ERR_CUDA_UNAVAILABLE', 'ERR_INTERNAL',
]);

/** Turns whatever the native layer threw into a MaxsimError (keeping code and message). */
export function toMaxsimError(e: unknown): MaxsimError {
  if (e instanceof MaxsimError) return e;
  if (e instanceof Error) {
    const code = (e as Error & { code?: unknown }).code;
    if (typeof code === 'string' && KNOWN.has(code)) return new MaxsimError(code as MaxsimErrorCode, e.message);
    return new MaxsimError('ERR_INTERNAL', e.message);
  }
  return new MaxsimError('ERR_INTERNAL', String(e));
}

/** Runs a native call, rethrowing its failures as MaxsimError. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw toMaxsimError(e);
  }
}

/** Awaits a native promise, rejecting with MaxsimError. */
export async function awaitNative<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toMaxsimError(e);
  }
}
