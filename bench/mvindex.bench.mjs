// MultiVectorIndex on SciFact-GloVe (5,183 documents, ~1M tokens of 100-d GloVe, 300 queries):
// per storage, add time, bytes per token, exact search latency on 1 and 2 threads and nDCG@10;
// and, in the same run, LanceDB's flat multi-vector search over the
// same documents (QPS and recall@10 against our exact f32 results; a sample of queries only,
// because it takes about a second per query).
//
//   npm run bench:index            (env: MVBENCH_LATENCY_QUERIES, MVBENCH_LANCE_QUERIES,
//                                   MVBENCH_ONLY=f32,pq,residual to run only those storages)
import * as fs from 'fs';
import { MultiVectorIndex, loadSciFactGlove, ndcgAtK, recallAtK, setThreads, capabilities } from '../dist/index.js';
import { peerVersion } from './lib/peers.mjs';

const LATENCY_QUERIES = Number(process.env.MVBENCH_LATENCY_QUERIES ?? 60);
const LANCE_QUERIES = Number(process.env.MVBENCH_LANCE_QUERIES ?? 10);
const cores = capabilities().threads;

const { documents: d, queries: q, qrels } = loadSciFactGlove();
const dim = d.dim;
const nDocs = d.ids.length;
const nTok = d.offsets[nDocs];
const qTok = q.offsets[q.ids.length];
console.log(`SciFact-GloVe: ${nDocs} documents, ${nTok} tokens, dim ${dim}; ${q.ids.length} queries (${(qTok / q.ids.length).toFixed(1)} tokens each)`);
console.log(`CPU: ${capabilities().kernels} kernels, ${cores} threads available`);
const gflopPerQuery = (2 * (qTok / q.ids.length) * nTok * dim) / 1e9;

const queryAt = (i) => q.tokens.subarray(q.offsets[i] * dim, q.offsets[i + 1] * dim);

function timeSearch(ix, threads) {
  setThreads(threads);
  ix.search(queryAt(0), { k: 10 });  // warm-up
  const t = process.hrtime.bigint();
  for (let i = 0; i < LATENCY_QUERIES; i++) ix.search(queryAt(i), { k: 10 });
  return Number(process.hrtime.bigint() - t) / 1e6 / LATENCY_QUERIES;
}

function timeAdd(options) {
  setThreads(cores);
  const ix = new MultiVectorIndex({ dim, idType: 'string', ...options });
  const t = process.hrtime.bigint();
  ix.add(d.ids, d.tokens, d.offsets);
  return { ix, ms: Number(process.hrtime.bigint() - t) / 1e6 };
}

const rows = [];
let exact;
for (const [label, options] of [
  ['f32', { storage: 'f32' }], ['f32 + exactPruning', { storage: 'f32', exactPruning: true }],
  ['f16', { storage: 'f16' }], ['f16 + exactPruning', { storage: 'f16', exactPruning: true }], ['bf16', { storage: 'bf16' }],
  ['int8', { storage: 'int8' }], ['binary', { storage: 'binary' }],
  ['f32 + pool×2', { storage: 'f32', poolFactor: 2 }], ['int8 + pool×2', { storage: 'int8', poolFactor: 2 }],
  // Codec storages: add time includes training the codec on the whole batch.
  ['pq 8-bit (M=25)', { storage: 'pq' }], ['pq 4-bit (M=25)', { storage: 'pq', pqBits: 4 }],
  ['residual 2-bit', { storage: 'residual' }], ['residual 4-bit', { storage: 'residual', residualBits: 4 }],
].filter(([label]) => !process.env.MVBENCH_ONLY || process.env.MVBENCH_ONLY.split(',').includes(label.split(' ')[0]))) {
  const { ix, ms: addMs } = timeAdd(options);
  const st = ix.stats();
  const one = timeSearch(ix, 1);
  const two = cores >= 2 ? timeSearch(ix, 2) : NaN;
  setThreads(cores);
  const t = process.hrtime.bigint();
  const res = ix.searchBatch(q.tokens, q.offsets, { k: 10 });
  const batchMs = Number(process.hrtime.bigint() - t) / 1e6;
  const ndcg = ndcgAtK(new Map(res.map((r, i) => [q.ids[i], r.ids])), qrels, 10);
  if (label === 'f32') exact = res;
  const recall = recallAtK(res.map((r) => r.ids), exact.map((r) => r.ids), 10);
  rows.push({ label, addMs, bpt: st.bytesPerToken + (options.exactPruning ? dim + 4 : 0), tokens: st.tokens, totalMB: st.totalBytes / 2 ** 20, one, two, batchQps: (q.ids.length / batchMs) * 1000, ndcg, recall });
  console.log(`  ${label}: done`);
}

