import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kmeans, setThreads, capabilities, supportedSimdLevels, setSimdLevel, MaxsimError } from '../dist/index.js';

function rng(seed) {
  let s = seed >>> 0;
  return () => { s = (s * 1664525 + 1013904223) >>> 0; return s / 4294967296; };
}
function gauss(r) { return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()); }

// Well-separated Gaussian blobs: no point sits near a tie, so float rounding cannot flip an
// assignment between the native kernels and the double-precision reference.
function blobs(n, dim, centers, seed) {
  const r = rng(seed);
  const c = new Float64Array(centers * dim).map(() => (r() - 0.5) * 40);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) x[i * dim + k] = c[(i % centers) * dim + k] + gauss(r);
  return x;
}

// Plain Lloyd in double precision, with the same empty-cluster split as the native code.
function lloydRef(x, dim, init, k, iters) {
  const n = x.length / dim;
  const c = Float32Array.from(init);
  let assign = new Int32Array(n).fill(-1);
  let ran = 0;
  for (let it = 0; it < iters; it++) {
    const next = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = Infinity, bi = 0;
      for (let j = 0; j < k; j++) {
        let d = 0;
        for (let t = 0; t < dim; t++) d += (x[i * dim + t] - c[j * dim + t]) ** 2;
        if (d < best) { best = d; bi = j; }
      }
      next[i] = bi;
    }
    ran = it + 1;
    if (next.every((v, i) => v === assign[i])) break;
    assign = next;
    const sums = new Float64Array(k * dim), counts = new Array(k).fill(0);
    for (let i = 0; i < n; i++) { counts[assign[i]]++; for (let t = 0; t < dim; t++) sums[assign[i] * dim + t] += x[i * dim + t]; }
    for (let j = 0; j < k; j++) if (counts[j]) for (let t = 0; t < dim; t++) c[j * dim + t] = sums[j * dim + t] / counts[j];
    for (let j = 0; j < k; j++) {
      if (counts[j]) continue;
      let big = 0;
      for (let o = 1; o < k; o++) if (counts[o] > counts[big]) big = o;
      if (counts[big] < 2) break;
      const eps = 1 / 1024;
      for (let t = 0; t < dim; t++) {
        const v = c[big * dim + t];
        if (t % 2 === 0) { c[j * dim + t] = Math.fround(v * Math.fround(1 + eps)); c[big * dim + t] = Math.fround(v * Math.fround(1 - eps)); }
        else { c[j * dim + t] = Math.fround(v * Math.fround(1 - eps)); c[big * dim + t] = Math.fround(v * Math.fround(1 + eps)); }
      }
      counts[j] = Math.floor(counts[big] / 2);
      counts[big] -= counts[j];
    }
  }
  return { centroids: c, iterations: ran };
}

function close(a, b, tol) {
  assert.is(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > tol * (1 + Math.abs(b[i]))) assert.unreachable(`element ${i}: ${a[i]} vs ${b[i]}`);
}

test('matches a JS Lloyd reference from the same init (odd dim, every SIMD level)', () => {
  const dim = 7, k = 5, x = blobs(600, dim, k, 3);
  const init = x.slice(0, k * dim);  // points 0..4 come from the 5 different blobs
  const ref = lloydRef(x, dim, init, k, 15);
  for (const level of supportedSimdLevels()) {
    setSimdLevel(level);
    const r = kmeans(x, dim, { k, init, iterations: 15 });
    close(r.centroids, ref.centroids, 1e-5);
    assert.is(r.iterations, ref.iterations);
  }
  setSimdLevel(capabilities().bestSimd);
});

test('an empty cluster is re-seeded by splitting the largest one, as the reference does', () => {
  const dim = 3, k = 4, x = blobs(300, dim, 3, 9);
  const init = new Float32Array(k * dim);
  init.set(x.slice(0, 3 * dim));
  init.fill(1e4, 3 * dim);  // far from everything: empty after the first assignment
  const ref = lloydRef(x, dim, init, k, 12);
  const r = kmeans(x, dim, { k, init, iterations: 12 });
  assert.ok(r.emptySplits >= 1);
  close(r.centroids, ref.centroids, 1e-4);
  for (let t = 0; t < dim; t++) assert.ok(Math.abs(r.centroids[3 * dim + t]) < 100);
});

