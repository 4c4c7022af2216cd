// MultiVectorIndex on small random collections: exact search against a plain-JS MaxSim for every
// storage, ids, filters, delete/upsert/compaction, persistence, corruption and bad input.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MultiVectorIndex, setSimdLevel, supportedSimdLevels, capabilities } from '../dist/index.js';
import { randomDocs, pack, maxsimJs, rank, expectCode, rng, gaussian } from './mvindex_helpers.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mvindex-test-'));
const STORAGES = ['f32', 'f16', 'bf16', 'int8', 'binary'];

function query(seed, nq, dim) {
  return randomDocs(seed, 1, dim, nq, nq)[0];
}

// The MaxSim each storage's kernels compute, in plain JS from the decoded tokens (get()).
function refScore(storage, q, decoded, dim) {
  if (storage === 'binary') {
    const signs = q.map((v) => (v > 0 ? 1 : -1));
    return maxsimJs(signs, decoded, dim);  // decoded binary tokens are +-1
  }
  return maxsimJs(q, decoded, dim);
}

function tolerance(storage, nq) {
  // int8 also quantizes the query (per row, max|x|/127): each of nq terms moves by at most
  // ~dim * (0.5/127)^2-scale errors; 0.02 per query row is a generous bound at unit norm.
  if (storage === 'int8') return 0.02 * nq;
  if (storage === 'binary') return 1e-6;
  // bf16: on AVX-512 BF16 the query is rounded to bf16 too (2^-9 relative per element).
  if (storage === 'bf16') return 8e-3 * nq;
  return 1e-4 * nq;
}

for (const storage of STORAGES) {
  test(`${storage}: search scores and ranking match plain-JS MaxSim`, async () => {
    for (const dim of [7, 33, 128]) {
      const docs = randomDocs(dim * 11 + 1, 40, dim, 0, 25);
      const { tokens, offsets } = pack(docs, dim);
      const ix = new MultiVectorIndex({ dim, storage });
      ix.add([...docs.keys()], tokens, offsets);
      assert.is(ix.size, 40);
      for (const nq of [1, 5, 32]) {
        const q = query(dim * 7 + nq, nq, dim);
        const res = ix.search(q, { k: 1000 });
        assert.is(res.ids.length, 40, 'k above the collection returns every document');
        assert.ok(res.ids instanceof Float64Array);
        const ref = docs.map((_, i) => refScore(storage, q, ix.get(i), dim));
        for (let r = 0; r < res.ids.length; r++) {
          const id = res.ids[r];
          const want = ref[id];
          if (want === -Infinity) assert.is(res.scores[r], -Infinity);
          else assert.ok(Math.abs(res.scores[r] - want) <= tolerance(storage, nq), `${storage} dim ${dim} doc ${id}: ${res.scores[r]} vs ${want}`);
          if (r > 0) assert.ok(res.scores[r - 1] >= res.scores[r], 'sorted best first');
        }
        if (storage === 'f32' || storage === 'binary') {
          // Exact forms: the ranking is the reference ranking wherever scores are apart.
          const order = rank(ref);
          for (let r = 0; r < order.length; r++) {
            if (res.ids[r] !== order[r]) assert.ok(Math.abs(ref[res.ids[r]] - ref[order[r]]) < 1e-4, `rank ${r}`);
          }
        }
      }
    }
  });
}

test('f32 get() returns the stored tokens exactly; f16/bf16/int8 within their precision', async () => {
  const dim = 19;
  const docs = randomDocs(5, 12, dim, 0, 9);
  for (const storage of ['f32', 'f16', 'bf16', 'int8']) {
    const ix = new MultiVectorIndex({ dim, storage });
    ix.add(docs.map((_, i) => `doc-${i}`), docs);
    const tol = { f32: 0, f16: 1e-3, bf16: 8e-3, int8: 1e-2 }[storage];
    docs.forEach((d, i) => {
      const g = ix.get(`doc-${i}`);
      assert.is(g.length, d.length);
      for (let k = 0; k < d.length; k++) assert.ok(Math.abs(g[k] - d[k]) <= tol, `${storage} ${k}`);
    });
  }
});

