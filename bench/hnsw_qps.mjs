// The QPS phase of the HNSW benchmark: loads the indexes the build children saved and sweeps
// ef for all libraries interleaved -- for each ef, several rounds, each timing one pass over
// the queries per library in turn -- keeping each library's best round. Interleaving means
// every library sees the same background load on a shared machine.
// Usage: node bench/hnsw_qps.mjs <sift|glove> <storage> <lib=file> ...   -> one JSON line
import { loadData, makeAdapter, recall } from './lib/hnsw_libs.mjs';

const [dataset, storage, ...specs] = process.argv.slice(2);
const EFS = [10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512];
const d = loadData(dataset);
const libs = specs.map((s) => {
  const [lib, file] = s.split('=');
  const a = makeAdapter(lib, d, storage);
  a.load(file);
  return { lib, a, curve: [], done: false };
});
const rounds = dataset === 'sift' ? 9 : 3;
const minSeconds = dataset === 'sift' ? 0.05 : 0.25;
for (const ef of EFS) {
  const active = libs.filter((l) => !l.done);
  if (!active.length) break;
  const best = new Map();
  const results = new Map();
  for (const l of active) {
    l.a.setEf(ef);
    for (let qi = 0; qi < Math.min(50, d.nq); qi++) l.a.search(d.queries.subarray(qi * d.dim, (qi + 1) * d.dim), qi);
    results.set(l, new Array(d.nq));
  }
  for (let round = 0; round < rounds; round++) {
    for (const l of active) {
      const res = results.get(l);
      let calls = 0, elapsed = 0;
      const t = process.hrtime.bigint();
      do {
        for (let qi = 0; qi < d.nq; qi++) res[qi] = l.a.search(d.queries.subarray(qi * d.dim, (qi + 1) * d.dim), qi);
        calls += d.nq;
        elapsed = Number(process.hrtime.bigint() - t) / 1e9;
      } while (elapsed < minSeconds);
      best.set(l, Math.max(best.get(l) ?? 0, calls / elapsed));
    }
  }
  for (const l of active) {
    const r = recall(d, results.get(l).map((x) => l.a.toNumbers(x)));
    l.curve.push({ ef, recall: r, qps: best.get(l) });
    if (r >= 0.999) l.done = true;
  }
}
process.stdout.write(JSON.stringify(Object.fromEntries(libs.map((l) => [l.lib, l.curve]))) + '\n');
