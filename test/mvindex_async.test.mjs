// MultiVectorIndex's async mutations and persistence: addAsync / upsertAsync (with progress),
// deleteAsync, compactAsync, trainAsync, retrainAsync, saveAsync and MultiVectorIndex.loadAsync
// give exactly what their synchronous versions give, run off the main thread, and refuse bad
// input with the same typed errors (as rejected promises).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import * as vm from 'vm';
import { MultiVectorIndex, MaxsimError } from '../dist/index.js';
import { randomDocs, expectCode } from './mvindex_helpers.mjs';

const dim = 24;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-async-'));
const file = (name) => path.join(tmp, name);

function flat(docs) {
  const offsets = new Uint32Array(docs.length + 1);
  docs.forEach((d, i) => { offsets[i + 1] = offsets[i] + d.length / dim; });
  const tokens = new Float32Array(offsets[docs.length] * dim);
  docs.forEach((d, i) => tokens.set(d, offsets[i] * dim));
  return { tokens, offsets };
}

// Everything a caller can observe of an index, for comparing two of them. Searches are exact:
// muvera's graph is built by parallel inserts, so its approximate results may differ between
// two builds of the same documents, sync or not.
function snapshot(ix, queries) {
  const s = ix.stats();
  return {
    size: ix.size,
    ids: Array.from(ix.ids()),
    counts: [s.documents, s.tokens, s.deletedDocuments, s.tokenBytes],
    results: queries.map((q) => { const r = ix.search(q, { k: 7, exact: true }); return [Array.from(r.ids), Array.from(r.scores)]; }),
  };
}

async function rejectsWith(promiseOrThrow, code) {
  let e = null;
  try { await promiseOrThrow(); } catch (err) { e = err; }
  assert.instance(e, MaxsimError, `expected a MaxsimError ${code}, got ${e}`);
  assert.is(e.code, code, e.message);
  return e;
}

const CONFIGS = [
  { storage: 'f32' },
  { storage: 'int8', poolFactor: 2 },
  { storage: 'pq' },
  { storage: 'residual', residualCentroids: 16 },
  { storage: 'f16', candidates: 'muvera' },
];

for (const config of CONFIGS) {
  test(`${JSON.stringify(config)}: addAsync and upsertAsync equal add and upsert; progress counts documents`, async () => {
    const docs = randomDocs(31, 400, dim, 0, 20);  // empty documents included
    const ids = docs.map((_, i) => `d${i}`);
    const queries = randomDocs(32, 4, dim, 3, 6);
    const sync = new MultiVectorIndex({ dim, ...config });
    sync.add(ids.slice(0, 300), docs.slice(0, 300));
    sync.upsert(ids.slice(250, 400), docs.slice(100, 250));
    const asyncIx = new MultiVectorIndex({ dim, ...config });
    const seen = [];
    const { tokens, offsets } = flat(docs.slice(0, 300));
    await asyncIx.addAsync(ids.slice(0, 300), tokens, offsets, { onProgress: (done, total) => seen.push([done, total]) });
    assert.ok(seen.length >= 1);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] > seen[i - 1][0], `progress went ${seen[i - 1][0]} -> ${seen[i][0]}`);
    assert.equal(seen.at(-1), [300, 300]);
    assert.ok(seen.every(([d, t]) => t === 300 && d >= 1 && d <= 300));
    await asyncIx.upsertAsync(ids.slice(250, 400), docs.slice(100, 250));  // the array form, no options
    assert.equal(snapshot(asyncIx, queries), snapshot(sync, queries));
  });
}

test('addAsync leaves the event loop free while it pools and encodes', async () => {
  const docs = randomDocs(41, 3000, 32, 20, 60);
  const ix = new MultiVectorIndex({ dim: 32, storage: 'int8', poolFactor: 2 });
  let immediateRan = false;
  setImmediate(() => { immediateRan = true; });
  const p = ix.addAsync(docs.map((_, i) => i), docs);
  assert.is(immediateRan, false);  // the call itself returned at once
  await p;
  assert.ok(immediateRan, 'a setImmediate queued before the add did not run until it finished');
  assert.is(ix.size, 3000);
});

