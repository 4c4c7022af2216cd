// GPU against CPU on the same shapes, in the same run, so the ratio is what a user would see:
//   - exact MaxSim: 64 queries x 32 tokens against 10,000 documents x 128 tokens (dim 128),
//     DeviceDocuments.scoreMatrix / topK (f32 via TF32, f16, bf16) against the CPU's maxsimMatrix;
//   - PQ codes: 16 queries against 50,000 documents x 128 tokens (M 16, 8-bit), DevicePqDocuments.topK
//     against maxsimPqBatch on the CPU;
//   - SciFact-GloVe (5,183 documents, ~1M tokens): exhaustive MultiVectorIndex.searchBatch over the 300
//     queries with device 'cuda' against the CPU, and whether the GPU's top 10 are the CPU's.
// The CPU runs twice: on 2 threads (the development machine's size) and on every thread.
// Without a CUDA device it measures the CPU side only and says so.
// Usage: npm run bench:gpu   (needs a build with CUDA: npm run build:cuda, see docs/gpu.md; SKIP_SCIFACT=1
// leaves out the SciFact part)
import * as m from '../dist/index.js';
import { rng, randomMatrix } from '../test/helpers/reference.mjs';

const caps = m.capabilities();
const gpu = caps.cuda === false ? null : caps.cuda[0];
console.log(`maxsim ${caps.version} | simd ${caps.simd} | ${caps.threads} CPU threads | GPU: ${gpu ? `${gpu.name}` : 'none (CPU side only)'}`);

function time(reps, fn) {
  fn();  // warm-up
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e9 / reps;
}
async function timeAsync(reps, fn) {
  await fn();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9 / reps;
}
const ms = (s) => `${(s * 1e3).toFixed(2)} ms`;

const rand = rng(7);
const dim = 128, nDocs = 10000, docTokens = 128, nq = 64, qTokens = 32;
const docs = randomMatrix(nDocs * docTokens, dim, rand, { normalize: true });
const offsets = Uint32Array.from({ length: nDocs + 1 }, (_, i) => i * docTokens);
const queries = randomMatrix(nq * qTokens, dim, rand, { normalize: true });
const queryOffsets = Uint32Array.from({ length: nq + 1 }, (_, i) => i * qTokens);
const flops = 2 * nq * qTokens * nDocs * docTokens * dim;

console.log(`\nexact MaxSim: ${nq} queries x ${qTokens} tokens vs ${nDocs} docs x ${docTokens} tokens, dim ${dim} (${(flops / 1e9).toFixed(0)} GFLOP per batch)`);
const cpu = {};
for (const threads of [...new Set([2, caps.threads])]) {
  m.setThreads(threads);
  cpu[threads] = time(1, () => m.maxsimMatrix(queries, queryOffsets, docs, offsets, dim));
  console.log(`  CPU maxsimMatrix f32, ${threads} threads: ${ms(cpu[threads])}/batch (${(flops / cpu[threads] / 1e9).toFixed(0)} GFLOP/s)`);
}
m.setThreads(caps.threads);
if (gpu) {
  const forms = { f32: docs, f16: m.toF16(docs, dim), bf16: m.toBf16(docs, dim) };
  const reference = m.maxsimMatrix(queries, queryOffsets, docs, offsets, dim);
  for (const [name, form] of Object.entries(forms)) {
    const onGpu = m.DeviceDocuments.upload(form, offsets, dim);
    const s = time(5, () => onGpu.scoreMatrix(queries, queryOffsets));
    const sk = await timeAsync(5, () => onGpu.topKAsync(queries, queryOffsets, { k: 10 }));
    const scores = onGpu.scoreMatrix(queries, queryOffsets);
    let worst = 0;
    for (let i = 0; i < scores.length; i++) worst = Math.max(worst, Math.abs(scores[i] - reference[i]));
    console.log(`  GPU ${name}: scoreMatrix ${ms(s)}/batch (${(flops / s / 1e12).toFixed(1)} TFLOP/s), topK(10) ${ms(sk)}/batch; ` +
      `x${(cpu[2] / s).toFixed(0)} the 2-thread CPU, x${(cpu[caps.threads] / s).toFixed(0)} all ${caps.threads} threads; ` +
      `max |GPU - CPU f32| ${worst.toExponential(2)}`);
    onGpu.release();
  }
}