const f32 = rows[0];
const fmt = (v, dgt = 1) => (Number.isFinite(v) ? v.toFixed(dgt) : '–');
console.log('');
console.log(`Exact search, k=10, latency per query over the first ${LATENCY_QUERIES} queries; nDCG@10 over all ${q.ids.length}.`);
console.log(`(f32: ${gflopPerQuery.toFixed(2)} GFLOP of MaxSim per query; ${fmt(gflopPerQuery / (f32.one / 1000), 0)} GFLOP/s on one thread)`);
console.log('');
console.log('| storage | bytes/token | stored tokens | index MB | add ms | 1 thread ms/query | 2 threads ms/query | batch QPS (all threads) | nDCG@10 | recall@10 vs f32 |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows)
  console.log(`| ${r.label} | ${r.bpt} | ${r.tokens} | ${fmt(r.totalMB)} | ${fmt(r.addMs, 0)} | ${fmt(r.one)} | ${fmt(r.two)} | ${fmt(r.batchQps)} | ${r.ndcg.toFixed(4)} | ${r.recall.toFixed(3)} |`);
console.log('');
console.log('Pooling ×2 add time against the plain add: npm run bench:pooling (interleaved adds, two data sets, the Gram floor).');
console.log('');
// LanceDB, same documents and queries, flat multi-vector search (MVBENCH_LANCE_QUERIES=0 skips it).
if (LANCE_QUERIES > 0) {
const { buildLanceTable, lanceSearch } = await import('./mvindex_lance.mjs');
const tb = process.hrtime.bigint();
const { table, dir } = await buildLanceTable(d);
const lanceBuildMs = Number(process.hrtime.bigint() - tb) / 1e6;
const lanceIds = [];
await lanceSearch(table, queryAt(0), dim, 10);  // warm-up
const tl = process.hrtime.bigint();
for (let i = 0; i < LANCE_QUERIES; i++) lanceIds.push((await lanceSearch(table, queryAt(i), dim, 10)).map((j) => d.ids[j]));
const lanceMs = Number(process.hrtime.bigint() - tl) / 1e6 / LANCE_QUERIES;
const lanceRecall = recallAtK(lanceIds, exact.slice(0, LANCE_QUERIES).map((r) => r.ids), 10);
fs.rmSync(dir, { recursive: true, force: true });

const lanceVersion = peerVersion('@lancedb/lancedb');
console.log(`LanceDB ${lanceVersion} flat multi-vector search (vectorSearch + addQueryVector on a List<FixedSizeList<Float32, ${dim}>> column, cosine), first ${LANCE_QUERIES} queries, one query at a time:`);
console.log('');
console.log('| engine | ms/query | QPS | recall@10 vs exact f32 |');
console.log('|---|---|---|---|');
console.log(`| LanceDB (flat, default threads) | ${fmt(lanceMs, 0)} | ${fmt(1000 / lanceMs, 2)} | ${lanceRecall.toFixed(3)} |`);
console.log(`| maxsim f32, 1 thread | ${fmt(f32.one)} | ${fmt(1000 / f32.one, 1)} | 1.000 |`);
console.log(`| maxsim f32, ${cores} threads | ${fmt(f32.two)} | ${fmt(1000 / f32.two, 1)} | 1.000 |`);
console.log('');
console.log(`ratio: maxsim f32 (${cores} threads) is ×${fmt(lanceMs / f32.two, 0)} LanceDB's QPS; LanceDB table build ${fmt(lanceBuildMs, 0)} ms`);
}
