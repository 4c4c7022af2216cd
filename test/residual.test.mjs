import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  ResidualCodec, maxsimResidual, maxsimResidualBatch, maxsimResidualBatchAsync, maxsimResidualTopK, maxsimResidualTopKAsync,
  maxsimBatch, loadColbertNanoFiqa, meanAveragePrecision, supportedSimdLevels, setSimdLevel, capabilities, MaxsimError,
} from '../dist/index.js';

const { documents: docs, queries, qrels } = loadColbertNanoFiqa();
const D = docs.dim, nDocs = docs.offsets.length - 1;
const codec = ResidualCodec.train(docs.tokens, D, { nbits: 2, seed: 1 });
const codes = codec.encode(docs.tokens);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-res-'));
function query(i) { return queries.tokens.subarray(queries.offsets[i] * D, queries.offsets[i + 1] * D); }
function code(fn) { try { fn(); } catch (e) { assert.instance(e, MaxsimError); return e.code; } return 'none'; }

test('ColBERTv2 sizes: 2^floor(log2(16·sqrt(n))) centroids, 4 + dim·nbits/8 bytes per token', () => {
  assert.is(codec.ncentroids, 1024);  // 16·sqrt(4430) = 1065
  assert.is(codec.residualBytes, 32);
  assert.is(codec.bytesPerToken, 36);
  const t = codec.tables;
  assert.is(t.cutoffs.length, 3);
  assert.is(t.weights.length, 4);
  for (let i = 1; i < 3; i++) assert.ok(t.cutoffs[i] >= t.cutoffs[i - 1]);
  for (let i = 0; i < 3; i++) assert.ok(t.weights[i] <= t.cutoffs[i] && t.cutoffs[i] <= t.weights[i + 1]);
  for (let c = 0; c < 20; c++) {
    let s = 0;
    for (let k = 0; k < D; k++) s += t.centroids[c * D + k] ** 2;
    assert.ok(Math.abs(s - 1) < 1e-4);
  }
});

test('encode/decode match a JS reference (nearest centroid by inner product, quantile buckets)', () => {
  for (const nbits of [1, 2, 4]) {
    const c = nbits === 2 ? codec : ResidualCodec.train(docs.tokens, D, { nbits, ncentroids: 64, seed: 2 });
    const t = c.tables, C = c.ncentroids, rb = c.residualBytes;
    const x = docs.tokens.subarray(0, 40 * D);
    const enc = c.encode(x);
    const dec = c.decode(enc);
    for (let i = 0; i < 40; i++) {
      const dots = [];
      for (let j = 0; j < C; j++) { let s = 0; for (let k = 0; k < D; k++) s += x[i * D + k] * t.centroids[j * D + k]; dots.push(s); }
      assert.ok(dots[enc.ids[i]] >= Math.max(...dots) - 1e-5);
      for (let k = 0; k < D; k++) {
        const r = x[i * D + k] - t.centroids[enc.ids[i] * D + k];
        let bucket = 0;
        while (bucket < t.cutoffs.length && t.cutoffs[bucket] <= r) bucket++;
        const bit = k * nbits;
        assert.is((enc.residuals[i * rb + (bit >> 3)] >> (bit & 7)) & ((1 << nbits) - 1), bucket, `nbits ${nbits} token ${i} dim ${k}`);
        assert.ok(Math.abs(dec[i * D + k] - (t.centroids[enc.ids[i] * D + k] + t.weights[bucket])) < 1e-6);
      }
    }
  }
});

test('pooled quantiles: each bucket holds about 1/B of the residual coordinates', () => {
  const t = codec.tables;
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < codes.ids.length; i++)
    for (let k = 0; k < D; k++) counts[(codes.residuals[i * 32 + (k >> 2)] >> ((k & 3) * 2)) & 3]++;
  const total = codes.ids.length * D;
  for (const c of counts) assert.ok(Math.abs(c / total - 0.25) < 0.02, `bucket share ${c / total}`);
  assert.ok(t.weights[0] < 0 && t.weights[3] > 0);
});

test('MaxSim: tables (no decoding) equal decoding, which equals exact MaxSim of the decoded tokens', () => {
  const dec = codec.decode(codes);
  for (let qi = 0; qi < 5; qi++) {
    const q = query(qi);
    const a = maxsimResidualBatch(codec, q, codes, docs.offsets, 'tables');
    const b = maxsimResidualBatch(codec, q, codes, docs.offsets, 'decode');
    const c = maxsimBatch(q, dec, docs.offsets, D);
    for (let d = 0; d < nDocs; d++) {
      assert.ok(Math.abs(a[d] - b[d]) < 1e-4 * Math.abs(b[d]) + 1e-4, `doc ${d}: ${a[d]} vs ${b[d]}`);
      assert.ok(Math.abs(b[d] - c[d]) < 1e-5 * Math.abs(c[d]) + 1e-5);
    }
  }
});

