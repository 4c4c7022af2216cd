// A batch with NaN or Infinity anywhere in it changes nothing. add() looks for them in the task
// that pools or encodes each document (not in a pass of its own), so a bad document found after
// others were already pooled and encoded must roll the whole batch back: for every storage, with
// and without pooling, through add() and upsert(), and in the batch that trains a codec.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MultiVectorIndex, supportedSimdLevels, setSimdLevel } from '../dist/index.js';
import { randomDocs, expectCode } from './mvindex_helpers.mjs';

const dim = 12;
const CONFIGS = [
  { storage: 'f32' },
  { storage: 'f32', exactPruning: true },
  { storage: 'f16' },
  { storage: 'int8' },
  { storage: 'binary' },
  { storage: 'pq' },
  { storage: 'residual', residualCentroids: 16 },
  { storage: 'f32', poolFactor: 2 },
  { storage: 'int8', poolFactor: 2, protectedTokens: 1 },
  { storage: 'pq', poolFactor: 3 },
];
const label = (c) => JSON.stringify(c);

// Everything a caller can observe: the counts and sizes, every stored document, and rankings.
function snapshot(ix, ids, queries) {
  const s = ix.stats();
  return {
    counts: [ix.size, s.documents, s.tokens, s.deletedDocuments, s.deletedTokens, s.tokenBytes, s.totalBytes],
    stored: ids.map((id) => (ix.has(id) ? Array.from(ix.get(id)) : null)),
    results: queries.map((q) => {
      const r = ix.search(q, { k: 8 });
      return [Array.from(r.ids), Array.from(r.scores)];
    }),
  };
}

function poisoned(docs, at, value) {
  return docs.map((d, i) => {
    if (i !== at) return d;
    const bad = Float32Array.from(d);
    bad[bad.length - 1] = value;  // the document's very last value
    return bad;
  });
}

for (const config of CONFIGS) {
  test(`${label(config)}: a batch with a non-finite value late in it is rolled back whole`, async () => {
    const docs = randomDocs(7, 60, dim, 1, 24);
    const queries = randomDocs(8, 3, dim, 4, 4);
    const ids = docs.map((_, i) => i);
    const ix = new MultiVectorIndex({ dim, ...config });
    ix.add(ids.slice(0, 30), docs.slice(0, 30));  // trains the codec where there is one
    const before = snapshot(ix, ids, queries);

    // Documents 30..49, the 18th of them bad: the others are pooled and encoded first.
    const batch = docs.slice(30, 50);
    for (const [at, value] of [[17, NaN], [19, Infinity], [0, -Infinity]]) {
      const e = await expectCode(() => ix.add(ids.slice(30, 50), poisoned(batch, at, value)), 'ERR_NON_FINITE');
      assert.match(e.message, `document ${at}`);
      assert.equal(snapshot(ix, ids, queries), before, `after a failed add (bad document ${at})`);
    }
    // upsert() over existing ids: the old documents must survive the failure.
    await expectCode(() => ix.upsert(ids.slice(20, 40), poisoned(docs.slice(40, 60), 15, NaN)), 'ERR_NON_FINITE');
    assert.equal(snapshot(ix, ids, queries), before, 'after a failed upsert');

    // Later adds land exactly as in an index that never saw the failures.
    const clean = new MultiVectorIndex({ dim, ...config });
    clean.add(ids.slice(0, 30), docs.slice(0, 30));
    for (const target of [ix, clean]) {
      target.add(ids.slice(30, 50), batch);
      target.upsert(ids.slice(20, 30), docs.slice(50, 60));
    }
    assert.equal(snapshot(ix, ids, queries), snapshot(clean, ids, queries));
  });
}

test('f16 and bf16 storage refuse values they would keep as Infinity, in the same all-or-nothing way', async () => {
  // [storage, largest magnitude kept finite, smallest one that rounds to Infinity]
  for (const [storage, keep, overflow] of [['f16', 65519, 65520], ['bf16', 3.3961e38, 3.3962e38]]) {
    for (const poolFactor of [1, 2]) {
      const docs = randomDocs(11, 12, dim, 2, 10);
      const ids = docs.map((_, i) => i);
      const ix = new MultiVectorIndex({ dim, storage, poolFactor });
      ix.add(ids.slice(0, 6), docs.slice(0, 6));
      const queries = randomDocs(12, 2, dim, 3, 3);
      const before = snapshot(ix, ids, queries);
      for (const v of [overflow, -overflow, 1e30 * (storage === 'f16' ? 1 : 1e8)]) {
        if (!(Math.abs(Math.fround(v)) >= overflow)) continue;  // 1e38 is not past bf16's limit
        const batch = docs.slice(6, 12).map((d) => Float32Array.from(d));
        batch[4][3] = v;
        const e = await expectCode(() => ix.add(ids.slice(6, 12), batch), 'ERR_NON_FINITE');
        assert.match(e.message, `document 4 has a value`);
        assert.match(e.message, `${storage} storage would round to Infinity`);
        assert.equal(snapshot(ix, ids, queries), before, `${storage} pool ${poolFactor} value ${v}`);
      }
      // The largest magnitude that stays finite is accepted and stored finite. (Searching bf16
      // values near 3.4e38 would overflow the f32 score itself, so only f16 is searched here.)
      const edge = docs.slice(6, 12).map((d) => Float32Array.from(d));
      edge[4][3] = keep;
      edge[5][0] = -keep;
      ix.add(ids.slice(6, 12), edge);
      assert.ok(ix.get(10).every(Number.isFinite) && ix.get(11).every(Number.isFinite));
      if (poolFactor === 1) assert.is(ix.get(10)[3], storage === 'f16' ? 65504 : Math.fround(3.3895314e38));
      if (storage === 'f16')
        for (const q of queries) assert.ok(Array.from(ix.search(q, { k: 12 }).scores).every(Number.isFinite));
    }
  }
});