const pqDocs = 50000, M = 16, pqQueries = 16;
console.log(`\nPQ codes: ${pqQueries} queries x ${qTokens} tokens vs ${pqDocs} docs x ${docTokens} tokens, M ${M}, 8-bit (${(pqDocs * docTokens * M / 1e6).toFixed(0)} MB of codes)`);
const pq = m.ProductQuantizer.train(docs.subarray(0, 20000 * dim), dim, { M, nbits: 8, seed: 3 });
const codes = new Uint8Array(pqDocs * docTokens * M);
for (let i = 0; i < codes.length; i++) codes[i] = (rand() * 256) | 0;
const pqOffsets = Uint32Array.from({ length: pqDocs + 1 }, (_, i) => i * docTokens);
// The CPU is timed on 4 of the queries and compared per query (a 16-query batch takes it long).
const cpuQueries = 4;
const pqCpu = {};
for (const threads of [...new Set([2, caps.threads])]) {
  m.setThreads(threads);
  pqCpu[threads] = time(1, () => {
    for (let q = 0; q < cpuQueries; q++) m.maxsimPqBatch(pq, queries.subarray(q * qTokens * dim, (q + 1) * qTokens * dim), codes, pqOffsets);
  }) / cpuQueries;
  console.log(`  CPU maxsimPqBatch, ${threads} threads: ${ms(pqCpu[threads])}/query`);
}
m.setThreads(caps.threads);
if (gpu) {
  const onGpu = m.DevicePqDocuments.upload(pq, codes, pqOffsets);
  const qs = queries.subarray(0, pqQueries * qTokens * dim);
  const qo = queryOffsets.subarray(0, pqQueries + 1);
  const s = time(5, () => onGpu.topK(qs, qo, { k: 10 }));
  console.log(`  GPU topK(10), ${pqQueries} queries per call: ${ms(s / pqQueries)}/query (${(codes.length * pqQueries / s / 1e9).toFixed(0)} GB/s of codes scanned); ` +
    `x${(pqCpu[2] * pqQueries / s).toFixed(0)} the 2-thread CPU, x${(pqCpu[caps.threads] * pqQueries / s).toFixed(0)} all ${caps.threads} threads`);
  onGpu.release();
}

if (!process.env.SKIP_SCIFACT) {
  const { documents: d, queries: qs } = m.loadSciFactGlove();
  const nDocsSf = d.ids.length, nq = qs.ids.length;
  console.log(`\nSciFact-GloVe: ${nDocsSf} documents, ${d.offsets[nDocsSf]} tokens, dim ${d.dim}; ${nq} queries, exhaustive top 10`);
  for (const storage of ['f32', 'f16']) {
    const ix = new m.MultiVectorIndex({ dim: d.dim, storage });
    ix.add(d.ids.map((_, i) => i), d.tokens, d.offsets);
    const cpuTimes = {};
    let cpuResults;
    for (const threads of [...new Set([2, caps.threads])]) {
      m.setThreads(threads);
      cpuTimes[threads] = time(1, () => { cpuResults = ix.searchBatch(qs.tokens, qs.offsets, { k: 10, device: 'cpu' }); });
    }
    m.setThreads(caps.threads);
    let line = `  ${storage}: CPU ${(nq / cpuTimes[2]).toFixed(0)} QPS on 2 threads, ${(nq / cpuTimes[caps.threads]).toFixed(0)} on ${caps.threads}`;
    if (gpu) {
      await ix.toDeviceAsync();
      let gpuResults;
      const s = time(5, () => { gpuResults = ix.searchBatch(qs.tokens, qs.offsets, { k: 10, device: 'cuda' }); });
      let same = 0;
      for (let i = 0; i < nq; i++) {
        const want = new Set(cpuResults[i].ids);
        for (const id of gpuResults[i].ids) if (want.has(id)) same++;
      }
      line += `; GPU ${(nq / s).toFixed(0)} QPS (x${(cpuTimes[2] / s).toFixed(0)} the 2-thread CPU, ` +
        `x${(cpuTimes[caps.threads] / s).toFixed(1)} all threads), top-10 overlap with the CPU ${(same / (10 * nq)).toFixed(4)}`;
      ix.releaseDevice();
    }
    console.log(line);
  }
}
