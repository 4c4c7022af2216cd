// Exact MaxSim throughput: a 32x128 query against 10,000 documents of 128 tokens (dim 128),
// for every element type, on one thread and on all threads.
//
// Every figure is printed beside references measured in this same run, so machine noise cancels:
//   - the f32 FMA peak of one core at the active SIMD level (a register-only probe),
//   - a naive JavaScript MaxSim (double loop, Float32Array) on a sample of the documents.
// Usage: npm run bench  [-- --docs 10000 --time 1500]
import { Bench } from 'tinybench';
import * as m from '../dist/index.js';
import { rng, randomMatrix } from '../test/helpers/reference.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []));
const nDocs = Number(args.docs ?? 10000);
const timeMs = Number(args.time ?? 1500);
const dim = 128, nq = 32, tokPerDoc = 128;
const flopsPerQuery = 2 * nq * tokPerDoc * dim * nDocs;

const cores = m.capabilities().threads;
console.log(`maxsim ${m.capabilities().version} | simd ${m.capabilities().simd} | ${cores} threads | ${nDocs} docs x ${tokPerDoc} tokens, query ${nq} x ${dim}`);

const rand = rng(1);
const q = randomMatrix(nq, dim, rand, { normalize: true });
const docs = randomMatrix(nDocs * tokPerDoc, dim, rand, { normalize: true });
const offsets = new Uint32Array(nDocs + 1).map((_, i) => i * tokPerDoc);
const forms = {
  f32: docs,
  f16: m.toF16(docs, dim),
  bf16: m.toBf16(docs, dim),
  int8: m.quantizeInt8(docs, dim),
  binary: m.binarize(docs, dim),
};

// Reference 1: one core's FMA peak, measured now.
m.setThreads(1);
const peak = Math.max(m.measurePeakGflops(0.4), m.measurePeakGflops(0.4));

// Reference 2: naive JS MaxSim over a sample.
function naiveJs(sample) {
  let total = 0;
  for (let d = 0; d < sample; d++) {
    for (let i = 0; i < nq; i++) {
      let best = -Infinity;
      for (let j = 0; j < tokPerDoc; j++) {
        let s = 0;
        const base = (d * tokPerDoc + j) * dim;
        for (let k = 0; k < dim; k++) s += q[i * dim + k] * docs[base + k];
        if (s > best) best = s;
      }
      total += best;
    }
  }
  return total;
}
const jsSample = 200;
naiveJs(20);
let t0 = process.hrtime.bigint();
naiveJs(jsSample);
const jsDocsPerSec = jsSample / (Number(process.hrtime.bigint() - t0) / 1e9);

const rows = [];
for (const threads of [1, cores]) {
  m.setThreads(threads);
  const bench = new Bench({ time: timeMs, warmupTime: 200, iterations: 3 });
  for (const [name, tokens] of Object.entries(forms)) bench.add(name, () => m.maxsimBatch(q, tokens, offsets, dim));
  await bench.run();
  for (const task of bench.tasks) {
    const ms = task.result.latency.mean;
    rows.push({ type: task.name, threads, ms, docsPerSec: nDocs / (ms / 1000), gflops: flopsPerQuery / (ms / 1000) / 1e9 });
  }
}
m.setThreads(cores);

const by = (type, threads) => rows.find((r) => r.type === type && r.threads === threads);
const f32one = by('f32', 1);
console.log(`\nreferences: one-core f32 FMA peak ${peak.toFixed(1)} GFLOP/s (measured now); naive JS ${jsDocsPerSec.toFixed(0)} docs/s\n`);
console.log('| type | threads | ms/query | docs/s | GFLOP/s (f32-equivalent) | % of 1-core peak | x naive JS | x f32 (same threads) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const f32 = by('f32', r.threads);
  console.log(`| ${r.type} | ${r.threads} | ${r.ms.toFixed(2)} | ${Math.round(r.docsPerSec).toLocaleString('en-US')} | ${r.gflops.toFixed(1)} | ${(100 * r.gflops / peak).toFixed(0)}% | ${(r.docsPerSec / jsDocsPerSec).toFixed(0)}x | ${(r.docsPerSec / f32.docsPerSec).toFixed(2)}x |`);
}
console.log('\nscaling, all threads vs one:');
for (const type of Object.keys(forms)) console.log(`  ${type}: ${(by(type, cores).docsPerSec / by(type, 1).docsPerSec).toFixed(2)}x on ${cores} threads`);

console.log('\ntargets:');
const check = (ok, text) => console.log(`  [${ok ? 'met' : 'MISSED'}] ${text}`);
check(f32one.gflops >= 0.7 * peak, `f32 one thread >= 70% of one core's peak: ${(100 * f32one.gflops / peak).toFixed(0)}%`);
check(by('int8', 1).docsPerSec >= 2.5 * f32one.docsPerSec, `int8 >= 2.5x f32 docs/s: ${(by('int8', 1).docsPerSec / f32one.docsPerSec).toFixed(2)}x`);
check(by('binary', 1).docsPerSec >= 8 * f32one.docsPerSec, `1-bit >= 8x f32 docs/s: ${(by('binary', 1).docsPerSec / f32one.docsPerSec).toFixed(2)}x`);
if (cores > 1) {
  const worst = Math.min(...Object.keys(forms).map((t) => by(t, cores).docsPerSec / by(t, 1).docsPerSec));
  check(worst >= 1.8, `all threads >= 1.8x one thread (worst type): ${worst.toFixed(2)}x`);
}
