/**
 * SIMD conversions from f32 token embeddings to the compact forms maxsim scores directly.
 * Each returns a token object that maxsim(), maxsimBatch() and friends accept as documents.
 *
 * Tolerances against f32 MaxSim on unit-norm rows (checked by the tests):
 *   f16  ~1e-3 relative, bf16 ~1e-2 relative (the AVX-512 BF16 kernel also rounds the query),
 *   int8 ~2e-2 relative (per-token symmetric scale), binary: a different score (sign agreement).
 */
import { callNative } from './errors';
import { native } from './native';
import { BinaryTokens, Bf16Tokens, F16Tokens, Int8Tokens } from './tokens';
import { checkDim, checkFloat32 } from './validate';
import { MaxsimError, invalidParameter } from './errors';

function rows(values: Float32Array, dim: number): void {
  if (values.length % dim !== 0)
    throw new MaxsimError('ERR_DIMENSION_MISMATCH', `values length ${values.length} is not a multiple of dim ${dim}`);
}

/** f32 → IEEE half (round to nearest even; overflow becomes ±Infinity). */
export function toF16(values: Float32Array, dim: number): F16Tokens {
  checkFloat32(values, 'values');
  checkDim(dim);
  rows(values, dim);
  return { type: 'f16', data: callNative(() => native.toF16(values)), dim };
}

/** f32 → bfloat16 (round to nearest even). */
export function toBf16(values: Float32Array, dim: number): Bf16Tokens {
  checkFloat32(values, 'values');
  checkDim(dim);
  rows(values, dim);
  return { type: 'bf16', data: callNative(() => native.toBf16(values)), dim };
}

/** Per-token symmetric int8: scale = max|x| / 127, code = round(x / scale). Rejects NaN/Inf. */
export function quantizeInt8(values: Float32Array, dim: number): Int8Tokens {
  checkFloat32(values, 'values');
  checkDim(dim);
  const r = callNative(() => native.quantizeInt8(values, dim));
  return { type: 'int8', data: r.codes, scales: r.scales, dim };
}

/** Sign bits (x > 0 → 1), ceil(dim / 8) bytes per token, least significant bit first. */
export function binarize(values: Float32Array, dim: number): BinaryTokens {
  checkFloat32(values, 'values');
  checkDim(dim);
  return { type: 'binary', data: callNative(() => native.binarize(values, dim)), dim };
}

/** Decodes f16 or bf16 tokens (or bare bit patterns, with `type`) back to f32. */
export function toF32(tokens: F16Tokens | Bf16Tokens | Int8Tokens): Float32Array {
  if (tokens === null || typeof tokens !== 'object') throw invalidParameter('tokens', 'an f16, bf16 or int8 token object', tokens);
  switch (tokens.type) {
    case 'f16':
      if (!(tokens.data instanceof Uint16Array)) throw invalidParameter('tokens.data', 'a Uint16Array', tokens.data);
      return callNative(() => native.f16ToF32(tokens.data));
    case 'bf16':
      if (!(tokens.data instanceof Uint16Array)) throw invalidParameter('tokens.data', 'a Uint16Array', tokens.data);
      return callNative(() => native.bf16ToF32(tokens.data));
    case 'int8': {
      const { data, scales, dim } = tokens;
      checkDim(dim);
      if (!(data instanceof Int8Array) || !(scales instanceof Float32Array) || scales.length * dim !== data.length)
        throw invalidParameter('tokens', 'int8 tokens with data.length === scales.length * dim');
      const out = new Float32Array(data.length);
      for (let r = 0; r < scales.length; r++) {
        const s = scales[r];
        for (let k = 0; k < dim; k++) out[r * dim + k] = data[r * dim + k] * s;
      }
      return out;
    }
    default:
      throw invalidParameter('tokens.type', "'f16', 'bf16' or 'int8'", (tokens as { type?: unknown }).type);
  }
}
