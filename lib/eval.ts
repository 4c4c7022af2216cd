/** Retrieval metrics, written to match the standard definitions (trec_eval / BEIR). */
import { Qrels } from './datasets/beir';
import { invalidParameter } from './errors';
import { checkK } from './validate';

function checkResults(results: unknown): Map<string, ArrayLike<string>> {
  if (!(results instanceof Map)) throw invalidParameter('results', 'a Map of query id to ranked document ids', results);
  return results;
}

function checkQrels(qrels: unknown): Qrels {
  if (!(qrels instanceof Map)) throw invalidParameter('qrels', 'a Map of query id to a Map of document id to grade', qrels);
  return qrels;
}

function checkRanking(v: unknown, name: string): ArrayLike<unknown> {
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw invalidParameter(name, 'an array of ids', v);
  return v as ArrayLike<unknown>;
}

function checkGrades(v: unknown, qid: string): Map<string, number> {
  if (!(v instanceof Map)) throw invalidParameter(`qrels entry ${JSON.stringify(qid)}`, 'a Map of document id to grade', v);
  return v;
}

/**
 * nDCG@k with graded gains (gain = relevance, discount log2(rank + 1)), averaged over the
 * queries of `qrels` that appear in `results`. results: query id -> ranked document ids.
 */
export function ndcgAtK(results: Map<string, string[]>, qrels: Qrels, k: number): number {
  checkResults(results);
  checkQrels(qrels);
  checkK(k);
  let sum = 0;
  let n = 0;
  for (const [qid, grades] of qrels) {
    const rels = checkGrades(grades, qid);
    if (!results.has(qid)) continue;
    const ranked = checkRanking(results.get(qid), `results entry ${JSON.stringify(qid)}`) as ArrayLike<string>;
    let dcg = 0;
    for (let i = 0; i < Math.min(k, ranked.length); i++) {
      const g = rels.get(ranked[i]) ?? 0;
      if (g > 0) dcg += g / Math.log2(i + 2);
    }
    const ideal = [...rels.values()].filter((g) => g > 0).sort((a, b) => b - a);
    let idcg = 0;
    for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i] / Math.log2(i + 2);
    sum += idcg > 0 ? dcg / idcg : 0;
    n++;
  }
  return n ? sum / n : 0;
}

/** Mean average precision over the full ranking (binary relevance: grade > 0). */
export function meanAveragePrecision(results: Map<string, string[]>, qrels: Qrels): number {
  checkResults(results);
  checkQrels(qrels);
  let sum = 0;
  let n = 0;
  for (const [qid, grades] of qrels) {
    const rels = checkGrades(grades, qid);
    if (!results.has(qid)) continue;
    const ranked = checkRanking(results.get(qid), `results entry ${JSON.stringify(qid)}`) as ArrayLike<string>;
    const relevant = [...rels.entries()].filter(([, g]) => g > 0).length;
    let hits = 0;
    let ap = 0;
    for (let i = 0; i < ranked.length; i++) {
      if ((rels.get(ranked[i]) ?? 0) > 0) {
        hits++;
        ap += hits / (i + 1);
      }
    }
    sum += relevant ? ap / relevant : 0;
    n++;
  }
  return n ? sum / n : 0;
}

/**
 * recall@k of approximate results against exact ones: |approx_k ∩ exact_k| / k per query,
 * averaged. Both are per-query id lists (numbers, bigints or strings), best first.
 */
export function recallAtK<T>(approx: ArrayLike<T>[], exact: ArrayLike<T>[], k: number): number {
  if (!Array.isArray(approx) || approx.length === 0) throw invalidParameter('approx', 'a non-empty array of rankings', approx);
  if (!Array.isArray(exact) || exact.length !== approx.length)
    throw invalidParameter('exact', `an array of ${approx.length} rankings (one per approx ranking)`, exact);
  checkK(k);
  let sum = 0;
  for (let q = 0; q < approx.length; q++) {
    checkRanking(approx[q], `approx[${q}]`);
    checkRanking(exact[q], `exact[${q}]`);
    const truth = new Set<T>();
    for (let i = 0; i < Math.min(k, exact[q].length); i++) truth.add(exact[q][i]);
    let hit = 0;
    for (let i = 0; i < Math.min(k, approx[q].length); i++) if (truth.has(approx[q][i])) hit++;
    sum += truth.size ? hit / truth.size : 1;
  }
  return sum / approx.length;
}
