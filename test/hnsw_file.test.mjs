// HNSW persistence: identical results after save/load (in memory and mmap), read-only mmap,
// atomic save, and a fuzz of truncated and altered files that must all give ERR_CORRUPT_FILE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { HnswIndex, MaxsimError } from '../dist/index.js';
import { randomVectors, rng, seqIds, fuzzResealed, reseal } from './hnsw_helpers.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-hnsw-'));
const dim = 9;

function buildIndex(metric, storage, n = 400) {
  const idx = new HnswIndex({ dim, metric, storage, M: 6, efConstruction: 40, ef: 33 });
  idx.add(randomVectors(n, dim, 17), seqIds(n, 1000));
  idx.delete([1003, 1010, 1100]);
  return idx;
}

function sameResults(a, b, label) {
  const queries = randomVectors(25, dim, 4);
  for (let qi = 0; qi < 25; qi++) {
    const q = queries.subarray(qi * dim, (qi + 1) * dim);
    for (const opts of [{}, { ef: 10 }, { filter: { deny: [1001, 1002] } }]) {
      const ra = a.search(q, 8, opts);
      const rb = b.search(q, 8, opts);
      assert.equal([...rb.ids], [...ra.ids], label);
      assert.equal([...rb.scores], [...ra.scores], label);
    }
  }
}

function expectCorrupt(fn, label) {
  try {
    const idx = fn();
    // A load that passes must still be a working index (it cannot: the checksum covers it all).
    idx.search(new Float32Array(dim), 3);
  } catch (e) {
    assert.instance(e, MaxsimError, `${label}: ${e && e.message}`);
    assert.is(e.code, 'ERR_CORRUPT_FILE', `${label}: ${e.message}`);
    return;
  }
  assert.unreachable(`${label}: a damaged file loaded`);
}

test('save/load give identical results for every metric and storage; parameters persist', async () => {
  for (const metric of ['l2', 'ip', 'cosine']) {
    for (const storage of ['f32', 'f16', 'int8']) {
      const idx = buildIndex(metric, storage);
      const file = path.join(dir, `${metric}-${storage}.hnsw`);
      idx.save(file);
      assert.not.ok(fs.readdirSync(dir).some((f) => f.includes('.tmp')), 'no temporary file left');
      const loaded = HnswIndex.load(file);
      loaded.checkIntegrity();
      assert.is(loaded.metric, metric);
      assert.is(loaded.storage, storage);
      assert.is(loaded.dim, dim);
      assert.is(loaded.M, 6);
      assert.is(loaded.efConstruction, 40);
      assert.is(loaded.ef, 33);
      assert.is(loaded.size, idx.size);
      assert.not.ok(loaded.has(1003));
      assert.equal(loaded.getVector(1005), idx.getVector(1005));
      sameResults(idx, loaded, `${metric}/${storage}`);
      const mapped = HnswIndex.load(file, { mmap: true });
      assert.ok(mapped.readOnly);
      sameResults(idx, mapped, `${metric}/${storage} mmap`);
      const viaAsync = await HnswIndex.loadAsync(file);
      sameResults(idx, viaAsync, `${metric}/${storage} async`);
      // a loaded (non-mmap) index stays writable and keeps working after growth
      loaded.add(randomVectors(50, dim, 99), seqIds(50, 5000));
      loaded.checkIntegrity();
      assert.is(loaded.size, idx.size + 50);
    }
  }
});

test('an empty index round-trips', () => {
  const file = path.join(dir, 'empty.hnsw');
  new HnswIndex({ dim: 4, metric: 'l2' }).save(file);
  const e = HnswIndex.load(file);
  assert.is(e.size, 0);
  assert.is(e.search(new Float32Array(4), 2).ids.length, 0);
  e.add(new Float32Array(4), [1]);
  assert.is(e.size, 1);
});

