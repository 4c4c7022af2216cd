/** Where the evaluation data and derived caches live. */
import * as fs from 'fs';
import * as path from 'path';
import { MaxsimError } from '../errors';
import { checkPath } from '../validate';

/** The real-data folder: MAXSIM_DATA_DIR, else ../shared/data beside the package root. */
export function dataDir(override?: string): string {
  if (override !== undefined) checkPath(override, 'dir');
  const dir = override ?? process.env.MAXSIM_DATA_DIR ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'data');
  if (!fs.existsSync(dir))
    throw new MaxsimError('ERR_IO', `data folder '${dir}' not found: set MAXSIM_DATA_DIR or pass the folder explicitly`);
  return dir;
}

/** A git-ignored cache for derived files (MAXSIM_CACHE_DIR, else .cache beside the package root). */
export function cacheDir(): string {
  const dir = process.env.MAXSIM_CACHE_DIR ?? path.resolve(__dirname, '..', '..', '.cache');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** fs.readFileSync whose failures (missing file, a folder, no permission) are ERR_IO naming the file. */
export function readDataFile(file: string): Buffer;
export function readDataFile(file: string, encoding: 'utf8'): string;
export function readDataFile(file: string, encoding?: 'utf8'): Buffer | string {
  try {
    return encoding ? fs.readFileSync(file, encoding) : fs.readFileSync(file);
  } catch (e) {
    throw new MaxsimError('ERR_IO', `cannot read '${file}': ${(e as Error).message}`);
  }
}
