// The GloVe ANN split shared by the HNSW benchmark processes: 1,000 held-out query words
// (every floor(count/1000)-th word) and all other words as the base (340,479 x 100).
import { loadGlove } from '../../dist/index.js';

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

