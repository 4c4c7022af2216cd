// MultiVectorIndex on real embeddings: the ColBERTv2 NanoFiQA fixtures (ranking against a plain-JS
// MaxSim) and SciFact-GloVe (5,183 documents, ~1M tokens, 300 queries: exact f32 nDCG@10 against
// a plain-JS reference over the full query set).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MultiVectorIndex, loadColbertNanoFiqa, loadSciFactGlove, ndcgAtK, setThreads, capabilities } from '../dist/index.js';
import { maxsimJs, rank } from './mvindex_helpers.mjs';

test('ColBERT NanoFiQA: exact search returns the plain-JS MaxSim ranking, relevant document first', () => {
  const { documents: d, queries: q, qrels } = loadColbertNanoFiqa();
  const dim = d.dim;
  for (const storage of ['f32', 'f16']) {
    const ix = new MultiVectorIndex({ dim, storage });
    ix.add(d.ids, d.tokens, d.offsets);
    assert.is(ix.size, 35);
    for (let qi = 0; qi < q.ids.length; qi++) {
      const qt = q.tokens.subarray(q.offsets[qi] * dim, q.offsets[qi + 1] * dim);
      const ref = d.ids.map((_, i) => maxsimJs(qt, d.tokens.subarray(d.offsets[i] * dim, d.offsets[i + 1] * dim), dim));
      const order = rank(ref).map((i) => d.ids[i]);
      const res = ix.search(qt, { k: 100 });
      assert.is(res.ids.length, 35);
      const tol = storage === 'f32' ? 1e-4 : 2e-2;
      for (let r = 0; r < 35; r++) {
        const i = d.ids.indexOf(res.ids[r]);
        assert.ok(Math.abs(res.scores[r] - ref[i]) < tol, `${storage} q${qi} rank ${r}: ${res.scores[r]} vs ${ref[i]}`);
        if (storage === 'f32') assert.is(res.ids[r], order[r], `q${qi} rank ${r}`);
      }
      assert.ok((qrels.get(q.ids[qi])?.get(res.ids[0]) ?? 0) > 0, `q${qi}: a relevant document ranks first`);
    }
  }
});

// Plain-JS exact MaxSim over SciFact-GloVe, made affordable by memoisation only: every token is a
// GloVe word vector, so equal words are equal rows. Similarities are computed once per distinct
// (query word, corpus word) pair in float64; each query-document score is then
// sum_i max over the document's distinct words of sim[i][w] -- exactly MaxSim.
function sciFactReference(docs, queries) {
  const dim = docs.dim;
  const keyOf = (u32, r) => `${u32[r * dim]},${u32[r * dim + 1]},${u32[r * dim + 2]},${u32[r * dim + 3]}`;
  const dedupe = (set, rowsMap, rows) => {
    const u32 = new Uint32Array(set.tokens.buffer, set.tokens.byteOffset, set.tokens.length);
    const ids = new Int32Array(set.tokens.length / dim);
    for (let r = 0; r < ids.length; r++) {
      const key = keyOf(u32, r);
      let list = rowsMap.get(key);
      if (!list) rowsMap.set(key, (list = []));
      let found = -1;
      for (const u of list) {
        let same = true;
        for (let k = 0; k < dim && same; k++) same = rows[u][k] === set.tokens[r * dim + k];
        if (same) { found = u; break; }
      }
      if (found < 0) {
        found = rows.length;
        rows.push(set.tokens.subarray(r * dim, (r + 1) * dim));
        list.push(found);
      }
      ids[r] = found;
    }
    return ids;
  };
  const words = [];
  const docIds = dedupe(docs, new Map(), words);
  const qWords = [];
  const qIds = dedupe(queries, new Map(), qWords);
  const nd = docs.offsets.length - 1;
  const docWords = [];
  for (let i = 0; i < nd; i++) docWords.push(Int32Array.from(new Set(docIds.subarray(docs.offsets[i], docs.offsets[i + 1]))));
  // sim (distinct query words, distinct corpus words)
  const nw = words.length;
  const flat = new Float64Array(nw * dim);
  words.forEach((w, i) => { for (let k = 0; k < dim; k++) flat[i * dim + k] = w[k]; });
  const sim = qWords.map((qw) => {
    const s = new Float64Array(nw);
    for (let u = 0; u < nw; u++) {
      let acc = 0;
      const o = u * dim;
      for (let k = 0; k < dim; k++) acc += qw[k] * flat[o + k];
      s[u] = acc;
    }
    return s;
  });
  const results = new Map();
  const nq = queries.offsets.length - 1;
  for (let qi = 0; qi < nq; qi++) {
    const rows = [];
    for (let t = queries.offsets[qi]; t < queries.offsets[qi + 1]; t++) rows.push(sim[qIds[t]]);
    const scores = new Float64Array(nd);
    for (let i = 0; i < nd; i++) {
      const dw = docWords[i];
      if (dw.length === 0) { scores[i] = -Infinity; continue; }
      let total = 0;
      for (const s of rows) {
        let best = -Infinity;
        for (let j = 0; j < dw.length; j++) if (s[dw[j]] > best) best = s[dw[j]];
        total += best;
      }
      scores[i] = total;
    }
    // top 10, best first, ties by document order
    const top = [];
    for (let i = 0; i < nd; i++) {
      if (top.length < 10 || scores[i] > scores[top[top.length - 1]]) {
        let p = top.length;
        while (p > 0 && scores[top[p - 1]] < scores[i]) p--;
        top.splice(p, 0, i);
        if (top.length > 10) top.pop();
      }
    }
    results.set(queries.ids[qi], { ids: top.map((i) => docs.ids[i]), scores: top.map((i) => scores[i]) });
  }
  return results;
}

