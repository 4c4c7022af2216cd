// MUVERA with PQ-compressed FDEs: a save / load round trip on SciFact-GloVe (first 1,500
// documents, one add, 100 held-out queries) keeps recall and the final top 10. The graph and the
// codebooks are rebuilt from the stored rows on load (the codebooks by the same seeded k-means
// on the same FDEs); the parallel graph build is not bit-identical, so results are compared.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MultiVectorIndex, loadSciFactGlove, recallAgainst, setThreads, capabilities } from '../dist/index.js';
import { recallOf, subset } from './candidates_real_shared.mjs';

test('muvera pq: save / load keeps recall and results', () => {
  setThreads(capabilities().threads);
  const { documents: d, queries: q } = loadSciFactGlove();
  const docs = subset(d, 0, 1500), heldOut = subset(q, 60, 160);
  const ix = new MultiVectorIndex({ dim: d.dim, idType: 'string', candidates: 'muvera', muvera: { storage: 'pq' } });
  ix.add(docs.ids, docs.tokens, docs.offsets);
  const exact = ix.searchBatch(heldOut.tokens, heldOut.offsets, { k: 10, exact: true });
  const setting = { numCandidates: 750, ef: 1500 };
  const r = recallOf(ix, heldOut, setting, exact);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-muverapq-')), 'ix.mvix');
  ix.save(file);
  const back = MultiVectorIndex.load(file);
  const r2 = recallOf(back, heldOut, setting, exact);
  const agree = recallAgainst(r2.got, r.got, 10);
  console.log(`  before ${r.recall.toFixed(4)}, after load ${r2.recall.toFixed(4)}, top-10 agreement ${agree.toFixed(4)}`);
  assert.ok(r.recall >= 0.95, `recall ${r.recall}`);
  assert.ok(r2.recall >= 0.95, `recall after load ${r2.recall}`);
  assert.ok(agree >= 0.97, `agreement ${agree}`);
  const a = ix.stats(), b = back.stats();
  assert.is(b.documents, a.documents);
  assert.is(b.candidates, 'muvera');
  // same documents, same code size and codebook: the same bytes up to allocation slack
  assert.ok(Math.abs(b.candidateStats.bytes - a.candidateStats.bytes) <= 0.05 * a.candidateStats.bytes, `${b.candidateStats.bytes} vs ${a.candidateStats.bytes}`);
});

test.run();
