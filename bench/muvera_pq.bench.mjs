// MUVERA candidates with f16 FDEs against PQ-compressed FDEs (muvera.storage 'pq') on the full
// SciFact-GloVe set: build time, the candidate structure's bytes (HNSW graph + codes +
// codebook), and recall@10 against exact flat search with QPS, per numCandidates. Plain hrtime
// loops; each QPS is the best of BENCH_RUNS runs over the query set, on the default thread count.
//
//   npm run build && MAXSIM_CACHE_DIR=<glove cache> node bench/muvera_pq.bench.mjs
//   env: BENCH_QUERIES (100), BENCH_RUNS (2), BENCH_CONFIGS (JSON list of muvera options,
//        default [{"storage":"f16"},{"storage":"pq"},{"storage":"pq","pqSubspaces":1280}])
import { MultiVectorIndex, loadSciFactGlove, recallAgainst } from '../dist/index.js';

const NQ = Number(process.env.BENCH_QUERIES || 100);
const RUNS = Number(process.env.BENCH_RUNS || 2);
const CONFIGS = JSON.parse(process.env.BENCH_CONFIGS || '[{"storage":"f16"},{"storage":"pq"},{"storage":"pq","pqSubspaces":1280}]');
const SETTINGS = [200, 400, 800, 1200, 1600].map((n) => ({ numCandidates: n, ef: 2 * n }));

function timed(fn) {
  let best = Infinity, out;
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { out, s: best };
}

const { documents: d, queries: q } = loadSciFactGlove();
const n = Math.min(NQ, q.ids.length);
const qt = q.tokens.subarray(0, q.offsets[n] * q.dim), qo = q.offsets.slice(0, n + 1);
console.log(`SciFact-GloVe: ${d.ids.length} documents, ${d.offsets[d.ids.length]} tokens, ${n} queries`);
let exact, exactQps, ref;
for (const muvera of CONFIGS) {
  const t0 = Date.now();
  const ix = new MultiVectorIndex({ dim: d.dim, idType: 'string', candidates: 'muvera', muvera });
  ix.add(d.ids, d.tokens, d.offsets);
  const buildS = (Date.now() - t0) / 1000;
  if (!exact) {
    const e = timed(() => ix.searchBatch(qt, qo, { k: 10, exact: true }));
    exact = e.out;
    exactQps = n / e.s;
    console.log(`exact flat: ${exactQps.toFixed(1)} QPS`);
  }
  const bytes = ix.stats().candidateStats.bytes;
  ref ??= bytes;
  console.log(`\nmuvera ${JSON.stringify(muvera)}: build ${buildS.toFixed(1)} s, candidate bytes ${(bytes / 1e6).toFixed(1)} MB (${(bytes / ref).toFixed(3)}x the first config)`);
  for (const s of SETTINGS) {
    const r = timed(() => ix.searchBatch(qt, qo, { k: 10, ...s }));
    const qps = n / r.s;
    console.log(`  numCandidates ${s.numCandidates}, ef ${s.ef}: recall@10 ${recallAgainst(r.out, exact, 10).toFixed(3)}, ${qps.toFixed(1)} QPS (${(qps / exactQps).toFixed(2)}x exact)`);
  }
}
