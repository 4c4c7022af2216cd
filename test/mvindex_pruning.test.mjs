// Exact pruning (the int8 sketch with certified score bounds): search must return exactly what
// the plain full scan returns, ids, order and scores, on random shapes, adversarial near-ties,
// after mutations and reloads, with filters and candidates, and on the real data.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MultiVectorIndex, loadSciFactGlove, loadColbertNanoFiqa, setSimdLevel, supportedSimdLevels } from '../dist/index.js';
import { randomDocs, expectCode, rng } from './mvindex_helpers.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mvindex-pruning-'));

function same(a, b, what) {
  assert.equal([...a.ids], [...b.ids], `${what}: ids`);
  assert.equal([...a.scores], [...b.scores], `${what}: scores`);
}

function pair(dim, storage, docs, ids, extra = {}) {
  const plain = new MultiVectorIndex({ dim, storage, ...extra });
  const pruned = new MultiVectorIndex({ dim, storage, exactPruning: true, ...extra });
  plain.add(ids, docs);
  pruned.add(ids, docs);
  return { plain, pruned };
}

test('random shapes, every SIMD level: pruned search equals the full scan (ids, order, scores)', () => {
  for (const level of supportedSimdLevels()) {
    setSimdLevel(level);
    for (const [dim, n, seed] of [[3, 60, 1], [17, 90, 2], [100, 120, 3], [130, 40, 4]]) {
      const docs = randomDocs(seed, n, dim, 0, 25);  // includes empty and one-token documents
      const ids = docs.map((_, i) => i);
      for (const storage of ['f32', 'f16']) {
        const { plain, pruned } = pair(dim, storage, docs, ids);
        assert.is(pruned.exactPruning, true);
        assert.is(plain.exactPruning, false);
        for (let qi = 0; qi < 6; qi++) {
          const q = randomDocs(seed * 100 + qi, 1, dim, 1 + qi * 5, 1 + qi * 5)[0];
          for (const k of [1, 3, 10, n - 1, n, n + 5]) same(pruned.search(q, { k }), plain.search(q, { k }), `${level} dim ${dim} ${storage} k ${k}`);
        }
      }
    }
  }
  setSimdLevel(supportedSimdLevels().at(-1));
});

test('near-ties: duplicated and barely perturbed documents keep the plain scan order', () => {
  const dim = 32;
  const base = randomDocs(7, 30, dim, 1, 12);
  const r = rng(8);
  const docs = [];
  for (const d of base) {
    docs.push(d, d.slice());  // exact duplicates: tie broken by insertion order
    const e = d.slice();
    e[0] += (r() - 0.5) * 1e-6;  // below the sketch's resolution
    docs.push(e);
  }
  const ids = docs.map((_, i) => `doc-${i}`);
  const { plain, pruned } = pair(dim, 'f32', docs, ids);
  for (let qi = 0; qi < 20; qi++) {
    const q = randomDocs(500 + qi, 1, dim, 4, 4)[0];
    for (const k of [1, 2, 5, 17]) same(pruned.search(q, { k }), plain.search(q, { k }), `query ${qi} k ${k}`);
  }
});

test('large magnitudes and non-unit rows: the bound scales with the norms', () => {
  const dim = 24;
  const r = rng(11);
  const docs = randomDocs(12, 80, dim, 1, 10).map((d) => d.map((v) => v * (0.001 + r() * 1000)));
  const ids = docs.map((_, i) => i);
  const { plain, pruned } = pair(dim, 'f32', docs, ids);
  for (let qi = 0; qi < 10; qi++) {
    const q = randomDocs(900 + qi, 1, dim, 7, 7)[0].map((v) => v * (qi + 1) * 37);
    same(pruned.search(q, { k: 5 }), plain.search(q, { k: 5 }), `query ${qi}`);
  }
});

