import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ProductQuantizer, maxsimPq, maxsimPqBatch, maxsimPqBatchAsync, maxsimPqTopK, maxsimPqTopKAsync, maxsimBatch,
  loadColbertNanoFiqa, meanAveragePrecision, supportedSimdLevels, setSimdLevel, capabilities, MaxsimError,
} from '../dist/index.js';

const { documents: docs, queries, qrels } = loadColbertNanoFiqa();
const D = docs.dim;
const nDocs = docs.offsets.length - 1;
const pq8 = ProductQuantizer.train(docs.tokens, D, { M: 16, nbits: 8, seed: 1 });
const codes8 = pq8.encode(docs.tokens);
const pq4 = ProductQuantizer.train(docs.tokens, D, { M: 32, nbits: 4, seed: 1 });
const codes4 = pq4.encode(docs.tokens);
const packed4 = pq4.packFastScan(codes4);

function query(i) { return queries.tokens.subarray(queries.offsets[i] * D, queries.offsets[i + 1] * D); }
function code(fn) { try { fn(); } catch (e) { assert.instance(e, MaxsimError); return e.code; } return 'none'; }

// JS reference: MaxSim of the query against decoded tokens (ADC inner product = ⟨q, decode(code)⟩).
function refMaxsim(q, dec, b, e) {
  if (e === b) return -Infinity;
  let total = 0;
  for (let i = 0; i < q.length / D; i++) {
    let best = -Infinity;
    for (let j = b; j < e; j++) {
      let s = 0;
      for (let t = 0; t < D; t++) s += q[i * D + t] * dec[j * D + t];
      if (s > best) best = s;
    }
    total += best;
  }
  return total;
}

function ranking(scoresFor) {
  const results = new Map();
  for (let qi = 0; qi < queries.ids.length; qi++) {
    const s = scoresFor(query(qi));
    const order = [...s.keys()].sort((a, b) => s[b] - s[a] || a - b);
    results.set(queries.ids[qi], order.map((d) => docs.ids[d]));
  }
  return results;
}

function relevantFirst(results) {
  let n = 0;
  for (const [qid, ranked] of results) if ((qrels.get(qid)?.get(ranked[0]) ?? 0) > 0) n++;
  return n;
}

test('byte-LUT PQ MaxSim equals the JS reference on decoded tokens (8-bit and flat 4-bit)', () => {
  for (const [pq, codes] of [[pq8, codes8], [pq4, codes4]]) {
    const dec = pq.decode(codes);
    const q = query(2);
    const s = maxsimPqBatch(pq, q, codes, docs.offsets);
    for (let d = 0; d < nDocs; d++) {
      const ref = refMaxsim(q, dec, docs.offsets[d], docs.offsets[d + 1]);
      assert.ok(Math.abs(s[d] - ref) < 1e-4 * Math.abs(ref) + 1e-4, `doc ${d}: ${s[d]} vs ${ref}`);
    }
  }
});

test('PQ MaxSim keeps a relevant document first on ColBERT NanoFiQA (exact: 5/5, MAP 0.917)', () => {
  const exact = ranking((q) => maxsimBatch(q, docs.tokens, docs.offsets, D));
  assert.is(relevantFirst(exact), 5);
  const map0 = meanAveragePrecision(exact, qrels);
  for (const [name, pq, codes] of [['PQ16x8', pq8, codes8], ['PQ32x4', pq4, codes4], ['PQ32x4 fast-scan', pq4, packed4]]) {
    const r = ranking((q) => maxsimPqBatch(pq, q, codes, docs.offsets));
    const map = meanAveragePrecision(r, qrels);
    console.log(`    ${name}: relevant first ${relevantFirst(r)}/5, MAP ${map.toFixed(3)} (exact ${map0.toFixed(3)})`);
    assert.is(relevantFirst(r), 5, name);
    // Measured: MAP 0.906 (PQ16x8), 0.878 (PQ32x4, both forms) against 0.917 exact; bound 0.05.
    assert.ok(map >= map0 - 0.05, `${name} MAP ${map}`);
  }
});

test('fast-scan MaxSim approximates the byte-LUT scores within the LUT quantization error', () => {
  const q = query(0);
  const exact = maxsimPqBatch(pq4, q, codes4, docs.offsets);
  const fast = maxsimPqBatch(pq4, q, packed4, docs.offsets);
  // Per query token the u8 tables round M entries by at most half a step each.
  const { scale } = pq4.fastScanRaw(q, { packed: new Uint8Array(Math.ceil(pq4.M / 2) * 32), count: 1 }, 'ip');
  let bound = 0;
  for (const s of scale) bound += (pq4.M * 0.5) / s;
  for (let d = 0; d < nDocs; d++) assert.ok(Math.abs(fast[d] - exact[d]) <= bound * 1.001 + 1e-3, `doc ${d}: ${fast[d]} vs ${exact[d]} (bound ${bound})`);
});

