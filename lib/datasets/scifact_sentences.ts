/**
 * A larger multi-vector set built from SciFact: every abstract is split into sentences, the
 * sentence pool is shuffled with a fixed seed (a fresh shuffle per pass, as many passes as
 * needed), and consecutive sentences are grouped into documents of at least `minWords` words,
 * so documents have similar lengths. Queries are the SciFact claims. Embedded with the GloVe
 * table (embedTexts), like SciFact-GloVe. No relevance judgments: it is for recall against
 * exact search and for speed.
 */
import { loadSciFact } from './beir';
import { MultiVectorSet, embedTexts, words } from './scifact_glove';
import { invalidParameter } from '../errors';
import { optInt } from '../quant/common';
import { checkOptions } from '../validate';

export interface SciFactSentencesOptions {
  /** Documents to build (default 100,000: about 20x SciFact's 5,183). */
  documents?: number;
  /** Minimum words per document (default 30). */
  minWords?: number;
  /** Shuffle seed (default 1). */
  seed?: number;
  /** SciFact folder (default: the shared data). */
  dir?: string;
}

export interface SciFactSentences {
  documents: MultiVectorSet;
  queries: MultiVectorSet;
  sentences: number;
}

/** Sentence boundaries: ., ! or ? followed by space and an upper-case letter or digit. */
export function splitSentences(text: string): string[] {
  if (typeof text !== 'string') throw invalidParameter('text', 'a string', text);
  return text.split(/(?<=[.!?])\s+(?=[A-Z0-9])/).map((s) => s.trim()).filter((s) => s.length > 0);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function loadSciFactSentences(options: SciFactSentencesOptions = {}): SciFactSentences {
  const o = checkOptions(options);
  // documents: Infinity used to loop forever, growing the list until memory ran out.
  const n = optInt(o, 'documents', 1, 10_000_000) ?? 100000;
  const minWords = optInt(o, 'minWords', 1, 100_000) ?? 30;
  const rand = mulberry32(optInt(o, 'seed', -(2 ** 31), 2 ** 32 - 1) ?? 1);
  const dataset = loadSciFact(o.dir as string | undefined);
  const pool: string[] = [];
  for (const d of dataset.corpus) pool.push(...splitSentences(d.text));
  const lengths = pool.map((s) => words(s).length);
  const texts: string[] = [];
  const order = pool.map((_, i) => i);
  let cur: string[] = [], curWords = 0;
  while (texts.length < n) {
    for (let i = order.length - 1; i > 0; i--) {  // Fisher-Yates, one fresh shuffle per pass
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (const s of order) {
      cur.push(pool[s]);
      curWords += lengths[s];
      if (curWords >= minWords) {
        texts.push(cur.join(' '));
        cur = [];
        curWords = 0;
        if (texts.length === n) break;
      }
    }
  }
  const documents = embedTexts(texts, texts.map((_, i) => `s${i}`));
  const queries = embedTexts(dataset.queries.map((q) => q.text), dataset.queries.map((q) => q.id));
  return { documents, queries, sentences: pool.length };
}
