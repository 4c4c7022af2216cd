// Stress: for 10 seconds, async inserts, deletes, compactions, saves, single and batched
// searches (async and sync) run against one index at once. Every result is checked:
//   - each id was issued to add() before the search returned, and was not deleted before the
//     search started (ids are never reused, so "deleted" is unambiguous);
//   - each score is the exact squared distance to that id's vector (no torn or foreign data);
//   - scores ascend, ids are unique, at most k results.
// Afterwards the graph passes its integrity check and a final exact check.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HnswIndex } from '../dist/index.js';
import { native } from '../dist/native.js';
import { rng } from './hnsw_helpers.mjs';

const DURATION_MS = Number(process.env.HNSW_STRESS_MS ?? 10000);

test(`concurrent add, delete, compact, save and search for ${DURATION_MS / 1000} s`, async () => {
  const dim = 24;
  const r = rng(2024);
  const vectors = new Map(); // id -> Float32Array
  const deletedAt = new Map(); // id -> clock when its delete resolved
  const live = []; // ids whose add resolved and that are not being deleted
  let clock = 0;
  let nextId = 1;
  const idx = new HnswIndex({ dim, metric: 'l2', M: 8, efConstruction: 48 });

  const makeBatch = (n) => {
    const v = new Float32Array(n * dim);
    const ids = new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      const id = nextId++;
      ids[i] = BigInt(id);
      const row = v.subarray(i * dim, (i + 1) * dim);
      for (let k = 0; k < dim; k++) row[k] = r() * 2 - 1;
      vectors.set(id, row.slice());
    }
    return { v, ids };
  };
  const first = makeBatch(2000);
  idx.add(first.v, first.ids);
  for (const id of first.ids) live.push(Number(id));

  const stats = { searches: 0, batches: 0, syncSearches: 0, adds: 0, deletes: 0, compactions: 0, saves: 0, results: 0 };
  const errors = [];
  const check = (res, k, startClock, q, label) => {
    assert.ok(res.ids.length <= k, `${label}: too many results`);
    const seen = new Set();
    for (let j = 0; j < res.ids.length; j++) {
      const id = Number(res.ids[j]);
      if (seen.has(id)) errors.push(`${label}: duplicate id ${id}`);
      seen.add(id);
      const v = vectors.get(id);
      if (!v) { errors.push(`${label}: id ${id} was never added`); continue; }
      const d = deletedAt.get(id);
      if (d !== undefined && d < startClock) errors.push(`${label}: id ${id} deleted at ${d} returned by a search started at ${startClock}`);
      let s = 0;
      for (let k = 0; k < dim; k++) s += (q[k] - v[k]) ** 2;
      if (Math.abs(s - res.scores[j]) > 1e-3 * (1 + s)) errors.push(`${label}: score ${res.scores[j]} for id ${id}, exact ${s}`);
      if (j > 0 && res.scores[j] < res.scores[j - 1]) errors.push(`${label}: scores not sorted`);
    }
    stats.results += res.ids.length;
  };
  const randomQuery = () => Float32Array.from({ length: dim }, () => r() * 2 - 1);
  const deadline = Date.now() + DURATION_MS;
  const running = () => Date.now() < deadline && errors.length === 0;

  const adder = async () => {
    while (running()) {
      const b = makeBatch(100 + Math.floor(r() * 200));
      await idx.addAsync(b.v, b.ids, { onProgress: () => {} });
      for (const id of b.ids) live.push(Number(id));
      stats.adds++;
    }
  };
  const deleter = async () => {
    while (running()) {
      const n = Math.min(live.length - 500, 10 + Math.floor(r() * 40));
      if (n <= 0) { await new Promise((res) => setTimeout(res, 5)); continue; }
      const ids = [];
      for (let i = 0; i < n; i++) ids.push(live.splice(Math.floor(r() * live.length), 1)[0]);
      if (r() < 0.3) idx.delete(ids);
      else await idx.deleteAsync(ids);
      const t = ++clock;
      for (const id of ids) deletedAt.set(id, t);
      stats.deletes++;
      await new Promise((res) => setTimeout(res, 2));
    }
  };
  const searcher = async (withFilter) => {
    while (running()) {
      const q = randomQuery();
      const k = 1 + Math.floor(r() * 15);
      const start = ++clock;
      const opts = { ef: k + Math.floor(r() * 60) };
      if (withFilter && r() < 0.5) opts.filter = { deny: live.slice(0, 20) };
      const res = await idx.searchAsync(q, k, opts);
      check(res, k, start, q, 'searchAsync');
      if (opts.filter) for (const id of res.ids) if (opts.filter.deny.includes(Number(id))) errors.push('filter ignored');
      stats.searches++;
    }
  };
  const batcher = async () => {
    while (running()) {
      const nq = 1 + Math.floor(r() * 16);
      const qs = new Float32Array(nq * dim).map(() => r() * 2 - 1);
      const start = ++clock;
      const res = await idx.searchBatchAsync(qs, 10, { ef: 40 });
      res.forEach((one, i) => check(one, 10, start, qs.subarray(i * dim, (i + 1) * dim), 'searchBatchAsync'));
      stats.batches++;
    }
  };
  const syncSearcher = async () => {
    while (running()) {
      const q = randomQuery();
      const start = ++clock;
      check(idx.search(q, 10), 10, start, q, 'search');
      stats.syncSearches++;
      if (r() < 0.05) idx.has(live[0]);
      await new Promise((res) => setImmediate(res));
    }
  };
  const maintainer = async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-hnsw-stress-'));
    try {
      while (running()) {
        await new Promise((res) => setTimeout(res, 1500));
        if (!running()) break;
        if (stats.compactions <= stats.saves) {
          await idx.compactAsync();
          stats.compactions++;
        } else {
          const file = path.join(dir, 'snap.hnsw');
          await idx.saveAsync(file);
          const snap = await HnswIndex.loadAsync(file);
          snap.checkIntegrity();
          stats.saves++;
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  await Promise.all([adder(), deleter(), searcher(false), searcher(true), batcher(), syncSearcher(), maintainer()]);
  console.log('  ', JSON.stringify(stats));
  assert.equal(errors.slice(0, 5), []);
  assert.ok(stats.searches > 50 && stats.adds > 5 && stats.deletes > 5 && stats.compactions >= 1, JSON.stringify(stats));
  idx.checkIntegrity();
  assert.is(idx.size, live.length);
  for (const id of live.slice(0, 200)) assert.ok(idx.has(id));
  for (const id of [...deletedAt.keys()].slice(0, 200)) assert.not.ok(idx.has(id));
  // Live vectors are found again, as well as in a graph rebuilt from the same vectors without
  // any concurrency (compact() re-inserts every live vector into a fresh graph). With these
  // deliberately small parameters (M 8, efC 48, 24-d uniform data) a few percent of nodes are
  // unreachable in any HNSW graph, so an absolute floor flakes; the comparison does not, and a
  // graph damaged by the concurrent phase falls far below its rebuilt twin.
  const selfRecall = () => {
    let n = 0;
    for (const id of live.slice(0, 200)) {
      const r = idx.search(vectors.get(id), 10, { ef: 128 });
      if (Array.from(r.ids, Number).includes(id)) n++;
    }
    return n;
  };
  const concurrent = selfRecall();
  idx.compact();
  const rebuilt = selfRecall();
  console.log(`   self-recall@10: ${concurrent}/200 after the concurrent phase, ${rebuilt}/200 rebuilt`);
  assert.ok(concurrent >= rebuilt - 12 && concurrent >= 170, `self-recall@10 ${concurrent}/200 vs ${rebuilt}/200 rebuilt`);
});

test('native stress loop: writer thread vs 3 searching threads, every result checked in C++', async () => {
  const rep = await native.hnswNativeStress(Number(process.env.HNSW_NATIVE_STRESS_S ?? 5), 3);
  console.log('  ', JSON.stringify(rep));
  assert.equal(rep.errors, []);
  assert.ok(rep.searches > 1000 && rep.adds > 10 && rep.deletes > 10 && rep.compactions >= 1, JSON.stringify(rep));
});

test.run();
