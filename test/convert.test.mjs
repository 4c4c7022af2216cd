// Conversions against the JS reference, bit for bit, on every SIMD level.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as m from '../dist/index.js';
import { rng, floatToHalf, halfToFloat, floatToBf16, quantizeInt8Ref, binarizeRef } from './helpers/reference.mjs';

const LEVELS = m.supportedSimdLevels();

// Values that exercise rounding: random scales across many binades, half-way cases,
// subnormals, overflow, signed zeros, infinities.
function trickyValues(n, seed) {
  const rand = rng(seed);
  const out = [0, -0, 1, -1, 65504, 65519, 65520, 1e6, -1e6, 6e-8, 3e-8, 2.98e-8, 1e-5, 5.9604645e-8,
    1 + 2 ** -11, 1 + 3 * 2 ** -11, Infinity, -Infinity, 1.00390625, 3.4e38, 1e-40];
  while (out.length < n) out.push((rand() * 2 - 1) * 2 ** Math.floor(rand() * 40 - 25));
  return Float32Array.from(out);
}

for (const level of LEVELS) {
  test(`toF16 / f16 decode are exact round-to-nearest-even (${level})`, () => {
    m.setSimdLevel(level);
    const v = trickyValues(4099, 1);
    const h = m.toF16(v, 1);
    for (let i = 0; i < v.length; i++) assert.is(h.data[i], floatToHalf(v[i]), `toF16(${v[i]})`);
    const back = m.toF32(h);
    for (let i = 0; i < v.length; i++) assert.ok(Object.is(back[i], Math.fround(halfToFloat(h.data[i]))), `decode ${h.data[i]}`);
    // NaN stays NaN.
    assert.ok(Number.isNaN(m.toF32(m.toF16(new Float32Array([NaN]), 1))[0]));
  });

  test(`toBf16 is round-to-nearest-even (${level})`, () => {
    m.setSimdLevel(level);
    const v = trickyValues(4099, 2);
    const b = m.toBf16(v, 1);
    for (let i = 0; i < v.length; i++) assert.is(b.data[i], floatToBf16(v[i]), `toBf16(${v[i]})`);
    const back = m.toF32(b);
    for (let i = 0; i < v.length; i++) {
      const expect = new Float32Array(new Uint32Array([b.data[i] << 16]).buffer)[0];
      assert.ok(Object.is(back[i], expect));
    }
    assert.ok(Number.isNaN(m.toF32(m.toBf16(new Float32Array([NaN]), 1))[0]));
  });

  test(`quantizeInt8 matches the reference exactly (${level})`, () => {
    m.setSimdLevel(level);
    for (const dim of [1, 3, 17, 64, 128, 130, 768]) {
      const rand = rng(dim);
      const rows = 9;
      const v = new Float32Array(rows * dim);
      for (let i = 0; i < v.length; i++) v[i] = (rand() * 2 - 1) * (1 + (i % 5));
      v.fill(0, 0, dim); // an all-zero row gets scale 0
      const got = m.quantizeInt8(v, dim);
      const ref = quantizeInt8Ref(v, dim);
      assert.equal(got.data, ref.codes, `codes dim=${dim}`);
      assert.equal(got.scales, ref.scales, `scales dim=${dim}`);
      assert.is(got.scales[0], 0);
      // Decoding stays within half a step of the input.
      const dec = m.toF32(got);
      for (let r = 0; r < rows; r++)
        for (let k = 0; k < dim; k++)
          assert.ok(Math.abs(dec[r * dim + k] - v[r * dim + k]) <= got.scales[r] * 0.5 + 1e-6);
    }
  });

  test(`binarize matches the reference exactly (${level})`, () => {
    m.setSimdLevel(level);
    for (const dim of [1, 3, 8, 17, 64, 100, 128, 130, 768]) {
      const rand = rng(dim + 1000);
      const v = new Float32Array(5 * dim);
      for (let i = 0; i < v.length; i++) v[i] = rand() < 0.1 ? 0 : rand() * 2 - 1;
      assert.equal(m.binarize(v, dim).data, binarizeRef(v, dim), `dim=${dim}`);
    }
  });
}

test('conversions validate their arguments', () => {
  m.setSimdLevel(LEVELS[LEVELS.length - 1]);
  const codeOf = (fn) => { try { fn(); } catch (e) { assert.instance(e, m.MaxsimError); return e.code; } return 'none'; };
  assert.is(codeOf(() => m.toF16([1, 2], 1)), 'ERR_INVALID_ARGUMENT');
  assert.is(codeOf(() => m.toF16(new Float64Array(2), 1)), 'ERR_INVALID_ARGUMENT');
  assert.is(codeOf(() => m.quantizeInt8(new Float32Array(5), 2)), 'ERR_DIMENSION_MISMATCH');
  assert.is(codeOf(() => m.quantizeInt8(new Float32Array(4), 0)), 'ERR_INVALID_ARGUMENT');
  assert.is(codeOf(() => m.quantizeInt8(new Float32Array([1, NaN]), 2)), 'ERR_NON_FINITE');
  assert.is(codeOf(() => m.quantizeInt8(new Float32Array([1, Infinity]), 2)), 'ERR_NON_FINITE');
  assert.is(codeOf(() => m.binarize(new Float32Array([1, NaN]), 2)), 'ERR_NON_FINITE');
  // The check runs a block of 4,096 values at a time and names the first bad element exactly,
  // wherever it is: first, block edges, the last partial block; the earliest of two wins.
  for (const at of [0, 4095, 4096, 9000, 10239]) {
    const v = new Float32Array(10240).fill(0.5);
    v[at] = at % 2 ? -Infinity : NaN;
    if (at + 7 < v.length) v[at + 7] = NaN;
    let message = '';
    try { m.binarize(v, 8); } catch (e) { assert.is(e.code, 'ERR_NON_FINITE'); message = e.message; }
    assert.ok(message.includes(`element ${at}`), message);
  }
  assert.is(codeOf(() => m.toF32({ type: 'int4', data: new Uint8Array(2) })), 'ERR_INVALID_ARGUMENT');
});

test.run();