test('addAsync keeps each document array alive, even when the caller empties the array of them', async () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc');
  const docs = randomDocs(45, 2000, dim, 1, 30);
  const copies = docs.map((d) => Float32Array.from(d));
  const ids = docs.map((_, i) => i);
  const ix = new MultiVectorIndex({ dim, poolFactor: 2 });
  const p = ix.addAsync(ids, docs);
  docs.fill(null);  // the only references to the document arrays were here (and in the add)
  for (let i = 0; i < 5; i++) { gc(); new Float32Array(1 << 20).fill(7); }
  await p;
  const want = new MultiVectorIndex({ dim, poolFactor: 2 });
  want.add(ids, copies);
  for (const id of [0, 1, 999, 1999]) assert.equal(Array.from(ix.get(id)), Array.from(want.get(id)), `document ${id}`);
  const q = randomDocs(46, 1, dim, 4, 4)[0];
  assert.equal(ix.search(q, { k: 10 }), want.search(q, { k: 10 }));
});

test('async mutations refuse bad input as the sync ones do, and change nothing', async () => {
  const docs = randomDocs(51, 30, dim, 1, 8);
  const ids = docs.map((_, i) => i);
  const queries = randomDocs(52, 2, dim, 2, 4);
  const ix = new MultiVectorIndex({ dim });
  await ix.addAsync(ids.slice(0, 20), docs.slice(0, 20));
  const before = snapshot(ix, queries);
  await rejectsWith(() => ix.addAsync(ids.slice(0, 5), docs.slice(20, 25)), 'ERR_DUPLICATE_ID');
  const bad = docs.slice(20, 30).map((d) => Float32Array.from(d));
  bad[7][2] = NaN;
  const e = await rejectsWith(() => ix.addAsync(ids.slice(20, 30), bad), 'ERR_NON_FINITE');
  assert.match(e.message, 'document 7');
  await rejectsWith(() => ix.addAsync(ids.slice(20, 30), docs.slice(20, 30), { onProgress: 5 }), 'ERR_INVALID_ARGUMENT');
  await rejectsWith(() => ix.addAsync(ids.slice(20, 30), docs.slice(20, 30), null), 'ERR_INVALID_ARGUMENT');
  await rejectsWith(() => ix.addAsync(ids.slice(20, 30), docs.slice(20, 30), undefined, {}), 'ERR_INVALID_ARGUMENT');
  await rejectsWith(() => ix.addAsync(ids.slice(20, 29), docs.slice(20, 30)), 'ERR_INVALID_ARGUMENT');
  await rejectsWith(() => ix.addAsync(ids.slice(20, 30), new Float32Array(7)), 'ERR_DIMENSION_MISMATCH');
  await rejectsWith(() => ix.trainAsync(new Float32Array(dim + 1)), 'ERR_DIMENSION_MISMATCH');
  await rejectsWith(() => ix.retrainAsync(), 'ERR_INVALID_ARGUMENT');  // no candidate strategy
  await rejectsWith(() => ix.saveAsync(''), 'ERR_INVALID_ARGUMENT');
  await rejectsWith(() => ix.saveAsync(path.join(tmp, 'no-such-dir', 'x.mvix')), 'ERR_IO');
  await rejectsWith(() => MultiVectorIndex.prototype.addAsync.call({}, [1], [docs[0]]), 'ERR_INVALID_ARGUMENT');
  assert.equal(snapshot(ix, queries), before);
  // A progress callback that throws does not stop the add.
  await ix.addAsync(ids.slice(20, 30), docs.slice(20, 30), { onProgress: () => { throw new Error('boom'); } });
  assert.is(ix.size, 30);
});

