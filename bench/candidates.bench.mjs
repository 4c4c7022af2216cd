// Candidate generation for MultiVectorIndex (MUVERA over HNSW, PLAID centroids) against exact
// flat MaxSim: recall@10 against exact vs QPS (1 and 2 threads), index size and build time.
// Datasets: SciFact-GloVe and SciFact-sentences (BENCH_DOCS documents of shuffled SciFact
// sentences, default 100,000). Plain hrtime loops over searchBatch: each figure is the best
// of BENCH_RUNS runs over the query set.
//
//   npm run build && npm run bench:candidates
//   env: BENCH_DOCS (100000), BENCH_QUERIES (100), BENCH_RUNS (2), BENCH_SETS (scifact,sentences),
//        PLAID_CENTROIDS (default: ColBERTv2 rule capped at 4096 to keep k-means affordable),
//        MUVERA (JSON muvera options, default {}), BENCH_OUT (chart folder, default bench),
//        BENCH_STRATEGIES (muvera,plaid,lancedb), LANCE_QUERIES (10: LanceDB takes seconds a query)
import * as path from 'path';
import { fileURLToPath } from 'url';
import { MultiVectorIndex, loadSciFactGlove, loadSciFactSentences, recallAgainst, setThreads } from '../dist/index.js';
import { drawCandidatesChart } from './lib/candidates-chart.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const NQ = Number(process.env.BENCH_QUERIES || 100);
const RUNS = Number(process.env.BENCH_RUNS || 2);
const SETS = (process.env.BENCH_SETS || 'scifact,sentences').split(',');
const OUT = process.env.BENCH_OUT || here;
const STRATEGIES = (process.env.BENCH_STRATEGIES || 'muvera,plaid,lancedb').split(',');
const LANCE_QUERIES = Number(process.env.LANCE_QUERIES || 10);

function qps(fn, nq) {
  let best = Infinity, out;
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    out = fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return { out, qps: nq / best };
}

function firstQueries(q, n) {
  n = Math.min(n, q.ids.length);
  return { tokens: q.tokens.subarray(0, q.offsets[n] * q.dim), offsets: q.offsets.slice(0, n + 1), n };
}

function build(d, options) {
  const t0 = Date.now();
  const ix = new MultiVectorIndex({ dim: d.dim, idType: 'string', ...options });
  setThreads(2);
  ix.add(d.ids, d.tokens, d.offsets);
  return { ix, buildS: (Date.now() - t0) / 1000 };
}

function sweep(name, ix, q, exact, settings, rows) {
  for (const s of settings) {
    const row = { strategy: name, params: s };
    for (const threads of [1, 2]) {
      setThreads(threads);
      const r = qps(() => ix.searchBatch(q.tokens, q.offsets, { k: 10, ...s }), q.n);
      row[`qps${threads}`] = r.qps;
      row.recall = recallAgainst(r.out, exact, 10);
    }
    rows.push(row);
    console.log(`  ${name} ${JSON.stringify(s)}: recall@10 ${row.recall.toFixed(4)}, QPS 1t ${row.qps1.toFixed(1)} 2t ${row.qps2.toFixed(1)}`);
  }
}

// LanceDB on the same documents and queries: its flat multi-vector search and its IVF-PQ
// index over the token vectors, one query at a time (its API has no batch), on the first
// LANCE_QUERIES queries; recall against our exact results for those queries.
async function lanceRows(d, q, exact, summary, rows) {
  const { buildLanceTable, lanceSearch, buildLanceIvfPq } = await import('./mvindex_lance.mjs');
  const n = Math.min(LANCE_QUERIES, q.n);
  const at = (i) => q.tokens.subarray(q.offsets[i] * d.dim, q.offsets[i + 1] * d.dim);
  const want = exact.slice(0, n).map((r) => r.ids);
  const t0 = process.hrtime.bigint();
  const { table } = await buildLanceTable(d);
  const tableS = Number(process.hrtime.bigint() - t0) / 1e9;
  const measure = async (opts) => {
    await lanceSearch(table, at(0), d.dim, 10, opts);  // warm-up
    const got = [];
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) got.push((await lanceSearch(table, at(i), d.dim, 10, opts)).map((j) => d.ids[j]));
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    return { qps: n / secs, recall: recallAgainst(got.map((ids) => ({ ids })), want.map((ids) => ({ ids })), 10) };
  };
  const flat = await measure(undefined);
  console.log(`  lancedb flat: table ${tableS.toFixed(1)} s, recall@10 ${flat.recall.toFixed(4)}, QPS ${flat.qps.toFixed(2)} (${n} queries, its own threads)`);
  summary.push({ strategy: 'lancedb flat', buildS: tableS, qps1: flat.qps });
  rows.push({ strategy: 'lancedb', params: { flat: true }, recall: flat.recall, qps1: flat.qps, qps2: flat.qps });
  const indexS = await buildLanceIvfPq(table, { numSubVectors: d.dim % 4 === 0 ? d.dim / 4 : undefined });
  summary.push({ strategy: 'lancedb ivf-pq', buildS: tableS + indexS });
  console.log(`  lancedb ivf-pq: index ${indexS.toFixed(1)} s`);
  for (const opts of [{ nprobes: 20 }, { nprobes: 100 }, { nprobes: 100, refineFactor: 10 }, { nprobes: 400, refineFactor: 10 }]) {
    const r = await measure(opts);
    rows.push({ strategy: 'lancedb', params: opts, recall: r.recall, qps1: r.qps, qps2: r.qps });
    console.log(`  lancedb ivf-pq ${JSON.stringify(opts)}: recall@10 ${r.recall.toFixed(4)}, QPS ${r.qps.toFixed(2)}`);
  }
}

