// MultiVectorIndex candidate strategies on small synthetic data: generous settings must give
// exact search's results; updates, deletes, compaction, persistence and bad options.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MultiVectorIndex, MaxsimError, recallAgainst } from '../dist/index.js';
import { randomDocs, pack } from './mvindex_helpers.mjs';

const dim = 13;
const docs = randomDocs(7, 240, dim, 1, 17);
const queries = randomDocs(99, 12, dim, 1, 6);
const qp = pack(queries, dim);
const ids = docs.map((_, i) => i * 3 + 1);
// Settings that make each strategy look at (nearly) everything.
const wide = { muvera: { numCandidates: 1000, ef: 1000 }, plaid: { ncells: 64, ndocs: 100000, centroidScoreThreshold: -10 } };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-cand-'));

function build(strategy, extra = {}) {
  const opts = { dim, candidates: strategy, ...extra };
  if (strategy === 'plaid') opts.plaid = { centroids: 32, ...(extra.plaid || {}) };
  if (strategy === 'muvera') opts.muvera = { repetitions: 8, simhashBits: 3, storage: 'f32', ...(extra.muvera || {}) };
  return new MultiVectorIndex(opts);
}

function expectCode(fn, code) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, MaxsimError);
    assert.is(e.code, code, e.message);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

for (const strategy of ['muvera', 'plaid']) {
  test(`${strategy}: wide settings return exact search's results`, () => {
    const ix = build(strategy);
    const p = pack(docs, dim);
    ix.add(ids, p.tokens, p.offsets);
    assert.is(ix.candidates, strategy);
    const exact = ix.searchBatch(qp.tokens, qp.offsets, { k: 5, exact: true });
    const got = ix.searchBatch(qp.tokens, qp.offsets, { k: 5, ...wide[strategy] });
    assert.is(recallAgainst(got, exact, 5), 1);
    for (let i = 0; i < exact.length; i++) assert.equal(Array.from(got[i].scores), Array.from(exact[i].scores));
    // single-query and async paths agree with the batch
    const q0 = qp.tokens.subarray(0, qp.offsets[1] * dim);
    assert.equal(Array.from(ix.search(q0, { k: 5, ...wide[strategy] }).ids), Array.from(got[0].ids));
    // default settings return k valid ids
    const def = ix.search(q0, { k: 5 });
    assert.ok(def.ids.length <= 5 && def.ids.length > 0);
    for (const id of def.ids) assert.ok(ids.includes(id));
  });

  test(`${strategy}: adds after build, deletes, upserts and compaction keep candidates consistent`, async () => {
    const ix = build(strategy, { compactThreshold: 0.2 });
    const first = pack(docs.slice(0, 150), dim);
    ix.add(ids.slice(0, 150), first.tokens, first.offsets);
    const rest = pack(docs.slice(150), dim);
    ix.add(ids.slice(150), rest.tokens, rest.offsets);
    const gone = ids.filter((_, i) => i % 4 === 1);
    ix.delete(gone.slice(0, 20));  // below the threshold: tombstones
    assert.ok(ix.stats().deletedDocuments > 0);
    ix.delete(gone.slice(20));  // passes it: compaction renumbers slots
    assert.is(ix.stats().deletedDocuments, 0);
    ix.upsert([ids[0]], [docs[5]]);
    const exact = ix.searchBatch(qp.tokens, qp.offsets, { k: 8, exact: true });
    const got = ix.searchBatch(qp.tokens, qp.offsets, { k: 8, ...wide[strategy] });
    assert.is(recallAgainst(got, exact, 8), 1);
    const goneSet = new Set(gone);
    for (const r of got) for (const id of r.ids) assert.not.ok(goneSet.has(id), `deleted id ${id} returned`);
    const asyncGot = await ix.searchBatchAsync(qp.tokens, qp.offsets, { k: 8, ...wide[strategy] });
    assert.equal(asyncGot.map((r) => Array.from(r.ids)), got.map((r) => Array.from(r.ids)));
    // deny filter applies to the candidates; allow filter is scored exactly
    const deny = Array.from(exact[0].ids).slice(0, 3);
    const q0 = qp.tokens.subarray(0, qp.offsets[1] * dim);
    const denied = ix.search(q0, { k: 8, filter: { deny }, ...wide[strategy] });
    for (const id of denied.ids) assert.not.ok(deny.includes(id));
    const allow = [ids[2], ids[3], ids[7]];
    const allowed = ix.search(q0, { k: 8, filter: allow });
    assert.equal(new Set(allowed.ids), new Set(allow));
    // retrain keeps results
    ix.retrain();
    const again = ix.searchBatch(qp.tokens, qp.offsets, { k: 8, ...wide[strategy] });
    assert.is(recallAgainst(again, exact, 8), 1);
  });

  test(`${strategy}: save/load round trip keeps candidates and search defaults`, () => {
    const ix = build(strategy);
    const p = pack(docs, dim);
    ix.add(ids, p.tokens, p.offsets);
    ix.delete([ids[3], ids[9]]);
    const defaults = strategy === 'muvera' ? { numCandidates: 50, ef: 80 } : { ncells: 3, ndocs: 77, centroidScoreThreshold: 0.25 };
    ix.setSearchDefaults(defaults);
    const before = ix.searchBatch(qp.tokens, qp.offsets, { k: 6 });
    const file = path.join(tmp, `${strategy}.mvix`);
    ix.save(file);
    for (const mmap of [false, true]) {
      const back = MultiVectorIndex.load(file, { mmap });
      assert.is(back.candidates, strategy);
      assert.equal(back.searchDefaults, defaults);
      const after = back.searchBatch(qp.tokens, qp.offsets, { k: 6 });
      if (strategy === 'plaid') {  // codes are stored: identical candidates
        assert.equal(after.map((r) => Array.from(r.ids)), before.map((r) => Array.from(r.ids)));
      } else {  // the graph is rebuilt on load (parallel HNSW inserts are not deterministic)
        assert.ok(recallAgainst(after, before, 6) >= 0.8);
        const wideAfter = back.searchBatch(qp.tokens, qp.offsets, { k: 6, ...wide.muvera });
        const exact = back.searchBatch(qp.tokens, qp.offsets, { k: 6, exact: true });
        assert.is(recallAgainst(wideAfter, exact, 6), 1);
      }
      if (!mmap) {  // still updatable after loading
        const extra = randomDocs(5, 3, dim, 2, 5);
        back.add([9001, 9002, 9003], extra);
        const r = back.search(extra[1], { k: 1, ...wide[strategy] });
        assert.equal(Array.from(r.ids), [9002]);
      }
    }
  });
}

