// MUVERA with PQ-compressed FDEs: a save / load round trip of the SciFact-GloVe fixture keeps
// recall and the final top 10 (the graph and the codebooks are rebuilt from the stored rows on
// load; the parallel build is not bit-identical, so results are compared, not bytes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MultiVectorIndex, recallAgainst } from '../dist/index.js';
import { buildReal, recallOf } from './candidates_real_shared.mjs';

test('muvera pq: save / load keeps recall and results', () => {
  const { ix, heldOut } = buildReal({ candidates: 'muvera', muvera: { storage: 'pq', pqSubspaces: 640 } });
  const exact = ix.searchBatch(heldOut.tokens, heldOut.offsets, { k: 10, exact: true });
  const setting = { numCandidates: 1200, ef: 2400 };
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
  // same codes per document and codebook; only tombstones (not saved) and slack differ
  assert.ok(b.candidateStats.bytes <= a.candidateStats.bytes * 1.05, `${b.candidateStats.bytes} vs ${a.candidateStats.bytes}`);
});

test.run();
