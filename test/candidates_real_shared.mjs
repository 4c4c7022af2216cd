// SciFact-GloVe fixture for the candidate tests: a document subset (to keep each test file
// well under a minute on 2 cores), built in two adds with deletes in between, queries split
// into a tuning sample and a held-out set.
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