async function runSet(label, d, qAll) {
  const q = firstQueries(qAll, NQ);
  const ntok = d.offsets[d.offsets.length - 1];
  console.log(`\n## ${label}: ${d.ids.length} documents, ${ntok} tokens, ${q.n} queries`);
  const rows = [];
  const flat = build(d, {});
  const ex = {};
  for (const threads of [1, 2]) {
    setThreads(threads);
    const r = qps(() => flat.ix.searchBatch(q.tokens, q.offsets, { k: 10 }), q.n);
    ex[threads] = r;
  }
  const exact = ex[1].out;
  console.log(`  exact flat: build ${flat.buildS.toFixed(1)} s, ${(flat.ix.stats().totalBytes / 1e6).toFixed(0)} MB, QPS 1t ${ex[1].qps.toFixed(2)} 2t ${ex[2].qps.toFixed(2)}`);
  const summary = [{ strategy: 'exact', buildS: flat.buildS, mb: flat.ix.stats().totalBytes / 1e6, qps1: ex[1].qps, qps2: ex[2].qps }];

  if (STRATEGIES.includes('muvera')) {
  const muvera = JSON.parse(process.env.MUVERA || '{}');
  const mv = build(d, { candidates: 'muvera', muvera });
  const mvMb = mv.ix.stats().totalBytes / 1e6;
  console.log(`  muvera: build ${mv.buildS.toFixed(1)} s, ${mvMb.toFixed(0)} MB (candidates ${(mv.ix.stats().candidateStats.bytes / 1e6).toFixed(0)} MB)`);
  summary.push({ strategy: 'muvera', buildS: mv.buildS, mb: mvMb });
  sweep('muvera', mv.ix, q, exact,
    [100, 200, 400, 800, 1600].map((n) => ({ numCandidates: n, ef: 2 * n })), rows);
  mv.ix = null;
  }
  if (STRATEGIES.includes('plaid')) {
  const rule = 2 ** Math.floor(Math.log2(16 * Math.sqrt(ntok)));
  const centroids = Number(process.env.PLAID_CENTROIDS || Math.min(rule, 4096));
  const pl = build(d, { candidates: 'plaid', plaid: { centroids } });
  const plMb = pl.ix.stats().totalBytes / 1e6;
  console.log(`  plaid: ${centroids} centroids (rule: ${rule}), build ${pl.buildS.toFixed(1)} s, ${plMb.toFixed(0)} MB (candidates ${(pl.ix.stats().candidateStats.bytes / 1e6).toFixed(0)} MB)`);
  summary.push({ strategy: 'plaid', buildS: pl.buildS, mb: plMb, centroids });
  sweep('plaid', pl.ix, q, exact, [
    {}, { ncells: 1, ndocs: 256, centroidScoreThreshold: 0.3 }, { ncells: 2, ndocs: 256, centroidScoreThreshold: 0.3 },
    { ncells: 2, ndocs: 512, centroidScoreThreshold: 0.3 }, { ncells: 4, ndocs: 1024, centroidScoreThreshold: 0.4 },
    { ncells: 4, ndocs: 2048, centroidScoreThreshold: 0.3 }, { ncells: 8, ndocs: 4096, centroidScoreThreshold: 0.3 },
  ], rows);
  }
  if (STRATEGIES.includes('lancedb')) await lanceRows(d, q, exact, summary, rows);
  const file = path.join(OUT, `candidates-${label}.png`);
  drawCandidatesChart(file, label, rows, ex[1].qps);
  for (const r of rows) r.speedup1 = r.qps1 / ex[1].qps;
  const best = (s) => rows.filter((r) => r.strategy === s && r.recall >= 0.95).sort((a, b) => b.qps1 - a.qps1)[0];
  for (const s of ['muvera', 'plaid', 'lancedb']) {
    const b = best(s);
    console.log(b ? `  fastest ${s} at recall >= 0.95: ${JSON.stringify(b.params)} recall ${b.recall.toFixed(4)}, ${b.speedup1.toFixed(1)}x exact 1-thread QPS`
      : `  ${s}: no setting reached recall 0.95`);
  }
  console.log(`  chart: ${file}`);
  return { label, summary, rows };
}

const results = [];
if (SETS.includes('scifact')) {
  const { documents, queries } = loadSciFactGlove();
  results.push(await runSet('scifact-glove', documents, queries));
}
if (SETS.includes('sentences')) {
  const s = loadSciFactSentences({ documents: Number(process.env.BENCH_DOCS || 100000) });
  results.push(await runSet('scifact-sentences', s.documents, s.queries));
}
console.log('\n' + JSON.stringify(results));
