// Bad input gets a MaxsimError with a stable code and a message naming the argument; nothing
// crashes, hangs or returns a silently wrong answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as m from '../dist/index.js';
import { fails } from './helpers/fails.mjs';

const dim = 4;
const q = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0]);
const docs = new Float32Array(5 * dim).fill(0.5);
const offsets = new Uint32Array([0, 2, 5]);

async function rejects(p, code) {
  try {
    await p();
  } catch (e) {
    assert.instance(e, m.MaxsimError);
    assert.is(e.code, code, e.message);
    return;
  }
  assert.unreachable(`expected rejection ${code}`);
}

test('dimension mismatches', () => {
  fails(() => m.maxsimBatch(new Float32Array(7), docs, offsets, dim), 'ERR_DIMENSION_MISMATCH', 'query');
  fails(() => m.maxsimBatch(q, new Float32Array(19), offsets, dim), 'ERR_DIMENSION_MISMATCH', 'documents');
  fails(() => m.maxsim(q, new Float32Array(3), dim), 'ERR_DIMENSION_MISMATCH', 'document');
  fails(() => m.maxsimBatch(q, m.toF16(docs, dim), offsets, 8), 'ERR_DIMENSION_MISMATCH', 'dim');
  const i8 = m.quantizeInt8(docs, dim);
  fails(() => m.maxsimBatch(q, { ...i8, scales: i8.scales.subarray(1) }, offsets, dim), 'ERR_DIMENSION_MISMATCH', 'scales');
  fails(() => m.maxsimBatch(q, { type: 'binary', data: new Uint8Array(3), dim: 17 }, new Uint32Array([0, 1]), 17), 'ERR_DIMENSION_MISMATCH');
});

test('bad dim, k and types', () => {
  for (const bad of [0, -1, 1.5, NaN, '4', undefined, 1e9]) fails(() => m.maxsimBatch(q, docs, offsets, bad), 'ERR_INVALID_ARGUMENT', 'dim');
  for (const k of [0, -3, 1.5, NaN, Infinity, '3', undefined]) fails(() => m.maxsimTopK(q, docs, offsets, dim, k), 'ERR_INVALID_ARGUMENT', 'k');
  fails(() => m.maxsimBatch([1, 0, 0, 0], docs, offsets, dim), 'ERR_INVALID_ARGUMENT', 'query');
  fails(() => m.maxsimBatch(new Float64Array(4), docs, offsets, dim), 'ERR_INVALID_ARGUMENT', 'query');
  fails(() => m.maxsimBatch(q, new Uint8Array(20), offsets, dim), 'ERR_INVALID_ARGUMENT', 'documents');
  fails(() => m.maxsimBatch(q, { type: 'f16', data: new Float32Array(20), dim }, offsets, dim), 'ERR_INVALID_ARGUMENT', 'documents.data');
  fails(() => m.maxsimBatch(q, { type: 'int3', data: new Uint8Array(20), dim }, offsets, dim), 'ERR_INVALID_ARGUMENT', 'documents.type');
  fails(() => m.maxsimBatch(q, null, offsets, dim), 'ERR_INVALID_ARGUMENT', 'documents');
  fails(() => m.maxsimBatch(q, docs, [0, 2, 5], dim), 'ERR_INVALID_ARGUMENT', 'offsets');
  fails(() => m.setThreads(0), 'ERR_INVALID_ARGUMENT', 'n');
  fails(() => m.setSimdLevel('avx9000'), 'ERR_INVALID_ARGUMENT', 'level');
  // A misaligned f32 view cannot be made in JS; bytes reinterpreted by the caller are refused.
  fails(() => m.maxsimBatch(q, new Uint8Array(docs.buffer, 1, 16), offsets, dim), 'ERR_INVALID_ARGUMENT', 'documents');
});

test('offsets that are not monotone, do not start at 0, or run past the end', () => {
  fails(() => m.maxsimBatch(q, docs, new Uint32Array([0, 3, 2, 5]), dim), 'ERR_BAD_OFFSETS', 'non-decreasing');
  fails(() => m.maxsimBatch(q, docs, new Uint32Array([1, 5]), dim), 'ERR_BAD_OFFSETS', 'offsets[0]');
  fails(() => m.maxsimBatch(q, docs, new Uint32Array([0, 2, 6]), dim), 'ERR_BAD_OFFSETS', 'token count');
  fails(() => m.maxsimBatch(q, docs, new Uint32Array([0, 2, 4]), dim), 'ERR_BAD_OFFSETS', 'token count');
  fails(() => m.maxsimBatch(q, docs, new Uint32Array([]), dim), 'ERR_BAD_OFFSETS');
  fails(() => m.maxsimBatch(q, docs, new Uint32Array([0, 0xffffffff]), dim), 'ERR_BAD_OFFSETS');
  fails(() => m.maxsimMatrix(q, new Uint32Array([0, 1, 3]), docs, offsets, dim), 'ERR_BAD_OFFSETS', 'queryOffsets');
});

