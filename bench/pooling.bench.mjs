// Token pooling's cost at add time (target: pooling ×2 at most doubles add time), on two real
// sets: SciFact-GloVe (5,183 documents, 193 tokens on average, up to 1,459, dim 100) and the
// real ColBERTv2 token embeddings of colbert-nanofiqa (35 documents of 15–167 tokens, dim 128,
// repeated to 2,100 documents so that an add lasts long enough to time).
//
// References measured in the same run: the plain add of the same storage (the ratio), and the
// f32 Gram floor -- each document's u(u+1)/2 dot products between its u distinct unit rows, the
// O(u² d) part no exact f32 Ward avoids, at this core's FMA peak (a register-only probe) times
// the threads. int8 storage pools on 8-bit codes with an integer Gram instead, so its pooling is
// also timed through poolTokens(precision 'int8') beside the f32 one.
//
//   npm run bench:pooling        (env: POOLBENCH_ROUNDS, default 7)
//
// Adds are interleaved round by round and the best of each kind is kept: a sub-second add is
// mostly page faults and memory traffic, which drift from minute to minute on a shared VM. Each
// set runs in its own process: once a process has churned through a few GB, freshly touched
// pages on this VM cost several times more, which would slow the second set's plain adds.
import { spawnSync } from 'child_process';
import { fileURLToPath } from 'url';
import { MultiVectorIndex, loadSciFactGlove, loadColbertNanoFiqa, poolTokens, setThreads, capabilities, measurePeakGflops } from '../dist/index.js';

const ROUNDS = Number(process.env.POOLBENCH_ROUNDS ?? 7);
const cores = capabilities().threads;
const fmt = (v, d = 0) => v.toFixed(d);

function repeatSet(set, dim, times) {
  const n = set.offsets.length - 1, total = set.offsets[n];
  const tokens = new Float32Array(total * dim * times);
  const offsets = new Uint32Array(n * times + 1);
  for (let r = 0; r < times; r++) {
    tokens.set(set.tokens.subarray(0, total * dim), r * total * dim);
    for (let i = 0; i < n; i++) offsets[r * n + i + 1] = r * total + set.offsets[i + 1];
  }
  return { ids: Float64Array.from({ length: n * times }, (_, i) => i), tokens, offsets };
}

function measure(name, set, dim) {
  const nDocs = set.offsets.length - 1;
  // Pooling folds a document's repeated rows into one weighted point before Ward, so the Gram
  // covers its distinct rows: u(u+1)/2 dot products of dim multiply-adds each.
  let gramFlop = 0, fullFlop = 0;
  const bytes = Buffer.from(set.tokens.buffer, set.tokens.byteOffset, set.tokens.byteLength);
  for (let i = 0; i < nDocs; i++) {
    const n = set.offsets[i + 1] - set.offsets[i];
    const rows = new Set();
    for (let t = set.offsets[i]; t < set.offsets[i + 1]; t++) rows.add(bytes.toString('latin1', t * dim * 4, (t + 1) * dim * 4));
    const u = rows.size;
    gramFlop += u * (u + 1) * dim;
    fullFlop += n * (n + 1) * dim;
  }
  const kinds = [['f32', 'f32', 1], ['f32', 'f32 + pool×2', 2], ['int8', 'int8', 1], ['int8', 'int8 + pool×2', 2]];
  const best = new Map();
  setThreads(cores);
  for (let r = 0; r < ROUNDS; r++)
    for (const [storage, label, poolFactor] of kinds) {
      const ix = new MultiVectorIndex({ dim, storage, poolFactor });
      const t = process.hrtime.bigint();
      ix.add(set.ids, set.tokens, set.offsets);
      best.set(label, Math.min(best.get(label) ?? Infinity, Number(process.hrtime.bigint() - t) / 1e6));
    }
  setThreads(1);
  const peak = Math.max(measurePeakGflops(0.3), measurePeakGflops(0.3));
  const doc = (i) => set.tokens.subarray(set.offsets[i] * dim, set.offsets[i + 1] * dim);
  let poolMs = Infinity, poolMs8 = Infinity;
  for (let r = 0; r < 3; r++) {
    let t = process.hrtime.bigint();
    for (let i = 0; i < nDocs; i++) poolTokens(doc(i), dim, 2);
    poolMs = Math.min(poolMs, Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    for (let i = 0; i < nDocs; i++) poolTokens(doc(i), dim, 2, { precision: 'int8' });
    poolMs8 = Math.min(poolMs8, Number(process.hrtime.bigint() - t) / 1e6);
  }
  setThreads(cores);
  const floorMs = (gramFlop / 1e9 / (peak * cores)) * 1000;
  const total = set.offsets[nDocs];
  console.log(`\n${name}: ${nDocs} documents, ${total} tokens (${fmt(total / nDocs, 1)} a document), dim ${dim}; ${cores} threads`);
  console.log('| storage | add ms | add with pool×2 ms | ratio (target ≤ ×2) |');
  console.log('|---|---|---|---|');
  for (const s of ['f32', 'int8']) {
    const plain = best.get(s), pooled = best.get(`${s} + pool×2`);
    console.log(`| ${s} | ${fmt(plain, 1)} | ${fmt(pooled, 1)} | ×${fmt(pooled / plain, 2)} ${pooled <= 2 * plain ? '(met)' : '(not met)'} |`);
  }
  console.log(`Distinct rows: the Gram over them is ${fmt((100 * gramFlop) / fullFlop, 0)}% of the one over every row.`);
  console.log(`f32 Gram floor (f32, f16 and bf16 storage pool on f32 unit rows): ${fmt(gramFlop / 1e9, 2)} GFLOP at the FMA peak (${fmt(peak, 1)} GFLOP/s a core, measured now) × ${cores} threads = ${fmt(floorMs, 1)} ms, ` +
    `×${fmt(floorMs / best.get('int8'), 2)} the plain int8 add and ×${fmt(floorMs / best.get('f32'), 2)} the plain f32 add by itself.`);
  console.log(`poolTokens over every document, 1 thread: ${fmt(poolMs, 1)} ms (best of 3); the Gram at peak would be ${fmt((100 * gramFlop) / 1e9 / (poolMs / 1000) / peak, 0)}% of that.`);
  console.log(`poolTokens with precision 'int8' (what int8, binary, pq and residual storage use), 1 thread: ${fmt(poolMs8, 1)} ms, ×${fmt(poolMs8 / poolMs, 2)} the f32 precision.`);
}

const which = process.argv[2];
if (!which) {
  console.log(`CPU: ${capabilities().kernels} kernels; adds interleaved, best of ${ROUNDS}`);
  for (const set of ['colbert', 'scifact']) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), set], { stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  }
} else if (which === 'scifact') {
  const sf = loadSciFactGlove().documents;
  measure('SciFact-GloVe', { ids: Float64Array.from({ length: sf.ids.length }, (_, i) => i), tokens: sf.tokens, offsets: sf.offsets }, sf.dim);
} else {
  const cb = loadColbertNanoFiqa().documents;
  measure('ColBERTv2 NanoFiQA (35 documents repeated ×60)', repeatSet(cb, 128, 60), 128);
}
