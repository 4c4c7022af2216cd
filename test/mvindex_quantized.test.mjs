// MultiVectorIndex 'pq' and 'residual' storage on synthetic data: scores equal a plain-JS MaxSim
// over the decoded tokens (both scoring paths are exact over their reconstruction), on every SIMD
// level; the tiny-collection rule; save / load / mmap; corrupted files; delete / upsert /
// compaction; stats. Real data: mvindex_quantized_real.test.mjs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MultiVectorIndex, setSimdLevel, supportedSimdLevels, capabilities, loadColbertNanoFiqa } from '../dist/index.js';
import { randomDocs, maxsimJs, rank, expectCode, rng, gaussian } from './mvindex_helpers.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mvquant-'));
const query = (seed, n, dim) => randomDocs(seed, 1, dim, n, n)[0];

// Every codec configuration under test, dim 12 (odd M for 4-bit packing: 12 / 4 = 3).
const CONFIGS = [
  { storage: 'pq' },
  { storage: 'pq', pqBits: 4 },
  { storage: 'pq', pqSubspaces: 6 },
  { storage: 'residual' },
  { storage: 'residual', residualBits: 1 },
  { storage: 'residual', residualBits: 4, residualCentroids: 16 },
];
const label = (c) => JSON.stringify(c);

function bytesPerToken(c, dim) {
  if (c.storage === 'pq') {
    const M = c.pqSubspaces ?? 3;
    return c.pqBits === 4 ? Math.ceil(M / 2) : M;
  }
  return 4 + Math.ceil((dim * (c.residualBits ?? 2)) / 8);
}

/** Checks every search score against plain MaxSim over get(id) (the stored reconstruction). */
function checkAgainstDecoded(ix, ids, q, dim, what) {
  const res = ix.search(q, { k: ids.length });
  const ref = ids.map((id) => maxsimJs(q, ix.get(id), dim));
  const order = rank(ref);
  assert.is(res.ids.length, ids.length);
  for (let r = 0; r < ids.length; r++) {
    const i = ids.indexOf(res.ids[r]);
    assert.ok(Math.abs(res.scores[r] - ref[i]) <= 1e-4 * (1 + Math.abs(ref[i])), `${what} rank ${r}: ${res.scores[r]} vs ${ref[i]}`);
    // Ties in float32 aside, the order is the reference's.
    if (Math.abs(ref[order[r]] - ref[i]) > 1e-4) assert.unreachable(`${what} rank ${r} out of order`);
  }
  return res;
}

test('search scores equal plain MaxSim over the decoded tokens, on every SIMD level; stats bytes/token', () => {
  const dim = 12;
  const docs = randomDocs(5, 300, dim, 1, 12);  // ~2,000 tokens: enough for 256 PQ centroids
  const ids = [...docs.keys()];
  const q = query(6, 5, dim);
  const before = capabilities().simd;
  for (const c of CONFIGS) {
    const ix = new MultiVectorIndex({ dim, ...c });
    ix.add(ids, docs);
    const tokens = docs.reduce((s, d) => s + d.length / dim, 0);
    const st = ix.stats();
    assert.is(st.tokens, tokens);
    assert.is(st.bytesPerToken, bytesPerToken(c, dim), `${label(c)} bytes/token`);
    assert.is(st.tokenBytes, tokens * bytesPerToken(c, dim));
    assert.ok(st.totalBytes > st.tokenBytes, 'the codec is counted in totalBytes');
    // Lossy, but not garbage: the reconstruction is closer to the input than a random unit row.
    let err = 0;
    for (const id of ids.slice(0, 40)) {
      const got = ix.get(id), want = docs[id];
      assert.is(got.length, want.length);
      for (let k = 0; k < got.length; k++) err += (got[k] - want[k]) ** 2;
    }
    const rows = docs.slice(0, 40).reduce((s, d) => s + d.length / dim, 0);
    assert.ok(err / rows < 1.2, `${label(c)} reconstruction error ${err / rows}`);
    for (const lvl of supportedSimdLevels()) {
      setSimdLevel(lvl);
      checkAgainstDecoded(ix, ids, q, dim, `${label(c)} ${lvl}`);
    }
    setSimdLevel(before);
  }
  setSimdLevel(before);
});

