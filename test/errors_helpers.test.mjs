// The evaluation helpers and data loaders are public too: bad arguments get a MaxsimError naming
// them, not a TypeError from deep inside, a silently wrong metric, a hang, or (for a number
// passed as a path, which fs reads as a file descriptor) a read of stdin.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as m from '../dist/index.js';
import { fails } from './helpers/fails.mjs';

const qrels = new Map([['q1', new Map([['d1', 1], ['d2', 2]])], ['q2', new Map([['d3', 1]])]]);
const results = new Map([['q1', ['d2', 'd1', 'd9']], ['q2', ['d8', 'd3']]]);

test('ndcgAtK and meanAveragePrecision check their arguments', () => {
  // Good input still gives the standard values (q1 ideal order; q2 hit at rank 2).
  const ndcg = m.ndcgAtK(results, qrels, 10);
  assert.ok(Math.abs(ndcg - (1 + 1 / Math.log2(3) / 1) / 2) < 1e-12, String(ndcg));
  assert.ok(Math.abs(m.meanAveragePrecision(results, qrels) - (1 + 0.5) / 2) < 1e-12);
  for (const k of [0, -1, 1.5, NaN, '10', undefined]) fails(() => m.ndcgAtK(results, qrels, k), 'ERR_INVALID_ARGUMENT', 'k');
  for (const bad of [null, [], {}, 'x']) {
    fails(() => m.ndcgAtK(bad, qrels, 10), 'ERR_INVALID_ARGUMENT', 'results');
    fails(() => m.ndcgAtK(results, bad, 10), 'ERR_INVALID_ARGUMENT', 'qrels');
    fails(() => m.meanAveragePrecision(bad, qrels), 'ERR_INVALID_ARGUMENT', 'results');
    fails(() => m.meanAveragePrecision(results, bad), 'ERR_INVALID_ARGUMENT', 'qrels');
  }
  fails(() => m.ndcgAtK(results, new Map([['q1', ['d1']]]), 10), 'ERR_INVALID_ARGUMENT', 'qrels entry "q1"');
  fails(() => m.ndcgAtK(new Map([['q1', 'd1']]), qrels, 10), 'ERR_INVALID_ARGUMENT', 'results entry "q1"');
  fails(() => m.meanAveragePrecision(new Map([['q2', 7]]), qrels), 'ERR_INVALID_ARGUMENT', 'results entry "q2"');
});

test('recallAtK and recallAgainst refuse mismatched or empty lists instead of returning 0', () => {
  assert.is(m.recallAtK([[1, 2, 3]], [[3, 2, 7]], 3), 2 / 3);
  assert.is(m.recallAtK([Uint32Array.of(1, 2)], [Float64Array.of(2, 1)], 2), 1);
  fails(() => m.recallAtK([[1]], [[1], [2]], 10), 'ERR_INVALID_ARGUMENT', 'exact');
  fails(() => m.recallAtK([], [], 10), 'ERR_INVALID_ARGUMENT', 'approx');
  fails(() => m.recallAtK([[1]], [[1]], 0), 'ERR_INVALID_ARGUMENT', 'k');
  fails(() => m.recallAtK([null], [[1]], 1), 'ERR_INVALID_ARGUMENT', 'approx[0]');
  fails(() => m.recallAtK([[1]], [5], 1), 'ERR_INVALID_ARGUMENT', 'exact[0]');
  const found = [{ ids: [1, 2] }, { ids: ['a'] }];
  assert.is(m.recallAgainst(found, [{ ids: [2, 9] }, { ids: ['a'] }], 2), (0.5 + 1) / 2);
  fails(() => m.recallAgainst(found, [{ ids: [1] }], 2), 'ERR_INVALID_ARGUMENT', 'found');
  fails(() => m.recallAgainst(found, found, -3), 'ERR_INVALID_ARGUMENT', 'k');
  fails(() => m.recallAgainst([{}], [{ ids: [1] }], 1), 'ERR_INVALID_ARGUMENT', 'found[0].ids');
  fails(() => m.recallAgainst(found, 'x', 1), 'ERR_INVALID_ARGUMENT', 'truth');
});

