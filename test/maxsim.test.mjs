// Exact MaxSim against the plain JS reference, for every element type and every SIMD level this
// CPU supports, on random shapes: odd dimensions, 1- and 1000-token documents, empty documents,
// 1- and 64-token queries.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as m from '../dist/index.js';
import {
  rng, randomMatrix, maxsimRef, maxsimInt8Ref, maxsimBinaryRef, halfToFloat, bf16ToFloat,
} from './helpers/reference.mjs';

const LEVELS = m.supportedSimdLevels();
const DIMS = [1, 3, 17, 96, 128, 130, 768];

// Documents of assorted lengths (empty, 1, a few, ~tile boundaries, 1000 at small dims).
function docLengths(dim, rand) {
  const lens = [0, 1, 5, 12, 13, 25, 7];
  if (dim <= 130) lens.push(1000);
  for (let i = 0; i < 5; i++) lens.push(1 + Math.floor(rand() * 40));
  return lens;
}

function buildCase(dim, seed) {
  const rand = rng(seed);
  const lens = docLengths(dim, rand);
  const offsets = new Uint32Array(lens.length + 1);
  lens.forEach((l, i) => { offsets[i + 1] = offsets[i] + l; });
  const docs = randomMatrix(offsets[lens.length], dim, rand, { normalize: dim > 1 });
  return { lens, offsets, docs };
}

function decode(tokens) {
  if (tokens.type === 'f16') return Float32Array.from(tokens.data, halfToFloat);
  if (tokens.type === 'bf16') return Float32Array.from(tokens.data, bf16ToFloat);
  return tokens;
}

// Scores from the reference for one query over every document, in the given element type.
function referenceScores(type, enc, q, nq, c, dim) {
  const out = [];
  for (let d = 0; d < c.lens.length; d++) {
    const b = c.offsets[d], e = c.offsets[d + 1], nt = e - b;
    if (type === 'int8') {
      out.push({ score: maxsimInt8Ref(q, nq, enc.data.subarray(b * dim, e * dim), enc.scales.subarray(b, e), nt, dim), tol: 0 });
    } else if (type === 'binary') {
      const tb = Math.ceil(dim / 8);
      out.push({ score: maxsimBinaryRef(q, nq, enc.data.subarray(b * tb, e * tb), nt, dim), tol: 0 });
    } else {
      const dec = type === 'f32' ? c.docs : decode(enc);
      const r = maxsimRef(q, nq, dec.subarray(b * dim, e * dim), nt, dim);
      // f32 accumulation error is far below 1e-5 of Σ|q||d|; bf16 kernels may round the query
      // to bf16 as well (relative 2^-9 per product).
      const rel = type === 'bf16' ? 2 ** -8 : 2e-5;
      out.push({ score: r.score, tol: rel * r.absBound + 1e-5 });
    }
  }
  return out;
}

function encodeAs(type, docs, dim) {
  switch (type) {
    case 'f32': return docs;
    case 'f16': return m.toF16(docs, dim);
    case 'bf16': return m.toBf16(docs, dim);
    case 'int8': return m.quantizeInt8(docs, dim);
    case 'binary': return m.binarize(docs, dim);
  }
}

function close(actual, expected, tol, what) {
  if (expected === -Infinity) {
    assert.is(actual, -Infinity, `${what}: empty document scores -Infinity`);
    return;
  }
  // int8 scores agree with the exact-integer reference up to float32 summation order.
  const t = tol === 0 ? 1e-5 * Math.abs(expected) + 1e-4 : tol;
  if (!(Math.abs(actual - expected) <= t)) assert.unreachable(`${what}: got ${actual}, expected ${expected} ± ${t}`);
}

