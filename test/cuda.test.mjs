// The CUDA backend never gets in the way: the default build reports cuda: false; where nvcc
// exists every CUDA source (all of native/cuda/*.cu) compiles for sm_80 and sm_90, and the
// standalone GPU test runs (it skips, saying so, on a machine without a GPU -- GPU results are
// checked there, not here). Without CUDA every device class gives ERR_CUDA_UNAVAILABLE, after
// its arguments are validated.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, execSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';
import * as m from '../dist/index.js';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const has = (cmd) => { try { execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' }); return true; } catch { return false; } };

test('the default (prebuild / node-gyp) build is CPU-only and says so', () => {
  // binding.gyp (node-gyp, prebuildify) never names a CUDA source or the CUDA switch.
  const gyp = fs.readFileSync(path.join(root, 'binding.gyp'), 'utf8');
  assert.not.match(gyp, /MAXSIM_WITH_CUDA|\.cu\b|cudart/);
  const c = m.capabilities();
  if (c.cudaBuilt) {
    // A binary from npm run build:cuda: it must then describe the devices it sees.
    console.log('  this binary was built with CUDA (npm run build:cuda): checked its device list instead');
    assert.ok(c.cuda === false || (Array.isArray(c.cuda) && c.cuda.every((d) => typeof d.name === 'string' && d.totalMemory > 0)));
    return;
  }
  assert.is(c.cuda, false);
});

test('CUDA sources compile for sm_80 and sm_90, and the standalone GPU test runs', () => {
  if (!has('nvcc')) { console.log('  skipped: nvcc is not installed'); return; }
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-cuda-'));
  try {
    const core = ['native/core/checksum.cpp', 'native/core/cpu_features.cpp', 'native/core/error.h', 'native/core/file_format.cpp',
      'native/core/thread_pool.cpp', 'native/kernels/dispatch.cpp', 'native/kernels/scalar.cpp', 'native/kernels/neon.cpp',
      // the CPU PQ MaxSim the GPU one is checked against
      'native/quant/product_quantizer.cpp', 'native/quant/pq_maxsim.cpp', 'native/quant/quant_kernels.cpp', 'native/quant/fastscan.cpp',
      'native/quant/kmeans.cpp', 'native/quant/linalg.cpp', 'native/scoring/maxsim.cpp']
      .filter((f) => f.endsWith('.cpp'));
    const cudaSources = fs.readdirSync(path.join(root, 'native/cuda')).filter((f) => f.endsWith('.cu')).map((f) => `native/cuda/${f}`);
    assert.ok(cudaSources.length >= 5, cudaSources.join(' '));
    const bin = path.join(out, 'cuda_check');
    execFileSync('nvcc', ['-std=c++17', '-O2', '-gencode', 'arch=compute_80,code=sm_80', '-gencode', 'arch=compute_90,code=sm_90',
      '-DMAXSIM_WITH_CUDA', '-DMAXSIM_NO_X86_KERNELS', 'native/cuda/tests/cuda_check.cpp', ...cudaSources, ...core, '-o', bin],
    { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const res = execFileSync(bin).toString();
    const mm = res.match(/(\d+) passed, (\d+) failed/);
    assert.ok(mm, res);
    assert.is(Number(mm[2]), 0, res);
    if (res.includes('skipped')) console.log(`  GPU part ${res.split('\n')[0]}`);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});


test('asking for the GPU without one gives ERR_CUDA_UNAVAILABLE; the native class checks its this', () => {
  const docs = new Float32Array(8);
  const offsets = new Uint32Array([0, 2]);
  if (m.capabilities().cuda === false) {
    try {
      m.DeviceDocuments.upload(docs, offsets, 4);
      assert.unreachable('upload should fail without CUDA');
    } catch (e) {
      assert.instance(e, m.MaxsimError);
      assert.is(e.code, 'ERR_CUDA_UNAVAILABLE');
    }
  }
  try {
    m.DeviceDocuments.upload(m.quantizeInt8(docs, 4), offsets, 4);
    assert.unreachable();
  } catch (e) {
    assert.is(e.code, 'ERR_INVALID_ARGUMENT');
  }
});

const expectCode = (code, fn) => {
  try {
    fn();
  } catch (e) {
    assert.instance(e, m.MaxsimError);
    assert.is(e.code, code, e.message);
    return;
  }
  assert.unreachable(`expected ${code}`);
};
const noCuda = m.capabilities().cuda === false;

test('DeviceDocuments: arguments are checked before the device is asked for', () => {
  const docs = new Float32Array(12);
  expectCode('ERR_BAD_OFFSETS', () => m.DeviceDocuments.upload(docs, new Uint32Array([0, 2]), 4));
  expectCode('ERR_DIMENSION_MISMATCH', () => m.DeviceDocuments.upload(new Float32Array(7), new Uint32Array([0, 1]), 4));
  expectCode('ERR_INVALID_ARGUMENT', () => m.DeviceDocuments.upload(docs, new Uint32Array([0, 3]), 4, { device: -1 }));
  expectCode('ERR_INVALID_ARGUMENT', () => m.DeviceDocuments.upload(docs, new Uint32Array([0, 3]), 4, { device: 0.5 }));
  // NaN or Infinity in f16 / bf16 documents (toF16 and toBf16 keep them) is refused before upload.
  const bad = new Float32Array(12).fill(0.25);
  for (const v of [NaN, Infinity, -Infinity]) {
    bad[9] = v;
    expectCode('ERR_NON_FINITE', () => m.DeviceDocuments.upload(m.toF16(bad, 4), new Uint32Array([0, 3]), 4));
    expectCode('ERR_NON_FINITE', () => m.DeviceDocuments.upload(m.toBf16(bad, 4), new Uint32Array([0, 3]), 4));
    expectCode('ERR_NON_FINITE', () => m.DeviceFdeCollection.upload(m.toF16(bad, 4), 4));
  }
  if (noCuda) {
    expectCode('ERR_CUDA_UNAVAILABLE', () => m.DeviceDocuments.upload(m.toF16(docs, 4), new Uint32Array([0, 1, 3]), 4));
    expectCode('ERR_CUDA_UNAVAILABLE', () => m.DeviceDocuments.upload(m.toBf16(docs, 4), new Uint32Array([0, 3]), 4, { device: 3 }));
  }
});

test('DevicePqDocuments: 8-bit PQ only, codes and offsets checked, then ERR_CUDA_UNAVAILABLE', () => {
  const dim = 8, n = 300;
  const data = new Float32Array(n * dim).map((_, i) => Math.sin(i * 0.37));
  const pq8 = m.ProductQuantizer.train(data, dim, { M: 4, nbits: 8, iterations: 2 });
  const pq4 = m.ProductQuantizer.train(data, dim, { M: 4, nbits: 4, iterations: 2 });
  const codes = pq8.encode(data.subarray(0, 5 * dim));
  assert.is(codes.length, 5 * 4);
  const offsets = new Uint32Array([0, 1, 1, 5]);
  expectCode('ERR_INVALID_ARGUMENT', () => m.DevicePqDocuments.upload({}, codes, offsets));
  expectCode('ERR_INVALID_ARGUMENT', () => m.DevicePqDocuments.upload(pq4, codes, offsets));
  expectCode('ERR_INVALID_ARGUMENT', () => m.DevicePqDocuments.upload(pq8, Array.from(codes), offsets));
  expectCode('ERR_DIMENSION_MISMATCH', () => m.DevicePqDocuments.upload(pq8, codes.subarray(0, 7), offsets));
  expectCode('ERR_BAD_OFFSETS', () => m.DevicePqDocuments.upload(pq8, codes, new Uint32Array([0, 4])));
  expectCode('ERR_INVALID_ARGUMENT', () => m.DevicePqDocuments.upload(pq8, codes, offsets, { device: -2 }));
  if (noCuda) expectCode('ERR_CUDA_UNAVAILABLE', () => m.DevicePqDocuments.upload(pq8, codes, offsets));
});

test('DeviceFdeCollection: f32 or f16 vectors, then ERR_CUDA_UNAVAILABLE', () => {
  const dim = 10;
  const v = new Float32Array(3 * dim).fill(0.5);
  expectCode('ERR_DIMENSION_MISMATCH', () => m.DeviceFdeCollection.upload(v.subarray(1), dim));
  expectCode('ERR_INVALID_ARGUMENT', () => m.DeviceFdeCollection.upload(m.quantizeInt8(v, dim), dim));
  expectCode('ERR_INVALID_ARGUMENT', () => m.DeviceFdeCollection.upload(v, 0));
  expectCode('ERR_INVALID_ARGUMENT', () => m.DeviceFdeCollection.upload(v, dim, { device: 'x' }));
  if (noCuda) {
    expectCode('ERR_CUDA_UNAVAILABLE', () => m.DeviceFdeCollection.upload(v, dim));
    expectCode('ERR_CUDA_UNAVAILABLE', () => m.DeviceFdeCollection.upload(m.toF16(v, dim), dim));
  }
});

test('the native classes validate again and check their this', async () => {
  const { native } = await import('../dist/native.js');
  const code = (fn) => { try { fn(); } catch (e) { return e.code; } return 'no error'; };
  // Native argument checks run before the device is asked for.
  assert.is(code(() => new native.DevicePqDocuments(0, 8, 3, new Float32Array(8 * 256), null, new Uint8Array(3), new Uint32Array([0, 1]))),
    'ERR_INVALID_ARGUMENT');
  assert.is(code(() => new native.DevicePqDocuments(0, 8, 4, new Float32Array(100), null, new Uint8Array(4), new Uint32Array([0, 1]))),
    'ERR_DIMENSION_MISMATCH');
  assert.is(code(() => new native.DevicePqDocuments(0, 8, 4, new Float32Array(8 * 256), new Float32Array(3), new Uint8Array(4), new Uint32Array([0, 1]))),
    'ERR_DIMENSION_MISMATCH');
  assert.is(code(() => new native.DevicePqDocuments(0, 8, 4, new Float32Array(8 * 256), null, new Uint8Array(4), new Uint32Array([0, 2]))),
    'ERR_BAD_OFFSETS');
  assert.is(code(() => new native.DeviceFdeCollection(0, 3, new Int8Array(8), new Float32Array(2), 4)), 'ERR_INVALID_ARGUMENT');
  assert.is(code(() => new native.DeviceDocuments(0, 0, new Float32Array([1, NaN, 0, 0]), undefined, 4, new Uint32Array([0, 1]))),
    'ERR_NON_FINITE');
  if (noCuda) {
    assert.is(code(() => new native.DevicePqDocuments(0, 8, 4, new Float32Array(8 * 256), null, new Uint8Array(4), new Uint32Array([0, 1]))),
      'ERR_CUDA_UNAVAILABLE');
    assert.is(code(() => new native.DeviceFdeCollection(0, 1, new Uint16Array(8), undefined, 4)), 'ERR_CUDA_UNAVAILABLE');
  }
  // Methods called on a foreign object throw instead of reading foreign memory (V8 rejects the
  // receiver first here; the type tag check behind it needs a live instance, i.e. a GPU).
  for (const Cls of [native.DeviceDocuments, native.DevicePqDocuments, native.DeviceFdeCollection])
    for (const method of ['scoreMatrix', 'scoreMatrixAsync', 'topK', 'topKAsync', 'deviceBytes', 'release']) {
      let err;
      try { Cls.prototype[method].call({}, new Float32Array(4), new Uint32Array([0, 1]), 1); } catch (e) { err = e; }
      assert.ok(err instanceof TypeError || err?.code === 'ERR_INVALID_ARGUMENT', `${method}: ${err}`);
    }
});

test.run();
