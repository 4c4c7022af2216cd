// PLAID stage 1 (score-at-a-time over the probed inverted lists, native/mvindex/candidates/
// plaid_probe.h) against a plain JS reference of the same definition, through the internal
// _plaidProbe binding; then, end to end, that small ndocs still finds planted documents when
// stop-word-like tokens put every document in the probed lists.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { native } from '../dist/native.js';
import { MultiVectorIndex } from '../dist/index.js';
import { rng } from './mvindex_helpers.mjs';

// Reference: per token the top ncells centroids by (score desc, id asc); m_i the next one's
// score (the last probed one's when all are probed); a document's estimate is the sum over
// tokens of its best probed score, or m_i where the token reaches none of its lists; only
// documents some token reaches count; the `keep` best by (estimate desc, slot asc).
function reference(S, nq, k, ncells, lists, alive, keep) {
  const nc = Math.min(ncells, k);
  const cells = [], imputed = [];
  for (let i = 0; i < nq; i++) {
    const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => S[b * nq + i] - S[a * nq + i] || a - b);
    cells.push(order.slice(0, nc));
    imputed.push(S[order[Math.min(nc, k - 1)] * nq + i]);
  }
  const docs = [];
  for (let s = 0; s < alive.length; s++) {
    if (!alive[s]) continue;
    let reached = false, est = 0;
    for (let i = 0; i < nq; i++) {
      let best = -Infinity;
      for (const c of cells[i]) if (lists[c].includes(s)) best = Math.max(best, S[c * nq + i]);
      if (best > -Infinity) reached = true, est += best;
      else est += imputed[i];
    }
    if (reached) docs.push([est, s]);
  }
  docs.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return { cells: cells.flat(), imputed, docs: docs.slice(0, keep) };
}

test('stage-1 estimates match the JS reference on random lists (ties, dead slots, every cell probed)', () => {
  const r = rng(7);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  for (let trial = 0; trial < 300; trial++) {
    const k = int(1, 24), nq = int(1, 7), slots = int(1, 80);
    // Scores on a 1/8 grid: many ties, and every sum is exact in f32, so estimates compare exactly.
    const S = new Float32Array(k * nq).map(() => int(-8, 8) / 8);
    const codes = Array.from({ length: slots }, () => new Set(Array.from({ length: int(0, 6) }, () => int(0, k - 1))));
    const lists = Array.from({ length: k }, () => []);
    codes.forEach((cs, s) => { for (const c of cs) lists[c].push(s); });
    const alive = new Uint8Array(slots).map(() => (r() < 0.85 ? 1 : 0));
    const ncells = int(1, k + 2);
    const keep = int(1, slots + 3);
    const off = new Uint32Array(k + 1);
    for (let c = 0; c < k; c++) off[c + 1] = off[c] + lists[c].length;
    const got = native._plaidProbe(S, nq, ncells, off, Uint32Array.from(lists.flat()), alive, keep);
    const want = reference(S, nq, k, ncells, lists, alive, keep);
    const ctx = `trial ${trial} k ${k} nq ${nq} ncells ${ncells} keep ${keep}`;
    assert.equal(Array.from(got.cells), want.cells, ctx);
    assert.equal(Array.from(got.imputed), want.imputed, ctx);
    assert.equal(Array.from(got.slots), want.docs.map((d) => d[1]), ctx);
    assert.equal(Array.from(got.estimates), want.docs.map((d) => d[0]), ctx);
  }
});