test('deterministic for a seed, whatever the thread count', () => {
  const dim = 16, x = blobs(5000, dim, 40, 5);
  const threads = capabilities().threads;
  setThreads(1);
  const a = kmeans(x, dim, { k: 32, seed: 77, iterations: 8 });
  setThreads(Math.max(2, threads));
  const b = kmeans(x, dim, { k: 32, seed: 77, iterations: 8 });
  setThreads(threads);
  assert.equal(Array.from(a.centroids), Array.from(b.centroids));
  const c = kmeans(x, dim, { k: 32, seed: 78, iterations: 8 });
  assert.not.equal(Array.from(a.centroids), Array.from(c.centroids));
});

test('k-means++ beats the worst case and the objective drops with iterations', () => {
  const dim = 5, x = blobs(2000, dim, 10, 11);
  const one = kmeans(x, dim, { k: 10, iterations: 1 });
  const many = kmeans(x, dim, { k: 10, iterations: 30 });
  assert.ok(many.objective <= one.objective);
  // Against one cluster (the total sum of squares), 10 clusters must explain most of the
  // spread; k-means++ can still merge two blobs (a local optimum), so no tighter bound.
  const mean = new Float64Array(dim);
  for (let i = 0; i < 2000; i++) for (let t = 0; t < dim; t++) mean[t] += x[i * dim + t] / 2000;
  let tss = 0;
  for (let i = 0; i < 2000; i++) for (let t = 0; t < dim; t++) tss += (x[i * dim + t] - mean[t]) ** 2;
  assert.ok(many.objective < 0.1 * tss, `objective ${many.objective} vs total ${tss}`);
});

test('spherical centroids are unit-norm', () => {
  const dim = 9, x = blobs(800, dim, 6, 2);
  const r = kmeans(x, dim, { k: 6, spherical: true });
  for (let j = 0; j < 6; j++) {
    let s = 0;
    for (let t = 0; t < dim; t++) s += r.centroids[j * dim + t] ** 2;
    assert.ok(Math.abs(Math.sqrt(s) - 1) < 1e-5);
  }
});

test('subsamples above maxPointsPerCentroid and stays deterministic', () => {
  const dim = 4, x = blobs(4000, dim, 4, 8);
  const a = kmeans(x, dim, { k: 4, maxPointsPerCentroid: 39, seed: 1 });
  const b = kmeans(x, dim, { k: 4, maxPointsPerCentroid: 39, seed: 1 });
  assert.equal(Array.from(a.centroids), Array.from(b.centroids));
});

test('fewer points than k: a clear error, or clamping with allowFewer', () => {
  const x = new Float32Array(3 * 10).map((_, i) => i);
  try {
    kmeans(x, 3, { k: 16 });
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MaxsimError);
    assert.is(e.code, 'ERR_INVALID_ARGUMENT');
    assert.match(e.message, /k = 16/);
    assert.match(e.message, /got 10/);
    assert.match(e.message, /allowFewer/);
  }
  const r = kmeans(x, 3, { k: 16, allowFewer: true });
  assert.is(r.k, 10);
  assert.is(r.centroids.length, 30);
});

test('bad arguments give MaxsimError codes, never a crash', () => {
  const x = new Float32Array(40);
  const code = (fn) => { try { fn(); } catch (e) { return e.code; } return 'none'; };
  assert.is(code(() => kmeans(x, 3, { k: 2 })), 'ERR_DIMENSION_MISMATCH');
  assert.is(code(() => kmeans(x, 4, { k: 0 })), 'ERR_INVALID_ARGUMENT');
  assert.is(code(() => kmeans([1, 2], 1, { k: 1 })), 'ERR_INVALID_ARGUMENT');
  assert.is(code(() => kmeans(x, 4, { k: 2, init: new Float32Array(3) })), 'ERR_DIMENSION_MISMATCH');
  const bad = new Float32Array(40); bad[5] = NaN;
  assert.is(code(() => kmeans(bad, 4, { k: 2 })), 'ERR_NON_FINITE');
  // Starting centroids too: a NaN one never wins a point and was silently replaced (or, with
  // no iterations, returned as it was).
  for (const iterations of [0, 5]) {
    const init = new Float32Array(8).fill(0.5);
    init[6] = Infinity;
    assert.is(code(() => kmeans(x, 4, { k: 2, init, iterations })), 'ERR_NON_FINITE');
  }
});

test.run();