test('NaN and Infinity in queries, documents, or int8 scales', () => {
  const nanQ = q.slice(); nanQ[3] = NaN;
  fails(() => m.maxsimBatch(nanQ, docs, offsets, dim), 'ERR_NON_FINITE', 'query');
  const infQ = q.slice(); infQ[0] = -Infinity;
  fails(() => m.maxsim(infQ, docs, dim), 'ERR_NON_FINITE', 'query');
  for (const level of m.supportedSimdLevels()) {
    m.setSimdLevel(level);
    for (const bad of [NaN, Infinity, -Infinity]) {
      const d = docs.slice(); d[13] = bad; // document 1, token 1
      fails(() => m.maxsimBatch(q, d, offsets, dim), 'ERR_NON_FINITE', 'document 1');
      fails(() => m.maxsimTopK(q, d, offsets, dim, 1), 'ERR_NON_FINITE');
      fails(() => m.maxsimBatch(q, m.toF16(d, dim), offsets, dim), 'ERR_NON_FINITE');
      fails(() => m.maxsimBatch(q, m.toBf16(d, dim), offsets, dim), 'ERR_NON_FINITE');
    }
    // NaN in a query column that is zero still poisons the score and is caught.
    const d = docs.slice(); d[1] = NaN;
    fails(() => m.maxsimBatch(new Float32Array([1, 0, 0, 0]), d, offsets, dim), 'ERR_NON_FINITE');
  }
  const i8 = m.quantizeInt8(docs, dim);
  const scales = i8.scales.slice(); scales[2] = NaN;
  fails(() => m.maxsimBatch(q, { ...i8, scales }, offsets, dim), 'ERR_NON_FINITE', 'scale');
  scales[2] = -1;
  fails(() => m.maxsimBatch(q, { ...i8, scales }, offsets, dim), 'ERR_NON_FINITE', 'scale');
});

test('finite scores near the f32 limit are returned; a score that overflows is refused', () => {
  // Six tokens whose dots with the query are each 1e38: the kernels' NaN check used to sum the
  // dots (6e38, Infinity) and refuse this finite score. Four such query rows sum past 3.4e38.
  const d4 = 4;
  const big = new Float32Array(6 * d4);
  for (let t = 0; t < 6; t++) big[t * d4] = 1e19;
  const bigOffsets = new Uint32Array([0, 6]);
  const q1 = new Float32Array([1e19, 0, 0, 0]);
  const q4 = new Float32Array(4 * d4);
  for (let t = 0; t < 4; t++) q4[t * d4] = 1e19;
  const expected = Math.fround(1e19) * Math.fround(1e19);
  for (const level of m.supportedSimdLevels()) {
    m.setSimdLevel(level);
    for (const [kind, docs] of [['f32', big], ['bf16', m.toBf16(big, d4)]]) {
      const s = m.maxsimBatch(q1, docs, bigOffsets, d4)[0];
      // bf16 keeps 8 bits; the AVX-512 BF16 kernel rounds the query to bf16 as well.
      assert.ok(Math.abs(s - expected) / expected < (kind === 'f32' ? 1e-6 : 1e-2), `${level} ${kind}: ${s}`);
      fails(() => m.maxsimBatch(q4, docs, bigOffsets, d4), 'ERR_NON_FINITE', 'overflow f32');
    }
    assert.ok(Math.abs(m.maxsim(q1, big, d4) - expected) / expected < 1e-6, level);
    fails(() => m.maxsim(q4, big, d4), 'ERR_NON_FINITE', 'overflow f32');
  }
  m.setSimdLevel(m.supportedSimdLevels().at(-1));
});

test('empty queries', () => {
  fails(() => m.maxsimBatch(new Float32Array(0), docs, offsets, dim), 'ERR_EMPTY_QUERY', 'query');
  fails(() => m.maxsim(new Float32Array(0), docs, dim), 'ERR_EMPTY_QUERY');
  fails(() => m.maxsimMatrix(q, new Uint32Array([0, 0, 2]), docs, offsets, dim), 'ERR_EMPTY_QUERY', 'query 0');
});

test('empty collections and empty documents are valid', () => {
  assert.equal([...m.maxsimBatch(q, new Float32Array(0), new Uint32Array([0]), dim)], []);
  const r = m.maxsimTopK(q, new Float32Array(0), new Uint32Array([0]), dim, 3);
  assert.is(r.indices.length, 0);
  const s = m.maxsimBatch(q, docs, new Uint32Array([0, 0, 5, 5]), dim);
  assert.is(s[0], -Infinity);
  assert.is(s[2], -Infinity);
  assert.ok(Number.isFinite(s[1]));
});

test('async calls reject with MaxsimError instead of throwing', async () => {
  await rejects(() => m.maxsimBatchAsync(new Float32Array(7), docs, offsets, dim), 'ERR_DIMENSION_MISMATCH');
  await rejects(() => m.maxsimTopKAsync(q, docs, offsets, dim, 0), 'ERR_INVALID_ARGUMENT');
  const d = docs.slice(); d[5] = NaN;
  await rejects(() => m.maxsimBatchAsync(q, d, offsets, dim), 'ERR_NON_FINITE');
  await rejects(() => m.maxsimMatrixAsync(q, new Uint32Array([0, 2]), d, offsets, dim), 'ERR_NON_FINITE');
});

test('errors carry the MaxsimError name and are Error instances', () => {
  try { m.maxsimBatch(q, docs, offsets, 0); } catch (e) {
    assert.instance(e, Error);
    assert.is(e.name, 'MaxsimError');
    return;
  }
  assert.unreachable();
});

test.run();
