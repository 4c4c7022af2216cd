// Plain-JS references and fixtures shared by the MultiVectorIndex tests.
import { rng } from './helpers/reference.mjs';

export { rng };

export function gaussian(r) {
  const u = Math.max(r(), 1e-12), v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** n documents of random lengths in [minTok, maxTok], unit rows. */
export function randomDocs(seed, n, dim, minTok = 1, maxTok = 20) {
  const r = rng(seed);
  const docs = [];
  for (let d = 0; d < n; d++) {
    const t = minTok + Math.floor(r() * (maxTok - minTok + 1));
    const a = new Float32Array(t * dim);
    for (let i = 0; i < t; i++) {
      let s = 0;
      for (let k = 0; k < dim; k++) { a[i * dim + k] = gaussian(r); s += a[i * dim + k] ** 2; }
      s = Math.sqrt(s);
      for (let k = 0; k < dim; k++) a[i * dim + k] /= s;
    }
    docs.push(a);
  }
  return docs;
}

export function pack(docs, dim) {
  const offsets = new Uint32Array(docs.length + 1);
  docs.forEach((d, i) => { offsets[i + 1] = offsets[i] + d.length / dim; });
  const tokens = new Float32Array(offsets[docs.length] * dim);
  docs.forEach((d, i) => tokens.set(d, offsets[i] * dim));
  return { tokens, offsets };
}

/** Plain MaxSim in float64: sum_i max_j <q_i, d_j>; -Infinity for an empty document. */
export function maxsimJs(q, d, dim) {
  const nq = q.length / dim, nd = d.length / dim;
  if (nd === 0) return -Infinity;
  let total = 0;
  for (let i = 0; i < nq; i++) {
    let best = -Infinity;
    for (let j = 0; j < nd; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += q[i * dim + k] * d[j * dim + k];
      if (s > best) best = s;
    }
    total += best;
  }
  return total;
}

/** Ranks documents by a score array: best first, ties by lower index. */
export function rank(scores) {
  return [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b);
}

export async function expectCode(fn, code) {
  try {
    await fn();
  } catch (e) {
    if (e.name !== 'MaxsimError' || e.code !== code)
      throw new Error(`expected MaxsimError ${code}, got ${e.name} ${e.code}: ${e.message}`);
    return e;
  }
  throw new Error(`expected MaxsimError ${code}, but nothing was thrown`);
}
