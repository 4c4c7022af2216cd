// HnswIndex storage 'pq' (8-bit product quantization, ADC search).
// - SIFT10K: PQ recall is capped by quantization, so the graph is judged against exhaustive ADC
//   over the same codes (computed in JS from the decoded vectors: ADC of a query and a code is
//   exactly the metric between the query and the code's reconstruction), and its recall against
//   the true neighbours must match that cap. Measured (32 sub-spaces, ef 64): l2 0.997 of the
//   exhaustive ADC top 10 and 0.859 of the ground truth (exhaustive ADC: 0.860); ip 0.999.
// - scores are the ADC distances; save / load / mmap / compact keep codes and results; truncated
//   or altered (resealed) pq files give ERR_CORRUPT_FILE or a working index; bad
//   options and too-small training sets throw ERR_INVALID_ARGUMENT; every SIMD level agrees.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { HnswIndex, MaxsimError, loadSift10k, setSimdLevel, supportedSimdLevels, capabilities, setThreads } from '../dist/index.js';
import { randomVectors, seqIds, score, throwsCode, fuzzResealed, reseal } from './hnsw_helpers.mjs';


function decodedAll(idx, n, dim) {
  const dec = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) dec.set(idx.getVector(i), i * dim);
  return dec;
}

// Exhaustive ADC top k over decoded vectors: [{ id, d }] with d "lower is closer".
function adcTopK(metric, q, dec, dim, k) {
  const n = dec.length / dim;
  const all = [];
  for (let i = 0; i < n; i++) {
    const s = score(metric === 'cosine' ? 'ip' : metric, q, dec, i * dim, dim);
    all.push({ id: i, d: metric === 'l2' ? s : -s });
  }
  all.sort((a, b) => a.d - b.d);
  return all.slice(0, k);
}

function tmpFile(name) {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-hnswpq-')), name);
}

const sift = loadSift10k();

for (const metric of ['l2', 'ip']) {
  test(`SIFT10K ${metric}: graph recall@10 against exhaustive ADC over the same codes`, () => {
    const { base, queries, groundTruth, gtK } = sift;
    const dim = base.dim;
    const idx = new HnswIndex({ dim, metric, storage: 'pq', pqSubspaces: 32, M: 16, efConstruction: 200 });
    assert.not.ok(idx.trained);
    idx.add(base.data, seqIds(base.count));  // trains on this batch
    assert.ok(idx.trained);
    idx.checkIntegrity();
    const st = idx.stats();
    assert.is(st.vectorBytes, st.capacity * 32);  // M bytes a vector, no padding
    assert.is(st.codebookBytes, 256 * dim * 4);
    const dec = decodedAll(idx, base.count, dim);
    let vsAdc = 0, vsTruth = 0, adcVsTruth = 0;
    for (let qi = 0; qi < queries.count; qi++) {
      const q = queries.data.subarray(qi * dim, (qi + 1) * dim);
      const r = idx.search(q, 10, { ef: 64 });
      assert.is(r.ids.length, 10);
      const ref = adcTopK(metric, q, dec, dim, 10);
      // ties at the 10th ADC distance count as hits (PQ makes exact ties likely)
      const kth = ref[9].d;
      for (let j = 0; j < 10; j++) {
        const id = Number(r.ids[j]);
        const s = score(metric, q, dec, id * dim, dim);
        const d = metric === 'l2' ? s : -s;
        // the returned score is the ADC distance of that code
        assert.ok(Math.abs(s - r.scores[j]) <= 1e-4 * Math.max(1, Math.abs(s)), `score ${r.scores[j]} vs ADC ${s}`);
        if (d <= kth + 1e-5 * Math.max(1, Math.abs(kth))) vsAdc++;
      }
      if (metric === 'l2') {
        const truth = new Set(Array.from(groundTruth.subarray(qi * gtK, qi * gtK + 10)));
        for (const id of r.ids) if (truth.has(Number(id))) vsTruth++;
        for (const { id } of ref) if (truth.has(id)) adcVsTruth++;
      }
    }
    const n = 10 * queries.count;
    console.log(`  ${metric}: recall@10 vs exhaustive ADC ${(vsAdc / n).toFixed(4)}` +
      (metric === 'l2' ? `, vs ground truth ${(vsTruth / n).toFixed(4)} (exhaustive ADC ${(adcVsTruth / n).toFixed(4)})` : ''));
    assert.ok(vsAdc / n >= 0.97, `recall vs ADC ${vsAdc / n}`);
    if (metric === 'l2') {
      assert.ok(adcVsTruth / n >= 0.8, `quantization cap ${adcVsTruth / n}`);  // 32 bytes for 128 floats
      assert.ok(vsTruth >= 0.97 * adcVsTruth, `graph ${vsTruth} vs exhaustive ADC ${adcVsTruth}`);
    }
  });
}

