/**
 * SciFact as a multi-vector set: each document (title + abstract) and each query (claim) is cut
 * into lower-case words, and every word GloVe knows becomes one unit-normalised 100-d token.
 * Static word vectors, not contextual ones, but real text, real vectors and real judgments;
 * MaxSim then acts as soft term matching. Words GloVe lacks are dropped; no stop-word list.
 */
import { BeirDataset, Qrels, loadSciFact } from './beir';
import { loadGlove } from './glove';
import { invalidParameter } from '../errors';

export interface MultiVectorSet {
  dim: number;
  /** all tokens, (totalTokens, dim) row-major, unit-normalised */
  tokens: Float32Array;
  /** n + 1 prefix sums into tokens (in rows) */
  offsets: Uint32Array;
  ids: string[];
}

export interface SciFactGlove {
  documents: MultiVectorSet;
  queries: MultiVectorSet;
  qrels: Qrels;
  dataset: BeirDataset;
}

/** The tokenizer: lower-case runs of letters and digits (keeping inner hyphens and apostrophes). */
export function words(text: string): string[] {
  if (typeof text !== 'string') throw invalidParameter('text', 'a string', text);
  return text.toLowerCase().match(/[a-z0-9]+(?:['-][a-z0-9]+)*/g) ?? [];
}

/** Turns texts into a multi-vector set through the GloVe table. */
export function embedTexts(texts: string[], ids: string[]): MultiVectorSet {
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string')) throw invalidParameter('texts', 'an array of strings', texts);
  if (!Array.isArray(ids) || ids.length !== texts.length) throw invalidParameter('ids', `an array of ${texts.length} ids (one per text)`, ids);
  const glove = loadGlove();
  const dim = glove.dim;
  const rows: number[][] = texts.map((t) => words(t).map((w) => glove.index.get(w)).filter((r): r is number => r !== undefined));
  const offsets = new Uint32Array(texts.length + 1);
  rows.forEach((r, i) => { offsets[i + 1] = offsets[i] + r.length; });
  const tokens = new Float32Array(offsets[texts.length] * dim);
  let o = 0;
  for (const r of rows) {
    for (const row of r) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += glove.vectors[row * dim + k] ** 2;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let k = 0; k < dim; k++) tokens[o * dim + k] = glove.vectors[row * dim + k] * inv;
      o++;
    }
  }
  return { dim, tokens, offsets, ids };
}

let cached: SciFactGlove | undefined;

/** SciFact-GloVe: 5,183 documents, 300 test queries with qrels. */
export function loadSciFactGlove(dir?: string): SciFactGlove {
  if (cached && dir === undefined) return cached;
  const dataset = loadSciFact(dir);
  const documents = embedTexts(dataset.corpus.map((d) => `${d.title} ${d.text}`), dataset.corpus.map((d) => d.id));
  const queries = embedTexts(dataset.queries.map((q) => q.text), dataset.queries.map((q) => q.id));
  const out = { documents, queries, qrels: dataset.qrels, dataset };
  if (dir === undefined) cached = out;
  return out;
}