test('filters, searchBatch, async, delete / upsert / compact, save / load / mmap keep the plain results', async () => {
  const dim = 20;
  const docs = randomDocs(21, 150, dim, 0, 18);
  const ids = docs.map((_, i) => i * 3);
  const { plain, pruned } = pair(dim, 'f32', docs, ids, { compactThreshold: 0.1 });
  const qs = [0, 1, 2, 3].map((i) => randomDocs(40 + i, 1, dim, 3 + i, 3 + i)[0]);
  const check = async (what) => {
    for (const q of qs) {
      same(pruned.search(q, { k: 7 }), plain.search(q, { k: 7 }), what);
      same(pruned.search(q, { k: 7, filter: { deny: ids.slice(0, 40) } }), plain.search(q, { k: 7, filter: { deny: ids.slice(0, 40) } }), `${what} deny`);
      same(pruned.search(q, { k: 4, filter: ids.slice(50, 70) }), plain.search(q, { k: 4, filter: ids.slice(50, 70) }), `${what} allow`);
      same(await pruned.searchAsync(q, { k: 9 }), plain.search(q, { k: 9 }), `${what} async`);
    }
    const flat = new Float32Array(qs.reduce((s, q) => s + q.length, 0));
    const off = new Uint32Array(qs.length + 1);
    qs.forEach((q, i) => { flat.set(q, off[i] * dim); off[i + 1] = off[i] + q.length / dim; });
    const a = pruned.searchBatch(flat, off, { k: 6 }), b = plain.searchBatch(flat, off, { k: 6 });
    a.forEach((h, i) => same(h, b[i], `${what} batch ${i}`));
  };
  await check('fresh');
  for (const ix of [plain, pruned]) {
    ix.delete(ids.slice(10, 40));  // past the threshold: compacts
    ix.upsert([ids[5], 100000], [docs[77], docs[78]]);
  }
  assert.is(pruned.stats().deletedDocuments, 1);  // compacted at the delete; the upsert left one tombstone
  await check('after delete, compaction and upsert');
  const file = path.join(tmp, 'pruned.mvix');
  pruned.save(file);
  for (const mmap of [false, true]) {
    const back = MultiVectorIndex.load(file, { mmap });
    assert.is(back.exactPruning, true);
    for (const q of qs) same(back.search(q, { k: 7 }), plain.search(q, { k: 7 }), `reloaded mmap=${mmap}`);
  }
});

test('with candidates (plaid), pruning leaves the reranked results unchanged', () => {
  const dim = 16;
  const docs = randomDocs(31, 400, dim, 2, 20);
  const ids = docs.map((_, i) => i);
  const opts = { candidates: 'plaid', plaid: { centroids: 32 } };
  const { plain, pruned } = pair(dim, 'f32', docs, ids, opts);
  for (let qi = 0; qi < 8; qi++) {
    const q = randomDocs(700 + qi, 1, dim, 5, 5)[0];
    same(pruned.search(q, { k: 10, ncells: 4, ndocs: 200 }), plain.search(q, { k: 10, ncells: 4, ndocs: 200 }), `plaid ${qi}`);
  }
});

test('real data: SciFact-GloVe (f32) and ColBERT NanoFiQA (f16) give the full scan results', () => {
  const sf = loadSciFactGlove();
  const dim = sf.documents.dim;
  const mk = (o) => { const ix = new MultiVectorIndex({ dim, ...o }); ix.add(sf.documents.ids, sf.documents.tokens, sf.documents.offsets); return ix; };
  const plain = mk({ storage: 'f32' }), pruned = mk({ storage: 'f32', exactPruning: true });
  const at = (set, i) => set.tokens.subarray(set.offsets[i] * set.dim, set.offsets[i + 1] * set.dim);
  for (let i = 0; i < 40; i++) same(pruned.search(at(sf.queries, i), { k: 10 }), plain.search(at(sf.queries, i), { k: 10 }), `scifact query ${i}`);
  // The sketch adds dim + 4 bytes per token (codes and a scale) plus a small per-document table.
  const extra = pruned.stats().totalBytes - plain.stats().totalBytes;
  const tokens = plain.stats().tokens;
  assert.ok(extra >= tokens * (dim + 4) && extra < tokens * (dim + 4) * 1.01, `sketch bytes ${extra}`);

  const cb = loadColbertNanoFiqa();
  const mk2 = (o) => { const ix = new MultiVectorIndex({ dim: 128, ...o }); ix.add(cb.documents.ids, cb.documents.tokens, cb.documents.offsets); return ix; };
  const p16 = mk2({ storage: 'f16' }), q16 = mk2({ storage: 'f16', exactPruning: true });
  for (let i = 0; i < cb.queries.ids.length; i++) same(q16.search(at(cb.queries, i), { k: 10 }), p16.search(at(cb.queries, i), { k: 10 }), `colbert query ${i}`);
});

test('bad input: exactPruning must be a boolean, and only with f32 or f16 storage', async () => {
  await expectCode(() => new MultiVectorIndex({ dim: 4, exactPruning: 'yes' }), 'ERR_INVALID_ARGUMENT');
  for (const storage of ['bf16', 'int8', 'binary', 'pq', 'residual'])
    await expectCode(() => new MultiVectorIndex({ dim: 4, storage, exactPruning: true }), 'ERR_INVALID_ARGUMENT');
  assert.is(new MultiVectorIndex({ dim: 4, storage: 'int8', exactPruning: false }).exactPruning, false);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
