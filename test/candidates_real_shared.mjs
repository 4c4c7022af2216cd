// SciFact-GloVe fixture for the candidate tests: a document subset (to keep each test file
// well under a minute on 2 cores), built in two adds with deletes in between, queries split
// into a tuning sample and a held-out set.
import * as assert from 'uvu/assert';
import { MultiVectorIndex, loadSciFactGlove, recallAgainst, setThreads, capabilities } from '../dist/index.js';

export const DOCS = 3000, FIRST = 2400;

export function subset(set, from, to) {
  const dim = set.dim;
  const offsets = set.offsets.slice(from, to + 1).map((o) => o - set.offsets[from]);
  return { ids: set.ids.slice(from, to), tokens: set.tokens.subarray(set.offsets[from] * dim, set.offsets[to] * dim), offsets };
}

export function buildReal(options) {
  setThreads(capabilities().threads);
  const { documents: d, queries: q } = loadSciFactGlove();
  const dim = d.dim;
  const t0 = Date.now();
  const ix = new MultiVectorIndex({ dim, idType: 'string', ...options });
  const a = subset(d, 0, FIRST);
  ix.add(a.ids, a.tokens, a.offsets);
  const b = subset(d, FIRST, DOCS);
  ix.add(b.ids, b.tokens, b.offsets);  // joins the existing structure (plaid: existing centroids)
  const deleted = d.ids.slice(0, DOCS).filter((_, i) => i % 20 === 7);
  ix.delete(deleted);
  const buildMs = Date.now() - t0;
  const sample = subset(q, 0, 60), heldOut = subset(q, 60, 160);
  return { ix, dim, sample, heldOut, deleted: new Set(deleted), buildMs };
}

export function recallOf(ix, qs, params, exact) {
  const t0 = Date.now();
  const got = ix.searchBatch(qs.tokens, qs.offsets, { k: 10, ...params });
  return { recall: recallAgainst(got, exact, 10), ms: Date.now() - t0, got };
}

/**
 * The check both strategies pass: after two adds and deletes, `setting` reaches recall@10 >= 0.95
 * against exact search on the held-out queries without returning deleted documents, and tune()
 * on the sample gives defaults that hold (>= 0.93) on the held-out queries.
 */
export function checkStrategyOnRealData(name, options, setting) {
  const { ix, heldOut, sample, deleted, buildMs } = buildReal(options);
  const t0 = Date.now();
  const exact = ix.searchBatch(heldOut.tokens, heldOut.offsets, { k: 10, exact: true });
  console.log(`  ${name} build ${buildMs} ms, exact ${Date.now() - t0} ms for ${exact.length} queries`);
  const r = recallOf(ix, heldOut, setting, exact);
  console.log(`  ${name} ${JSON.stringify(setting)}: recall@10 ${r.recall.toFixed(4)} in ${r.ms} ms`);
  assert.ok(r.recall >= 0.95, `recall ${r.recall}`);
  for (const res of r.got) for (const id of res.ids) assert.not.ok(deleted.has(id));
  const tuned = ix.tune(sample.tokens, sample.offsets, { targetRecall: 0.95, k: 10 });
  console.log(`  tune: ${JSON.stringify(tuned.params)} sample recall ${tuned.recall.toFixed(4)}, ${tuned.trials.length} trials`);
  assert.ok(tuned.reached);
  const h = recallOf(ix, heldOut, {}, exact);  // the tuned defaults
  console.log(`  tuned defaults on held-out queries: recall@10 ${h.recall.toFixed(4)} in ${h.ms} ms`);
  assert.ok(h.recall >= 0.93, `held-out recall ${h.recall}`);
}
