// DeviceDocuments, DevicePqDocuments and DeviceFdeCollection against plain references, on the GPU.
// Runs only where capabilities().cuda lists a device (a build with CUDA on a GPU machine); the
// argument and no-GPU checks live in cuda.test.mjs. Tolerances:
//   - f16 / bf16: the device rounds queries to the document type and accumulates in f32, so the
//     reference is float64 MaxSim over the same rounded inputs, within 1e-4 per query row;
//   - f32: tensor cores use TF32 (10 mantissa bits per product input): |error| per dot product is at
//     most about 2^-10 * sum |q_k d_k| <= 2^-10 for unit rows, so 2e-3 per query row;
//   - PQ: the CPU's pqMaxsimBatch over the same codes, within f32 summation-order noise;
//   - FDE: float64 dot products, f32 within 1e-4 relative, f16 over the rounded vectors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as m from '../dist/index.js';
import { randomDocs, pack, maxsimJs, rng } from './mvindex_helpers.mjs';

const hasGpu = m.capabilities().cuda !== false;
const skip = (name) => console.log(`  skipped (${name}): no CUDA device (capabilities().cuda is false)`);

const rounders = {
  f32: { store: (x) => x, round: (x) => x, tol: 2e-3 },
  f16: { store: (x, dim) => m.toF16(x, dim), round: (x, dim) => m.toF32(m.toF16(x, dim)), tol: 1e-4 },
  bf16: { store: (x, dim) => m.toBf16(x, dim), round: (x, dim) => m.toF32(m.toBf16(x, dim)), tol: 1e-4 },
};

test('DeviceDocuments: scoreMatrix and topK match float64 MaxSim (odd dims, empty and one-token documents)', async () => {
  if (!hasGpu) return skip('DeviceDocuments');
  for (const dim of [3, 17, 100, 128, 130]) {
    // Every third document is empty; lengths 0..40 cross the 16-token tiles.
    const docs = randomDocs(dim, 61, dim, 1, 40).map((d, i) => (i % 3 === 1 ? new Float32Array(0) : i % 7 === 0 ? d.subarray(0, dim) : d));
    const { tokens, offsets } = pack(docs, dim);
    const queries = randomDocs(dim + 1000, 5, dim, 1, 37);
    const { tokens: qTokens, offsets: qOffsets } = pack(queries, dim);
    for (const [type, r] of Object.entries(rounders)) {
      const onGpu = m.DeviceDocuments.upload(r.store(tokens, dim), offsets, dim);
      const scores = onGpu.scoreMatrix(qTokens, qOffsets);
      const asyncScores = await onGpu.scoreMatrixAsync(qTokens, qOffsets);
      assert.equal([...asyncScores], [...scores]);
      const roundedDocs = r.round(tokens, dim);
      const roundedQueries = r.round(qTokens, dim);
      const top = onGpu.topK(qTokens, qOffsets, { k: 1000 });
      for (let q = 0; q < queries.length; q++) {
        const rows = qOffsets[q + 1] - qOffsets[q];
        const qv = roundedQueries.subarray(qOffsets[q] * dim, qOffsets[q + 1] * dim);
        const want = docs.map((_, d) => maxsimJs(qv, roundedDocs.subarray(offsets[d] * dim, offsets[d + 1] * dim), dim));
        for (let d = 0; d < docs.length; d++) {
          const got = scores[q * docs.length + d];
          if (want[d] === -Infinity) assert.is(got, -Infinity, `${type} dim ${dim}: empty document ${d}`);
          else assert.ok(Math.abs(got - want[d]) <= r.tol * rows, `${type} dim ${dim} query ${q} doc ${d}: ${got} vs ${want[d]}`);
        }
        // k beyond the collection: every document, best first, scores as in scoreMatrix.
        assert.is(top[q].indices.length, docs.length);
        for (let i = 0; i < docs.length; i++) {
          assert.is(top[q].scores[i], scores[q * docs.length + top[q].indices[i]]);
          if (i > 0) assert.ok(top[q].scores[i] <= top[q].scores[i - 1]);
        }
      }
      onGpu.release();
    }
  }
});