test('explicit train(), save / load / mmap / compact keep codes and results', () => {
  const { base, queries } = sift;
  const dim = base.dim, n = 3000;
  const data = base.data.subarray(0, n * dim);
  const idx = new HnswIndex({ dim, metric: 'l2', storage: 'pq', M: 12, efConstruction: 100 });
  assert.is(idx.pqSubspaces, 16);  // default: largest divisor of 128 that is at most 128 / 8
  idx.train(data);
  assert.ok(idx.trained);
  idx.add(data.subarray(0, 100 * dim), seqIds(100));  // small batches are fine once trained
  idx.add(data.subarray(100 * dim), seqIds(n - 100, 100));
  const file = tmpFile('pq.hnsw');
  idx.save(file);
  const q = queries.data.subarray(0, 20 * dim);
  const before = idx.searchBatch(q, 10, { ef: 50 });
  for (const mmap of [false, true]) {
    const back = HnswIndex.load(file, { mmap });
    assert.is(back.storage, 'pq');
    assert.is(back.pqSubspaces, 16);
    assert.ok(back.trained);
    assert.is(back.readOnly, mmap);
    back.checkIntegrity();
    assert.equal(back.stats().codebookBytes, idx.stats().codebookBytes);
    const after = back.searchBatch(q, 10, { ef: 50 });
    for (let i = 0; i < before.length; i++) {
      assert.equal(Array.from(after[i].ids), Array.from(before[i].ids));
      assert.equal(Array.from(after[i].scores), Array.from(before[i].scores));
    }
    for (const id of [0, 17, 2999]) assert.equal(Array.from(back.getVector(id)), Array.from(idx.getVector(id)));
  }
  // a loaded index keeps adding with the stored codebooks
  const back = HnswIndex.load(file);
  const extra = randomVectors(5, dim, 3).map((x) => x * 50 + 50);
  back.add(extra, seqIds(5, 100000));
  assert.is(back.size, n + 5);
  // compact re-encodes the decoded vectors with the same codebooks: codes are unchanged
  const kept = [5, 600, 2501];
  const vecs = kept.map((id) => Array.from(idx.getVector(id)));
  idx.delete(Array.from({ length: 1000 }, (_, i) => i * 3 + 1));
  idx.compact();
  idx.checkIntegrity();
  kept.forEach((id, i) => assert.equal(Array.from(idx.getVector(id)), vecs[i]));
  assert.is(idx.stats().deleted, 0);
});

test('a truncated pq file gives ERR_CORRUPT_FILE, never a crash', () => {
  const dim = 8;
  const idx = new HnswIndex({ dim, metric: 'l2', storage: 'pq', pqSubspaces: 2, M: 4 });
  idx.add(randomVectors(300, dim, 9), seqIds(300));
  const file = tmpFile('t.hnsw');
  idx.save(file);
  const bytes = fs.readFileSync(file);
  for (const cut of [40, 80, 100, 200, 1000, 5000, 9000, bytes.length - 1]) {
    if (cut >= bytes.length) continue;
    fs.writeFileSync(file, bytes.subarray(0, cut));
    throwsCode(() => HnswIndex.load(file), 'ERR_CORRUPT_FILE');
  }
});