test('int8 keeps the shape of rows of tiny and subnormal values (no overflowing scale)', () => {
  // 127 / max|x| overflows for rows of subnormals; every code used to come out ±127.
  const dim = 8;
  const rows = [1e-39, 1e-30].map((s) => Float32Array.from([1, -2, 3, 0, 0.5, -1, 2, 0.1], (v) => v * s));
  const before = capabilities().simd;
  for (const lvl of supportedSimdLevels()) {
    setSimdLevel(lvl);
    const ix = new MultiVectorIndex({ dim, storage: 'int8' });
    ix.add([0, 1], rows);
    rows.forEach((row, i) => {
      const got = ix.get(i), m = Math.max(...row.map(Math.abs));
      for (let c = 0; c < dim; c++) assert.ok(Math.abs(got[c] - row[c]) <= m / 127, `${lvl} row ${i} element ${c}: ${got[c]} vs ${row[c]}`);
    });
  }
  setSimdLevel(before);
});

test('flat buffer and per-document arrays give the same index; subarray views honour byteOffset', async () => {
  const dim = 16;
  const docs = randomDocs(9, 30, dim);
  const { tokens, offsets } = pack(docs, dim);
  const big = new Float32Array(tokens.length + 5);
  big.set(tokens, 5);
  const a = new MultiVectorIndex({ dim });
  a.add([...docs.keys()], big.subarray(5), offsets);
  const b = new MultiVectorIndex({ dim });
  b.add([...docs.keys()], docs);
  const q = query(3, 4, dim);
  assert.equal([...a.search(q, { k: 30 }).ids], [...b.search(q, { k: 30 }).ids]);
  assert.equal([...a.search(q).scores], [...b.search(q).scores]);
  assert.is(a.search(q).ids.length, 10, 'k defaults to 10');
});

test('searchBatch and the async forms equal per-query search', async () => {
  const dim = 24;
  const docs = randomDocs(21, 50, dim);
  const ix = new MultiVectorIndex({ dim, storage: 'f16' });
  ix.add(docs.map((_, i) => i * 3), docs);
  const qs = [query(1, 3, dim), query(2, 8, dim), query(3, 1, dim)];
  const { tokens, offsets } = pack(qs, dim);
  const batch = ix.searchBatch(tokens, offsets, { k: 7 });
  const batchAsync = await ix.searchBatchAsync(tokens, offsets, { k: 7 });
  for (let i = 0; i < qs.length; i++) {
    const one = ix.search(qs[i], { k: 7 });
    const oneAsync = await ix.searchAsync(qs[i], { k: 7 });
    for (const r of [batch[i], batchAsync[i], oneAsync]) {
      assert.equal([...r.ids], [...one.ids]);
      assert.equal([...r.scores], [...one.scores]);
    }
  }
  // Several async searches in flight at once.
  const all = await Promise.all(qs.map((q) => ix.searchAsync(q, { k: 5 })));
  all.forEach((r, i) => assert.equal([...r.ids], [...ix.search(qs[i], { k: 5 }).ids]));
});

test('mutations while async searches run: they wait for the searches, results stay consistent', async () => {
  const dim = 32;
  const docs = randomDocs(23, 400, dim, 20, 60);
  const ix = new MultiVectorIndex({ dim, storage: 'f16' });
  ix.add([...docs.keys()], docs);
  const q = query(24, 8, dim);
  const want = ix.search(q, { k: 400 });
  const pending = [ix.searchAsync(q, { k: 400 }), ix.searchBatchAsync(q, new Uint32Array([0, 8]), { k: 400 })];
  ix.delete([want.ids[0]]);        // waits for the running searches (writer lock)
  ix.add([1000], [docs[0]]);
  const [one, [batch]] = await Promise.all(pending);
  // Each search saw the index before, between or after the two mutations -- never a torn state.
  for (const r of [one, batch]) {
    assert.ok(r.ids.length === 400 || r.ids.length === 399, `${r.ids.length}`);
    assert.is(new Set(r.ids).size, r.ids.length);
    for (let i = 1; i < r.scores.length; i++) assert.ok(r.scores[i - 1] >= r.scores[i]);
  }
  const after = ix.search(q, { k: 1000 });
  assert.not.ok([...after.ids].includes(want.ids[0]));
  assert.ok([...after.ids].includes(1000));
});

