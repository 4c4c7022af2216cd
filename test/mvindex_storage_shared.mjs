// SciFact-GloVe through every storage form: the nDCG@10 change against exact f32 over all 300
// queries is printed and held to bounds. Shared by mvindex_storage_half.test.mjs (f16, bf16)
// and mvindex_storage_compact.test.mjs (int8, binary), split to keep each file short.
// (Pooling and delete / upsert / reload on the same collection: pooling_real.test.mjs.)
//
// Bounds, and why:
// - f16 (11-bit mantissa, f32 query) and bf16 (8-bit mantissa; the query is rounded to bf16 on
//   AVX-512 BF16): a per-dot error of ~1e-3 relative only swaps documents whose MaxSim scores
//   are within ~1e-2 of each other; |ΔnDCG@10| <= 0.005.
// - int8 (per-token scale, query quantized the same way): error ~1/254 of the row maximum per
//   element, a few times f16's; |ΔnDCG@10| <= 0.01.
// - binary (1 bit per dimension, Hamming): a coarse similarity. Vespa reports about 1 nDCG point
//   lost with binarized ColBERT; static 100-d GloVe vectors binarize worse, so we allow 0.04
//   (measured about 0.02).
import { test } from 'uvu';
import { sciFactEval } from './scifact_eval_shared.mjs';
import * as assert from 'uvu/assert';
import { MultiVectorIndex, recallAtK } from '../dist/index.js';

const { d, dim, evaluate, f32Baseline } = sciFactEval();

let exact;
test('f32 baseline', () => {
  exact = f32Baseline();
  console.log(`  f32     nDCG@10 ${exact.ndcg.toFixed(4)}  400 B/token`);
  assert.ok(exact.ndcg > 0.4);
});

const BOUNDS = { f16: [-0.005, 0.005], bf16: [-0.005, 0.005], int8: [-0.01, 0.01], binary: [-0.04, 0.01] };
export function storageTests(storages) {
for (const storage of storages) {
  test(`${storage}: nDCG@10 change against f32 within its bound`, () => {
    const ix = new MultiVectorIndex({ dim, storage, idType: 'string' });
    ix.add(d.ids, d.tokens, d.offsets);
    const { res, ndcg } = evaluate(ix);
    const delta = ndcg - exact.ndcg;
    const recall = recallAtK(res.map((r) => r.ids), exact.res.map((r) => r.ids), 10);
    console.log(`  ${storage.padEnd(7)} nDCG@10 ${ndcg.toFixed(4)} (Δ ${delta >= 0 ? '+' : ''}${delta.toFixed(4)})  recall@10 vs f32 ${recall.toFixed(3)}  ${ix.stats().bytesPerToken} B/token`);
    assert.ok(delta >= BOUNDS[storage][0] && delta <= BOUNDS[storage][1], `${storage} Δ ${delta}`);
  });
}

}

