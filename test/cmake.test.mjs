// `npm run build:cmake` (cmake-js) builds the same addon from the same source lists as
// binding.gyp. Skipped, with the reason printed, where cmake is not installed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync, execSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { createRequire } from 'module';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

let cmake = true;
try { execSync('cmake --version', { stdio: 'ignore' }); } catch { cmake = false; }

test('cmake-js builds an addon that scores like the node-gyp one', () => {
  if (!cmake) { console.log('  skipped: cmake is not installed'); return; }
  const out = path.join(root, 'build-cmake');
  execFileSync(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '-O', 'build-cmake', '--parallel', '2'], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'],
  });
  const addonPath = path.join(out, 'Release', 'maxsim.node');
  assert.ok(fs.existsSync(addonPath), addonPath);
  const cm = require(addonPath);
  const gyp = require('node-gyp-build')(root);  // the prebuild or node-gyp build the package loads
  const q = new Float32Array([0.1, -0.2, 0.3, 0.5, 0.5, -0.5]);
  const docs = new Float32Array(30).map((_, i) => Math.sin(i));
  const offsets = new Uint32Array([0, 4, 10]);
  assert.equal(cm.maxsimBatch(q, 0, docs, undefined, 3, offsets), gyp.maxsimBatch(q, 0, docs, undefined, 3, offsets));
  assert.is(cm.capabilities().kernels, gyp.capabilities().kernels);
});

test.run();
