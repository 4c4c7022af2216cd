// HNSW side by side: maxsim vs hnswlib-node vs usearch on SIFT10K (l2) and GloVe-100
// (cosine, 340,479 base words, 1,000 held-out query words), same M (16) and efConstruction (200).
// Phase 1, builds: each library builds in its own child process (bench/hnsw_child.mjs), so its
// peak RSS (build + one pass of queries) is its own:
//   - threads=1: build on one thread, then save the index for phase 2
//   - threads=2: build on two threads (hnswlib-node has no parallel insert: not run)
//   - a baseline child loads the data only; memory is reported raw and above that baseline.
// Phase 2, QPS (bench/hnsw_qps.mjs): one process loads the saved indexes and sweeps ef with one
// query per JS call, all libraries interleaved round by round, best round kept.
// Prints the curves, QPS at recall 0.90/0.95/0.99 (first swept ef reaching it) with the ratio to
// hnswlib-node, and writes bench/hnsw-<dataset>.png and bench/hnsw-results.json.
//
// Usage: npm run bench:hnsw [-- --datasets=sift,glove --storage=f32]
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { cacheDir, capabilities, maxsimTopK, normalizeRows } from '../dist/index.js';
import { GLOVE_TRUTH, gloveSplit } from './lib/hnsw_libs.mjs';
import { writeLineChart } from './lib/png-chart.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const datasets = (args.datasets ?? 'sift,glove').split(',');
const storage = args.storage ?? 'f32';
const LIBS = ['maxsim', 'hnswlib', 'usearch'];
const NAMES = { maxsim: `maxsim (${storage})`, hnswlib: 'hnswlib-node', usearch: 'usearch' };
const TARGETS = [0.9, 0.95, 0.99];

function ensureGloveTruth() {
  const file = GLOVE_TRUTH();
  if (fs.existsSync(file)) return;
  console.log('computing exact GloVe neighbours (once, cached in .cache/) ...');
  const { dim, base, queries, nb, nq } = gloveSplit();
  const unitBase = normalizeRows(base.slice(), dim);
  const unitQ = normalizeRows(queries.slice(), dim);
  const offsets = new Uint32Array(nb + 1).map((_, i) => i);
  const gt = new Int32Array(nq * 10);
  for (let q = 0; q < nq; q++) gt.set(maxsimTopK(unitQ.subarray(q * dim, (q + 1) * dim), unitBase, offsets, dim, 10).indices, q * 10);
  fs.writeFileSync(file, Buffer.from(gt.buffer));
}

function run(script, args) {
  const out = execFileSync(process.execPath, [path.join(here, script), ...args], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split('\n').pop());
}
const child = (lib, dataset, threads, saveTo = '-') => run('hnsw_child.mjs', [lib, dataset, String(threads), saveTo, storage]);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-hnsw-bench-'));

function qpsAt(curve, target) {
  const hit = curve.find((p) => p.recall >= target);
  return hit ? { ef: hit.ef, qps: hit.qps, recall: hit.recall } : null;
}

const fmt = (v, d = 0) => (v === null || v === undefined ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));

const report = { date: new Date().toISOString(), cpu: capabilities().simd, node: process.version, storage, datasets: {} };
for (const ds of datasets) {
  if (ds === 'glove') ensureGloveTruth();
  console.log(`\n=== ${ds} ===`);
  const base = child('baseline', ds, 1, false);
  const res = {};
  for (const lib of LIBS) {
    try {
      const one = child(lib, ds, 1, path.join(tmp, `${lib}-${ds}.idx`));
      const two = lib === 'hnswlib' ? null : child(lib, ds, 2);
      res[lib] = { build1: one.buildSeconds, build2: two?.buildSeconds ?? null, maxRssMB: one.maxRssMB, curve: [] };
      console.log(`${NAMES[lib]}: build ${fmt(one.buildSeconds, 2)} s (1 thread), ${two ? fmt(two.buildSeconds, 2) + ' s (2 threads)' : 'no parallel insert'}, max RSS ${fmt(one.maxRssMB)} MB`);
    } catch (e) {
      console.log(`${NAMES[lib]}: FAILED (${e.message.split('\n')[0]})`);
    }
  }
  const curves = run('hnsw_qps.mjs', [ds, storage, ...LIBS.filter((l) => res[l]).map((l) => `${l}=${path.join(tmp, `${l}-${ds}.idx`)}`)]);
  for (const lib of Object.keys(curves)) res[lib].curve = curves[lib];
  console.log(`\nrecall@10 / QPS curves (${ds}, one thread, one query per call):`);
  console.log(['ef', ...LIBS.filter((l) => res[l]).map((l) => `${NAMES[l]} recall | QPS`)].join(' | '));
  const efs = [...new Set(LIBS.flatMap((l) => res[l]?.curve.map((p) => p.ef) ?? []))].sort((a, b) => a - b);
  for (const ef of efs) {
    const cells = LIBS.filter((l) => res[l]).map((l) => {
      const p = res[l].curve.find((x) => x.ef === ef);
      return p ? `${p.recall.toFixed(4)} | ${fmt(p.qps)}` : '— | —';
    });
    console.log([ef, ...cells].join(' | '));
  }
  console.log(`\nsummary (${ds}): QPS at recall (ef), build seconds, max RSS MB (above the data-only baseline of ${fmt(base.maxRssMB)} MB)`);
  console.log(`| library | ${TARGETS.map((t) => `QPS @${t}`).join(' | ')} | build 1T s | build 2T s | max RSS MB (Δ) |`);
  console.log(`|---|${TARGETS.map(() => '---').join('|')}|---|---|---|`);
  for (const lib of LIBS) {
    const r = res[lib];
    if (!r) { console.log(`| ${NAMES[lib]} | failed |`); continue; }
    const cells = TARGETS.map((t) => {
      const a = qpsAt(r.curve, t);
      const h = res.hnswlib ? qpsAt(res.hnswlib.curve, t) : null;
      const ratio = a && h && lib !== 'hnswlib' ? ` (${(a.qps / h.qps).toFixed(2)}x)` : '';
      return a ? `${fmt(a.qps)} (ef ${a.ef})${ratio}` : 'not reached';
    });
    console.log(`| ${NAMES[lib]} | ${cells.join(' | ')} | ${fmt(r.build1, 2)} | ${r.build2 === null ? '—' : fmt(r.build2, 2)} | ${fmt(r.maxRssMB)} (${fmt(r.maxRssMB - base.maxRssMB)}) |`);
  }
  report.datasets[ds] = { baselineRssMB: base.maxRssMB, libs: res };
  const pretty = ds === 'sift' ? 'SIFT10K (l2)' : 'GloVe-100 340k (cosine)';
  writeLineChart(path.join(here, `hnsw-${ds === 'sift' ? 'sift10k' : 'glove'}.png`), {
    title: `${pretty}: recall@10 vs queries/s, 1 thread, M 16, efC 200`,
    xLabel: 'recall@10', yLabel: 'queries per second (log scale)', yLog: true,
    series: LIBS.filter((l) => res[l]).map((l) => ({ name: NAMES[l], points: res[l].curve.filter((p) => p.recall >= 0.8).map((p) => [p.recall, p.qps]) })),
  });
}
fs.rmSync(tmp, { recursive: true, force: true });
fs.writeFileSync(path.join(here, 'hnsw-results.json'), JSON.stringify(report, null, 1));
console.log('\nwrote bench/hnsw-results.json and bench/hnsw-*.png');
