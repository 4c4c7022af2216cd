// Token pooling against a plain-JS greedy Ward clustering (cosine distance, i.e. Ward on
// unit-normalised rows), cluster means of the original rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { poolTokens, setSimdLevel, supportedSimdLevels, capabilities, MultiVectorIndex } from '../dist/index.js';
import { rng, gaussian, expectCode } from './mvindex_helpers.mjs';

/** Greedy agglomerative Ward in float64: merge the pair with the least increase in variance. */
function wardJs(rows, n, dim, k) {
  const unit = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < dim; c++) s += rows[i * dim + c] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    unit.push(Array.from({ length: dim }, (_, c) => rows[i * dim + c] * inv));
  }
  let clusters = unit.map((u, i) => ({ members: [i], sum: u.slice(), size: 1 }));
  while (clusters.length > k) {
    let best = Infinity, bi = -1, bj = -1;
    for (let i = 0; i < clusters.length; i++)
      for (let j = i + 1; j < clusters.length; j++) {
        const A = clusters[i], B = clusters[j];
        let d = 0;
        for (let c = 0; c < dim; c++) d += (A.sum[c] / A.size - B.sum[c] / B.size) ** 2;
        const cost = (2 * A.size * B.size) / (A.size + B.size) * d;
        if (cost < best) { best = cost; bi = i; bj = j; }
      }
    const A = clusters[bi], B = clusters[bj];
    const merged = { members: [...A.members, ...B.members], sum: A.sum.map((v, c) => v + B.sum[c]), size: A.size + B.size };
    clusters = clusters.filter((_, i) => i !== bi && i !== bj);
    clusters.push(merged);
  }
  const labels = new Array(n);
  const first = clusters.map((c) => Math.min(...c.members));
  const order = [...clusters.keys()].sort((a, b) => first[a] - first[b]);
  order.forEach((ci, label) => clusters[ci].members.forEach((m) => { labels[m] = label; }));
  return labels;
}

function poolJs(rows, n, dim, factor, prot) {
  const p = Math.min(prot, n);
  const m = n - p;
  const out = [...rows.subarray(0, p * dim)];
  if (m === 0) return Float32Array.from(out);
  const k = Math.max(Math.floor(m / factor), 1);
  const block = rows.subarray(p * dim);
  const labels = wardJs(block, m, dim, k);
  const sums = Array.from({ length: k }, () => new Array(dim).fill(0));
  const counts = new Array(k).fill(0);
  for (let i = 0; i < m; i++) {
    counts[labels[i]]++;
    for (let c = 0; c < dim; c++) sums[labels[i]][c] += block[i * dim + c];
  }
  for (let j = 0; j < k; j++) for (let c = 0; c < dim; c++) out.push(sums[j][c] / counts[j]);
  return Float32Array.from(out);
}

function randomRows(seed, n, dim, clustered) {
  const r = rng(seed);
  const rows = new Float32Array(n * dim);
  // Clustered data (a few centres plus noise) is what pooling meets in practice.
  const centres = Array.from({ length: 4 }, () => Array.from({ length: dim }, () => gaussian(r)));
  for (let i = 0; i < n; i++) {
    const c = centres[Math.floor(r() * 4)];
    const scale = 0.5 + 2 * r();  // lengths differ: cosine must ignore them
    for (let k = 0; k < dim; k++) rows[i * dim + k] = scale * ((clustered ? c[k] : 0) + gaussian(r) * (clustered ? 0.6 : 1));
  }
  return rows;
}

test('pooling equals the plain-JS Ward reference (random shapes, factors, protected tokens)', () => {
  const levels = supportedSimdLevels();
  const before = capabilities().simd;
  let cases = 0;
  for (let seed = 1; seed <= 24; seed++) {
    const r = rng(seed * 101);
    const n = 1 + Math.floor(r() * 45);
    const dim = 1 + Math.floor(r() * 40);
    const factor = [1.5, 2, 3, 4][seed % 4];
    const prot = seed % 3;
    const rows = randomRows(seed, n, dim, seed % 2 === 0);
    const want = poolJs(rows, n, dim, factor, prot);
    for (const lvl of levels) {
      setSimdLevel(lvl);
      const got = poolTokens(rows, dim, factor, prot);
      assert.is(got.length, want.length, `seed ${seed} ${lvl}: row count`);
      for (let i = 0; i < got.length; i++)
        assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `seed ${seed} ${lvl} n=${n} dim=${dim} f=${factor}: element ${i} ${got[i]} vs ${want[i]}`);
      cases++;
    }
  }
  setSimdLevel(before);
  assert.ok(cases >= 24);
});

test('pooling equals the reference on longer documents (n = 90 .. 160, ColBERT-like lengths)', () => {
  for (const [seed, n, dim, factor] of [[201, 90, 24, 2], [202, 160, 16, 3], [203, 128, 32, 4]]) {
    const rows = randomRows(seed, n, dim, true);
    const want = poolJs(rows, n, dim, factor, 1);
    const got = poolTokens(rows, dim, factor, 1);
    assert.is(got.length, want.length);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `seed ${seed}: element ${i}`);
  }
});

