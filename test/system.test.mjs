// capabilities(), setThreads(), and MAXSIM_SIMD forcing a lower level in a fresh process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'child_process';
import { createRequire } from 'module';
const require = createRequire(import.meta.url);
import * as m from '../dist/index.js';

test('capabilities reports level, features, threads, version and cuda', () => {
  const c = m.capabilities();
  assert.ok(['scalar', 'avx2', 'avx512', 'neon'].includes(c.simd));
  assert.ok(Array.isArray(c.features));
  assert.type(c.threads, 'number');
  assert.ok(c.threads >= 1);
  assert.is(c.version, JSON.parse(require('fs').readFileSync(new URL('../package.json', import.meta.url))).version);
  assert.is(c.cuda, false);
  if (process.arch === 'x64' && c.bestSimd === 'avx512') {
    for (const f of ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq']) assert.ok(c.features.includes(f), f);
  }
});

test('default thread count is the machine size; setThreads changes it', () => {
  const before = m.capabilities().threads;
  assert.is(m.setThreads(3), 3);
  assert.is(m.capabilities().threads, 3);
  assert.is(m.setThreads(1), 1);
  assert.is(m.setThreads(before), before);
});

test('MAXSIM_SIMD forces each supported level, and never raises above the CPU', () => {
  const levels = m.supportedSimdLevels();
  for (const lvl of [...levels, 'avx512']) {
    const out = execFileSync(process.execPath, ['-e', "process.stdout.write(require('./dist').capabilities().simd)"], {
      cwd: new URL('..', import.meta.url).pathname, env: { ...process.env, MAXSIM_SIMD: lvl },
    }).toString();
    const expected = levels.includes(lvl) ? lvl : levels[levels.length - 1];
    assert.is(out, expected, `MAXSIM_SIMD=${lvl}`);
  }
});

test('setSimdLevel clamps to what the CPU supports', () => {
  const best = m.capabilities().bestSimd;
  assert.is(m.setSimdLevel('scalar'), 'scalar');
  assert.is(m.capabilities().kernels, 'scalar');
  assert.is(m.setSimdLevel('avx512'), best === 'neon' ? 'neon' : best);
});

test.run();
