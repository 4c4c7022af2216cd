// The standalone C++ kernel check (native/tests/kernel_check.cpp, no Node): every kernel table
// against the scalar one. The arm64 run cross-compiles and executes the NEON kernels under qemu
// when aarch64-linux-gnu-g++ and qemu-aarch64 are installed, and is skipped (saying so) otherwise.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, execSync } from 'child_process';
import * as path from 'path';
import { fileURLToPath } from 'url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const has = (cmd) => { try { execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' }); return true; } catch { return false; } };

function run(args) {
  const out = execFileSync('bash', [path.join(root, 'scripts', 'check-kernels.sh'), ...args], { cwd: root }).toString();
  const m = out.match(/(\d+) passed, (\d+) failed/);
  assert.ok(m, out);
  assert.is(Number(m[2]), 0, out);
  assert.ok(Number(m[1]) > 100, out);
  return out;
}

test('C++ kernel check on this CPU: every SIMD table equals scalar', () => {
  if (!has('g++')) { console.log('  skipped: no g++ on PATH'); return; }
  run([]);
});

test('C++ kernel check for arm64 NEON under qemu', () => {
  if (!has('aarch64-linux-gnu-g++') || !(has('qemu-aarch64-static') || has('qemu-aarch64'))) {
    console.log('  skipped: needs g++-aarch64-linux-gnu and qemu-user-static (apt) to cross-check NEON');
    return;
  }
  const out = run(['aarch64-linux-gnu-']);
  assert.ok(out.includes('neon'), out);
});

test.run();