for (const type of ['f32', 'f16', 'bf16', 'int8', 'binary']) {
  test(`maxsimBatch ${type} matches the reference on every SIMD level and shape`, () => {
    let seed = 100;
    for (const dim of DIMS) {
      const c = buildCase(dim, seed++);
      const enc = encodeAs(type, c.docs, dim);
      for (const nq of [1, 64, 33]) {
        if (dim === 768 && nq === 33) continue;
        const q = randomMatrix(nq, dim, rng(seed++), { normalize: dim > 1 });
        const ref = referenceScores(type, enc, q, nq, c, dim);
        for (const level of LEVELS) {
          m.setSimdLevel(level);
          const got = m.maxsimBatch(q, enc, c.offsets, dim);
          assert.is(got.length, c.lens.length);
          for (let d = 0; d < ref.length; d++) {
            const exact = type === 'binary';
            if (exact) assert.is(got[d], ref[d].score, `${type} ${level} dim=${dim} nq=${nq} doc=${d}`);
            else close(got[d], ref[d].score, ref[d].tol, `${type} ${level} dim=${dim} nq=${nq} doc=${d} (len ${c.lens[d]})`);
          }
        }
      }
    }
    m.setSimdLevel(LEVELS[LEVELS.length - 1]);
  });
}

test('every SIMD level gives bit-identical binary and near-identical int8 scores', () => {
  const dim = 128;
  const c = buildCase(dim, 7);
  const q = randomMatrix(32, dim, rng(8), { normalize: true });
  for (const type of ['int8', 'binary']) {
    const enc = encodeAs(type, c.docs, dim);
    const byLevel = LEVELS.map((l) => { m.setSimdLevel(l); return m.maxsimBatch(q, enc, c.offsets, dim); });
    for (let i = 1; i < byLevel.length; i++)
      for (let d = 0; d < c.lens.length; d++) close(byLevel[i][d], byLevel[0][d], 0, `${type} ${LEVELS[i]} vs scalar`);
  }
  m.setSimdLevel(LEVELS[LEVELS.length - 1]);
});

test('maxsim (single document) equals the batch entry', () => {
  const dim = 96;
  const c = buildCase(dim, 11);
  const q = randomMatrix(32, dim, rng(12), { normalize: true });
  const batch = m.maxsimBatch(q, c.docs, c.offsets, dim);
  for (let d = 0; d < c.lens.length; d++) {
    const one = m.maxsim(q, c.docs.subarray(c.offsets[d] * dim, c.offsets[d + 1] * dim), dim);
    assert.is(one, batch[d]);
  }
});

test('maxsimMatrix equals per-query batches, for every element type', () => {
  const dim = 130;
  const c = buildCase(dim, 21);
  const qlens = [1, 32, 7, 64];
  const qoff = new Uint32Array(qlens.length + 1);
  qlens.forEach((l, i) => { qoff[i + 1] = qoff[i] + l; });
  const queries = randomMatrix(qoff[qlens.length], dim, rng(22), { normalize: true });
  for (const type of ['f32', 'f16', 'bf16', 'int8', 'binary']) {
    const enc = encodeAs(type, c.docs, dim);
    const mat = m.maxsimMatrix(queries, qoff, enc, c.offsets, dim);
    assert.is(mat.length, qlens.length * c.lens.length);
    for (let qi = 0; qi < qlens.length; qi++) {
      const row = m.maxsimBatch(queries.subarray(qoff[qi] * dim, qoff[qi + 1] * dim), enc, c.offsets, dim);
      for (let d = 0; d < c.lens.length; d++) assert.is(mat[qi * c.lens.length + d], row[d], `${type} q${qi} d${d}`);
    }
  }
});

