/**
 * Autotuning of a MultiVectorIndex's candidate parameters: recall@k against exact search on a
 * sample of queries, and the fastest setting that reaches the target becomes the index's
 * default (persisted with it).
 *
 * Each grid walks the knob that buys recall (numCandidates, ndocs) upwards and stops at the
 * first value that reaches the target: larger values only cost time.
 */
import { CandidateSearchParams } from './candidate_options';
import { invalidParameter } from '../errors';
import { checkK } from '../validate';

export interface TuneOptions {
  /** Mean recall@k against exact search to reach on the sample (default 0.95). */
  targetRecall?: number;
  /** k of recall@k (default 10). */
  k?: number;
}

export interface TuneTrial {
  params: CandidateSearchParams;
  recall: number;
  /** Queries per second over the sample (this machine, the current thread count). */
  qps: number;
}

export interface TuneResult {
  /** The parameters now set as the index's defaults. */
  params: CandidateSearchParams;
  recall: number;
  qps: number;
  /** Exact search's QPS on the same sample, for comparison. */
  exactQps: number;
  /** False when no setting reached the target: the best recall found was kept. */
  reached: boolean;
  trials: TuneTrial[];
}

export type BatchSearch = (params: CandidateSearchParams & { exact?: boolean }) => Array<{ ids: ArrayLike<number | string> }>;

/** Mean over queries of |found ∩ truth| / min(k, |truth|). */
export function recallAgainst(found: Array<{ ids: ArrayLike<number | string> }>, truth: Array<{ ids: ArrayLike<number | string> }>, k: number): number {
  if (!Array.isArray(truth)) throw invalidParameter('truth', 'an array of search results', truth);
  if (!Array.isArray(found) || found.length !== truth.length)
    throw invalidParameter('found', `an array of ${truth.length} search results (one per truth entry)`, found);
  checkK(k);
  const idsOf = (r: unknown, name: string): ArrayLike<number | string> => {
    const ids = r !== null && typeof r === 'object' ? (r as { ids?: unknown }).ids : undefined;
    if (!Array.isArray(ids) && !ArrayBuffer.isView(ids)) throw invalidParameter(`${name}.ids`, 'an array of ids', ids);
    return ids as ArrayLike<number | string>;
  };
  let sum = 0;
  for (let i = 0; i < truth.length; i++) {
    idsOf(truth[i], `truth[${i}]`);
    idsOf(found[i], `found[${i}]`);
    const t = new Set(Array.from(truth[i].ids).slice(0, k));
    if (t.size === 0) { sum += 1; continue; }
    let hit = 0;
    for (const id of Array.from(found[i].ids).slice(0, k)) if (t.has(id)) hit++;
    sum += hit / t.size;
  }
  return truth.length ? sum / truth.length : 1;
}

function timed<T>(fn: () => T, nq: number, runs: number): { out: T; qps: number } {
  let best = Infinity;
  let out!: T;
  for (let r = 0; r < runs; r++) {  // best of `runs`: the first run also warms caches
    const t0 = process.hrtime.bigint();
    out = fn();
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    best = Math.min(best, s);
  }
  return { out, qps: nq / Math.max(best, 1e-9) };
}

export function tuneCandidates(strategy: 'muvera' | 'plaid', search: BatchSearch, nq: number, k: number, target: number,
  documents: number): TuneResult {
  const exact = timed(() => search({ exact: true }), nq, 1);
  const truth = exact.out;
  const trials: TuneTrial[] = [];
  const trial = (params: CandidateSearchParams): TuneTrial => {
    let r = timed(() => search(params), nq, 1);
    const recall = recallAgainst(r.out, truth, k);
    if (recall >= target) r = timed(() => search(params), nq, 2);  // only contenders get a careful timing
    const t = { params, recall, qps: r.qps };
    trials.push(t);
    return t;
  };
  // Candidate budgets doubling from max(k, 10) up to the first one covering every document.
  const ladder: number[] = [];
  for (let m = Math.max(k, 10); ; m *= 2) {
    ladder.push(m);
    if (m >= documents) break;
  }
  if (strategy === 'muvera') {
    for (const efFactor of [1, 2]) {
      for (const nc of ladder) {
        if (trial({ numCandidates: nc, ef: nc * efFactor }).recall >= target) break;
      }
    }
  } else {
    // ndocs / 4 documents reach exact MaxSim, so ndocs walks 4x the ladder.
    for (const ncells of [1, 2, 4, 8]) {
      for (const threshold of [0.5, 0.3, -1]) {
        for (const ndocs of ladder.map((x) => x * 4)) {
          if (trial({ ncells, centroidScoreThreshold: threshold, ndocs }).recall >= target) break;
        }
      }
    }
  }
  const ok = trials.filter((t) => t.recall >= target);
  const pick = ok.length
    ? ok.reduce((a, b) => (b.qps > a.qps ? b : a))
    : trials.reduce((a, b) => (b.recall > a.recall || (b.recall === a.recall && b.qps > a.qps) ? b : a));
  return { params: pick.params, recall: pick.recall, qps: pick.qps, exactQps: exact.qps, reached: ok.length > 0, trials };
}