test('saveAsync + loadAsync round-trip (string ids, mmap), and loadAsync rejects bad files', async () => {
  const docs = randomDocs(61, 200, dim, 0, 12);
  const ids = docs.map((_, i) => `doc-${i}`);
  const queries = randomDocs(62, 3, dim, 2, 5);
  for (const config of [{ storage: 'f32' }, { storage: 'pq', poolFactor: 2 }, { storage: 'f32', candidates: 'plaid' }]) {
    const ix = new MultiVectorIndex({ dim, ...config });
    await ix.addAsync(ids, docs);
    await ix.delete(['doc-3', 'doc-9']);
    const f = file('round.mvix');
    await ix.saveAsync(f);
    const want = snapshot(ix, queries);
    for (const mmap of [false, true]) {
      const loaded = await MultiVectorIndex.loadAsync(f, { mmap });
      assert.equal(snapshot(loaded, queries).results, want.results, `${JSON.stringify(config)} mmap ${mmap}`);
      assert.equal(Array.from(loaded.ids()), Array.from(ix.ids()));
      assert.is(loaded.readOnly, mmap);
      if (mmap) await rejectsWith(() => loaded.addAsync(['x'], [docs[0]]), 'ERR_INVALID_ARGUMENT');
    }
    const sync = MultiVectorIndex.load(f);
    assert.equal(snapshot(sync, queries), snapshot(await MultiVectorIndex.loadAsync(f), queries));
  }
  const good = fs.readFileSync(file('round.mvix'));
  const corrupt = Buffer.from(good);
  corrupt[Math.floor(corrupt.length / 2)] ^= 0x40;
  fs.writeFileSync(file('corrupt.mvix'), corrupt);
  await rejectsWith(() => MultiVectorIndex.loadAsync(file('corrupt.mvix')), 'ERR_CORRUPT_FILE');
  fs.writeFileSync(file('short.mvix'), good.subarray(0, 100));
  await rejectsWith(() => MultiVectorIndex.loadAsync(file('short.mvix')), 'ERR_CORRUPT_FILE');
  await rejectsWith(() => MultiVectorIndex.loadAsync(file('missing.mvix')), 'ERR_IO');
  await rejectsWith(() => MultiVectorIndex.loadAsync(7), 'ERR_INVALID_ARGUMENT');
  await rejectsWith(() => MultiVectorIndex.loadAsync(file('round.mvix'), null), 'ERR_INVALID_ARGUMENT');
});

test('deleteAsync, compactAsync, trainAsync and retrainAsync equal their sync versions', async () => {
  const docs = randomDocs(71, 300, dim, 1, 16);
  const ids = docs.map((_, i) => i);
  const queries = randomDocs(72, 3, dim, 2, 5);
  const sample = new Float32Array(docs.slice(0, 100).flatMap((d) => Array.from(d)));
  const build = async (asyncOps) => {
    const ix = new MultiVectorIndex({ dim, storage: 'pq', candidates: 'plaid', compactThreshold: 1 });
    if (asyncOps) await ix.trainAsync(sample); else ix.train(sample);
    ix.add(ids, docs);
    const gone = ids.filter((i) => i % 3 === 0);
    assert.is(asyncOps ? await ix.deleteAsync(gone) : ix.delete(gone), gone.length);
    if (asyncOps) await rejectsWith(() => ix.deleteAsync([gone[0]]), 'ERR_UNKNOWN_ID');
    if (asyncOps) await ix.compactAsync(); else ix.compact();
    assert.is(ix.stats().deletedDocuments, 0);
    if (asyncOps) await ix.retrainAsync(); else ix.retrain();
    return snapshot(ix, queries);
  };
  assert.equal(await build(true), await build(false));
  // A delete past compactThreshold compacts on the worker, as the sync delete does.
  const small = new MultiVectorIndex({ dim, compactThreshold: 0.1 });
  small.add(ids, docs);
  assert.is(await small.deleteAsync(ids.slice(0, 100)), 100);
  assert.is(small.stats().deletedDocuments, 0);
  assert.is(small.size, 200);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test.run();
