// A plain JS MUVERA FDE encoder, written from the paper's description, for checking the native
// one. Random streams use the same splitmix64 + Box-Muller draws (BigInt arithmetic).
const M64 = (1n << 64n) - 1n;

function makeStream(seed, stream, rep) {
  let s = (BigInt(seed) ^ ((0x51ed270b0b2f3b5dn * BigInt(stream + 1)) & M64) ^ ((0x2545f4914f6cdd1dn * BigInt(rep + 1)) & M64)) & M64;
  const next = () => {
    s = (s + 0x9e3779b97f4a7c15n) & M64;
    let z = s;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    return z ^ (z >> 31n);
  };
  next();
  return {
    next,
    uniform: () => (Number(next() >> 11n) + 1) / 9007199254740992,
    gaussian() {
      const u1 = this.uniform(), u2 = this.uniform();
      return Math.sqrt(-2 * Math.log(u1)) * Math.cos(6.283185307179586 * u2);
    },
  };
}

export function fdeReference(tokens, ntok, { dim, repetitions, simhashBits, projectionDim, seed, fillEmptyPartitions = true, kind }) {
  const proj = projectionDim || dim;
  const identity = proj === dim;
  const P = 2 ** simhashBits;
  const out = new Float64Array(repetitions * P * proj);
  for (let r = 0; r < repetitions; r++) {
    const hs = makeStream(seed, 0, r);
    const H = Array.from({ length: simhashBits * dim }, () => Math.fround(hs.gaussian()));
    let S;
    if (!identity) {
      const ps = makeStream(seed, 1, r);
      const scale = Math.fround(1 / Math.sqrt(proj));
      S = Array.from({ length: proj * dim }, () => ((ps.next() >> 63n) ? scale : -scale));
    }
    const count = new Array(P).fill(0);
    const projected = [];
    const signs = [];
    for (let j = 0; j < ntok; j++) {
      const x = tokens.subarray(j * dim, (j + 1) * dim);
      let idx = 0, sb = 0;
      for (let b = 0; b < simhashBits; b++) {
        let d = 0;
        for (let k = 0; k < dim; k++) d += x[k] * H[b * dim + k];
        const bit = d > 0 ? 1 : 0;
        sb |= bit << b;
        idx = (idx << 1) | (bit ^ (idx & 1));  // Gray code of the sign pattern
      }
      signs.push(sb);
      const p = new Float64Array(proj);
      for (let o = 0; o < proj; o++) {
        if (identity) p[o] = x[o];
        else { let d = 0; for (let k = 0; k < dim; k++) d += x[k] * S[o * dim + k]; p[o] = d; }
      }
      projected.push(p);
      for (let o = 0; o < proj; o++) out[(r * P + idx) * proj + o] += p[o];
      count[idx]++;
    }
    if (kind === 'query') continue;
    for (let c = 0; c < P; c++) {
      if (count[c] > 1) for (let o = 0; o < proj; o++) out[(r * P + c) * proj + o] /= count[c];
      if (count[c] === 0 && fillEmptyPartitions && ntok > 0) {
        // Sign bits of partition c (invert the Gray code), then the token with the nearest bits.
        let want = 0, prevG = 0;
        for (let b = 0; b < simhashBits; b++) {
          const g = (c >> (simhashBits - 1 - b)) & 1;
          want |= (g ^ prevG) << b;
          prevG = g;
        }
        let best = 0, bestDist = Infinity;
        signs.forEach((s, j) => {
          let d = 0;
          for (let v = s ^ want; v; v &= v - 1) d++;
          if (d < bestDist) { bestDist = d; best = j; }
        });
        for (let o = 0; o < proj; o++) out[(r * P + c) * proj + o] = projected[best][o];
      }
    }
  }
  return out;
}
