// Data sets and library adapters shared by the HNSW benchmark processes.
//
// Data: SIFT10K (l2, published ground truth) and GloVe-100 (cosine): every floor(count/1000)-th
// word is one of 1,000 held-out queries, all other 340,479 words are the base; exact neighbours
// are computed once by the parent (hnsw.bench.mjs) and cached in .cache/.
// Adapters give each library the same shape: build(threads), save(file), load(file), setEf(ef),
// search(query, qi) -> ids (one query per call from JS).
import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';
import { HnswIndex, cacheDir, loadGlove, loadSift10k, setThreads } from '../../dist/index.js';
import { requirePeer } from './peers.mjs';

const require = createRequire(import.meta.url);
export const M = 16, EF_CONSTRUCTION = 200, K = 10;
export const GLOVE_TRUTH = () => path.join(cacheDir(), 'hnsw-glove-gt-v1.i32');

export function gloveSplit() {
  const g = loadGlove();
  const dim = g.dim;
  const nq = 1000;
  const stride = Math.floor(g.count / nq);
  const isQuery = (i) => i % stride === 0 && i / stride < nq;
  const nb = g.count - nq;
  const base = new Float32Array(nb * dim);
  const queries = new Float32Array(nq * dim);
  for (let i = 0, b = 0, q = 0; i < g.count; i++) {
    const row = g.vectors.subarray(i * dim, (i + 1) * dim);
    if (isQuery(i)) queries.set(row, (q++) * dim);
    else base.set(row, (b++) * dim);
  }
  return { dim, base, queries, nb, nq };
}

export function loadData(dataset) {
  if (dataset === 'sift') {
    const s = loadSift10k();
    return {
      metric: 'l2', dim: s.base.dim, base: s.base.data, nb: s.base.count, queries: s.queries.data, nq: s.queries.count,
      gt: Int32Array.from({ length: s.queries.count * K }, (_, i) => s.groundTruth[Math.floor(i / K) * s.gtK + (i % K)]),
    };
  }
  const g = gloveSplit();
  const buf = fs.readFileSync(GLOVE_TRUTH());
  return { metric: 'cosine', ...g, gt: new Int32Array(buf.buffer, buf.byteOffset, buf.length / 4) };
}

function exactScore(metric, q, base, row, dim) {
  let dot = 0, qq = 0, vv = 0, l2 = 0;
  for (let k = 0; k < dim; k++) {
    const a = q[k], b = base[row * dim + k];
    dot += a * b; qq += a * a; vv += b * b; l2 += (a - b) * (a - b);
  }
  return metric === 'l2' ? l2 : dot / Math.sqrt(qq * vv || 1);
}

/** recall@10, accepting any id whose exact score ties (or beats) the 10th exact neighbour. */
export function recall(d, results) {
  let hits = 0;
  for (let qi = 0; qi < d.nq; qi++) {
    const q = d.queries.subarray(qi * d.dim, (qi + 1) * d.dim);
    const truth = new Set(d.gt.subarray(qi * K, qi * K + K));
    const kth = exactScore(d.metric, q, d.base, d.gt[qi * K + K - 1], d.dim);
    let h = 0;
    for (const id of results[qi]) {
      if (truth.has(id)) h++;
      else {
        const s = exactScore(d.metric, q, d.base, id, d.dim);
        if (d.metric === 'l2' ? s <= kth : s >= kth - 1e-6) h++;
      }
    }
    hits += Math.min(h, K);
  }
  return hits / (K * d.nq);
}

function maxsimAdapter(d, storage) {
  let idx = null;
  return {
    build(threads) {
      setThreads(threads);
      idx = new HnswIndex({ dim: d.dim, metric: d.metric, M, efConstruction: EF_CONSTRUCTION, storage });
      const ids = new BigUint64Array(d.nb);
      for (let i = 0; i < d.nb; i++) ids[i] = BigInt(i);
      idx.add(d.base, ids);
    },
    save(file) { idx.save(file); },
    load(file) { idx = HnswIndex.load(file); },
    setEf(ef) { idx.ef = ef; },
    search(q) { return idx.search(q, K).ids; },
    toNumbers(ids) { return Array.from(ids, Number); },
  };
}

function hnswlibAdapter(d) {
  const { HierarchicalNSW } = requirePeer('hnswlib-node');
  const space = d.metric === 'l2' ? 'l2' : 'cosine';
  let idx = null;
  // hnswlib-node takes number[] only: queries are converted once, outside the timed loop;
  // base rows are converted one at a time while building (as a user with Float32Arrays must).
  const qArrays = Array.from({ length: d.nq }, (_, i) => Array.from(d.queries.subarray(i * d.dim, (i + 1) * d.dim)));
  return {
    build() {
      idx = new HierarchicalNSW(space, d.dim);
      idx.initIndex(d.nb, M, EF_CONSTRUCTION, 100);
      for (let i = 0; i < d.nb; i++) idx.addPoint(Array.from(d.base.subarray(i * d.dim, (i + 1) * d.dim)), i);
    },
    save(file) { idx.writeIndexSync(file); },
    load(file) {
      idx = new HierarchicalNSW(space, d.dim);
      idx.readIndexSync(file);
    },
    setEf(ef) { idx.setEf(ef); },
    search(q, qi) { return idx.searchKnn(qArrays[qi], K).neighbors; },
    toNumbers(ids) { return ids; },
  };
}

function usearchAdapter(d) {
  const usearch = requirePeer('usearch');
  // expansion_search is fixed when a usearch Index is constructed (the JS binding has no
  // setter), so each ef re-opens the saved index with that setting, outside the timed loop.
  const make = (ef) => new usearch.Index({
    dimensions: d.dim, metric: d.metric === 'l2' ? 'l2sq' : 'cos', quantization: 'f32',
    connectivity: M, expansion_add: EF_CONSTRUCTION, expansion_search: ef,
  });
  let idx = null, file = null;
  return {
    build(threads) {
      idx = make(64);
      const keys = new BigUint64Array(d.nb);
      for (let i = 0; i < d.nb; i++) keys[i] = BigInt(i);
      idx.add(keys, d.base, threads);
    },
    save(f) { idx.save(f); },
    load(f) { file = f; idx = make(64); idx.load(f); },
    setEf(ef) { idx = make(ef); idx.load(file); },
    search(q) { return idx.search(q, K, 1).keys; },
    toNumbers(ids) { return Array.from(ids, Number); },
  };
}

export function makeAdapter(lib, d, storage = 'f32') {
  if (lib === 'maxsim') return maxsimAdapter(d, storage);
  if (lib === 'hnswlib') return hnswlibAdapter(d);
  if (lib === 'usearch') return usearchAdapter(d);
  throw new Error(`unknown library ${lib}`);
}