test('SciFact-GloVe: exact f32 nDCG@10 over all 300 queries equals the plain-JS reference to 4 decimals', () => {
  const { documents: d, queries: q, qrels } = loadSciFactGlove();
  assert.is(d.ids.length, 5183);
  assert.is(q.ids.length, 300);
  const ix = new MultiVectorIndex({ dim: d.dim, idType: 'string' });
  ix.add(d.ids, d.tokens, d.offsets);
  assert.is(ix.stats().tokens, d.offsets[d.offsets.length - 1]);
  setThreads(capabilities().threads);
  const res = ix.searchBatch(q.tokens, q.offsets, { k: 10 });
  const ours = new Map(res.map((r, i) => [q.ids[i], r.ids]));
  const ref = sciFactReference(d, q);
  const refMap = new Map([...ref].map(([k, v]) => [k, v.ids]));
  const a = ndcgAtK(ours, qrels, 10);
  const b = ndcgAtK(refMap, qrels, 10);
  console.log(`  SciFact-GloVe exact nDCG@10: index ${a.toFixed(6)}, plain JS ${b.toFixed(6)}`);
  assert.is(a.toFixed(4), b.toFixed(4));
  assert.ok(a > 0.4 && a < 0.6, 'a plausible value for static word vectors (BM25 is 0.665)');
  // Per query: identical top 10 wherever the reference's scores are apart, scores within f32 error.
  let checked = 0;
  res.forEach((r, i) => {
    const want = ref.get(q.ids[i]);
    for (let j = 0; j < 10; j++) {
      assert.ok(Math.abs(r.scores[j] - want.scores[j]) < 1e-4, `query ${i} rank ${j}`);
      if (r.ids[j] !== want.ids[j]) assert.ok(Math.abs(want.scores[j] - r.scores[j]) < 1e-4 && Math.abs(want.scores[j] - (want.scores[j + 1] ?? -Infinity)) < 1e-4 || Math.abs(want.scores[j] - want.scores[j - 1]) < 1e-4, `query ${i} rank ${j}: ${r.ids[j]} vs ${want.ids[j]}`);
      checked++;
    }
  });
  assert.is(checked, 3000);
});

test.run();