test('tiny collections: one document of one token (codec clamped to the sample); train() first; no retraining', async () => {
  for (const storage of ['pq', 'residual']) {
    for (const dim of [1, 7, 12]) {
      const ix = new MultiVectorIndex({ dim, storage });
      assert.is(ix.stats().documents, 0);
      assert.equal([...ix.search(query(1, 2, dim), { k: 3 }).ids], []);  // nothing trained, nothing found
      const doc = query(2, 1, dim);
      ix.add(['only'], [doc]);
      const res = ix.search(query(3, 2, dim), { k: 3 });
      assert.equal([...res.ids], ['only']);
      // One training token: every centroid is that token, so it is stored exactly, up to the
      // residual's bucket value (the median residual is 0 for a single point).
      const got = ix.get('only');
      for (let k = 0; k < dim; k++) assert.ok(Math.abs(got[k] - doc[k]) < 1e-5, `${storage} dim ${dim} k ${k}: ${got[k]} vs ${doc[k]}`);
      // The codec is fixed once tokens are stored.
      await expectCode(() => ix.train(randomDocs(4, 1, dim, 50, 50)[0]), 'ERR_INVALID_ARGUMENT');
      // Later documents are encoded with that one-token codec: stored, searchable, coarse.
      ix.add(['next'], [query(5, 3, dim)]);
      assert.is(ix.search(query(6, 1, dim), { k: 5 }).ids.length, 2);
    }
    // A representative train() sample before the first (tiny) add gives a useful codec.
    const dim = 12;
    const sample = randomDocs(7, 1, dim, 2000, 2000)[0];
    const a = new MultiVectorIndex({ dim, storage });
    a.train(sample);
    const docs = randomDocs(8, 3, dim, 1, 4);
    a.add([0, 1, 2], docs);
    checkAgainstDecoded(a, [0, 1, 2], query(9, 3, dim), dim, `${storage} trained first`);
    let err = 0, rows = 0;
    for (let i = 0; i < 3; i++) {
      const g = a.get(i);
      for (let k = 0; k < g.length; k++) err += (g[k] - docs[i][k]) ** 2;
      rows += docs[i].length / dim;
    }
    assert.ok(err / rows < 0.8, `${storage} error with a trained codec ${err / rows}`);
    // Training twice before any add replaces the codec; bad samples are refused.
    const b = new MultiVectorIndex({ dim, storage });
    b.train(sample.subarray(0, 100 * dim));
    b.train(sample);
    await expectCode(() => b.train(new Float32Array(0)), 'ERR_DIMENSION_MISMATCH');
    await expectCode(() => b.train(new Float32Array(dim).fill(NaN)), 'ERR_NON_FINITE');
  }
});

test('save / load / mmap give identical results; mmap is read-only; corrupted files are refused', async () => {
  const dim = 12;
  const docs = randomDocs(11, 120, dim, 0, 10);
  const ids = docs.map((_, i) => `d${i}`);
  const q = query(12, 4, dim);
  for (const c of CONFIGS) {
    const ix = new MultiVectorIndex({ dim, ...c });
    ix.add(ids, docs);
    ix.delete(['d3', 'd50']);
    const want = ix.search(q, { k: 200 });
    const file = path.join(tmp, `${c.storage}-${c.pqBits ?? c.residualBits ?? 'x'}-${c.pqSubspaces ?? 0}.mvix`);
    ix.save(file);
    for (const mmap of [false, true]) {
      const back = MultiVectorIndex.load(file, { mmap });
      assert.is(back.storage, c.storage);
      assert.is(back.size, 118);
      assert.is(back.stats().mapped, mmap);
      assert.is(back.stats().bytesPerToken, ix.stats().bytesPerToken);
      const got = back.search(q, { k: 200 });
      assert.equal([...got.ids], [...want.ids], `${label(c)} mmap=${mmap}`);
      assert.equal([...got.scores], [...want.scores]);
      assert.equal([...back.get('d7')], [...ix.get('d7')]);
      if (mmap) await expectCode(() => back.add(['d3'], [docs[3]]), 'ERR_INVALID_ARGUMENT');
      else {
        // The loaded codec keeps encoding new documents as the original would.
        back.add(['d3'], [docs[3]]);
        ix.add(['d3'], [docs[3]]);
        assert.equal([...back.get('d3')], [...ix.get('d3')]);
        ix.delete(['d3']);
      }
    }
    // Any changed byte, a truncation or an extension is ERR_CORRUPT_FILE.
    const bytes = fs.readFileSync(file);
    const r = rng(13);
    for (let t = 0; t < 6; t++) {
      const bad = Buffer.from(bytes);
      const at = 16 + Math.floor(r() * (bad.length - 16));
      bad[at] ^= 1 << Math.floor(r() * 8);
      const f = path.join(tmp, 'bad.mvix');
      fs.writeFileSync(f, bad);
      for (const mmap of [false, true]) await expectCode(() => MultiVectorIndex.load(f, { mmap }), 'ERR_CORRUPT_FILE');
    }
    fs.writeFileSync(path.join(tmp, 'short.mvix'), bytes.subarray(0, bytes.length - 5));
    await expectCode(() => MultiVectorIndex.load(path.join(tmp, 'short.mvix')), 'ERR_CORRUPT_FILE');
  }
  // An untrained (empty) codec store saves and loads, and trains on its first add afterwards.
  for (const storage of ['pq', 'residual']) {
    const empty = new MultiVectorIndex({ dim, storage, pqSubspaces: storage === 'pq' ? 4 : undefined });
    const f = path.join(tmp, `empty-${storage}.mvix`);
    empty.save(f);
    const back = MultiVectorIndex.load(f);
    assert.is(back.size, 0);
    back.add(ids.slice(0, 30), docs.slice(0, 30));
    assert.is(back.stats().bytesPerToken, storage === 'pq' ? 4 : 7);
    checkAgainstDecoded(back, ids.slice(0, 30).filter((_, i) => docs[i].length > 0), q, dim, `${storage} after empty load`);
  }
});

