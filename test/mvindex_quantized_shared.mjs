// SciFact-GloVe (5,183 documents, ~1M tokens, 300 queries) through the codec storages: the
// nDCG@10 change against exact f32 is printed and held to a measured bound. Shared by
// mvindex_quantized_pq.test.mjs and mvindex_quantized_residual.test.mjs (one storage per file
// keeps each under a minute on 2 cores).
import { test } from 'uvu';
import { sciFactEval } from './scifact_eval_shared.mjs';
import * as assert from 'uvu/assert';
import { MultiVectorIndex, recallAtK } from '../dist/index.js';

const { d, dim, evaluate, f32Baseline } = sciFactEval();

/** cases: [label, options, [lowest Δ, highest Δ]] */
export function quantizedTests(cases) {
  let exact;
  test('f32 baseline', () => {
    exact = f32Baseline();
    console.log(`  f32 nDCG@10 ${exact.ndcg.toFixed(4)}  400 B/token`);
  });
  for (const [label, options, [lo, hi]] of cases) {
    test(`${label}: nDCG@10 change against f32 within [${lo}, ${hi}]`, () => {
      const ix = new MultiVectorIndex({ dim, idType: 'string', ...options });
      ix.add(d.ids, d.tokens, d.offsets);
      const { res, ndcg } = evaluate(ix);
      const delta = ndcg - exact.ndcg;
      const recall = recallAtK(res.map((r) => r.ids), exact.res.map((r) => r.ids), 10);
      console.log(`  ${label} nDCG@10 ${ndcg.toFixed(4)} (Δ ${delta >= 0 ? '+' : ''}${delta.toFixed(4)})  recall@10 vs f32 ${recall.toFixed(3)}  ${ix.stats().bytesPerToken} B/token`);
      assert.ok(delta >= lo && delta <= hi, `${label} Δ ${delta}`);
      // Far better than chance agreement with the exact top 10.
      assert.ok(recall > 0.5, `${label} recall@10 vs f32 ${recall}`);
    });
  }
  test.run();
}
