// The CUDA backend never gets in the way: the default build reports cuda: false; where nvcc
// exists the CUDA sources compile for sm_80 and sm_90, and the standalone GPU test runs (it
// skips, saying so, on a machine without a GPU -- GPU results are checked there, not here).
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
  const c = m.capabilities();
  assert.is(c.cudaBuilt, false);
  assert.is(c.cuda, false);
});

test('CUDA sources compile for sm_80 and sm_90, and the standalone GPU test runs', () => {
  if (!has('nvcc')) { console.log('  skipped: nvcc is not installed'); return; }
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-cuda-'));
  try {
    const core = ['native/core/checksum.cpp', 'native/core/cpu_features.cpp', 'native/core/error.h', 'native/core/file_format.cpp',
      'native/core/thread_pool.cpp', 'native/kernels/dispatch.cpp', 'native/kernels/scalar.cpp', 'native/kernels/neon.cpp']
      .filter((f) => f.endsWith('.cpp'));
    const bin = path.join(out, 'cuda_check');
    execFileSync('nvcc', ['-std=c++17', '-O2', '-gencode', 'arch=compute_80,code=sm_80', '-gencode', 'arch=compute_90,code=sm_90',
      '-DMAXSIM_WITH_CUDA', '-DMAXSIM_NO_X86_KERNELS', 'native/cuda/tests/cuda_check.cpp', 'native/cuda/maxsim_cuda.cu', ...core, '-o', bin],
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

test.run();
