// Product-quantization benchmarks (npm run bench:pq):
//  1. ADC scan throughput (codes/s): 8-bit ADC against 4-bit fast-scan at the same code size,
//     on SIFT10K and on the GloVe-100 word vectors (top-10 search, 100 queries).
//  2. MaxSim over PQ codes against exact f32 MaxSim (maxsimBatch) on SciFact-GloVe: documents/s
//     and the nDCG@10 change on the 300 test queries.
//  3. Bytes per token of each codec.
// Timings use plain hrtime loops (several repetitions, best kept) in one process, so each ratio
// compares runs taken minutes apart on the same machine.
import {
  ProductQuantizer, ResidualCodec, maxsimPqBatch, maxsimPqTopK, maxsimResidualBatch, maxsimBatch, loadSift10k, loadGlove,
  loadSciFactGlove, ndcgAtK, capabilities, setThreads,
} from '../dist/index.js';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
function best(fn, reps = quick ? 2 : 5) {
  let t = Infinity;
  for (let i = 0; i < reps; i++) {
    const s = process.hrtime.bigint();
    fn();
    t = Math.min(t, Number(process.hrtime.bigint() - s) / 1e9);
  }
  return t;
}
const fmt = (x) => (x >= 1e9 ? (x / 1e9).toFixed(2) + 'G' : x >= 1e6 ? (x / 1e6).toFixed(1) + 'M' : (x / 1e3).toFixed(1) + 'k');
const cap = capabilities();
console.log(`maxsim PQ bench: simd ${cap.simd}, threads ${cap.threads}`);
const rows = [];

