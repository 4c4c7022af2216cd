/** Where the evaluation data and derived caches live. */
import * as fs from 'fs';
import * as path from 'path';
import { MaxsimError } from '../errors';

/** The real-data folder: MAXSIM_DATA_DIR, else ../shared/data beside the package root. */
export function dataDir(override?: string): string {
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
