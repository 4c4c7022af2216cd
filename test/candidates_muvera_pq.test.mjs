// MUVERA candidates with PQ-compressed FDEs (muvera.storage 'pq') on SciFact-GloVe: recall@10
// against exact search, the candidate bytes against f16 FDEs, save / load, options, small first
// batches (documents wait uncompressed, always shortlisted, until 256 can train the codebooks),
// and a version-3 file (written before the pqSubspaces field) still loading. Save / load of a
// pq index: candidates_muvera_pq_file.test.mjs (split to keep each file well under a minute).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { throwsCode } from './hnsw_helpers.mjs';
import { MultiVectorIndex, MaxsimError, recallAgainst } from '../dist/index.js';
import { buildReal, recallOf } from './candidates_real_shared.mjs';


test('muvera pq on SciFact-GloVe: recall@10 >= 0.95, candidate bytes far below f16 FDEs', () => {
  const { ix, heldOut, deleted, buildMs } = buildReal({ candidates: 'muvera', muvera: { storage: 'pq' } });
  const exact = ix.searchBatch(heldOut.tokens, heldOut.offsets, { k: 10, exact: true });
  // Measured on this fixture (640 sub-spaces, 2 cores): 0.898 / 0.959 / 0.978 at 400 / 800 / 1,200
  // candidates (f16 FDEs: 0.912 / 0.963 / 0.978); 1,200 leaves margin for the parallel HNSW build.
  const setting = { numCandidates: 1200, ef: 2400 };
  const r = recallOf(ix, heldOut, setting, exact);
  const st = ix.stats();
  const fdeDim = 20 * 32 * 16;  // repetitions · 2^simhashBits · projectionDim (defaults)
  const f16Codes = (st.documents + st.deletedDocuments) * fdeDim * 2;
  console.log(`  muvera pq build ${buildMs} ms; ${JSON.stringify(setting)}: recall@10 ${r.recall.toFixed(4)} in ${r.ms} ms; ` +
    `candidate bytes ${st.candidateStats.bytes} (f16 FDE codes alone: ${f16Codes})`);
  assert.ok(r.recall >= 0.95, `recall ${r.recall}`);
  for (const res of r.got) for (const id of res.ids) assert.not.ok(deleted.has(id));
  // codes: 640 bytes a document, plus the 256 x 10,240 f32 codebook, plus the graph's links
  assert.ok(st.candidateStats.bytes < f16Codes / 4, `candidate bytes ${st.candidateStats.bytes}`);
  assert.ok(st.candidateStats.bytes > 256 * fdeDim * 4, 'the codebook is counted');

});

test('muvera pq: fewer than 256 documents wait uncompressed and are always shortlisted; then the codebooks train', () => {
  const dim = 16, docs = 300;
  const tok = (i) => Math.sin(i * 0.7311) + 0.3 * Math.cos(i * 0.119);
  const offsets = new Uint32Array(docs + 1);
  for (let i = 0; i < docs; i++) offsets[i + 1] = offsets[i] + 3 + (i % 4);
  const tokens = new Float32Array(offsets[docs] * dim).map((_, i) => tok(i));
  const ids = Array.from({ length: docs }, (_, i) => i);
  const small = { repetitions: 4, simhashBits: 3, projectionDim: 4, storage: 'pq', pqSubspaces: 8 };  // FDE 128 floats
  const ix = new MultiVectorIndex({ dim, candidates: 'muvera', muvera: small });
  const part = (a, b) => ({ ids: ids.slice(a, b), tokens: tokens.subarray(offsets[a] * dim, offsets[b] * dim), offsets: offsets.slice(a, b + 1).map((o) => o - offsets[a]) });
  const a = part(0, 100);
  ix.add(a.ids, a.tokens, a.offsets);
  ix.delete([3]);
  const q = tokens.subarray(offsets[50] * dim, offsets[52] * dim);
  const qo = Uint32Array.of(0, offsets[52] - offsets[50]);
  // pending documents are all shortlisted: candidates search equals exact search
  let got = ix.searchBatch(q, qo, { k: 10, numCandidates: 5, ef: 5 });
  let ex = ix.searchBatch(q, qo, { k: 10, exact: true });
  assert.equal(Array.from(got[0].ids), Array.from(ex[0].ids));
  assert.not.ok(Array.from(got[0].ids).includes(3));
  const b = part(100, docs);
  ix.add(b.ids, b.tokens, b.offsets);  // 299 live documents now: the graph trains and takes them all
  const bytes = ix.stats().candidateStats.bytes;
  assert.ok(bytes < 299 * 128 * 4 + 256 * 128 * 4 + 299 * 400, `bytes ${bytes}`);
  got = ix.searchBatch(q, qo, { k: 10, numCandidates: 200, ef: 300 });
  ex = ix.searchBatch(q, qo, { k: 10, exact: true });
  assert.ok(recallAgainst(got, ex, 10) >= 0.9);
  assert.not.ok(Array.from(got[0].ids).includes(3));
});

test('muvera pq options: pqSubspaces must divide the FDE length and needs storage pq', () => {
  const dim = 16;
  throwsCode(() => new MultiVectorIndex({ dim, candidates: 'muvera', muvera: { repetitions: 4, simhashBits: 3, projectionDim: 4, storage: 'pq', pqSubspaces: 7 } }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new MultiVectorIndex({ dim, candidates: 'muvera', muvera: { storage: 'f16', pqSubspaces: 8 } }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new MultiVectorIndex({ dim, candidates: 'muvera', muvera: { storage: 'pq', pqSubspaces: 0 } }), 'ERR_INVALID_ARGUMENT');
  throwsCode(() => new MultiVectorIndex({ dim, candidates: 'muvera', muvera: { storage: 'pq8' } }), 'ERR_INVALID_ARGUMENT');
});

test('a version-3 file (muvera int8, before pqSubspaces was stored) still loads', () => {
  // fixtures/mvix_v3_muvera_int8.mvix: written by the previous release; 40 documents of 2-4
  // tokens sin(0.61 i), dim 8, muvera { storage: 'int8', repetitions: 4, simhashBits: 2, projectionDim: 4 }.
  const ix = MultiVectorIndex.load(new URL('./fixtures/mvix_v3_muvera_int8.mvix', import.meta.url).pathname);
  const st = ix.stats();
  assert.is(st.documents, 40);
  assert.is(st.candidates, 'muvera');
  const q = new Float32Array(3 * 8).map((_, i) => Math.sin(i * 0.61));
  const all = ix.search(q, { k: 5, numCandidates: 40 });
  const ex = ix.search(q, { k: 5, exact: true });
  assert.equal(Array.from(all.ids), Array.from(ex.ids));
  assert.equal(Array.from(ex.ids, Number), [38, 35, 32, 29, 26]);  // as the previous release returns
});

test.run();
