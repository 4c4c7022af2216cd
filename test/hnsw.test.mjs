// HNSW: exactness on small random sets for every metric, storage and SIMD level, deletes,
// filters, upsert, introspection, async APIs and argument validation.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HnswIndex, MaxsimError, setSimdLevel, supportedSimdLevels, capabilities, setThreads } from '../dist/index.js';
import { native } from '../dist/native.js';
import { bruteForce, isSorted, randomVectors, recallWithTies, score, seqIds, throwsCode } from './hnsw_helpers.mjs';

const initialSimd = capabilities().simd;


async function rejectsCode(p, code) {
  try {
    await p;
  } catch (e) {
    assert.instance(e, MaxsimError);
    assert.is(e.code, code, e.message);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

test('exact results at ef >= n for every metric, storage and SIMD level (odd dim)', () => {
  const dim = 13, n = 300, k = 7;
  const data = randomVectors(n, dim, 7);
  const queries = randomVectors(20, dim, 99);
  try {
    for (const level of supportedSimdLevels()) {
      setSimdLevel(level);
      for (const metric of ['l2', 'ip', 'cosine']) {
        for (const storage of ['f32', 'f16', 'int8']) {
          const idx = new HnswIndex({ dim, metric, storage, M: 8, efConstruction: 64 });
          // One insert thread makes the graph deterministic, so the floors below cannot flake.
          const threadsBefore = capabilities().threads;
          setThreads(1);
          try { idx.add(data, seqIds(n)); } finally { setThreads(threadsBefore); }
          assert.is(idx.size, n);
          idx.checkIntegrity();
          let recall = 0;
          for (let qi = 0; qi < 20; qi++) {
            const q = queries.subarray(qi * dim, (qi + 1) * dim);
            const r = idx.search(q, k, { ef: n });
            assert.is(r.ids.length, k);
            assert.instance(r.ids, BigUint64Array);
            assert.instance(r.scores, Float32Array);
            assert.ok(isSorted(metric, r.scores), `${metric} scores sorted`);
            const exact = bruteForce(metric, q, data, dim, k);
            recall += recallWithTies(metric, r.ids, exact, (id) => score(metric, q, data, Number(id) * dim, dim)) / 20;
            if (storage === 'f32') {
              // scores are the exact metric of the returned rows
              for (let j = 0; j < k; j++) {
                const s = score(metric, q, data, Number(r.ids[j]) * dim, dim);
                assert.ok(Math.abs(s - r.scores[j]) <= 1e-4 * Math.max(1, Math.abs(s)), `${level} ${metric} score ${s} vs ${r.scores[j]}`);
              }
            }
          }
          if (process.env.HNSW_DEBUG) console.log(level, metric, storage, recall.toFixed(4));
          // Even at ef >= n a search only reaches what the graph connects: with M 8 and parallel
          // (non-deterministic) inserts, pruning occasionally leaves a node without in-links, as in
          // every HNSW. One such node among 300 costs ~0.007 here; the floor allows two.
          // Inner product is not a metric: small-norm vectors are nobody's neighbour and can end up
          // with no in-links at all, so 'ip' gets a lower floor than l2 and cosine.
          const floor = (storage === 'f32' ? 0.985 : storage === 'f16' ? 0.97 : 0.8) - (metric === 'ip' ? 0.06 : 0);
          assert.ok(recall >= floor, `${level} ${metric} ${storage} recall ${recall}`);
        }
      }
    }
  } finally {
    setSimdLevel(initialSimd);
  }
});

test('tiny indexes: empty, one vector, k above size', () => {
  const idx = new HnswIndex({ dim: 3, metric: 'l2' });
  assert.is(idx.search(new Float32Array(3), 5).ids.length, 0);
  idx.add(new Float32Array([1, 2, 3]), [42]);
  const r = idx.search(new Float32Array([1, 2, 4]), 5);
  assert.equal([...r.ids], [42n]);
  assert.ok(Math.abs(r.scores[0] - 1) < 1e-6);
  idx.add([new Float32Array([0, 0, 0]), new Float32Array([5, 5, 5])], [7n, 8]);
  assert.equal([...idx.search(new Float32Array([0, 0, 0]), 10).ids], [7n, 42n, 8n]);
});

test('ids are 64-bit: bigints above 2^53 round-trip', () => {
  const idx = new HnswIndex({ dim: 2, metric: 'ip' });
  const big = (1n << 64n) - 1n;
  idx.add(new Float32Array([1, 0, 0, 1]), new BigUint64Array([big, 1n << 60n]));
  assert.ok(idx.has(big));
  assert.equal([...idx.search(new Float32Array([1, 0]), 1).ids], [big]);
  assert.ok(idx.has(1n << 60n));
  assert.not.ok(idx.has(3));
});

test('deleted ids are never returned; has/size/getVector follow; compact keeps the rest', () => {
  const dim = 16, n = 2000;
  const data = randomVectors(n, dim, 3);
  const idx = new HnswIndex({ dim, metric: 'l2', M: 12, efConstruction: 100 });
  idx.add(data, seqIds(n));
  const deleted = new Set();
  for (let i = 0; i < n; i += 3) deleted.add(BigInt(i));
  assert.is(idx.delete([...deleted]), deleted.size);
  assert.is(idx.size, n - deleted.size);
  assert.not.ok(idx.has(0));
  assert.is(idx.getVector(0), undefined);
  assert.equal(idx.stats().deleted, deleted.size);
  const queries = randomVectors(50, dim, 11);
  const check = (label) => {
    let recall = 0;
    for (let qi = 0; qi < 50; qi++) {
      const q = queries.subarray(qi * dim, (qi + 1) * dim);
      const r = idx.search(q, 10, { ef: 200 });
      for (const id of r.ids) assert.not.ok(deleted.has(id), `${label}: deleted id ${id} returned`);
      const exact = bruteForce('l2', q, data, dim, 10, (i) => !deleted.has(BigInt(i)));
      recall += recallWithTies('l2', r.ids, exact, (id) => score('l2', q, data, Number(id) * dim, dim)) / 50;
    }
    assert.ok(recall >= 0.97, `${label} recall ${recall}`);
  };
  check('tombstones');
  // a deleted id can be added again, with a new vector
  idx.add(data.subarray(dim, 2 * dim), [0]);
  deleted.delete(0n);
  data.copyWithin(0, dim, 2 * dim);
  assert.ok(idx.has(0));
  check('re-added');
  idx.compact();
  idx.checkIntegrity();
  const st = idx.stats();
  assert.is(st.deleted, 0);
  assert.is(st.size, n - deleted.size);
  check('compacted');
  throwsCode(() => idx.delete([3]), 'ERR_UNKNOWN_ID'); // already deleted
});

test('delete of an unknown id changes nothing', () => {
  const idx = new HnswIndex({ dim: 2, metric: 'l2' });
  idx.add(new Float32Array([0, 0, 1, 1]), [1, 2]);
  throwsCode(() => idx.delete([1, 99]), 'ERR_UNKNOWN_ID');
  assert.ok(idx.has(1));
  assert.is(idx.size, 2);
});

test('filters: allow-lists (Set, array, typed arrays) and deny-lists match brute force', () => {
  const dim = 12, n = 3000, k = 10;
  const data = randomVectors(n, dim, 5);
  const idx = new HnswIndex({ dim, metric: 'cosine', M: 12, efConstruction: 100 });
  idx.add(data, seqIds(n));
  const queries = randomVectors(30, dim, 6);
  const cases = [
    ['small allow Set', new Set(Array.from({ length: 40 }, (_, i) => i * 37)), (i) => i % 37 === 0 && i / 37 < 40, false],
    ['large allow array', Array.from({ length: 2000 }, (_, i) => i), (i) => i < 2000, false],
    ['allow Uint32Array', Uint32Array.from({ length: 1500 }, (_, i) => i * 2), (i) => i % 2 === 0, false],
    ['allow BigUint64Array', BigUint64Array.from({ length: 100 }, (_, i) => BigInt(i * 5)), (i) => i % 5 === 0 && i < 500, false],
    ['deny array', { deny: Array.from({ length: 1000 }, (_, i) => i * 3) }, (i) => !(i % 3 === 0 && i < 3000), true],
    ['deny Set', { deny: new Set([0, 1, 2, 3, 4, 5]) }, (i) => i > 5, true],
  ];
  for (const [label, filter, allowed] of cases) {
    let recall = 0;
    for (let qi = 0; qi < 30; qi++) {
      const q = queries.subarray(qi * dim, (qi + 1) * dim);
      const r = idx.search(q, k, { ef: 150, filter });
      for (const id of r.ids) assert.ok(allowed(Number(id)), `${label}: id ${id} not allowed`);
      assert.ok(isSorted('cosine', r.scores));
      const exact = bruteForce('cosine', q, data, dim, k, allowed);
      assert.is(r.ids.length, exact.length, label);
      recall += recallWithTies('cosine', r.ids, exact, (id) => score('cosine', q, data, Number(id) * dim, dim)) / 30;
    }
    assert.ok(recall >= 0.95, `${label} recall ${recall}`);
  }
  // an allow-list of unknown ids returns nothing; an empty allow-list too
  assert.is(idx.search(queries.subarray(0, dim), 5, { filter: [999999] }).ids.length, 0);
  assert.is(idx.search(queries.subarray(0, dim), 5, { filter: [] }).ids.length, 0);
  // batch search with a filter agrees with single searches
  const batch = idx.searchBatch(queries.subarray(0, 5 * dim), 5, { ef: 150, filter: { deny: [1, 2, 3] } });
  for (let qi = 0; qi < 5; qi++) {
    const single = idx.search(queries.subarray(qi * dim, (qi + 1) * dim), 5, { ef: 150, filter: { deny: [1, 2, 3] } });
    assert.equal([...batch[qi].ids], [...single.ids]);
  }
});

test('upsert replaces vectors; add rejects duplicates atomically', () => {
  const idx = new HnswIndex({ dim: 2, metric: 'l2' });
  idx.add(new Float32Array([0, 0, 10, 10]), [1, 2]);
  throwsCode(() => idx.add(new Float32Array([5, 5, 6, 6]), [3, 2]), 'ERR_DUPLICATE_ID');
  assert.not.ok(idx.has(3));
  throwsCode(() => idx.add(new Float32Array([5, 5, 6, 6]), [4, 4]), 'ERR_DUPLICATE_ID');
  idx.upsert(new Float32Array([20, 20, 5, 5]), [1, 3]);
  assert.is(idx.size, 3);
  assert.equal([...idx.getVector(1)], [20, 20]);
  assert.equal([...idx.search(new Float32Array([19, 19]), 1).ids], [1n]);
  assert.equal([...idx.search(new Float32Array([0, 0]), 3).ids], [3n, 2n, 1n]);
});

test('getVector: f32 exact, cosine normalised, f16/int8 close', () => {
  const v = new Float32Array([3, 4, 0, 1, 2]);
  for (const [metric, storage, tol] of [['l2', 'f32', 0], ['cosine', 'f32', 1e-6], ['l2', 'f16', 2e-3], ['ip', 'int8', 0.03]]) {
    const idx = new HnswIndex({ dim: 5, metric, storage });
    idx.add(v, [5]);
    const got = idx.getVector(5);
    const norm = metric === 'cosine' ? Math.hypot(...v) : 1;
    for (let k = 0; k < 5; k++) assert.ok(Math.abs(got[k] - v[k] / norm) <= tol * Math.max(1, Math.abs(v[k])), `${metric}/${storage} ${got}`);
  }
});

test('stats report memory by component', () => {
  const idx = new HnswIndex({ dim: 32, metric: 'ip', storage: 'f16' });
  idx.add(randomVectors(500, 32, 1), seqIds(500));
  const s = idx.stats();
  assert.is(s.size, 500);
  assert.ok(s.vectorBytes >= 500 * 64);
  assert.ok(s.level0LinkBytes >= 500 * 33 * 4);
  assert.ok(s.totalBytes >= s.vectorBytes + s.level0LinkBytes);
  assert.is(idx.metric, 'ip');
  assert.is(idx.storage, 'f16');
  assert.is(idx.M, 16);
  assert.is(idx.efConstruction, 200);
  assert.is(idx.ef, 64);
  idx.ef = 99;
  assert.is(idx.ef, 99);
});

test('async add reports progress on the main thread; async searches agree with sync ones', async () => {
  const dim = 24, n = 6000;
  const data = randomVectors(n, dim, 21);
  const idx = new HnswIndex({ dim, metric: 'l2', M: 8, efConstruction: 64 });
  const seen = [];
  await idx.addAsync(data, seqIds(n), { onProgress: (done, total) => seen.push([done, total]) });
  assert.ok(seen.length >= 2, `progress calls: ${seen.length}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0]);
  assert.ok(seen.every(([, t]) => t === n));
  assert.is(idx.size, n);
  const q = data.subarray(5 * dim, 6 * dim);
  const a = await idx.searchAsync(q, 10, { ef: 100 });
  const s = idx.search(q, 10, { ef: 100 });
  assert.equal([...a.ids], [...s.ids]);
  assert.is(a.ids[0], 5n);
  const batch = await idx.searchBatchAsync(data.subarray(0, 50 * dim), 3);
  batch.forEach((r, i) => assert.is(r.ids[0], BigInt(i)));
  const sb = idx.searchBatch(data.subarray(0, 50 * dim), 3);
  sb.forEach((r, i) => assert.equal([...r.ids], [...batch[i].ids]));
  assert.is(await idx.deleteAsync([1, 2]), 2);
  await idx.upsertAsync(data.subarray(0, dim), [1]);
  assert.ok(idx.has(1));
  // a throwing progress callback does not break the insert
  await idx.addAsync(randomVectors(600, dim, 3), seqIds(600, n), { onProgress: () => { throw new Error('boom'); } });
  assert.is(idx.size, n - 1 + 600);
});

test('bad arguments give MaxsimError with stable codes', async () => {
  const idx = new HnswIndex({ dim: 4, metric: 'l2' });
  idx.add(new Float32Array(8).fill(1), [1, 2]);
  throwsCode(() => new HnswIndex({ dim: 0, metric: 'l2' }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new HnswIndex({ dim: 4, metric: 'dot' }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new HnswIndex({ dim: 4, metric: 'l2', M: 1 }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new HnswIndex({ dim: 4, metric: 'l2', storage: 'f64' }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new HnswIndex(), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => idx.search(new Float32Array(3), 1), 'ERR_DIMENSION_MISMATCH');
  throwsCode(() => idx.search(new Float32Array([1, NaN, 0, 0]), 1), 'ERR_NON_FINITE');
  throwsCode(() => idx.search(new Float32Array(4), 0), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => idx.search(new Float32Array(4), 1.5), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => idx.search([0, 0, 0, 0], 1), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => idx.search(new Float32Array(4), 1, { ef: -1 }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => idx.search(new Float32Array(4), 1, { filter: 'x' }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => idx.search(new Float32Array(4), 1, { filter: [-1] }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => idx.add(new Float32Array(4), [1.5]), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => idx.add(new Float32Array(4), [-3]), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => idx.add(new Float32Array(5), [3]), 'ERR_DIMENSION_MISMATCH');
  throwsCode(() => idx.add(new Float32Array(8), [3]), 'ERR_DIMENSION_MISMATCH');
  throwsCode(() => idx.add(new Float32Array([0, Infinity, 0, 0]), [3]), 'ERR_NON_FINITE');
  throwsCode(() => idx.add(new Float32Array(4), [1]), 'ERR_DUPLICATE_ID');
  throwsCode(() => idx.delete([77]), 'ERR_UNKNOWN_ID');
  throwsCode(() => idx.has('1'), 'ERR_INVALID_ARGUMENT');
  assert.is(idx.size, 2);
  await rejectsCode(idx.searchAsync(new Float32Array(3), 1), 'ERR_DIMENSION_MISMATCH');
  await rejectsCode(idx.searchAsync(new Float32Array([NaN, 0, 0, 0]), 1), 'ERR_NON_FINITE');
  await rejectsCode(idx.addAsync(new Float32Array(4), [2]), 'ERR_DUPLICATE_ID');
  await rejectsCode(idx.deleteAsync([1234]), 'ERR_UNKNOWN_ID');
  await rejectsCode(idx.searchBatchAsync(new Float32Array(5), 1), 'ERR_DIMENSION_MISMATCH');
  // subarray views honour byteOffset
  const buf = new Float32Array(12).fill(9);
  buf.set([1, 1, 1, 1], 4);
  assert.equal([...idx.search(buf.subarray(4, 8), 1).ids].length, 1);
});

test('cosine normalises vectors of any finite scale (huge and tiny ones too)', () => {
  // Same directions at scales whose f32 sum of squares overflows (1e20, 2e37) or underflows
  // (1e-25, 1e-40): each must be stored as the unit vector and found at cosine similarity ~1.
  const dir = [3, -4, 0, 12];  // length 13
  for (const storage of ['f32', 'f16']) {
    const idx = new HnswIndex({ dim: 4, metric: 'cosine', storage });
    idx.add(new Float32Array([0, 1, 0, 0, 1, 0, 0, 0]), [100, 101]);
    const scales = [1, 1e20, 2e37, 1e-25, 1e-40];
    scales.forEach((sc, i) => idx.add(Float32Array.from(dir, (x) => x * sc), [i]));
    for (let i = 0; i < scales.length; i++) {
      const got = idx.getVector(i);
      dir.forEach((x, k) => assert.ok(Math.abs(got[k] - x / 13) < 2e-3, `${storage} scale ${scales[i]}: component ${k} ${got[k]}`));
    }
    for (const sc of scales) {
      const r = idx.search(Float32Array.from(dir, (x) => x * sc), 5);
      assert.equal([...r.ids].map(Number).sort((a, b) => a - b), [0, 1, 2, 3, 4], `${storage} query at scale ${sc}`);
      for (const c of r.scores) assert.ok(Math.abs(c - 1) < 2e-3, `${storage} query at scale ${sc}: cosine similarity ${c}`);
    }
  }
});

test('f16 storage refuses values it would keep as Infinity (l2 and ip; cosine normalises first)', () => {
  for (const metric of ['l2', 'ip', 'cosine']) {
    const idx = new HnswIndex({ dim: 4, metric, storage: 'f16' });
    idx.add(new Float32Array([65504, -65519, 1, 0]), [1]);  // 65519 rounds to the largest f16
    for (const big of [65520, -1e6, 3e38]) {
      const v = new Float32Array([1, 0, big, 0]);
      if (metric === 'cosine') {
        idx.add(v, [2]);
        assert.ok(Number.isFinite(idx.getVector(2)[2]), 'cosine: stored normalised');
        idx.delete([2]);
        continue;
      }
      throwsCode(() => idx.add(v, [2]), 'ERR_NON_FINITE');
      try { idx.add(v, [2]); } catch (e) { assert.match(e.message, `vector 0 has a value (${big === 65520 ? '65520' : big === -1e6 ? '-1e+06' : '3e+38'}) that f16 storage would round to Infinity`); }
      throwsCode(() => idx.upsert(v, [1]), 'ERR_NON_FINITE');
      assert.is(idx.size, 1, `${metric} ${big}: nothing added or removed`);
    }
    assert.ok(idx.getVector(1).every(Number.isFinite));
    const r = idx.search(new Float32Array([1, 1, 1, 1]), 1);
    assert.ok(Number.isFinite(r.scores[0]), `${metric}: finite score`);
    // f32 storage keeps such values as they are.
    new HnswIndex({ dim: 4, metric }).add(new Float32Array([1, 0, 3e38, 0]), [1]);
  }
});

test('wrong `this` is rejected without touching foreign memory', () => {
  const idx = new HnswIndex({ dim: 4, metric: 'l2' });
  for (const name of ['search', 'add', 'delete', 'has', 'getVector', 'stats', 'save', 'compact', 'searchBatch']) {
    throwsCode(() => HnswIndex.prototype[name].call({}, new Float32Array(4), 1), 'ERR_INVALID_ARGUMENT');
    throwsCode(() => HnswIndex.prototype[name].call(Object.create(HnswIndex.prototype), new Float32Array(4), 1), 'ERR_INVALID_ARGUMENT');
  }
  throwsCode(() => Object.getOwnPropertyDescriptor(HnswIndex.prototype, 'size').get.call({}), 'ERR_INVALID_ARGUMENT');
  // The native class is guarded twice: V8's receiver check ("Illegal invocation") and then
  // the type tag of the wrapped object.
  const N = native.NativeHnsw;
  for (const name of ['search', 'add', 'remove', 'stats', 'size']) {
    for (const foreign of [{}, Object.create(N.prototype)]) {
      let threw = false;
      try {
        N.prototype[name].call(foreign, new Float32Array(4), 1, 0, 0);
      } catch (e) {
        threw = true;
        assert.ok(e.code === 'ERR_INVALID_ARGUMENT' || (e instanceof TypeError && /Illegal invocation/.test(e.message)), e.message);
      }
      assert.ok(threw, name);
    }
  }
  assert.ok(idx.search(new Float32Array(4), 1));
});

test.run();