test('residual MaxSim keeps a relevant document first on ColBERT NanoFiQA', () => {
  for (const nbits of [1, 2, 4]) {
    const c = nbits === 2 ? codec : ResidualCodec.train(docs.tokens, D, { nbits, seed: 1 });
    const cc = nbits === 2 ? codes : c.encode(docs.tokens);
    const results = new Map();
    let first = 0;
    for (let qi = 0; qi < 5; qi++) {
      const t = maxsimResidualTopK(c, query(qi), cc, docs.offsets, nDocs);
      const ranked = Array.from(t.indices, (d) => docs.ids[d]);
      results.set(queries.ids[qi], ranked);
      if ((qrels.get(queries.ids[qi])?.get(ranked[0]) ?? 0) > 0) first++;
    }
    const map = meanAveragePrecision(results, qrels);
    console.log(`    residual ${nbits}-bit (${c.bytesPerToken} B/token): relevant first ${first}/5, MAP ${map.toFixed(3)} (exact 0.917)`);
    assert.is(first, 5);
    assert.ok(map >= 0.917 - 0.05, `MAP ${map}`);
  }
});

test('SIMD levels agree on table scores; async and single forms agree', async () => {
  const q = query(3);
  setSimdLevel('scalar');
  const ref = maxsimResidualBatch(codec, q, codes, docs.offsets);
  for (const level of supportedSimdLevels()) {
    setSimdLevel(level);
    // The residual tables add in the same order on every level, but the centroid scores come
    // from the dispatched dot kernel (FMA, other summation order): agreement to float rounding.
    const s = maxsimResidualBatch(codec, q, codes, docs.offsets);
    for (let d = 0; d < nDocs; d++) assert.ok(Math.abs(s[d] - ref[d]) < 1e-5 * Math.abs(ref[d]) + 1e-6, `${level} doc ${d}`);
  }
  setSimdLevel(capabilities().bestSimd);
  const best = maxsimResidualBatch(codec, q, codes, docs.offsets);
  assert.equal(Array.from(await maxsimResidualBatchAsync(codec, q, codes, docs.offsets)), Array.from(best));
  const top = await maxsimResidualTopKAsync(codec, q, codes, docs.offsets, 3, 'decode');
  assert.is(top.indices.length, 3);
  const b = docs.offsets[5], e = docs.offsets[6];
  const one = maxsimResidual(codec, q, { ids: codes.ids.subarray(b, e), residuals: codes.residuals.subarray(b * 32, e * 32) });
  assert.ok(Math.abs(one - best[5]) < 1e-5 * Math.abs(one));
});

test('save/load round trip; corrupted files rejected; trainAsync progress', async () => {
  const file = path.join(tmp, 'res.bin');
  codec.save(file);
  const back = ResidualCodec.load(file);
  const again = back.encode(docs.tokens.subarray(0, 100 * D));
  assert.equal(Array.from(again.ids), Array.from(codes.ids.subarray(0, 100)));
  assert.equal(Array.from(again.residuals), Array.from(codes.residuals.subarray(0, 3200)));
  const bytes = fs.readFileSync(file);
  for (const cut of [5, 36, bytes.length - 3]) {
    fs.writeFileSync(file + '.bad', bytes.subarray(0, cut));
    assert.is(code(() => ResidualCodec.load(file + '.bad')), 'ERR_CORRUPT_FILE');
  }
  for (const pos of [9, 33, 5000, bytes.length - 1]) {
    const b = Buffer.from(bytes); b[pos] ^= 0x10;
    fs.writeFileSync(file + '.bad', b);
    assert.is(code(() => ResidualCodec.load(file + '.bad')), 'ERR_CORRUPT_FILE');
  }
  const seen = [];
  const a = await ResidualCodec.trainAsync(docs.tokens, D, { nbits: 1, ncentroids: 128, seed: 4, onProgress: (f, s) => seen.push([f, s]) });
  const s = ResidualCodec.train(docs.tokens, D, { nbits: 1, ncentroids: 128, seed: 4 });
  assert.equal(Array.from(a.tables.centroids), Array.from(s.tables.centroids));
  assert.equal(seen[seen.length - 1], [1, 'done']);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0]);
});

test('bad arguments give MaxsimError codes', () => {
  const q = query(0);
  const badIds = Uint32Array.from(codes.ids); badIds[10] = 5000;
  assert.is(code(() => maxsimResidualBatch(codec, q, { ids: badIds, residuals: codes.residuals }, docs.offsets)), 'ERR_INVALID_ARGUMENT');
  assert.is(code(() => codec.decode({ ids: badIds, residuals: codes.residuals })), 'ERR_INVALID_ARGUMENT');
  assert.is(code(() => maxsimResidualBatch(codec, q, { ids: codes.ids, residuals: codes.residuals.subarray(1) }, docs.offsets)), 'ERR_DIMENSION_MISMATCH');
  assert.is(code(() => maxsimResidualBatch(codec, q, codes, docs.offsets, 'fast')), 'ERR_INVALID_ARGUMENT');
  assert.is(code(() => maxsimResidualBatch(codec, q, codes, Uint32Array.of(0, 3))), 'ERR_BAD_OFFSETS');
  assert.is(code(() => ResidualCodec.train(docs.tokens, D, { nbits: 3 })), 'ERR_INVALID_ARGUMENT');
  const e = (() => { try { ResidualCodec.train(docs.tokens.subarray(0, 50 * D), D, { ncentroids: 64 }); } catch (x) { return x; } })();
  assert.is(e.code, 'ERR_INVALID_ARGUMENT');
  assert.match(e.message, /got 50/);
  assert.is(ResidualCodec.train(docs.tokens.subarray(0, 50 * D), D, { ncentroids: 64, allowFewer: true }).ncentroids, 50);
});

test.after(() => fs.rmSync(tmp, { recursive: true, force: true }));
test.run();