test('maxsimTopK is the exact top-k of the batch scores, ties by lower index', () => {
  const dim = 17;
  const rand = rng(31);
  const n = 500;
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + 1 + Math.floor(rand() * 9);
  const docs = randomMatrix(offsets[n], dim, rand);
  // Duplicate document 3 into slot 10 to force a tie.
  const q = randomMatrix(4, dim, rng(32));
  const scores = m.maxsimBatch(q, docs, offsets, dim);
  for (const k of [1, 10, 499, 500, 501, 10000]) {
    const r = m.maxsimTopK(q, docs, offsets, dim, k);
    const order = [...scores.keys()].sort((a, b) => scores[b] - scores[a] || a - b).slice(0, k);
    assert.equal([...r.indices], order, `k=${k}`);
    assert.equal([...r.scores], order.map((i) => scores[i]));
  }
  // Identical documents tie; the lower index ranks first.
  const twin = new Float32Array(dim * 2);
  twin.set(docs.subarray(0, dim), 0);
  twin.set(docs.subarray(0, dim), dim);
  const t = m.maxsimTopK(q, twin, new Uint32Array([0, 1, 2]), dim, 2);
  assert.equal([...t.indices], [0, 1]);
});

test('views at a byteOffset are read in place, not from the start of the buffer', () => {
  const dim = 128;
  const rand = rng(41);
  const backing = randomMatrix(300, dim, rand, { normalize: true });
  const docs = backing.subarray(37 * dim, 237 * dim); // 200 tokens at a non-zero byteOffset
  const offsets = new Uint32Array([0, 50, 50, 120, 200]);
  const q = backing.subarray(5 * dim, 37 * dim);
  const copyDocs = Float32Array.from(docs), copyQ = Float32Array.from(q);
  assert.equal(m.maxsimBatch(q, docs, offsets, dim), m.maxsimBatch(copyQ, copyDocs, offsets, dim));
  // Offsets and int8 scales as views too.
  const offBacking = new Uint32Array([9, 9, 0, 50, 50, 120, 200]);
  const enc = m.quantizeInt8(docs, dim);
  const scaleBacking = new Float32Array(enc.scales.length + 3);
  scaleBacking.set(enc.scales, 3);
  const viewEnc = { type: 'int8', data: enc.data, scales: scaleBacking.subarray(3), dim };
  assert.equal(m.maxsimBatch(q, viewEnc, offBacking.subarray(2), dim), m.maxsimBatch(copyQ, enc, offsets, dim));
});

test('async versions resolve to the same results off the main thread', async () => {
  const dim = 96;
  const c = buildCase(dim, 51);
  const q = randomMatrix(32, dim, rng(52), { normalize: true });
  const enc = m.quantizeInt8(c.docs, dim);
  assert.equal(await m.maxsimBatchAsync(q, c.docs, c.offsets, dim), m.maxsimBatch(q, c.docs, c.offsets, dim));
  assert.equal(await m.maxsimBatchAsync(q, enc, c.offsets, dim), m.maxsimBatch(q, enc, c.offsets, dim));
  const a = await m.maxsimTopKAsync(q, c.docs, c.offsets, dim, 5);
  const s = m.maxsimTopK(q, c.docs, c.offsets, dim, 5);
  assert.equal(a, s);
  const qoff = new Uint32Array([0, 10, 32]);
  assert.equal(await m.maxsimMatrixAsync(q, qoff, c.docs, c.offsets, dim), m.maxsimMatrix(q, qoff, c.docs, c.offsets, dim));
  // Many concurrent calls share the pool without interfering.
  const all = await Promise.all(Array.from({ length: 16 }, () => m.maxsimBatchAsync(q, c.docs, c.offsets, dim)));
  for (const r of all) assert.equal(r, m.maxsimBatch(q, c.docs, c.offsets, dim));
});

test('results do not depend on the thread count', () => {
  const dim = 128;
  const rand = rng(61);
  const n = 3000;
  const offsets = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + 1 + Math.floor(rand() * 30);
  const docs = randomMatrix(offsets[n], dim, rand, { normalize: true });
  const q = randomMatrix(32, dim, rand, { normalize: true });
  const before = m.capabilities().threads;
  m.setThreads(1);
  const one = m.maxsimBatch(q, docs, offsets, dim);
  m.setThreads(3);
  const three = m.maxsimBatch(q, docs, offsets, dim);
  m.setThreads(before);
  assert.equal(one, three);
});

test.run();
