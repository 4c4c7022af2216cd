#!/usr/bin/env node
// Lists the C++ sources of one build target, for binding.gyp (via <!@(...)) and CMakeLists.txt.
// Kernel files carry their ISA in the name and get that ISA's flags; everything else is built
// with none. Usage: node scripts/sources.js core|binding|avx2|avx512|avx512_vnni|avx512_bf16|avx512_popcnt
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const ISA_SUFFIXES = ['avx512_vnni', 'avx512_bf16', 'avx512_popcnt', 'avx512', 'avx2'];

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.cpp')) out.push(path.relative(root, p).split(path.sep).join('/'));
  }
  return out;
}

function isaOf(file) {
  const base = path.basename(file, '.cpp');
  return ISA_SUFFIXES.find((s) => base === s || base.endsWith('_' + s)) || null;
}

const target = process.argv[2];
const all = walk(path.join(root, 'native'), []).filter((f) => !f.startsWith('native/cuda/')).sort();
let files;
if (target === 'binding') files = all.filter((f) => f.startsWith('native/binding/'));
else if (target === 'core') files = all.filter((f) => !f.startsWith('native/binding/') && !f.startsWith('native/tests/') && isaOf(f) === null);
else if (ISA_SUFFIXES.includes(target)) files = all.filter((f) => !f.startsWith('native/binding/') && isaOf(f) === target);
else {
  console.error('usage: sources.js core|binding|' + ISA_SUFFIXES.join('|'));
  process.exit(2);
}
process.stdout.write(files.join(' ') + '\n');
