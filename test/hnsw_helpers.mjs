// Shared helpers of the HNSW tests: seeded data, brute-force reference, recall with ties.
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { HnswIndex, MaxsimError } from '../dist/index.js';
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

// CRC-32C (Castagnoli), bitwise: lets a test reseal a file whose content it altered, so the
// loader's structural validation is exercised past the checksum.
function crc32c(buf) {
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) {
    c ^= buf[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** Rewrites the checksum (last 4 bytes) of a maxsim file buffer in place; returns it. */
export function reseal(b) {
  b.writeUInt32LE((crc32c(b.subarray(0, 32)) ^ crc32c(b.subarray(32, b.length - 4))) >>> 0, b.length - 4);
  return b;
}

/**
 * Alters `rounds` copies of the HNSW file `good` (bytes `width(i)` wide, inside the first
 * `headerBytes` payload bytes every other round, anywhere otherwise), reseals and loads each
 * (every third mmapped): each must give ERR_CORRUPT_FILE or an index that searches without
 * crashing. Returns { rejected, loaded }.
 */
export function fuzzResealed(good, bad, { rounds, headerBytes, width, r, queries, ef }) {
  let rejected = 0, loaded = 0;
  for (let i = 0; i < rounds; i++) {
    const b = Buffer.from(good);
    const pos = 32 + (i % 2 === 0 ? Math.floor(r() * headerBytes) : Math.floor(r() * (b.length - 36)));
    const w = width(i);
    for (let j = 0; j < w && pos + j < b.length - 4; j++) b[pos + j] = Math.floor(r() * 256);
    fs.writeFileSync(bad, reseal(b));
    let idx;
    try {
      idx = HnswIndex.load(bad, { mmap: i % 3 === 0 });
    } catch (e) {
      assert.instance(e, MaxsimError, e && e.message);
      assert.is(e.code, 'ERR_CORRUPT_FILE', e.message);
      rejected++;
      continue;
    }
    loaded++;
    const q = randomVectors(queries, idx.dim, i);
    for (let qi = 0; qi < queries; qi++) idx.search(q.subarray(qi * idx.dim, (qi + 1) * idx.dim), 5, { ef });
  }
  return { rejected, loaded };
}