test('delete, upsert and compaction keep codes and scores', () => {
  const dim = 12;
  const docs = randomDocs(21, 200, dim, 1, 10);
  const ids = [...docs.keys()];
  const q = query(22, 3, dim);
  for (const c of CONFIGS) {
    const ix = new MultiVectorIndex({ dim, compactThreshold: 1, ...c });
    ix.add(ids, docs);
    const before = new Map();
    const all = ix.search(q, { k: 200 });
    all.ids.forEach((id, r) => before.set(id, all.scores[r]));
    const decoded = ix.get(151);
    const gone = ids.filter((i) => i % 3 === 0);
    ix.delete(gone);
    // Upsert: the replaced document's new tokens, encoded with the same codec.
    const fresh = randomDocs(23, 1, dim, 5, 5)[0];
    ix.upsert([1], [fresh]);
    assert.is(ix.stats().deletedDocuments, gone.length + 1);
    const check = () => {
      const res = ix.search(q, { k: 500 });
      assert.is(res.ids.length, 200 - gone.length);
      for (let r = 0; r < res.ids.length; r++) {
        const id = res.ids[r];
        assert.ok(id % 3 !== 0, 'a deleted document came back');
        if (id === 1) assert.ok(Math.abs(res.scores[r] - maxsimJs(q, ix.get(1), dim)) < 1e-4);
        else assert.is(res.scores[r], before.get(id), `${label(c)} doc ${id}`);
      }
    };
    check();
    ix.compact();
    assert.is(ix.stats().deletedDocuments, 0);
    check();
    assert.equal([...ix.get(151)], [...decoded]);
    // Compaction reused the codec: a new document encodes as before.
    const again = new MultiVectorIndex({ dim, ...c });
    again.add(ids, docs);
    ix.add([999], [docs[7]]);
    assert.equal([...ix.get(999)], [...again.get(7)]);
  }
});

test('ColBERT NanoFiQA: a relevant document stays first for all 5 queries (pq, residual)', () => {
  const { documents: d, queries: q, qrels } = loadColbertNanoFiqa();
  const dim = d.dim;
  for (const c of [{ storage: 'pq' }, { storage: 'pq', pqSubspaces: 64 }, { storage: 'residual' }, { storage: 'residual', residualBits: 4 }]) {
    const ix = new MultiVectorIndex({ dim, ...c });
    ix.add(d.ids, d.tokens, d.offsets);
    let first = 0;
    for (let qi = 0; qi < q.ids.length; qi++) {
      const res = ix.search(q.tokens.subarray(q.offsets[qi] * dim, q.offsets[qi + 1] * dim), { k: 5 });
      if ((qrels.get(q.ids[qi])?.get(res.ids[0]) ?? 0) > 0) first++;
    }
    console.log(`    ${label(c)}: ${ix.stats().bytesPerToken} B/token, relevant first ${first}/${q.ids.length}`);
    assert.is(first, q.ids.length, label(c));
  }
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
