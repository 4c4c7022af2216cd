/** Readers for the TEXMEX .fvecs / .ivecs formats (per row: int32 d, then d values). */
import * as path from 'path';
import { MaxsimError } from '../errors';
import { dataDir, readDataFile } from './paths';
import { checkPath } from '../validate';

export interface VectorSet {
  data: Float32Array;
  dim: number;
  count: number;
}

function readVecs(file: string): { buf: Buffer; dim: number; count: number } {
  checkPath(file, 'file');
  const buf = readDataFile(file);
  if (buf.length < 4) throw new MaxsimError('ERR_CORRUPT_FILE', `${file}: too short`);
  const dim = buf.readInt32LE(0);
  const rowBytes = 4 + dim * 4;
  if (dim <= 0 || buf.length % rowBytes !== 0) throw new MaxsimError('ERR_CORRUPT_FILE', `${file}: not a vecs file`);
  return { buf, dim, count: buf.length / rowBytes };
}

export function readFvecs(file: string): VectorSet {
  const { buf, dim, count } = readVecs(file);
  const data = new Float32Array(count * dim);
  for (let r = 0; r < count; r++) {
    const row = new Float32Array(buf.buffer, buf.byteOffset + r * (4 + dim * 4) + 4, dim);
    data.set(row, r * dim);
  }
  return { data, dim, count };
}

export function readIvecs(file: string): { data: Int32Array; dim: number; count: number } {
  const { buf, dim, count } = readVecs(file);
  const data = new Int32Array(count * dim);
  for (let r = 0; r < count; r++) {
    for (let k = 0; k < dim; k++) data[r * dim + k] = buf.readInt32LE(r * (4 + dim * 4) + 4 + k * 4);
  }
  return { data, dim, count };
}

/** SIFT10K: 10,000 base and 100 query vectors (128-d), and the 100 exact L2 neighbours of each. */
export function loadSift10k(dir?: string): { base: VectorSet; queries: VectorSet; groundTruth: Int32Array; gtK: number } {
  const d = path.join(dataDir(dir), 'sift10k');
  const base = readFvecs(path.join(d, 'base.fvecs'));
  const queries = readFvecs(path.join(d, 'query.fvecs'));
  const gt = readIvecs(path.join(d, 'groundtruth.ivecs'));
  return { base, queries, groundTruth: gt.data, gtK: gt.dim };
}
