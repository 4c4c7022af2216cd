// Plain JavaScript references the native kernels are tested against. Written for clarity,
// computed in float64 unless a function says it emulates float32 exactly.

export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomMatrix(rows, dim, rand, { normalize = false } = {}) {
  const a = new Float32Array(rows * dim);
  for (let i = 0; i < a.length; i++) a[i] = rand() * 2 - 1;
  if (normalize) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += a[r * dim + k] ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let k = 0; k < dim; k++) a[r * dim + k] *= inv;
    }
  }
  return a;
}

/** score = Σ_i max_j <q_i, d_j>; also returns Σ_i max_j Σ_k |q_ik d_jk| for error bounds. */
export function maxsimRef(q, nq, doc, ntok, dim) {
  if (ntok === 0) return { score: -Infinity, absBound: 0 };
  let score = 0;
  let absBound = 0;
  for (let i = 0; i < nq; i++) {
    let best = -Infinity;
    let bestAbs = 0;
    for (let j = 0; j < ntok; j++) {
      let s = 0;
      let a = 0;
      for (let k = 0; k < dim; k++) {
        const p = q[i * dim + k] * doc[j * dim + k];
        s += p;
        a += Math.abs(p);
      }
      if (s > best) best = s;
      if (a > bestAbs) bestAbs = a;
    }
    score += best;
    absBound += bestAbs;
  }
  return { score, absBound };
}

// ---- IEEE half and bfloat16 -------------------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

// Every non-negative finite half, ascending (bit patterns 0x0000..0x7bff are monotone).
let halfTable;
/** Round-to-nearest-even f32 -> half: nearest of all 31,744 finite halves, ties to even bits. */
export function floatToHalf(x) {
  if (Number.isNaN(x)) return 0x7e00;
  if (!halfTable) {
    halfTable = new Float64Array(0x7c00);
    for (let h = 0; h < 0x7c00; h++) halfTable[h] = halfToFloat(h);
  }
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  const maxHalf = halfTable[0x7bff];
  // Beyond the largest half by half an ulp or more rounds to infinity.
  if (a >= maxHalf + 2 ** (15 - 10) / 2) return sign | 0x7c00;
  let lo = 0, hi = 0x7bff;
  while (lo < hi) {  // first half >= a
    const mid = (lo + hi) >> 1;
    if (halfTable[mid] < a) lo = mid + 1; else hi = mid;
  }
  if (halfTable[lo] === a || lo === 0) return sign | lo;
  const below = lo - 1;
  const dLo = a - halfTable[below], dHi = halfTable[lo] - a;
  if (dLo < dHi) return sign | below;
  if (dHi < dLo) return sign | lo;
  return sign | (below % 2 === 0 ? below : lo);
}

export function bf16ToFloat(b) {
  u32[0] = b << 16;
  return f32[0];
}

export function floatToBf16(x) {
  f32[0] = x;
  const u = u32[0];
  if ((u & 0x7fffffff) > 0x7f800000) return ((u >>> 16) | 0x40) & 0xffff;
  const rounded = (u + 0x7fff + ((u >>> 16) & 1)) >>> 0;
  return (rounded >>> 16) & 0xffff;
}

// ---- int8 (emulates the native float32 arithmetic exactly) -------------------------------------

function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function quantizeInt8Ref(values, dim) {
  const rows = values.length / dim;
  const codes = new Int8Array(values.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let maxAbs = 0;
    for (let k = 0; k < dim; k++) maxAbs = Math.max(maxAbs, Math.abs(values[r * dim + k]));
    if (!(maxAbs > 0)) { scales[r] = 0; continue; }
    const inv = Math.fround(127 / maxAbs);
    for (let k = 0; k < dim; k++) {
      let v = roundHalfEven(Math.fround(values[r * dim + k] * inv));
      v = Math.max(-127, Math.min(127, v));
      codes[r * dim + k] = v;
    }
    scales[r] = Math.fround(maxAbs / 127);
  }
  return { codes, scales };
}

/** int8 MaxSim with exact integer dots (float32 epilogue emulated). */
export function maxsimInt8Ref(q, nq, docCodes, docScales, ntok, dim) {
  if (ntok === 0) return -Infinity;
  const { codes: qc, scales: qs } = quantizeInt8Ref(q, dim);
  let s = 0;
  for (let i = 0; i < nq; i++) {
    let best = -Infinity;
    for (let j = 0; j < ntok; j++) {
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += qc[i * dim + k] * docCodes[j * dim + k];
      const v = Math.fround(Math.fround(dot) * docScales[j]);
      if (v > best) best = v;
    }
    s += best * qs[i];
  }
  return s;
}

// ---- binary --------------------------------------------------------------------------------------

export function binarizeRef(values, dim) {
  const rows = values.length / dim;
  const tb = Math.ceil(dim / 8);
  const out = new Uint8Array(rows * tb);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < dim; k++) if (values[r * dim + k] > 0) out[r * tb + (k >> 3)] |= 1 << (k & 7);
  return out;
}

export function maxsimBinaryRef(q, nq, docBits, ntok, dim) {
  if (ntok === 0) return -Infinity;
  const tb = Math.ceil(dim / 8);
  const qb = binarizeRef(q, dim);
  let s = 0;
  for (let i = 0; i < nq; i++) {
    let best = Infinity;
    for (let j = 0; j < ntok; j++) {
      let h = 0;
      for (let k = 0; k < dim; k++) {
        const a = (qb[i * tb + (k >> 3)] >> (k & 7)) & 1;
        const b = (docBits[j * tb + (k >> 3)] >> (k & 7)) & 1;
        h += a ^ b;
      }
      if (h < best) best = h;
    }
    s += dim - 2 * best;
  }
  return s;
}
