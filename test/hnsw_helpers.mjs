// Shared helpers of the HNSW tests: seeded data, brute-force reference, recall with ties.
import * as assert from 'uvu/assert';
import { MaxsimError } from '../dist/index.js';
export function rng(seed) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5; s >>>= 0;
    return s / 4294967296;
  };
}

export function randomVectors(n, dim, seed) {
  const r = rng(seed);
  const v = new Float32Array(n * dim);
  for (let i = 0; i < v.length; i++) v[i] = r() * 2 - 1;
  return v;
}

export function seqIds(n, offset = 0) {
  const ids = new BigUint64Array(n);
  for (let i = 0; i < n; i++) ids[i] = BigInt(i + offset);
  return ids;
}

/** Plain-JS score of one row: l2 -> squared distance; ip -> dot; cosine -> cosine similarity. */
export function score(metric, q, v, off, dim) {
  let dot = 0, qq = 0, vv = 0, l2 = 0;
  for (let k = 0; k < dim; k++) {
    const a = q[k], b = v[off + k];
    dot += a * b; qq += a * a; vv += b * b; l2 += (a - b) * (a - b);
  }
  if (metric === 'l2') return l2;
  if (metric === 'ip') return dot;
  return qq > 0 && vv > 0 ? dot / Math.sqrt(qq * vv) : 0;
}

/** Exact top-k as [{ id, s }], best first; `allowed(row)` restricts the rows. */
export function bruteForce(metric, q, data, dim, k, allowed = () => true, idOf = (i) => BigInt(i)) {
  const n = data.length / dim;
  const all = [];
  for (let i = 0; i < n; i++) if (allowed(i)) all.push({ id: idOf(i), s: score(metric, q, data, i * dim, dim) });
  all.sort((a, b) => (metric === 'l2' ? a.s - b.s : b.s - a.s));
  return all.slice(0, k);
}

/** Recall@k accepting any returned id whose exact score ties the k-th exact score. */
export function recallWithTies(metric, returnedIds, exact, exactScoreOf) {
  const k = exact.length;
  if (k === 0) return 1;
  const kth = exact[k - 1].s;
  const truth = new Set(exact.map((e) => e.id));
  let hit = 0;
  for (const id of returnedIds) {
    if (truth.has(id)) hit++;
    else {
      const s = exactScoreOf(id);
      if (metric === 'l2' ? s <= kth : s >= kth) hit++;
    }
  }
  return Math.min(hit, k) / k;
}

export function isSorted(metric, scores) {
  for (let i = 1; i < scores.length; i++) {
    if (metric === 'l2' ? scores[i] < scores[i - 1] : scores[i] > scores[i - 1]) return false;
  }
  return true;
}

/** Runs fn and checks it throws a MaxsimError with `code`; returns the error. */
export function throwsCode(fn, code) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, MaxsimError, `expected MaxsimError, got ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
    assert.is(e.code, code, e.message);
    return e;
  }
  assert.unreachable(`expected ${code}`);
}