test('stage-1 scratch is reused across calls of different sizes without leaking state', () => {
  // Same inputs after a larger call must give the same answer (stamps, not clears).
  const S = Float32Array.from([0.5, 0.25, 1, -0.5, 0, 0.75]);  // (3 lists, 2 tokens)
  const off = Uint32Array.from([0, 2, 3, 5]);
  const slots = Uint32Array.from([0, 2, 1, 0, 3]);
  const alive = Uint8Array.from([1, 1, 1, 1]);
  const a = native._plaidProbe(S, 2, 1, off, slots, alive, 10);
  const big = new Float32Array(50 * 3).fill(0.125);
  const boff = Uint32Array.from({ length: 51 }, (_, c) => c * 20);
  const bslots = Uint32Array.from({ length: 1000 }, (_, j) => j % 20 * 10 + (j / 20 | 0) % 10);
  for (let c = 0; c < 50; c++) bslots.subarray(c * 20, c * 20 + 20).sort();
  native._plaidProbe(big, 3, 4, boff, bslots, new Uint8Array(200).fill(1), 50);
  const b = native._plaidProbe(S, 2, 1, off, slots, alive, 10);
  assert.equal(Array.from(b.slots), Array.from(a.slots));
  assert.equal(Array.from(b.estimates), Array.from(a.estimates));
  // token 0 probes list 1 (1.0; m 0.5) reaching slot 1, token 1 list 2 (0.75; m 0.25)
  // reaching slots 0 and 3; slot 2 is in no probed list.
  assert.equal(Array.from(a.slots), [0, 1, 3]);
  assert.equal(Array.from(a.estimates), [1.25, 1.25, 1.25]);
});

test('bad _plaidProbe input throws, never crashes', () => {
  const S = new Float32Array(4);
  assert.throws(() => native._plaidProbe(S, 2, 1, Uint32Array.from([0, 1, 5]), Uint32Array.from([0]), new Uint8Array(1), 1));
  assert.throws(() => native._plaidProbe(S, 2, 1, Uint32Array.from([0, 1, 1]), Uint32Array.from([4]), new Uint8Array(1), 1));
  assert.throws(() => native._plaidProbe(S, 3, 1, Uint32Array.from([0, 0, 0]), new Uint32Array(0), new Uint8Array(1), 1));
  assert.throws(() => native._plaidProbe(S, 2, 1, Uint32Array.from([0, 2, 2]), Uint32Array.from([1, 0]), new Uint8Array(2), 1));
});

test('plaid with small ndocs finds planted documents although stop-word lists cover every document', () => {
  const dim = 24, r = rng(11);
  const unit = () => {
    const v = Array.from({ length: dim }, () => r() * 2 - 1);
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const vocab = Array.from({ length: 120 }, unit);
  const stop = [0, 1, 2];  // in every document
  const queryWords = [50, 61, 77, 93];
  const docs = [];
  for (let d = 0; d < 600; d++) {
    const words = [...stop];
    const planted = d % 100 === 37;
    if (planted) words.push(...queryWords);
    while (words.length < 14) {
      const w = 3 + Math.floor(r() * 117);
      if (!planted && queryWords.includes(w)) continue;
      words.push(w);
    }
    docs.push(words);
  }
  const pack = (bags) => {
    const offsets = new Uint32Array(bags.length + 1);
    bags.forEach((b, i) => (offsets[i + 1] = offsets[i] + b.length));
    const tokens = new Float32Array(offsets[bags.length] * dim);
    let at = 0;
    for (const b of bags) for (const w of b) tokens.set(vocab[w], (at++) * dim);
    return { tokens, offsets };
  };
  const p = pack(docs);
  const ix = new MultiVectorIndex({ dim, candidates: 'plaid', plaid: { centroids: 128 } });
  ix.add(docs.map((_, i) => i), p.tokens, p.offsets);
  const q = pack([[...stop, ...queryWords]]);
  const exact = ix.search(q.tokens, { k: 6, exact: true });
  const planted = docs.map((_, i) => i).filter((i) => i % 100 === 37);
  assert.equal(Array.from(exact.ids).slice(0, 6).sort((a, b) => a - b), planted);
  // 24 documents reach exact MaxSim out of 600: stage 1 must rank the planted ones high.
  const got = ix.search(q.tokens, { k: 6, ncells: 1, ndocs: 24, centroidScoreThreshold: 0.3 });
  assert.equal(Array.from(got.ids).sort((a, b) => a - b), planted);
});

test.run();
