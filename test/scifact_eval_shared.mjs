// SciFact-GloVe for the storage / pooling quality tests: the collection, the 300 queries, an
// nDCG@10 evaluation of an index over all of them, and the exact f32 baseline they compare to.
import * as assert from 'uvu/assert';
import { MultiVectorIndex, loadSciFactGlove, ndcgAtK, setThreads, capabilities } from '../dist/index.js';

export function sciFactEval() {
  const { documents: d, queries: q, qrels } = loadSciFactGlove();
  setThreads(capabilities().threads);
  const evaluate = (ix) => {
    const res = ix.searchBatch(q.tokens, q.offsets, { k: 10 });
    return { res, ndcg: ndcgAtK(new Map(res.map((r, i) => [q.ids[i], r.ids])), qrels, 10) };
  };
  // Exact f32 search over the whole collection: the reference every lossy form is held to.
  const f32Baseline = () => {
    const ix = new MultiVectorIndex({ dim: d.dim, idType: 'string' });
    ix.add(d.ids, d.tokens, d.offsets);
    const exact = evaluate(ix);
    assert.ok(exact.ndcg > 0.4);
    return exact;
  };
  return { d, q, qrels, dim: d.dim, evaluate, f32Baseline };
}
