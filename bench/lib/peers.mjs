// Peer libraries for side-by-side benchmarks (hnswlib-node, usearch, LanceDB) are not
// dependencies of maxsim: CI never needs them, and some ship large native binaries. The first
// benchmark run installs the pinned version into .cache/npm (like the GloVe vectors); later
// runs import it from there.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';
import { fileURLToPath, pathToFileURL } from 'url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const prefix = path.join(process.env.MAXSIM_CACHE_DIR ?? path.join(root, '.cache'), 'npm');

export const PEER_VERSIONS = {
  'hnswlib-node': '3.0.0',
  usearch: '2.26.2',
  '@lancedb/lancedb': '0.23.0',
};

function install(name) {
  const spec = `${name}@${PEER_VERSIONS[name]}`;
  fs.mkdirSync(prefix, { recursive: true });
  console.error(`[peers] installing ${spec} into ${path.relative(root, prefix)} (once)`);
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm',
    ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', spec],
    { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Resolves a peer's installed package folder, installing it first if needed. */
export function peerDir(name) {
  const dir = path.join(prefix, 'node_modules', name);
  const installed = fs.existsSync(path.join(dir, 'package.json')) &&
    JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version === PEER_VERSIONS[name];
  if (!installed) install(name);
  return dir;
}

/** Imports a peer (ESM or CommonJS) from the cache. */
export async function importPeer(name) {
  const dir = peerDir(name);
  const req = createRequire(path.join(prefix, 'package.json'));
  const entry = req.resolve(name);
  try {
    return req(entry);
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') return import(pathToFileURL(entry).href);
    throw e;
  }
}

export function peerVersion(name) {
  return JSON.parse(fs.readFileSync(path.join(peerDir(name), 'package.json'), 'utf8')).version;
}

/** Synchronous require of a CommonJS peer from the cache (installing it first if needed). */
export function requirePeer(name) {
  peerDir(name);
  return createRequire(path.join(prefix, 'package.json'))(name);
}