test('mmap indexes are read-only: every mutation throws MaxsimError', async () => {
  const file = path.join(dir, 'ro.hnsw');
  buildIndex('l2', 'f32').save(file);
  const m = HnswIndex.load(file, { mmap: true });
  const mut = [
    () => m.add(new Float32Array(dim), [1]),
    () => m.upsert(new Float32Array(dim), [1001]),
    () => m.delete([1001]),
    () => m.compact(),
  ];
  for (const fn of mut) {
    try {
      fn();
      assert.unreachable('mutation of a mapped index succeeded');
    } catch (e) {
      assert.instance(e, MaxsimError);
      assert.is(e.code, 'ERR_INVALID_ARGUMENT');
      assert.match(e.message, /read-only/);
    }
  }
  try {
    await m.addAsync(new Float32Array(dim), [1]);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MaxsimError);
  }
  assert.ok(m.has(1001));
  // saving a mapped index writes a normal, loadable file
  const copy = path.join(dir, 'ro-copy.hnsw');
  m.save(copy);
  sameResults(m, HnswIndex.load(copy), 'copy of mmap');
});

test('missing files and wrong kinds are rejected', () => {
  try {
    HnswIndex.load(path.join(dir, 'nope.hnsw'));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MaxsimError);
    assert.ok(e.code === 'ERR_IO' || e.code === 'ERR_CORRUPT_FILE', e.code);
  }
  const junk = path.join(dir, 'junk.hnsw');
  fs.writeFileSync(junk, Buffer.from('not an index at all, just text'));
  expectCorrupt(() => HnswIndex.load(junk), 'junk');
  try {
    HnswIndex.load(42);
    assert.unreachable();
  } catch (e) {
    assert.is(e.code, 'ERR_INVALID_ARGUMENT');
  }
});

test('fuzz: truncation at many points and byte flips give ERR_CORRUPT_FILE, never a crash', () => {
  const file = path.join(dir, 'fuzz.hnsw');
  buildIndex('cosine', 'int8', 120).save(file);
  const good = fs.readFileSync(file);
  const bad = path.join(dir, 'bad.hnsw');
  const r = rng(1234);
  // every length in the header region, then many points through the body
  const cuts = new Set([0, 1, 7, 8, 31, 32, 33, good.length - 1, good.length - 4, good.length - 5]);
  for (let i = 0; i < 64; i++) cuts.add(i);
  while (cuts.size < 300) cuts.add(Math.floor(r() * good.length));
  for (const cut of cuts) {
    fs.writeFileSync(bad, good.subarray(0, cut));
    for (const mmap of [false, true]) expectCorrupt(() => HnswIndex.load(bad, { mmap }), `truncated at ${cut}`);
  }
  for (let i = 0; i < 300; i++) {
    const b = Buffer.from(good);
    const pos = i < 40 ? i : Math.floor(r() * b.length);
    b[pos] ^= 1 + Math.floor(r() * 255);
    fs.writeFileSync(bad, b);
    expectCorrupt(() => HnswIndex.load(bad, { mmap: i % 2 === 1 }), `flipped byte ${pos}`);
  }
  // appended garbage
  fs.writeFileSync(bad, Buffer.concat([good, Buffer.from([1, 2, 3, 4])]));
  expectCorrupt(() => HnswIndex.load(bad), 'appended bytes');
  // the intact file still loads
  assert.ok(HnswIndex.load(file).size > 0);
});

test('fuzz past the checksum: altered fields with a valid checksum are rejected or load into a working index', () => {
  const file = path.join(dir, 'reseal.hnsw');
  buildIndex('l2', 'f32', 150).save(file);
  const good = fs.readFileSync(file);
  assert.ok(HnswIndex.load(file).size > 0);
  reseal(good); // resealing an intact file changes nothing
  assert.ok(good.equals(fs.readFileSync(file)), 'crc32c in JS matches the native one');
  const bad = path.join(dir, 'reseal-bad.hnsw');
  const r = rng(77);
  const { rejected, loaded } = fuzzResealed(good, bad, { rounds: 400, headerBytes: 80, width: () => 1 + Math.floor(r() * 4), r, queries: 3, ef: 50 });
  assert.ok(rejected > 50, `rejected ${rejected}, loaded ${loaded}`);
});

test('save is atomic: a failed save leaves the previous file intact', () => {
  const file = path.join(dir, 'atomic.hnsw');
  const idx = buildIndex('l2', 'f32');
  idx.save(file);
  const before = fs.readFileSync(file);
  try {
    idx.save(path.join(dir, 'no-such-dir', 'x.hnsw'));
    assert.unreachable();
  } catch (e) {
    assert.instance(e, MaxsimError);
    assert.is(e.code, 'ERR_IO');
  }
  assert.ok(before.equals(fs.readFileSync(file)));
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