test('plaid: drift after adding far-away documents sets needsRetrain; retrain() clears it', () => {
  // Training documents live near +e0; later ones near -e0 (nowhere near any centroid).
  const near = (sign, seed, n) => randomDocs(seed, n, dim, 4, 10).map((d) => {
    for (let i = 0; i < d.length; i += dim) {
      d[i] += sign * 4;
      let s = 0;
      for (let k = 0; k < dim; k++) s += d[i + k] ** 2;
      for (let k = 0; k < dim; k++) d[i + k] /= Math.sqrt(s);
    }
    return d;
  });
  const ix = build('plaid', { plaid: { centroids: 16, retrainDrift: 0.1 } });
  ix.add([...Array(150).keys()], near(1, 3, 150));
  let s = ix.stats().candidateStats;
  assert.is(s.centroids, 16);
  assert.ok(s.trainSimilarity > 0.8);
  assert.is(ix.needsRetrain, false);
  ix.add([...Array(20).keys()].map((i) => 1000 + i), near(1, 4, 20));
  assert.is(ix.needsRetrain, false, 'similar documents do not drift');
  ix.add([...Array(200).keys()].map((i) => 2000 + i), near(-1, 5, 200));
  s = ix.stats().candidateStats;
  assert.ok(s.drift > 0.1, `drift ${s.drift}`);
  assert.is(ix.needsRetrain, true);
  ix.retrain();
  s = ix.stats().candidateStats;
  assert.is(ix.needsRetrain, false);
  assert.is(s.tokensSinceTrain, 0);
});

test('candidates over compressed storage: wide settings match exact search on the same storage', () => {
  const p = pack(docs, dim);
  for (const storage of ['f16', 'int8', 'residual', 'pq']) {
    for (const strategy of ['muvera', 'plaid']) {
      const extra = storage === 'pq' ? { pqSubspaces: 1 } : {};
      const ix = build(strategy, { storage, ...extra });
      ix.add(ids, p.tokens, p.offsets);
      const exact = ix.searchBatch(qp.tokens, qp.offsets, { k: 5, exact: true });
      const got = ix.searchBatch(qp.tokens, qp.offsets, { k: 5, ...wide[strategy] });
      assert.is(recallAgainst(got, exact, 5), 1, `${strategy} over ${storage}`);
    }
  }
});

test('bad candidate options and search parameters are rejected', () => {
  expectCode(() => new MultiVectorIndex({ dim, candidates: 'ivf' }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => new MultiVectorIndex({ dim, candidates: 'plaid', muvera: {} }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => new MultiVectorIndex({ dim, plaid: {} }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => new MultiVectorIndex({ dim, candidates: 'muvera', muvera: { repetitions: 0 } }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => new MultiVectorIndex({ dim, candidates: 'muvera', muvera: { storage: 'bf16' } }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => new MultiVectorIndex({ dim, candidates: 'plaid', plaid: { centroids: -1 } }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => new MultiVectorIndex({ dim, candidates: 'plaid', plaid: { retrainDrift: 0 } }), 'ERR_INVALID_ARGUMENT');
  const ix = build('plaid');
  const p = pack(docs.slice(0, 40), dim);
  ix.add(ids.slice(0, 40), p.tokens, p.offsets);
  const q0 = qp.tokens.subarray(0, qp.offsets[1] * dim);
  expectCode(() => ix.search(q0, { ncells: 0 }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => ix.search(q0, { ndocs: 1.5 }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => ix.search(q0, { centroidScoreThreshold: NaN }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => ix.search(q0, { exact: 'yes' }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => ix.setSearchDefaults({ ef: -3 }), 'ERR_INVALID_ARGUMENT');
  expectCode(() => ix.tune(qp.tokens, qp.offsets, { targetRecall: 1.5 }), 'ERR_INVALID_ARGUMENT');
  const plain = new MultiVectorIndex({ dim });
  plain.add(ids.slice(0, 40), p.tokens, p.offsets);
  expectCode(() => plain.retrain(), 'ERR_INVALID_ARGUMENT');
  expectCode(() => plain.tune(qp.tokens, qp.offsets), 'ERR_INVALID_ARGUMENT');
  assert.is(plain.candidates, 'exact');
});

test('tune() on synthetic data picks settings that reach the target', () => {
  const ix = build('plaid');
  const p = pack(docs, dim);
  ix.add(ids, p.tokens, p.offsets);
  const r = ix.tune(qp.tokens, qp.offsets, { targetRecall: 0.9, k: 5 });
  assert.ok(r.reached && r.recall >= 0.9, JSON.stringify(r.params));
  assert.equal(ix.searchDefaults, r.params);
  assert.ok(r.trials.length >= 1 && r.exactQps > 0);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
