// HNSW recall on real data.
// - SIFT10K (l2): recall@10 >= 0.99 at ef 64 against the published ground truth, accepting any
//   id whose exact distance equals the 10th (22 queries have exact ties).
// - GloVe 100-d (cosine): the first 100,000 words minus 1,000 held-out query words (every 100th
//   of the first 100,000) are indexed; exact neighbours come from a brute-force scan with the
//   native exact kernel (maxsimTopK with one-token documents = exact inner product of unit
//   vectors), spot-checked against plain JS. recall@10 >= 0.95 at ef 128. The 100k subset and
//   efConstruction 100 (the benchmark uses 200 on all 340k words) keep the build inside the
//   test time budget on two cores.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HnswIndex, loadGlove, loadSift10k, maxsimTopK, normalizeRows } from '../dist/index.js';
import { score, seqIds } from './hnsw_helpers.mjs';

test('SIFT10K recall@10 >= 0.99 (ties accepted)', () => {
  const { base, queries, groundTruth, gtK } = loadSift10k();
  const dim = base.dim;
  const idx = new HnswIndex({ dim, metric: 'l2', M: 16, efConstruction: 200 });
  idx.add(base.data, seqIds(base.count));
  idx.checkIntegrity();
  let hits = 0;
  for (let qi = 0; qi < queries.count; qi++) {
    const q = queries.data.subarray(qi * dim, (qi + 1) * dim);
    const r = idx.search(q, 10, { ef: 64 });
    assert.is(r.ids.length, 10);
    const kthId = groundTruth[qi * gtK + 9];
    const kth = score('l2', q, base.data, kthId * dim, dim);
    const truth = new Set(Array.from(groundTruth.subarray(qi * gtK, qi * gtK + 10)));
    for (const id of r.ids) {
      if (truth.has(Number(id)) || score('l2', q, base.data, Number(id) * dim, dim) <= kth) hits++;
    }
    // the returned score is the exact squared distance
    const d0 = score('l2', q, base.data, Number(r.ids[0]) * dim, dim);
    assert.ok(Math.abs(d0 - r.scores[0]) <= 1e-3 * d0 + 1e-3);
  }
  const recall = hits / (10 * queries.count);
  console.log(`  SIFT10K recall@10 at ef 64: ${recall.toFixed(4)}`);
  assert.ok(recall >= 0.99, `recall ${recall}`);
});

test('GloVe-100 (100k subset, 1,000 held-out queries, cosine) recall@10 >= 0.95', () => {
  const g = loadGlove();
  const dim = g.dim;
  const subset = 100000;
  const isQuery = (i) => i % 100 === 50;
  const nq = subset / 100;
  const nb = subset - nq;
  const baseVec = new Float32Array(nb * dim);
  const queryVec = new Float32Array(nq * dim);
  const baseRow = new Uint32Array(nb); // base index -> GloVe row
  for (let i = 0, b = 0, q = 0; i < subset; i++) {
    const row = g.vectors.subarray(i * dim, (i + 1) * dim);
    if (isQuery(i)) queryVec.set(row, (q++) * dim);
    else { baseVec.set(row, b * dim); baseRow[b++] = i; }
  }
  const ids = new BigUint64Array(nb);
  for (let b = 0; b < nb; b++) ids[b] = BigInt(baseRow[b]);
  const idx = new HnswIndex({ dim, metric: 'cosine', M: 16, efConstruction: 100 });
  idx.add(baseVec, ids);

  // exact neighbours: unit rows, one-token documents, MaxSim = inner product
  const unitBase = normalizeRows(baseVec.slice(), dim);
  const unitQ = normalizeRows(queryVec.slice(), dim);
  const offsets = new Uint32Array(nb + 1);
  for (let b = 0; b <= nb; b++) offsets[b] = b;
  let hits = 0;
  for (let qi = 0; qi < nq; qi++) {
    const q = unitQ.subarray(qi * dim, (qi + 1) * dim);
    const exact = maxsimTopK(q, unitBase, offsets, dim, 10);
    if (qi < 3) {
      // spot-check the reference against plain JS
      const s = score('cosine', queryVec.subarray(qi * dim, (qi + 1) * dim), baseVec, exact.indices[0] * dim, dim);
      assert.ok(Math.abs(s - exact.scores[0]) < 1e-4);
    }
    const kth = exact.scores[9];
    const truth = new Set(Array.from(exact.indices, (b) => BigInt(baseRow[b])));
    const r = idx.search(queryVec.subarray(qi * dim, (qi + 1) * dim), 10, { ef: 128 });
    for (let j = 0; j < r.ids.length; j++) if (truth.has(r.ids[j]) || r.scores[j] >= kth) hits++;
  }
  const recall = hits / (10 * nq);
  console.log(`  GloVe 100k recall@10 at ef 128: ${recall.toFixed(4)}`);
  assert.ok(recall >= 0.95, `recall ${recall}`);
});

test.run();