test('data loaders: a path must be a string, and an unreadable file is ERR_IO naming it', () => {
  for (const bad of [0, 1, 2.5, null, {}, '', Buffer.from('x')]) {
    fails(() => m.readQrels(bad), 'ERR_INVALID_ARGUMENT', 'file');
    fails(() => m.readFvecs(bad), 'ERR_INVALID_ARGUMENT', 'file');
    fails(() => m.readIvecs(bad), 'ERR_INVALID_ARGUMENT', 'file');
    fails(() => m.loadBeir(bad), 'ERR_INVALID_ARGUMENT', 'folder');
  }
  fails(() => m.loadBeir('.', 3), 'ERR_INVALID_ARGUMENT', 'split');
  fails(() => m.loadSciFact(7), 'ERR_INVALID_ARGUMENT', 'dir');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-load-'));
  try {
    const missing = path.join(dir, 'none.tsv');
    fails(() => m.readQrels(missing), 'ERR_IO', missing);
    fails(() => m.readFvecs(dir), 'ERR_IO', dir);  // a folder
    fails(() => m.loadBeir(dir), 'ERR_IO', 'corpus.jsonl');
    fails(() => m.loadColbertNanoFiqa(dir), 'ERR_IO', 'manifest.json');
    fs.writeFileSync(path.join(dir, 'q.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\n');
    assert.equal(m.readQrels(path.join(dir, 'q.tsv')), new Map([['q1', new Map([['d1', 1]])]]));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('small helpers: bytesPerToken, normalizeRows, words, splitSentences, embedTexts', () => {
  assert.is(m.bytesPerToken('int8', 128), 132);
  fails(() => m.bytesPerToken('f64', 128), 'ERR_INVALID_ARGUMENT', 'type');
  fails(() => m.bytesPerToken('f32', 0), 'ERR_INVALID_ARGUMENT', 'dim');
  const v = Float32Array.of(3, 4, 0, 0);
  assert.equal(Array.from(m.normalizeRows(v, 2)), [0.6000000238418579, 0.800000011920929, 0, 0]);
  // dim 2^53 used to loop (effectively) forever over a 2-row array.
  fails(() => m.normalizeRows(new Float32Array(4), 2 ** 53), 'ERR_INVALID_ARGUMENT', 'dim');
  fails(() => m.normalizeRows(new Float32Array(5), 2), 'ERR_DIMENSION_MISMATCH', 'multiple of dim');
  fails(() => m.normalizeRows([1, 2], 2), 'ERR_INVALID_ARGUMENT', 'v');
  assert.equal(m.words("Don't stop-now 42"), ["don't", 'stop-now', '42']);
  fails(() => m.words(42), 'ERR_INVALID_ARGUMENT', 'text');
  assert.equal(m.splitSentences('One here. Two there! 3 more?'), ['One here.', 'Two there!', '3 more?']);
  fails(() => m.splitSentences(null), 'ERR_INVALID_ARGUMENT', 'text');
  fails(() => m.embedTexts('abc', ['a']), 'ERR_INVALID_ARGUMENT', 'texts');
  fails(() => m.embedTexts(['abc', 'def'], ['a']), 'ERR_INVALID_ARGUMENT', 'ids');
});

test('maxsimResidual refuses something that is not a ResidualCodec before using it', () => {
  for (const bad of [null, undefined, {}, { checkCodes: () => ({ ids: new Uint32Array(0) }) }])
    fails(() => m.maxsimResidual(bad, new Float32Array(4), { ids: new Uint32Array(0), residuals: new Uint8Array(0) }), 'ERR_INVALID_ARGUMENT', 'codec');
});

test('HnswIndex options must be objects: null or a number is ERR_INVALID_ARGUMENT, not a TypeError', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-opts-'));
  try {
    const h = new m.HnswIndex({ dim: 4, metric: 'l2' });
    const v = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
    h.add(v, Array.from({ length: 10 }, (_, i) => i));
    const q = v.subarray(0, 4);
    for (const bad of [null, 3, 'ef', [1]]) {
      fails(() => h.search(q, 2, bad), 'ERR_INVALID_ARGUMENT', 'options');
      fails(() => h.searchBatch(q, 2, bad), 'ERR_INVALID_ARGUMENT', 'options');
      for (const p of [h.searchAsync(q, 2, bad), h.searchBatchAsync(q, 2, bad), h.addAsync(q, [99], bad)]) {
        const e = await p.then(() => null, (err) => err);
        assert.instance(e, m.MaxsimError);
        assert.is(e.code, 'ERR_INVALID_ARGUMENT', e.message);
      }
    }
    assert.is(h.search(q, 1, {}).ids[0], 0n);
    const file = path.join(dir, 'h.hnsw');
    h.save(file);
    fails(() => m.HnswIndex.load(file, null), 'ERR_INVALID_ARGUMENT', 'options');
    const e = await m.HnswIndex.loadAsync(file, 7).then(() => null, (err) => err);
    assert.is(e && e.code, 'ERR_INVALID_ARGUMENT');
    assert.is(m.HnswIndex.load(file).size, 10);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('loadSciFactSentences checks its options before building (documents: Infinity never ended)', () => {
  fails(() => m.loadSciFactSentences(null), 'ERR_INVALID_ARGUMENT', 'options');
  fails(() => m.loadSciFactSentences({ documents: Infinity }), 'ERR_INVALID_ARGUMENT', 'documents');
  fails(() => m.loadSciFactSentences({ documents: 0 }), 'ERR_INVALID_ARGUMENT', 'documents');
  fails(() => m.loadSciFactSentences({ minWords: -1 }), 'ERR_INVALID_ARGUMENT', 'minWords');
  fails(() => m.loadSciFactSentences({ seed: 0.5 }), 'ERR_INVALID_ARGUMENT', 'seed');
});

test.run();