// Documents whose rows repeat (a static word-vector model gives every occurrence of a word the
// same row): rows are drawn with replacement from a few distinct ones, some copies scaled by 2
// or 3 (the same direction, so the same unit row up to rounding).
function repeatedRows(seed, distinct, n, dim) {
  const base = randomRows(seed, distinct, dim, seed % 2 === 0);
  const r = rng(seed * 7 + 1);
  const rows = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const src = i < distinct ? i : Math.floor(r() * distinct);
    const scale = i < distinct ? 1 : [1, 1, 2, 3][Math.floor(r() * 4)];
    for (let c = 0; c < dim; c++) rows[i * dim + c] = base[src * dim + c] * scale;
  }
  // Shuffle so copies come before and after their first occurrence.
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    for (let c = 0; c < dim; c++) [rows[i * dim + c], rows[j * dim + c]] = [rows[j * dim + c], rows[i * dim + c]];
  }
  return rows;
}

test('repeated rows: pooling equals the reference when Ward merges past the copies', () => {
  const levels = supportedSimdLevels();
  const before = capabilities().simd;
  for (const [seed, distinct, n, dim, factor] of [[301, 40, 60, 17, 2], [302, 30, 50, 8, 2], [303, 50, 64, 33, 1.5], [304, 30, 90, 5, 4], [305, 80, 100, 24, 1.5]]) {
    const rows = repeatedRows(seed, distinct, n, dim);
    const k = Math.max(Math.floor(n / factor), 1);
    assert.ok(k < distinct, `seed ${seed}: the case needs merges among distinct rows`);
    const want = poolJs(rows, n, dim, factor, 0);
    for (const lvl of levels) {
      setSimdLevel(lvl);
      const got = poolTokens(rows, dim, factor, 0);
      assert.is(got.length, want.length, `seed ${seed} ${lvl}: row count`);
      for (let i = 0; i < got.length; i++)
        assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `seed ${seed} ${lvl}: element ${i} ${got[i]} vs ${want[i]}`);
    }
  }
  setSimdLevel(before);
});

test('repeated rows: when the copies alone give more merges than needed, only copies merge', () => {
  // 10 distinct rows, 60 tokens, factor 2: 30 clusters but 50 copies. Every greedy Ward run
  // merges only at cost 0 here, so each output row is one of the input rows (a mean of copies),
  // and every distinct row survives.
  const dim = 9, distinct = 10, n = 60;
  const rows = repeatedRows(401, distinct, n, dim);
  const got = poolTokens(rows, dim, 2, 0);
  assert.is(got.length / dim, 30);
  const unitKey = (v, at) => {
    let s = 0;
    for (let c = 0; c < dim; c++) s += v[at * dim + c] ** 2;
    return Array.from({ length: dim }, (_, c) => (v[at * dim + c] / Math.sqrt(s)).toFixed(4)).join(',');
  };
  const inputKeys = new Set(Array.from({ length: n }, (_, i) => unitKey(rows, i)));
  const outputKeys = new Set();
  for (let o = 0; o < 30; o++) {
    const key = unitKey(got, o);
    assert.ok(inputKeys.has(key), `output row ${o} is an input direction`);
    outputKeys.add(key);
  }
  assert.is(outputKeys.size, inputKeys.size, 'every distinct direction is kept');
});

test('pooled row counts: max(floor(n / factor), 1) after the protected tokens', () => {
  const dim = 8;
  for (const [n, f, p, want] of [[0, 2, 0, 0], [1, 2, 0, 1], [2, 2, 0, 1], [3, 2, 0, 1], [10, 2, 0, 5], [10, 3, 1, 4], [3, 4, 3, 3], [5, 1, 0, 5], [100, 2.5, 0, 40]]) {
    const rows = randomRows(n + 7, n, dim, false);
    assert.is(poolTokens(rows, dim, f, p).length / dim, want, `n=${n} f=${f} p=${p}`);
  }
});

test('identical rows collapse into one cluster whose mean is that row', () => {
  const dim = 5;
  const row = [0.1, -0.4, 0.3, 0.9, -0.2];
  const rows = new Float32Array([...row, ...row, ...row, ...row]);
  const got = poolTokens(rows, dim, 4, 0);
  assert.equal([...got].map((v) => +v.toFixed(6)), row.map((v) => +v.toFixed(6)));
});

test('long documents (above one pooling block) pool and stay deterministic', () => {
  const dim = 16;
  const n = 2600;  // crosses the 2048-row block
  const rows = randomRows(3, n, dim, true);
  const a = poolTokens(rows, dim, 2, 0);
  const b = poolTokens(rows, dim, 2, 0);
  assert.is(a.length / dim, 1024 + 276);
  assert.equal(a, b);
});

test('index pooling stores poolTokens() output, and the pooled index searches it', () => {
  const dim = 12;
  const docs = Array.from({ length: 8 }, (_, i) => randomRows(50 + i, 10 + i * 3, dim, true));
  const ix = new MultiVectorIndex({ dim, poolFactor: 2, protectedTokens: 1 });
  ix.add([...docs.keys()], docs);
  docs.forEach((d, i) => assert.equal(ix.get(i), poolTokens(d, dim, 2, 1)));
});

test('bad pooling input', async () => {
  await expectCode(() => poolTokens(new Float32Array(7), 3, 2), 'ERR_DIMENSION_MISMATCH');
  await expectCode(() => poolTokens(new Float32Array(6), 3, 0.5), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => poolTokens(new Float32Array(6), 3, 2, -1), 'ERR_INVALID_ARGUMENT');
  const nan = new Float32Array(6);
  nan[2] = NaN;
  await expectCode(() => new MultiVectorIndex({ dim: 3, poolFactor: 2 }).add([1], [nan]), 'ERR_NON_FINITE');
});

test.run();
