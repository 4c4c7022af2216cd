// Token pooling against a plain-JS greedy Ward clustering (cosine distance, i.e. Ward on
// unit-normalised rows), cluster means of the original rows.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { poolTokens, setSimdLevel, supportedSimdLevels, capabilities, MultiVectorIndex, loadColbertNanoFiqa } from '../dist/index.js';
import { rng, gaussian, expectCode } from './mvindex_helpers.mjs';

/** Round half to even, as the CPU's default rounding does. */
function roundEven(v) {
  const f = Math.floor(v), d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** A row's 8-bit codes: scaled in f32 so its largest |value| is 127, rounded half to even. */
function int8Codes(rows, i, dim) {
  let m = 0;
  for (let c = 0; c < dim; c++) m = Math.max(m, Math.abs(rows[i * dim + c]));
  if (m === 0) return new Array(dim).fill(0);
  const s = Math.fround(127 / m);
  return Array.from({ length: dim }, (_, c) => roundEven(Math.fround(rows[i * dim + c] * s)));
}

/**
 * Greedy agglomerative Ward in float64: merge the pair with the least increase in variance.
 * The points are the rows' unit directions, or with int8 those of their 8-bit codes.
 */
function wardJs(rows, n, dim, k, int8 = false) {
  const unit = [];
  for (let i = 0; i < n; i++) {
    const v = int8 ? int8Codes(rows, i, dim) : Array.from(rows.subarray(i * dim, (i + 1) * dim));
    let s = 0;
    for (let c = 0; c < dim; c++) s += v[c] ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    unit.push(v.map((x) => x * inv));
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

function poolJs(rows, n, dim, factor, prot, int8 = false) {
  const p = Math.min(prot, n);
  const m = n - p;
  const out = [...rows.subarray(0, p * dim)];
  if (m === 0) return Float32Array.from(out);
  const k = Math.max(Math.floor(m / factor), 1);
  const block = rows.subarray(p * dim);
  const labels = wardJs(block, m, dim, k, int8);
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

test('cosine ignores length at any finite scale: rows of 1e20 and 1e-22 pool like the reference', () => {
  // Their f32 sums of squares overflow or underflow; the unit rows must still be their directions.
  const levels = supportedSimdLevels();
  const before = capabilities().simd;
  const [n, dim] = [40, 24];
  const rows = randomRows(901, n, dim, true);
  const scale = [1, 1e20, 1e-22];
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) rows[i * dim + c] *= scale[i % 3];
  const want = poolJs(rows, n, dim, 2, 0);
  for (const lvl of levels) {
    setSimdLevel(lvl);
    const got = poolTokens(rows, dim, 2, 0);
    assert.is(got.length, want.length);
    for (let i = 0; i < got.length; i++)
      assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1e-30, Math.abs(want[i])) + 1e-30, `${lvl}: element ${i} ${got[i]} vs ${want[i]}`);
  }
  setSimdLevel(before);
});

test("precision 'int8': Ward on the rows' 8-bit codes equals the reference at every SIMD level", () => {
  const levels = supportedSimdLevels();
  const before = capabilities().simd;
  const shapes = [];
  for (let seed = 1; seed <= 16; seed++) {
    const r = rng(seed * 131);
    shapes.push([500 + seed, 1 + Math.floor(r() * 60), 1 + Math.floor(r() * 70), [1.5, 2, 3, 4][seed % 4], seed % 3]);
  }
  // ColBERT-like lengths and dims past one 4-byte group, one vector and one tile.
  shapes.push([601, 127, 128, 2, 0], [602, 150, 100, 2, 1], [603, 40, 129, 2, 0], [604, 33, 3, 2, 0]);
  for (const [seed, n, dim, factor, prot] of shapes) {
    const rows = randomRows(seed, n, dim, seed % 2 === 0);
    const want = poolJs(rows, n, dim, factor, prot, true);
    for (const lvl of levels) {
      setSimdLevel(lvl);
      const got = poolTokens(rows, dim, factor, { protectedTokens: prot, precision: 'int8' });
      assert.is(got.length, want.length, `seed ${seed} ${lvl}: row count`);
      for (let i = 0; i < got.length; i++)
        assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `seed ${seed} ${lvl} n=${n} dim=${dim} f=${factor}: element ${i} ${got[i]} vs ${want[i]}`);
    }
  }
  // Repeated rows fold on equal codes: copies scaled ×2 or ×3 have the same codes.
  for (const [seed, distinct, n, dim, factor] of [[611, 40, 60, 17, 2], [612, 50, 64, 33, 1.5]]) {
    const rows = repeatedRows(seed, distinct, n, dim);
    const want = poolJs(rows, n, dim, factor, 0, true);
    for (const lvl of levels) {
      setSimdLevel(lvl);
      const got = poolTokens(rows, dim, factor, { precision: 'int8' });
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4, `seed ${seed} ${lvl}: element ${i}`);
    }
  }
  setSimdLevel(before);
});