test('fuzz past the checksum: altered pq fields are rejected or load into a working index', () => {
  const dim = 8;
  const idx = new HnswIndex({ dim, metric: 'ip', storage: 'pq', pqSubspaces: 4, M: 4 });
  idx.add(randomVectors(300, dim, 19), seqIds(300));
  const file = tmpFile('f.hnsw');
  idx.save(file);
  const good = fs.readFileSync(file);
  assert.ok(reseal(Buffer.from(good)).equals(good), 'crc32c in JS matches the native one');
  const bad = file + '.bad';
  let s = 12345;
  const r = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
  // the header, pqSubspaces and the codec state (first ~110 payload bytes) half the time
  const { rejected, loaded } = fuzzResealed(good, bad, { rounds: 300, headerBytes: 110, width: (i) => 1 + (i % 4), r, queries: 2, ef: 30 });
  assert.ok(rejected > 30, `rejected ${rejected}, loaded ${loaded}`);
});

test('a version-1 file (written before storage pq existed) still loads and searches the same', () => {
  // fixtures/graph_v1_f16.bin: written by the previous release; dim 8, 200 rows sin(0.37 i), f16, M 4.
  const file = new URL('./fixtures/graph_v1_f16.bin', import.meta.url).pathname;
  const v = new Float32Array(200 * 8).map((_, i) => Math.sin(i * 0.37));
  for (const mmap of [false, true]) {
    const idx = HnswIndex.load(file, { mmap });
    assert.is(idx.storage, 'f16');
    assert.is(idx.pqSubspaces, 0);
    idx.checkIntegrity();
    const r = idx.search(v.subarray(0, 8), 5, { ef: 200 });
    assert.equal(Array.from(r.ids, Number), [0, 121, 104, 17, 138]);  // as the previous release returned
  }
});

test('cosine and odd shapes: scores are the ADC metric over the decoded (normalised) vectors', () => {
  const dim = 15, n = 400;
  const data = randomVectors(n, dim, 11);
  const queries = randomVectors(10, dim, 12);
  for (const metric of ['l2', 'ip', 'cosine']) {
    const idx = new HnswIndex({ dim, metric, storage: 'pq', pqSubspaces: 5, M: 8, efConstruction: 64 });
    idx.add(data, seqIds(n));
    const dec = decodedAll(idx, n, dim);
    for (let qi = 0; qi < 10; qi++) {
      let q = queries.subarray(qi * dim, (qi + 1) * dim);
      const r = idx.search(q, 5, { ef: n });
      if (metric === 'cosine') {
        const norm = Math.sqrt(q.reduce((s, x) => s + x * x, 0));
        q = q.map((x) => x / norm);
      }
      for (let j = 0; j < r.ids.length; j++) {
        const s = score(metric === 'cosine' ? 'ip' : metric, q, dec, Number(r.ids[j]) * dim, dim);
        assert.ok(Math.abs(s - r.scores[j]) <= 1e-4 * Math.max(1, Math.abs(s)), `${metric} ${s} vs ${r.scores[j]}`);
      }
    }
  }
  // the default sub-space rule on awkward dims
  assert.is(new HnswIndex({ dim: 100, metric: 'l2', storage: 'pq' }).pqSubspaces, 10);
  assert.is(new HnswIndex({ dim: 13, metric: 'l2', storage: 'pq' }).pqSubspaces, 1);
});