test('DeviceDocuments.topK: ties are ordered by lower document index, as on the CPU', async () => {
  if (!hasGpu) return skip('ties');
  const dim = 8;
  const one = new Float32Array(dim).fill(0); one[0] = 1;
  const docs = Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? one : new Float32Array(dim).fill(i % 4 === 1 ? 0.25 : -0.25)));
  const { tokens, offsets } = pack(docs, dim);
  const onGpu = m.DeviceDocuments.upload(m.toF16(tokens, dim), offsets, dim);
  const [top] = await onGpu.topKAsync(one, new Uint32Array([0, 1]), { k: 12 });
  const cpu = m.maxsimTopK(one, tokens, offsets, dim, 12);
  assert.equal([...top.indices], [...cpu.indices]);
  assert.equal([...top.indices].slice(0, 10), [0, 4, 8, 12, 16, 20, 24, 28, 32, 36]);
  onGpu.release();
});

test('DevicePqDocuments: MaxSim over 8-bit PQ codes matches the CPU pqMaxsimBatch', async () => {
  if (!hasGpu) return skip('DevicePqDocuments');
  const dim = 48;
  const docs = randomDocs(5, 300, dim, 0, 30);
  const { tokens, offsets } = pack(docs, dim);
  const pq = m.ProductQuantizer.train(tokens, dim, { M: 12, nbits: 8, seed: 1 });
  const codes = pq.encode(tokens);
  const onGpu = m.DevicePqDocuments.upload(pq, codes, offsets);
  const queries = randomDocs(6, 4, dim, 3, 32);
  const { tokens: qt, offsets: qo } = pack(queries, dim);
  const scores = await onGpu.scoreMatrixAsync(qt, qo);
  const top = onGpu.topK(qt, qo, { k: 7 });
  for (let q = 0; q < queries.length; q++) {
    const cpu = m.maxsimPqBatch(pq, queries[q], codes, offsets);
    for (let d = 0; d < docs.length; d++) {
      const got = scores[q * docs.length + d];
      if (cpu[d] === -Infinity) assert.is(got, -Infinity);
      else assert.ok(Math.abs(got - cpu[d]) <= 1e-4 * (1 + Math.abs(cpu[d])), `query ${q} doc ${d}: ${got} vs ${cpu[d]}`);
    }
    const cpuTop = m.maxsimPqTopK(pq, queries[q], codes, offsets, 7);
    for (let i = 0; i < 7; i++) assert.ok(Math.abs(top[q].scores[i] - cpuTop.scores[i]) <= 1e-4 * (1 + Math.abs(cpuTop.scores[i])));
  }
  onGpu.release();
});

test('DeviceFdeCollection: brute-force inner-product top-k matches float64 dot products', async () => {
  if (!hasGpu) return skip('DeviceFdeCollection');
  const r = rng(11);
  for (const dim of [1, 33, 640]) {
    const n = 777;
    const vectors = Float32Array.from({ length: n * dim }, () => r() * 2 - 1);
    const queries = Float32Array.from({ length: 9 * dim }, () => r() * 2 - 1);
    for (const f16 of [false, true]) {
      const stored = f16 ? m.toF16(vectors, dim) : vectors;
      const ref = f16 ? m.toF32(stored) : vectors;
      const onGpu = m.DeviceFdeCollection.upload(stored, dim);
      const scores = onGpu.scoreMatrix(queries);
      const top = await onGpu.topKAsync(queries, { k: 25 });
      for (let q = 0; q < 9; q++) {
        const want = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          let s = 0, mag = 0;
          for (let k = 0; k < dim; k++) { s += queries[q * dim + k] * ref[i * dim + k]; mag += Math.abs(queries[q * dim + k] * ref[i * dim + k]); }
          want[i] = s;
          assert.ok(Math.abs(scores[q * n + i] - s) <= 1e-5 * (1 + mag), `dim ${dim} f16 ${f16}: ${scores[q * n + i]} vs ${s}`);
        }
        const order = [...want.keys()].sort((a, b) => scores[q * n + b] - scores[q * n + a] || a - b).slice(0, 25);
        assert.equal([...top[q].indices], order, `dim ${dim} f16 ${f16} query ${q}`);
      }
      onGpu.release();
    }
  }
});

test.run();