test("precision 'int8' pools the real ColBERTv2 documents to the same bytes at every SIMD level", () => {
  // The Gram of the codes is exact and the merges round every operation alike in every build,
  // so the clusters, and the means of the same rows in the same order, match bit for bit.
  const { tokens, offsets } = loadColbertNanoFiqa().documents;
  const dim = 128, docs = offsets.length - 1;
  const levels = supportedSimdLevels();
  const before = capabilities().simd;
  const pooled = {};
  for (const lvl of levels) {
    setSimdLevel(lvl);
    pooled[lvl] = Array.from({ length: docs }, (_, i) =>
      poolTokens(tokens.subarray(offsets[i] * dim, offsets[i + 1] * dim), dim, 2, { precision: 'int8' }));
  }
  setSimdLevel(before);
  for (const lvl of levels)
    for (let i = 0; i < docs; i++)
      assert.ok(Buffer.from(pooled[lvl][i].buffer).equals(Buffer.from(pooled.scalar[i].buffer)), `${lvl}: document ${i}`);
});

test("precision 'int8' keeps nearly every cluster of 'f32'", () => {
  // The codes move each direction by under half a step in 127, so they only reorder Ward's
  // near-tied merges: measured, 566 of 600 pooled rows (clusters) here are identical at both
  // precisions, and half the documents pool identically. Unrelated clusterings share ~none.
  const dim = 32;
  let same = 0, total = 0;
  for (let seed = 700; seed < 720; seed++) {
    const rows = randomRows(seed, 60, dim, true);
    const f32 = poolTokens(rows, dim, 2);
    const int8 = poolTokens(rows, dim, 2, { precision: 'int8' });
    const key = (v, i) => Array.from(v.subarray(i * dim, (i + 1) * dim)).join(',');
    const int8Rows = new Set(Array.from({ length: int8.length / dim }, (_, i) => key(int8, i)));
    for (let i = 0; i < f32.length / dim; i++) same += int8Rows.has(key(f32, i)) ? 1 : 0;
    total += f32.length / dim;
  }
  assert.ok(same >= 0.9 * total, `${same} of ${total} pooled rows identical at both precisions`);
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

test('an int8 index pools on codes: it stores the int8 form of poolTokens(precision int8)', () => {
  const dim = 24;
  const docs = Array.from({ length: 6 }, (_, i) => randomRows(80 + i, 30 + i * 7, dim, true));
  const ix = new MultiVectorIndex({ dim, storage: 'int8', poolFactor: 2 });
  ix.add([...docs.keys()], docs);
  docs.forEach((d, i) => {
    const want = poolTokens(d, dim, 2, { precision: 'int8' });
    const got = ix.get(i);
    assert.is(got.length, want.length);
    for (let r = 0; r < want.length / dim; r++) {
      let m = 0;
      for (let c = 0; c < dim; c++) m = Math.max(m, Math.abs(want[r * dim + c]));
      for (let c = 0; c < dim; c++) assert.ok(Math.abs(got[r * dim + c] - want[r * dim + c]) <= m / 127 * 0.5 + 1e-6, `doc ${i} row ${r}`);
    }
  });
});

test('bad pooling input', async () => {
  await expectCode(() => poolTokens(new Float32Array(6), 3, 2, { precision: 'int4' }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => poolTokens(new Float32Array(6), 3, 2, { protectedTokens: 1.5 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => poolTokens(new Float32Array(7), 3, 2), 'ERR_DIMENSION_MISMATCH');
  await expectCode(() => poolTokens(new Float32Array(6), 3, 0.5), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => poolTokens(new Float32Array(6), 3, 2, -1), 'ERR_INVALID_ARGUMENT');
  for (const bad of [null, 'int8', [1], true])  // a mistyped options argument, not silently the defaults
    await expectCode(() => poolTokens(new Float32Array(6), 3, 2, bad), 'ERR_INVALID_ARGUMENT');
  const nan = new Float32Array(6);
  nan[2] = NaN;
  await expectCode(() => new MultiVectorIndex({ dim: 3, poolFactor: 2 }).add([1], [nan]), 'ERR_NON_FINITE');
  // poolTokens() itself refuses NaN and ±Infinity anywhere (it used to return NaN rows silently),
  // at both precisions and whether or not the bad row is protected.
  const dim = 9, n = 40;
  for (const precision of ['f32', 'int8'])
    for (const [at, v] of [[0, NaN], [dim + 4, Infinity], [17 * dim, -Infinity], [n * dim - 1, NaN]])
      for (const protectedTokens of [0, 2]) {
        const t = new Float32Array(n * dim).map((_, i) => Math.sin(i * 0.7));
        t[at] = v;
        const e = await expectCode(() => poolTokens(t, dim, 2, { precision, protectedTokens }), 'ERR_NON_FINITE');
        assert.match(e.message, `tokens contains NaN or Infinity (row ${Math.floor(at / dim)})`);
      }
});

test.run();
