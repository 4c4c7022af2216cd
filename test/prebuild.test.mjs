// The prebuild (prebuilds/<platform>-<arch>/, made by prebuildify in scripts/ensure-prebuild.mjs)
// loads and works from a clean folder that holds only what `npm install maxsim` would unpack --
// no build/ folder, no C++ sources -- with no compiler on PATH.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

test('a prebuild loads and scores from a clean directory without a compiler', () => {
  const prebuildDir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  assert.ok(fs.existsSync(prebuildDir) && fs.readdirSync(prebuildDir).length > 0, 'run scripts/ensure-prebuild.mjs first');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'maxsim-prebuild-'));
  try {
    const pkg = path.join(tmp, 'node_modules', 'maxsim');
    fs.mkdirSync(pkg, { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    fs.cpSync(path.join(root, 'dist'), path.join(pkg, 'dist'), { recursive: true });
    fs.cpSync(path.join(root, 'prebuilds'), path.join(pkg, 'prebuilds'), { recursive: true });
    fs.cpSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(tmp, 'node_modules', 'node-gyp-build'), { recursive: true });
    const emptyBin = path.join(tmp, 'bin');
    fs.mkdirSync(emptyBin);
    const script = `
      const { execSync } = require('child_process');
      let compiler = 'none';
      for (const cc of ['cc', 'gcc', 'g++', 'clang', 'c++']) {
        try { execSync('command -v ' + cc, { stdio: 'ignore', shell: '/bin/sh' }); compiler = cc; } catch {}
      }
      const where = require('node-gyp-build').path(require('path').dirname(require.resolve('maxsim/package.json')));
      const m = require('maxsim');
      const q = new Float32Array([1, 0, 0, 1]);
      const docs = new Float32Array([0.5, 0.5, 1, 0, 0, 1, -1, 0]);
      const s = m.maxsimBatch(q, docs, new Uint32Array([0, 2, 4]), 2);
      process.stdout.write(JSON.stringify({ compiler, where, scores: Array.from(s), simd: m.capabilities().simd }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], {
      cwd: tmp, env: { PATH: emptyBin, HOME: tmp },
    }).toString());
    assert.is(out.compiler, 'none', 'a compiler was reachable');
    assert.ok(out.where.includes(`${path.sep}prebuilds${path.sep}`), `loaded ${out.where}`);
    assert.equal(out.scores, [0.5 + 1, 0 + 1]);
    assert.ok(out.simd.length > 0);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
