/** Loader for BEIR-layout data sets: corpus.jsonl, queries.jsonl, qrels/<split>.tsv. */
import * as path from 'path';
import { MaxsimError } from '../errors';
import { dataDir, readDataFile } from './paths';
import { checkPath } from '../validate';

export interface BeirDocument { id: string; title: string; text: string }
export interface BeirQuery { id: string; text: string }
/** query id -> (document id -> graded relevance) */
export type Qrels = Map<string, Map<string, number>>;

export interface BeirDataset {
  corpus: BeirDocument[];
  queries: BeirQuery[];
  qrels: Qrels;
}

function readJsonl<T>(file: string): T[] {
  const out: T[] = [];
  const lines = readDataFile(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      throw new MaxsimError('ERR_CORRUPT_FILE', `${file}:${i + 1}: not JSON`);
    }
  });
  return out;
}

export function readQrels(file: string): Qrels {
  checkPath(file, 'file');
  const qrels: Qrels = new Map();
  const lines = readDataFile(file, 'utf8').split('\n');
  for (let i = 1; i < lines.length; i++) {  // first line is the header
    const parts = lines[i].trim().split('\t');
    if (parts.length < 3) continue;
    const [q, d, s] = parts;
    const score = Number(s);
    if (!qrels.has(q)) qrels.set(q, new Map());
    qrels.get(q)!.set(d, score);
  }
  return qrels;
}

/** Loads a BEIR folder (for example `<data>/scifact`). Only queries that have qrels are kept. */
export function loadBeir(folder: string, split = 'test'): BeirDataset {
  checkPath(folder, 'folder');
  checkPath(split, 'split');
  const corpus = readJsonl<{ _id: string; title?: string; text?: string }>(path.join(folder, 'corpus.jsonl')).map((d) => ({
    id: String(d._id), title: d.title ?? '', text: d.text ?? '',
  }));
  const qrels = readQrels(path.join(folder, 'qrels', `${split}.tsv`));
  const queries = readJsonl<{ _id: string; text: string }>(path.join(folder, 'queries.jsonl'))
    .map((q) => ({ id: String(q._id), text: q.text }))
    .filter((q) => qrels.has(q.id));
  return { corpus, queries, qrels };
}

export function loadSciFact(dir?: string): BeirDataset {
  return loadBeir(path.join(dataDir(dir), 'scifact'));
}