function adcBench(name, base, dim, n, queries, nq, M8, M4) {
  const t0 = Date.now();
  const pq8 = ProductQuantizer.train(base, dim, { M: M8, nbits: 8, seed: 1, iterations: quick ? 8 : 25 });
  const pq4 = ProductQuantizer.train(base, dim, { M: M4, nbits: 4, seed: 1, iterations: quick ? 8 : 25 });
  const c8 = pq8.encode(base), c4 = pq4.encode(base), f4 = pq4.packFastScan(c4);
  console.log(`${name}: trained and encoded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const threads of [1, cap.threads]) {
    setThreads(threads);
    const k = 10;
    const t8 = best(() => pq8.search(queries, c8, k, 'l2'));
    const t4 = best(() => pq4.fastScanSearch(queries, f4, k, { metric: 'l2', rerankFactor: 1 }));
    const t4r = best(() => pq4.fastScanSearch(queries, f4, k, { metric: 'l2', rerankFactor: 4 }));
    const r8 = (n * nq) / t8, r4 = (n * nq) / t4, r4r = (n * nq) / t4r;
    rows.push([name, threads, `PQ${M8}x8 ADC`, fmt(r8), '1.00x']);
    rows.push([name, threads, `PQ${M4}x4 fast-scan`, fmt(r4), (r4 / r8).toFixed(2) + 'x']);
    rows.push([name, threads, `PQ${M4}x4 fast-scan + rerank x4`, fmt(r4r), (r4r / r8).toFixed(2) + 'x']);
    console.log(`  threads ${threads}: 8-bit ${fmt(r8)} codes/s, fast-scan ${fmt(r4)} (${(r4 / r8).toFixed(2)}x), with rerank ${fmt(r4r)} (${(r4r / r8).toFixed(2)}x)`);
  }
  setThreads(cap.threads);
}

// 1a. SIFT10K: 16 bytes per vector in both (PQ16x8 vs PQ32x4).
if (!args.has('--only-maxsim')) {
  const s = loadSift10k();
  // 100 queries scanned 10 times over: 10k codes alone are too few to time.
  const qs = new Float32Array(s.queries.data.length * 10);
  for (let r = 0; r < 10; r++) qs.set(s.queries.data, r * s.queries.data.length);
  adcBench('SIFT10K', s.base.data, 128, s.base.count, qs, 1000, 16, 32);
}
// 1b. GloVe-100 (341k words): 25 bytes per vector (PQ25x8 vs PQ50x4).
if (!args.has('--no-glove') && !args.has('--only-maxsim')) {
  const g = loadGlove();
  const queries = g.vectors.slice(0, 100 * g.dim);
  adcBench('GloVe-100', g.vectors, g.dim, g.count, queries, 100, 25, 50);
}

// 2. MaxSim over PQ codes on SciFact-GloVe.
{
  const sf = loadSciFactGlove();
  const { documents: docs, queries } = sf;
  const dim = docs.dim, nDocs = docs.offsets.length - 1, nTok = docs.offsets[nDocs];
  const testIds = new Set(sf.qrels.keys());
  const qIdx = queries.ids.map((id, i) => (testIds.has(id) ? i : -1)).filter((i) => i >= 0);
  const query = (i) => queries.tokens.subarray(queries.offsets[i] * dim, queries.offsets[i + 1] * dim);
  const usable = qIdx.filter((i) => queries.offsets[i + 1] > queries.offsets[i]);
  const timed = usable.slice(0, quick ? 10 : 40);
  console.log(`SciFact-GloVe: ${nDocs} documents, ${nTok} tokens, ${usable.length} test queries (${timed.length} timed)`);
  function evaluate(name, bytesPerToken, score) {
    const results = new Map();
    for (const i of usable) {
      const s = score(query(i));
      const order = Array.from(s.keys()).sort((a, b) => s[b] - s[a] || a - b).slice(0, 10);
      results.set(queries.ids[i], order.map((d) => docs.ids[d]));
    }
    const ndcg = ndcgAtK(results, sf.qrels, 10);
    const t = best(() => { for (const i of timed) score(query(i)); }, quick ? 1 : 3);
    return { name, bytesPerToken, ndcg, docsPerSec: (nDocs * timed.length) / t };
  }
  const out = [];
  console.log('  evaluating f32 exact ...');
  out.push(evaluate('f32 exact (maxsimBatch)', dim * 4, (q) => maxsimBatch(q, docs.tokens, docs.offsets, dim)));
  const t0 = Date.now();
  const configs = [
    ['PQ50x8', { M: 50, nbits: 8 }, false],
    ['PQ25x8', { M: 25, nbits: 8 }, false],
    ['PQ50x4 fast-scan', { M: 50, nbits: 4 }, true],
    ['PQ100x4 fast-scan', { M: 100, nbits: 4 }, true],
  ];
  const trained = {};
  for (const [name, o, fast] of configs) {
    const tt = Date.now();
    const pq = ProductQuantizer.train(docs.tokens, dim, { ...o, seed: 1, iterations: quick ? 8 : 20 });
    const codes = pq.encode(docs.tokens);
    console.log(`  ${name}: trained and encoded in ${((Date.now() - tt) / 1000).toFixed(1)} s`);
    const c = fast ? pq.packFastScan(codes) : codes;
    trained[name] = { pq, c };
    out.push(evaluate(name, pq.codeSize, (q) => maxsimPqBatch(pq, q, c, docs.offsets)));
  }
  // Two stages: fast-scan PQ50x4 over every document, then the 100 best rescored with the
  // 8-bit PQ50x8 byte-LUT path (their codes gathered into one small batch). Documents outside
  // the 100 keep their fast-scan score, shifted below the reranked ones.
  {
    const fs = trained['PQ50x4 fast-scan'], r8 = trained['PQ50x8'];
    const R = 100, cs = r8.pq.codeSize;
    out.push(evaluate('PQ50x4 fast-scan + rerank top-100 by PQ50x8', fs.pq.codeSize + cs, (q) => {
      const all = maxsimPqTopK(fs.pq, q, fs.c, docs.offsets, nDocs);  // one scan, sorted natively
      const s = new Float32Array(nDocs);
      for (let i = 0; i < nDocs; i++) s[all.indices[i]] = all.scores[i];
      const top = all.indices.subarray(0, R);
      const off = new Uint32Array(R + 1);
      for (let i = 0; i < R; i++) off[i + 1] = off[i] + docs.offsets[top[i] + 1] - docs.offsets[top[i]];
      const sub = new Uint8Array(off[R] * cs);
      for (let i = 0; i < R; i++) sub.set(r8.c.subarray(docs.offsets[top[i]] * cs, docs.offsets[top[i] + 1] * cs), off[i] * cs);
      const rs = maxsimPqBatch(r8.pq, q, sub, off);
      let lo = Infinity;
      for (let i = 0; i < R; i++) lo = Math.min(lo, rs[i]);
      const shift = all.scores[0] - lo + 1;
      for (let d = 0; d < s.length; d++) s[d] -= shift;
      for (let i = 0; i < R; i++) s[top[i]] = rs[i];
      return s;
    }));
  }
  // ColBERTv2's rule would give 2^14 centroids for 1M tokens (k-means cost 1M x 16k x 100 per
  // iteration, minutes on 2 cores); 1,024 centroids trained on 64 points each keep it short.
  const codec = ResidualCodec.train(docs.tokens, dim, { nbits: 2, ncentroids: 1024, maxPointsPerCentroid: 64, seed: 1, iterations: quick ? 4 : 10 });
  const rc = codec.encode(docs.tokens);
  out.push(evaluate(`residual 2-bit (C=${codec.ncentroids}), tables`, codec.bytesPerToken, (q) => maxsimResidualBatch(codec, q, rc, docs.offsets, 'tables')));
  console.log(`  quantizers trained in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const base = out[0];
  console.log('\n| method | bytes/token | docs/s | speed-up | nDCG@10 | Δ nDCG@10 (points) |\n|---|---|---|---|---|---|');
  for (const r of out)
    console.log(`| ${r.name} | ${r.bytesPerToken} | ${fmt(r.docsPerSec)} | ${(r.docsPerSec / base.docsPerSec).toFixed(2)}x | ${r.ndcg.toFixed(4)} | ${((r.ndcg - base.ndcg) * 100).toFixed(2)} |`);
}

console.log('\n| data | threads | scan | codes/s | vs 8-bit |\n|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

console.log('\nBytes per 128-d token: f32 512, f16 256, PQ16x8 16, PQ32x4 16, PQ64x4 32, residual 1/2/4-bit 20/36/68 (4-byte centroid id + residual)');
