/**
 * Token matrices in each element type maxsim scores. A plain Float32Array means f32 tokens;
 * the compact forms come from the conversion functions (toF16, toBf16, quantizeInt8, binarize).
 * Every form is a view: maxsim never copies token data.
 */
import { MaxsimError, invalidParameter } from './errors';
import { checkDim } from './validate';

export type ElementType = 'f32' | 'f16' | 'bf16' | 'int8' | 'binary';

export interface F32Tokens { readonly type: 'f32'; readonly data: Float32Array; readonly dim: number }
/** IEEE binary16 bit patterns. */
export interface F16Tokens { readonly type: 'f16'; readonly data: Uint16Array; readonly dim: number }
/** bfloat16 bit patterns (the top 16 bits of an f32). */
export interface Bf16Tokens { readonly type: 'bf16'; readonly data: Uint16Array; readonly dim: number }
/** Symmetric per-token int8: value ≈ code * scales[token]. */
export interface Int8Tokens { readonly type: 'int8'; readonly data: Int8Array; readonly scales: Float32Array; readonly dim: number }
/** Sign bits (x > 0), ceil(dim / 8) bytes per token, least significant bit first. */
export interface BinaryTokens { readonly type: 'binary'; readonly data: Uint8Array; readonly dim: number }

export type EncodedTokens = F32Tokens | F16Tokens | Bf16Tokens | Int8Tokens | BinaryTokens;
export type Tokens = Float32Array | EncodedTokens;

export const ELEMENT_TYPE_CODE: Readonly<Record<ElementType, number>> = { f32: 0, f16: 1, bf16: 2, int8: 3, binary: 4 };

/** The arguments the addon takes for a token matrix, after validation. */
export interface NativeTokens {
  type: number;
  data: ArrayBufferView;
  scales: Float32Array | undefined;
  dim: number;
  rows: number;
}

export function bytesPerToken(type: ElementType, dim: number): number {
  checkDim(dim);
  switch (type) {
    case 'f32': return dim * 4;
    case 'f16': case 'bf16': return dim * 2;
    case 'int8': return dim + 4; // codes + one f32 scale
    case 'binary': return Math.ceil(dim / 8);
    default: throw invalidParameter('type', "one of 'f32', 'f16', 'bf16', 'int8', 'binary'", type);
  }
}

function wholeRows(len: number, perRow: number, name: string): number {
  if (len % perRow !== 0)
    throw new MaxsimError('ERR_DIMENSION_MISMATCH', `${name} length ${len} is not a multiple of ${perRow} (one token)`);
  return len / perRow;
}

/** Validates a token matrix against `dim` and returns what the addon needs. */
export function toNative(tokens: unknown, dim: number, name: string): NativeTokens {
  checkDim(dim);
  if (tokens instanceof Float32Array) {
    return { type: 0, data: tokens, scales: undefined, dim, rows: wholeRows(tokens.length, dim, name) };
  }
  if (tokens === null || typeof tokens !== 'object' || ArrayBuffer.isView(tokens))
    throw invalidParameter(name, 'a Float32Array or an encoded token object ({ type, data, dim })', tokens);
  const t = tokens as Partial<EncodedTokens> & { type?: unknown; scales?: unknown };
  if (t.dim !== undefined && t.dim !== dim)
    throw new MaxsimError('ERR_DIMENSION_MISMATCH', `${name}.dim is ${String(t.dim)} but dim is ${dim}`);
  switch (t.type) {
    case 'f32':
      if (!(t.data instanceof Float32Array)) throw invalidParameter(`${name}.data`, 'a Float32Array for type f32', t.data);
      return { type: 0, data: t.data, scales: undefined, dim, rows: wholeRows(t.data.length, dim, `${name}.data`) };
    case 'f16':
    case 'bf16':
      if (!(t.data instanceof Uint16Array)) throw invalidParameter(`${name}.data`, `a Uint16Array for type ${t.type}`, t.data);
      return { type: ELEMENT_TYPE_CODE[t.type], data: t.data, scales: undefined, dim, rows: wholeRows(t.data.length, dim, `${name}.data`) };
    case 'int8': {
      if (!(t.data instanceof Int8Array)) throw invalidParameter(`${name}.data`, 'an Int8Array for type int8', t.data);
      if (!(t.scales instanceof Float32Array)) throw invalidParameter(`${name}.scales`, 'a Float32Array for type int8', t.scales);
      const rows = wholeRows(t.data.length, dim, `${name}.data`);
      if (t.scales.length !== rows)
        throw new MaxsimError('ERR_DIMENSION_MISMATCH', `${name}.scales has ${t.scales.length} entries for ${rows} tokens`);
      return { type: 3, data: t.data, scales: t.scales, dim, rows };
    }
    case 'binary':
      if (!(t.data instanceof Uint8Array)) throw invalidParameter(`${name}.data`, 'a Uint8Array for type binary', t.data);
      return { type: 4, data: t.data, scales: undefined, dim, rows: wholeRows(t.data.length, Math.ceil(dim / 8), `${name}.data`) };
    default:
      throw invalidParameter(`${name}.type`, "one of 'f32', 'f16', 'bf16', 'int8', 'binary'", t.type);
  }
}

/**
 * Packs per-document Float32Arrays (each a whole number of dim-sized rows) into one flat
 * token buffer plus offsets, the layout every batch call takes.
 */
export function packDocuments(documents: readonly Float32Array[], dim: number): { tokens: Float32Array; offsets: Uint32Array } {
  checkDim(dim);
  if (!Array.isArray(documents)) throw invalidParameter('documents', 'an array of Float32Array', documents);
  const offsets = new Uint32Array(documents.length + 1);
  let total = 0;
  documents.forEach((d, i) => {
    if (!(d instanceof Float32Array)) throw invalidParameter(`documents[${i}]`, 'a Float32Array', d);
    total += wholeRows(d.length, dim, `documents[${i}]`);
    if (total > 0xffffffff) throw invalidParameter('documents', 'at most 2^32 - 1 tokens in all');
    offsets[i + 1] = total;
  });
  const tokens = new Float32Array(total * dim);
  documents.forEach((d, i) => tokens.set(d, offsets[i] * dim));
  return { tokens, offsets };
}
