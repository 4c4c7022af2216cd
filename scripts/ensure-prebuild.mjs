#!/usr/bin/env node
// Makes sure prebuilds/<platform>-<arch>/ holds an N-API prebuild of the current native sources,
// running `npm run prebuild` (prebuildify) when it is missing or older than any source file.
// The test suite then loads that prebuild from a clean folder with no compiler on PATH.
import { execSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);

function newest(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...fs.readdirSync(p).map((e) => newest(path.join(p, e))));
}

const built = fs.existsSync(dir) ? Math.min(...fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).mtimeMs), Infinity) : 0;
const sources = Math.max(newest(path.join(root, 'native')), newest(path.join(root, 'binding.gyp')));
if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0 || built < sources) {
  console.log(`ensure-prebuild: building ${path.relative(root, dir)} with prebuildify`);
  execSync('npm run prebuild', { cwd: root, stdio: 'inherit' });
} else {
  console.log(`ensure-prebuild: ${path.relative(root, dir)} is up to date`);
}