test('every SIMD level ranks alike', async () => {
  const dim = 40;
  const docs = randomDocs(77, 60, dim, 1, 30);
  const q = query(78, 9, dim);
  const before = capabilities().simd;
  for (const storage of STORAGES) {
    const ix = new MultiVectorIndex({ dim, storage });
    ix.add([...docs.keys()], docs);
    const results = supportedSimdLevels().map((lvl) => { setSimdLevel(lvl); return ix.search(q, { k: 60 }); });
    setSimdLevel(before);
    for (const r of results.slice(1)) {
      for (let i = 0; i < 60; i++) {
        assert.ok(Math.abs(r.scores[i] - results[0].scores[i]) <= 1e-3 * 9, `${storage} score ${i}`);
      }
    }
  }
  setSimdLevel(before);
});

test('string ids and filters (allow list, { allow }, { deny }) are evaluated natively', async () => {
  const dim = 8;
  const docs = randomDocs(31, 20, dim);
  const ids = docs.map((_, i) => `d${i}`);
  const ix = new MultiVectorIndex({ dim, idType: 'string' });
  ix.add(ids, docs);
  assert.is(ix.idType, 'string');
  const q = query(32, 3, dim);
  const all = ix.search(q, { k: 20 });
  assert.ok(Array.isArray(all.ids));
  const allow = ['d3', 'd7', 'd11', 'nope'];
  const r1 = ix.search(q, { k: 20, filter: allow });
  assert.equal([...r1.ids], all.ids.filter((id) => allow.includes(id)), 'allow-list keeps the order; unknown ids ignored');
  const r2 = ix.search(q, { k: 2, filter: { allow } });
  assert.equal([...r2.ids], r1.ids.slice(0, 2));
  const r3 = ix.search(q, { k: 20, filter: { deny: ['d0', 'd1'] } });
  assert.equal([...r3.ids], all.ids.filter((id) => id !== 'd0' && id !== 'd1'));
  assert.is(ix.search(q, { filter: [] }).ids.length, 0);
  const batch = ix.searchBatch(q, new Uint32Array([0, 3]), { k: 20, filter: { deny: ['d5'] } });
  assert.equal([...batch[0].ids], all.ids.filter((id) => id !== 'd5'));
  // Number ids with a filter too.
  const nix = new MultiVectorIndex({ dim });
  nix.add(new Uint32Array([10, 20, 30]), docs.slice(0, 3));
  assert.equal([...nix.search(q, { filter: [20, 99] }).ids], [20]);
  await expectCode(() => nix.search(q, { filter: ['20'] }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.search(q, { filter: { allow: ['a'], deny: ['b'] } }), 'ERR_INVALID_ARGUMENT');
});

test('large integer ids survive (up to 2^53 - 1) and BigUint64Array ids are accepted', async () => {
  const dim = 4;
  const docs = randomDocs(41, 3, dim);
  const ix = new MultiVectorIndex({ dim });
  const big = [Number.MAX_SAFE_INTEGER, 2 ** 40 + 7, 0];
  ix.add(big, docs);
  assert.equal([...ix.search(query(1, 1, dim), { k: 3 }).ids].sort(), [...big].sort());
  const ix2 = new MultiVectorIndex({ dim });
  ix2.add(new BigUint64Array([5n, 6n, 7n]), docs);
  assert.ok(ix2.has(6));
});

test('delete tombstones, compacts automatically past the threshold, and upsert replaces', async () => {
  const dim = 12;
  const docs = randomDocs(51, 40, dim, 1, 10);
  const ix = new MultiVectorIndex({ dim, storage: 'int8', compactThreshold: 0.5 });
  ix.add([...docs.keys()], docs);
  const q = query(52, 4, dim);
  const before = ix.search(q, { k: 40 });
  assert.is(ix.delete([3, 5, 7]), 3);
  assert.is(ix.size, 37);
  let st = ix.stats();
  assert.is(st.deletedDocuments, 3, 'below the threshold: tombstones only');
  const after = ix.search(q, { k: 40 });
  assert.equal([...after.ids], [...before.ids].filter((id) => ![3, 5, 7].includes(id)));
  assert.not.ok(ix.has(5));
  await expectCode(() => ix.get(5), 'ERR_UNKNOWN_ID');
  await expectCode(() => ix.delete([5]), 'ERR_UNKNOWN_ID');
  await expectCode(() => ix.delete([1, 999]), 'ERR_UNKNOWN_ID');
  assert.ok(ix.has(1), 'a failed delete deletes nothing');
  // Past half of the documents: compaction runs by itself and results stay the same.
  const gone = [...Array(20).keys()].map((i) => i + 10);
  ix.delete(gone);
  st = ix.stats();
  assert.is(st.deletedDocuments, 0, 'compacted');
  assert.is(st.documents, 17);
  const kept = [...before.ids].filter((id) => ![3, 5, 7].includes(id) && !gone.includes(id));
  const compacted = ix.search(q, { k: 40 });
  assert.equal([...compacted.ids], kept);
  assert.equal([...compacted.scores], [...before.scores].filter((_, r) => kept.includes(before.ids[r])));
  // Upsert replaces a document: its new tokens are what search and get see.
  const fresh = randomDocs(53, 1, dim, 3, 3)[0];
  ix.upsert([1], [fresh]);
  assert.is(ix.size, 17);
  const g = ix.get(1);
  for (let k = 0; k < g.length; k++) assert.ok(Math.abs(g[k] - fresh[k]) < 1e-2);
  const s = ix.search(fresh, { k: 1 });
  assert.is(s.ids[0], 1, 'the replaced document is found by its new tokens');
  // Upsert of a new id adds it.
  ix.upsert([1000], [fresh]);
  assert.is(ix.size, 18);
  // A deleted id is free for reuse at once.
  ix.delete([1000]);
  ix.add([1000], [fresh]);
  assert.ok(ix.has(1000));
  // Explicit compaction.
  ix.delete([1000]);
  assert.is(ix.stats().deletedDocuments, 3, 'the upserted-over document and 1000 twice');
  ix.compact();
  assert.is(ix.stats().deletedDocuments, 0);
  assert.is(ix.size, 17);
});

test('save / load / mmap keep results for every storage; string ids survive; mmap is read-only', async () => {
  const dim = 20;
  const docs = randomDocs(61, 35, dim, 0, 15);
  const q = query(62, 6, dim);
  for (const storage of STORAGES) {
    for (const idType of ['number', 'string']) {
      const ids = docs.map((_, i) => (idType === 'string' ? `ключ-${i}-é` : i * 7));
      const ix = new MultiVectorIndex({ dim, storage, poolFactor: 1.5, protectedTokens: 1 });
      ix.add(ids, docs);
      ix.delete([ids[4], ids[9]]);
      const want = ix.search(q, { k: 50 });
      const file = path.join(tmp, `${storage}-${idType}.mvix`);
      ix.save(file);
      for (const mmap of [false, true]) {
        const back = MultiVectorIndex.load(file, { mmap });
        assert.is(back.size, 33);
        assert.is(back.storage, storage);
        assert.is(back.dim, dim);
        assert.is(back.idType, idType);
        assert.is(back.readOnly, mmap);
        assert.is(back.stats().mapped, mmap);
        const got = back.search(q, { k: 50 });
        assert.equal([...got.ids], [...want.ids], `${storage} ${idType} mmap=${mmap}`);
        assert.equal([...got.scores], [...want.scores]);
        assert.equal([...back.get(ids[3])], [...ix.get(ids[3])]);
        if (mmap) {
          await expectCode(() => back.add([ids[4]], [docs[4]]), 'ERR_INVALID_ARGUMENT');
          await expectCode(() => back.delete([ids[3]]), 'ERR_INVALID_ARGUMENT');
        } else {
          back.add([ids[4]], [docs[4]]);
          assert.is(back.size, 34);
        }
      }
    }
  }
  // Saving over an existing file replaces it atomically (no temporary left behind).
  const ix = new MultiVectorIndex({ dim });
  ix.add([1], [docs[0]]);
  const file = path.join(tmp, 'f32-number.mvix');
  ix.save(file);
  assert.is(MultiVectorIndex.load(file).size, 1);
  assert.equal(fs.readdirSync(tmp).filter((f) => f.includes('.tmp-')), []);
  // An empty index saves and loads.
  const empty = new MultiVectorIndex({ dim, storage: 'binary' });
  empty.save(path.join(tmp, 'empty.mvix'));
  const e = MultiVectorIndex.load(path.join(tmp, 'empty.mvix'), { mmap: true });
  assert.is(e.size, 0);
  assert.is(e.search(q).ids.length, 0);
});

test('a corrupted or truncated file is rejected with ERR_CORRUPT_FILE, never a crash', async () => {
  const dim = 10;
  const docs = randomDocs(71, 20, dim);
  const file = path.join(tmp, 'good.mvix');
  const ix = new MultiVectorIndex({ dim, storage: 'int8' });
  ix.add(docs.map((_, i) => `s${i}`), docs);
  ix.save(file);
  const bytes = fs.readFileSync(file);
  const bad = path.join(tmp, 'bad.mvix');
  for (const cut of [0, 10, 32, 40, bytes.length / 2, bytes.length - 1]) {
    fs.writeFileSync(bad, bytes.subarray(0, Math.floor(cut)));
    for (const mmap of [false, true]) await expectCode(() => MultiVectorIndex.load(bad, { mmap }), 'ERR_CORRUPT_FILE');
  }
  const r = rng(5);
  for (let t = 0; t < 40; t++) {
    const copy = Buffer.from(bytes);
    const at = t < 8 ? 8 + t * 4 : Math.floor(r() * copy.length);  // header fields, then anywhere
    copy[at] ^= 1 << Math.floor(r() * 8);
    fs.writeFileSync(bad, copy);
    await expectCode(() => MultiVectorIndex.load(bad), 'ERR_CORRUPT_FILE');
  }
  fs.writeFileSync(bad, Buffer.concat([bytes, Buffer.from([0])]));
  await expectCode(() => MultiVectorIndex.load(bad), 'ERR_CORRUPT_FILE');
  await expectCode(() => MultiVectorIndex.load(path.join(tmp, 'missing.mvix')), 'ERR_IO');
});

test('pooling with factor 2 halves the stored tokens; protected tokens are kept as they are', async () => {
  const dim = 16;
  const docs = randomDocs(81, 30, dim, 10, 40);
  const ix = new MultiVectorIndex({ dim, poolFactor: 2 });
  ix.add([...docs.keys()], docs);
  const total = docs.reduce((s, d) => s + d.length / dim, 0);
  const want = docs.reduce((s, d) => s + Math.max(Math.floor(d.length / dim / 2), 1), 0);
  assert.is(ix.stats().tokens, want);
  assert.ok(Math.abs(want / total - 0.5) < 0.02);
  const p = new MultiVectorIndex({ dim, poolFactor: 3, protectedTokens: 2 });
  p.add([...docs.keys()], docs);
  docs.forEach((d, i) => {
    const n = d.length / dim;
    const g = p.get(i);
    assert.is(g.length / dim, 2 + Math.max(Math.floor((n - 2) / 3), 1));
    for (let k = 0; k < 2 * dim; k++) assert.is(g[k], d[k], 'protected rows unchanged');
  });
});

test('bad input: MaxsimError with the right code, and the index unchanged', async () => {
  const dim = 6;
  const docs = randomDocs(91, 5, dim);
  const ix = new MultiVectorIndex({ dim });
  ix.add([0, 1, 2, 3, 4], docs);
  const q = query(92, 2, dim);
  await expectCode(() => new MultiVectorIndex({ dim: 0 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex({ dim: 4.5 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex({ dim, storage: 'f64' }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex({ dim, poolFactor: 0.5 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex({ dim, protectedTokens: -1 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex({ dim, compactThreshold: 0 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex(), 'ERR_INVALID_ARGUMENT');
  // Codec options of 'pq' / 'residual' (their own tests: mvindex_quantized*.test.mjs).
  await expectCode(() => new MultiVectorIndex({ dim: 6, storage: 'pq', pqSubspaces: 4 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex({ dim: 6, storage: 'pq', pqBits: 6 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex({ dim: 6, storage: 'residual', residualBits: 3 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => new MultiVectorIndex({ dim: 6, storage: 'residual', residualCentroids: 0 }), 'ERR_INVALID_ARGUMENT');
});

test('bad input to add, search, delete, get', async () => {
  const dim = 6;
  const docs = randomDocs(93, 5, dim);
  const ix = new MultiVectorIndex({ dim });
  ix.add([0, 1, 2, 3, 4], docs);
  const q = query(94, 2, dim);
  // wrong dim
  await expectCode(() => ix.search(new Float32Array(dim + 1)), 'ERR_DIMENSION_MISMATCH');
  await expectCode(() => ix.add([9], [new Float32Array(dim + 2)]), 'ERR_DIMENSION_MISMATCH');
  await expectCode(() => ix.add([9], new Float32Array(dim * 2 + 1), new Uint32Array([0, 2])), 'ERR_DIMENSION_MISMATCH');
  await expectCode(() => ix.add([9, 10], new Float32Array(dim * 2), new Uint32Array([0, 3, 2])), 'ERR_BAD_OFFSETS');
  await expectCode(() => ix.add([9, 10, 11], new Float32Array(dim * 2), new Uint32Array([0, 2])), 'ERR_INVALID_ARGUMENT');
  // NaN: nothing added
  const nan = new Float32Array(dim * 2);
  nan[3] = NaN;
  await expectCode(() => ix.add([9, 10], [docs[0], nan]), 'ERR_NON_FINITE');
  assert.is(ix.size, 5);
  assert.not.ok(ix.has(9));
  // The check goes a block of 4,096 values at a time: a bad value in any block, at its edges or
  // in the last partial one, is found; ±Infinity as well as NaN, and -0 / subnormals are fine.
  const rows = Math.ceil(3 * 4096 / dim) + 3;
  for (const [at, v] of [[0, NaN], [4095, Infinity], [4096, -Infinity], [8191, NaN], [rows * dim - 1, Infinity]]) {
    const long = new Float32Array(rows * dim).fill(0.25);
    long[1] = -0;
    long[2] = 1e-42;
    long[at] = v;
    await expectCode(() => ix.add([9], [long]), 'ERR_NON_FINITE');
  }
  assert.is(ix.size, 5);
  const clean = new Float32Array(rows * dim).fill(0.25);
  clean[1] = -0;
  clean[2] = 1e-42;
  ix.add([9], [clean]);
  assert.is(ix.size, 6);
  ix.delete([9]);
  assert.is(ix.size, 5);
  const qn = new Float32Array(q);
  qn[0] = Infinity;
  await expectCode(() => ix.search(qn), 'ERR_NON_FINITE');
  await expectCode(() => ix.searchAsync(qn), 'ERR_NON_FINITE');
  // k
  await expectCode(() => ix.search(q, { k: 0 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.search(q, { k: 1.5 }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.searchBatch(q, new Uint32Array([0, 2]), { k: -1 }), 'ERR_INVALID_ARGUMENT');
  // empty query
  await expectCode(() => ix.search(new Float32Array(0)), 'ERR_EMPTY_QUERY');
  await expectCode(() => ix.searchAsync(new Float32Array(0)), 'ERR_EMPTY_QUERY');
  await expectCode(() => ix.searchBatch(q, new Uint32Array([0, 0, 2])), 'ERR_EMPTY_QUERY');
  await expectCode(() => ix.search([1, 2, 3, 4, 5, 6]), 'ERR_INVALID_ARGUMENT');
  // unknown / duplicate ids, wrong id types
  await expectCode(() => ix.delete([42]), 'ERR_UNKNOWN_ID');
  await expectCode(() => ix.get(42), 'ERR_UNKNOWN_ID');
  await expectCode(() => ix.add([3], [docs[0]]), 'ERR_DUPLICATE_ID');
  await expectCode(() => ix.add([7, 7], [docs[0], docs[1]]), 'ERR_DUPLICATE_ID');
  await expectCode(() => ix.upsert([8, 8], [docs[0], docs[1]]), 'ERR_DUPLICATE_ID');
  assert.is(ix.size, 5);
  await expectCode(() => ix.add(['x'], [docs[0]]), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.add([-1], [docs[0]]), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.add([1.5], [docs[0]]), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.add([2 ** 53], [docs[0]]), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.add([9, 'x'], [docs[0], docs[1]]), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.get({}), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.search(q, { filter: 'x' }), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.save(''), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => ix.save(path.join(tmp, 'no-such-dir', 'x.mvix')), 'ERR_IO');
  await expectCode(() => ix.train(new Float32Array(5)), 'ERR_DIMENSION_MISMATCH');
  ix.train(docs[0]);  // element-wise storage: nothing to train, accepted
  assert.is(ix.size, 5);
});

test('wrong `this` gives ERR_INVALID_ARGUMENT, in the facade and in the addon', async () => {
  const dim = 4;
  const ix = new MultiVectorIndex({ dim });
  ix.add([1], [new Float32Array(dim).fill(0.5)]);
  const q = new Float32Array(dim).fill(1);
  await expectCode(() => MultiVectorIndex.prototype.search.call({}, q), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => MultiVectorIndex.prototype.add.call(null, [1], [q]), 'ERR_INVALID_ARGUMENT');
  await expectCode(() => Object.getOwnPropertyDescriptor(MultiVectorIndex.prototype, 'size').get.call(5), 'ERR_INVALID_ARGUMENT');
  const { native } = await import('../dist/native.js');
  const proto = native.MultiVectorIndex.prototype;
  for (const name of ['search', 'add', 'delete', 'save', 'stats', 'get', 'searchAsync']) {
    let code;
    try { proto[name].call({}, q, 1, 0); } catch (e) { code = e.code; }
    assert.is(code, 'ERR_INVALID_ARGUMENT', name);
    try { proto[name].call(new Date(), q, 1, 0); } catch (e) { code = e.code; }
    assert.is(code, 'ERR_INVALID_ARGUMENT', name);
  }
  assert.is(ix.size, 1);
});

test('empty documents are allowed and rank last', async () => {
  const dim = 3;
  const ix = new MultiVectorIndex({ dim });
  ix.add([1, 2], [new Float32Array(0), new Float32Array([1, 0, 0])]);
  const r = ix.search(new Float32Array([0, 1, 0]), { k: 5 });
  assert.equal([...r.ids], [2, 1]);
  assert.is(r.scores[1], -Infinity);
  assert.is(ix.get(1).length, 0);
});

test('stats report documents, tokens and bytes per token for each storage', async () => {
  const dim = 128;
  const docs = randomDocs(101, 10, dim, 5, 5);
  const bpt = { f32: 512, f16: 256, bf16: 256, int8: 132, binary: 16 };
  for (const storage of STORAGES) {
    const ix = new MultiVectorIndex({ dim, storage });
    ix.add([...docs.keys()], docs);
    const s = ix.stats();
    assert.is(s.documents, 10);
    assert.is(s.tokens, 50);
    assert.is(s.bytesPerToken, bpt[storage]);
    assert.is(s.tokenBytes, 50 * bpt[storage]);
    assert.ok(s.totalBytes >= s.tokenBytes && s.totalBytes < s.tokenBytes + 4096);
  }
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