test('a bad document in the batch that would train the codec leaves it untrained', async () => {
  for (const config of [{ storage: 'pq' }, { storage: 'pq', poolFactor: 2 }, { storage: 'residual', residualCentroids: 16 }]) {
    const docs = randomDocs(9, 40, dim, 1, 24);
    const ids = docs.map((_, i) => i);
    const ix = new MultiVectorIndex({ dim, ...config });
    const e = await expectCode(() => ix.add(ids, poisoned(docs, 39, NaN)), 'ERR_NON_FINITE');
    assert.match(e.message, 'document 39', label(config));
    assert.is(ix.size, 0, label(config));
    assert.is(ix.stats().tokens, 0, label(config));
    // The codec trains on the next clean batch alone, as in a fresh index.
    const fresh = new MultiVectorIndex({ dim, ...config });
    ix.add(ids, docs);
    fresh.add(ids, docs);
    const queries = randomDocs(10, 3, dim, 4, 4);
    assert.equal(snapshot(ix, ids, queries), snapshot(fresh, ids, queries), label(config));
  }
});

test('finite values near the f32 limit: pooled means stay finite, and a score that overflows is refused', async () => {
  const d4 = 4;
  // Three rows pool into one cluster (k = floor(3 / 2)): the f32 sum of the two 3e38 values
  // overflows, their mean with 1 (2e38) does not.
  const doc = new Float32Array([3e38, 1, 0, 0, 3e38, 1.1, 0, 0, 1, 0, 0, 0]);
  for (const storage of ['f32', 'int8']) {  // f16 refuses 3e38 at add (tested above)
    const ix = new MultiVectorIndex({ dim: d4, storage, poolFactor: 2 });
    ix.add([1], [doc]);
    const got = ix.get(1);
    assert.ok(got.every(Number.isFinite), `${storage}: stored ${Array.from(got)}`);
    assert.ok(Math.abs(got[0] - 2e38) / 2e38 < 0.01, `${storage}: the mean of 3e38, 3e38 and 1 is ${got[0]}`);
  }
  // f32 scores [1, 0, 0, 0] against that mean exactly; int8 multiplies the integer dot by the
  // token's scale (~2.4e36) first and overflows, which must be an error, not an Infinity score.
  const f32 = new MultiVectorIndex({ dim: d4, storage: 'f32', poolFactor: 2 });
  f32.add([1], [doc]);
  const s = f32.search(new Float32Array([1, 0, 0, 0]), { k: 1 }).scores[0];
  assert.ok(Number.isFinite(s) && Math.abs(s - 2e38) / 2e38 < 1e-6, `f32 score ${s}`);
  const int8 = new MultiVectorIndex({ dim: d4, storage: 'int8' });
  int8.add([1], [doc]);
  const err = await expectCode(() => int8.search(new Float32Array([1, 0, 0, 0]), { k: 1 }), 'ERR_NON_FINITE');
  assert.match(err.message, 'too large to score in f32');
});

test('finite scores near the f32 limit are returned by every float storage and SIMD level', async () => {
  // Dots of 1e38 from six tokens: the score is finite (one token's 1e38). The kernels' NaN check
  // used to sum the dots and refuse it; a query whose four rows sum past 3.4e38 is refused.
  const d4 = 4;
  const doc = new Float32Array(6 * d4);
  for (let t = 0; t < 6; t++) doc[t * d4] = 1e19;
  const q1 = new Float32Array([1e19, 0, 0, 0]);
  const q4 = new Float32Array(4 * d4);
  for (let t = 0; t < 4; t++) q4[t * d4] = 1e19;
  const expected = Math.fround(1e19) * Math.fround(1e19);
  for (const level of supportedSimdLevels()) {
    setSimdLevel(level);
    for (const [storage, tol] of [['f32', 1e-6], ['bf16', 1e-2]]) {
      const ix = new MultiVectorIndex({ dim: d4, storage });
      ix.add([7], [doc]);
      const hit = ix.search(q1, { k: 1 });
      assert.is(hit.ids[0], 7);
      assert.ok(Math.abs(hit.scores[0] - expected) / expected < tol, `${level} ${storage}: ${hit.scores[0]}`);
      const err = await expectCode(() => ix.search(q4, { k: 1 }), 'ERR_NON_FINITE');
      assert.match(err.message, 'too large to score in f32');
    }
  }
  setSimdLevel(supportedSimdLevels().at(-1));
});

test.run();