test('bad options and too few training vectors: ERR_INVALID_ARGUMENT, nothing added', () => {
  const dim = 16;
  throwsCode(() => new HnswIndex({ dim, metric: 'l2', storage: 'pq', pqSubspaces: 5 }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new HnswIndex({ dim, metric: 'l2', storage: 'pq', pqSubspaces: 0 }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new HnswIndex({ dim, metric: 'l2', storage: 'pq', pqSubspaces: 32 }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new HnswIndex({ dim, metric: 'l2', storage: 'f16', pqSubspaces: 4 }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new HnswIndex({ dim, metric: 'l2', storage: 'pqx' }), 'ERR_INVALID_ARGUMENT');
  const idx = new HnswIndex({ dim, metric: 'l2', storage: 'pq', pqSubspaces: 4 });
  const e = throwsCode(() => idx.add(randomVectors(255, dim, 1), seqIds(255)), 'ERR_INVALID_ARGUMENT');
  assert.match(e.message, /at least 256/);
  assert.is(idx.size, 0);
  assert.not.ok(idx.trained);
  throwsCode(() => idx.train(randomVectors(100, dim, 1)), 'ERR_INVALID_ARGUMENT');
  const bad = randomVectors(300, dim, 1);
  bad[77] = NaN;
  throwsCode(() => idx.train(bad), 'ERR_NON_FINITE');
  throwsCode(() => idx.add(bad, seqIds(300)), 'ERR_NON_FINITE');
  assert.not.ok(idx.trained);
  assert.equal(idx.search(randomVectors(1, dim, 2), 3).ids.length, 0);  // empty, untrained: no results
  idx.add(randomVectors(256, dim, 1), seqIds(256));
  assert.is(idx.size, 256);
  throwsCode(() => idx.train(randomVectors(300, dim, 1)), 'ERR_INVALID_ARGUMENT');  // holds vectors already
  const f32 = new HnswIndex({ dim, metric: 'l2' });
  throwsCode(() => f32.train(randomVectors(300, dim, 1)), 'ERR_INVALID_ARGUMENT');
  assert.is(f32.stats().codebookBytes, 0);
});

test('trainAsync', async () => {
  const dim = 8;
  const idx = new HnswIndex({ dim, metric: 'ip', storage: 'pq', pqSubspaces: 2 });
  await idx.trainAsync(randomVectors(300, dim, 5));
  assert.ok(idx.trained);
  try {
    await idx.trainAsync(randomVectors(10, dim, 5));
    assert.unreachable('expected an error');
  } catch (e) {
    assert.is(e.code, 'ERR_INVALID_ARGUMENT');
  }
});

test('every SIMD level builds the same codes and returns the same results', () => {
  const dim = 24, n = 600;
  const data = randomVectors(n, dim, 21);
  const queries = randomVectors(10, dim, 22);
  const initial = capabilities().simd;
  const threadsBefore = capabilities().threads;
  let ref;
  try {
    setThreads(1);  // one insert thread: the graph is deterministic
    for (const level of supportedSimdLevels()) {
      setSimdLevel(level);
      const idx = new HnswIndex({ dim, metric: 'l2', storage: 'pq', pqSubspaces: 6, M: 8, efConstruction: 64 });
      idx.add(data, seqIds(n));
      const out = { dec: decodedAll(idx, n, dim), res: idx.searchBatch(queries, 5, { ef: 40 }) };
      if (!ref) { ref = out; continue; }
      let same = 0;
      for (let i = 0; i < n * dim; i++) if (Math.abs(out.dec[i] - ref.dec[i]) <= 1e-4 * Math.max(1, Math.abs(ref.dec[i]))) same++;
      assert.ok(same >= 0.999 * n * dim, `${level}: ${n * dim - same} decoded values differ`);
      for (let q = 0; q < 10; q++)
        for (let j = 0; j < 5; j++) assert.ok(Math.abs(out.res[q].scores[j] - ref.res[q].scores[j]) <= 1e-3 * Math.max(1, Math.abs(ref.res[q].scores[j])), `${level} q${q}`);
    }
  } finally {
    setThreads(threadsBefore);
    setSimdLevel(initial);
  }
});

test.run();
