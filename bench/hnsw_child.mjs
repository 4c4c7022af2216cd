// One library, one data set, one process (so its peak RSS is its own): builds the index on
// <threads> threads, runs every query once, optionally saves the index for the QPS phase
// (bench/hnsw_qps.mjs), and prints one JSON line { buildSeconds, maxRssMB, ... }.
// Usage: node bench/hnsw_child.mjs <maxsim|hnswlib|usearch|baseline> <sift|glove> <threads> <saveTo|-> [storage]
import { K, loadData, makeAdapter } from './lib/hnsw_libs.mjs';

const [lib, dataset, threadsArg, saveTo = '-', storage = 'f32'] = process.argv.slice(2);
const threads = Number(threadsArg);
const d = loadData(dataset);
const out = { lib, dataset, threads, storage, nb: d.nb, nq: d.nq, dim: d.dim };
if (lib !== 'baseline') {
  const a = makeAdapter(lib, d, storage);
  const t = process.hrtime.bigint();
  a.build(threads);
  out.buildSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  for (let qi = 0; qi < d.nq; qi++) a.search(d.queries.subarray(qi * d.dim, (qi + 1) * d.dim), qi, K);
  if (saveTo !== '-') a.save(saveTo);
}
out.maxRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify(out) + '\n');