test('every SIMD level gives identical scores (byte-LUT and fast-scan)', () => {
  const q = query(4);
  setSimdLevel('scalar');
  const a = maxsimPqBatch(pq8, q, codes8, docs.offsets), b = maxsimPqBatch(pq4, q, packed4, docs.offsets);
  for (const level of supportedSimdLevels()) {
    setSimdLevel(level);
    assert.equal(Array.from(maxsimPqBatch(pq8, q, codes8, docs.offsets)), Array.from(a), level);
    assert.equal(Array.from(maxsimPqBatch(pq4, q, packed4, docs.offsets)), Array.from(b), level);
  }
  setSimdLevel(capabilities().bestSimd);
});

test('single, batch, top-k and async forms agree; empty documents score -Infinity', async () => {
  const q = query(1);
  for (const codes of [codes8, packed4]) {
    const pq = codes === codes8 ? pq8 : pq4;
    const s = maxsimPqBatch(pq, q, codes, docs.offsets);
    const t = maxsimPqTopK(pq, q, codes, docs.offsets, 7);
    const order = [...s.keys()].sort((a, b) => s[b] - s[a] || a - b).slice(0, 7);
    assert.equal(Array.from(t.indices), order);
    assert.equal(Array.from(await maxsimPqBatchAsync(pq, q, codes, docs.offsets)), Array.from(s));
    assert.equal(Array.from((await maxsimPqTopKAsync(pq, q, codes, docs.offsets, 7)).indices), order);
  }
  // document 3 alone
  const b = docs.offsets[3], e = docs.offsets[4];
  const one = maxsimPq(pq8, q, codes8.subarray(b * 16, e * 16));
  assert.ok(Math.abs(one - maxsimPqBatch(pq8, q, codes8, docs.offsets)[3]) < 1e-5 * Math.abs(one));
  const fs1 = maxsimPq(pq4, q, pq4.packFastScan(codes4.subarray(b * 16, e * 16)));
  assert.ok(Math.abs(fs1 - maxsimPqBatch(pq4, q, packed4, docs.offsets)[3]) < 1e-4 * Math.abs(fs1));
  // an empty document in the middle
  const off = Uint32Array.of(0, 5, 5, 12);
  const s = maxsimPqBatch(pq4, q, pq4.packFastScan(codes4.subarray(0, 12 * 16)), off);
  assert.is(s[1], -Infinity);
  assert.is(maxsimPqBatch(pq8, q, codes8.subarray(0, 12 * 16), off)[1], -Infinity);
});

test('bad arguments give MaxsimError codes', () => {
  const q = query(0);
  assert.is(code(() => maxsimPqBatch(pq8, q, codes8, Uint32Array.of(0, 5))), 'ERR_BAD_OFFSETS');
  assert.is(code(() => maxsimPqBatch(pq8, q, codes8.subarray(1), docs.offsets)), 'ERR_DIMENSION_MISMATCH');
  assert.is(code(() => maxsimPqBatch(pq8, q.subarray(1), codes8, docs.offsets)), 'ERR_DIMENSION_MISMATCH');
  assert.is(code(() => maxsimPqBatch(pq8, new Float32Array(0), codes8, docs.offsets)), 'ERR_EMPTY_QUERY');
  assert.is(code(() => maxsimPqBatch(pq8, q, packed4, docs.offsets)), 'ERR_INVALID_ARGUMENT');
  assert.is(code(() => maxsimPqBatch(pq4, q, { packed: packed4.packed, count: 4 }, docs.offsets)), 'ERR_DIMENSION_MISMATCH');
  assert.is(code(() => maxsimPqTopK(pq8, q, codes8, docs.offsets, 0)), 'ERR_INVALID_ARGUMENT');
  assert.is(code(() => maxsimPqBatch({}, q, codes8, docs.offsets)), 'ERR_INVALID_ARGUMENT');
  const nan = Float32Array.from(q); nan[7] = NaN;
  assert.is(code(() => maxsimPqBatch(pq8, nan, codes8, docs.offsets)), 'ERR_NON_FINITE');
});

test.run();
