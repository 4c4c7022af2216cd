/**
 * Options of MultiVectorIndex's candidate strategies ('muvera', 'plaid'): validation in TS
 * before the addon checks them again.
 */
import { invalidParameter } from '../errors';

export type CandidateStrategy = 'exact' | 'muvera' | 'plaid';
export const CANDIDATE_STRATEGIES: readonly CandidateStrategy[] = ['exact', 'muvera', 'plaid'];

export interface MuveraOptions {
  /** FDE repetitions R (default 20). */
  repetitions?: number;
  /** SimHash bits k_sim: 2^k_sim partitions per repetition (default 5). */
  simhashBits?: number;
  /** Projected dimension per partition (default 16, clamped to dim; 0 = dim, no projection). */
  projectionDim?: number;
  /** Optional final count-sketch dimension (default 0: none). FDE length is R·2^k_sim·projectionDim otherwise. */
  finalDim?: number;
  /** Seed of the FDE draws (default 42). */
  seed?: number;
  /**
   * How the HNSW graph stores FDEs: 'f32', 'f16' (default), 'int8', or 'pq' (product
   * quantization: pqSubspaces bytes per document plus a 256·fdeDim f32 codebook, trained on the
   * FDEs of the first 256+ documents added; until then documents are always shortlisted).
   */
  storage?: 'f32' | 'f16' | 'int8' | 'pq';
  /** storage 'pq': bytes per document FDE; must divide the FDE length. Default: the largest divisor of the FDE length at most 1/16 of it (640 bytes for the default 10,240-float FDE). */
  pqSubspaces?: number;
  /** HNSW links per node (default 16) and construction beam (default 100). */
  M?: number;
  efConstruction?: number;
}

export interface PlaidOptions {
  /** Centroid count; default 2^floor(log2(16·sqrt(tokens of the first add))) (ColBERTv2). */
  centroids?: number;
  /** needsRetrain once the mean best-centroid cosine of tokens added since training drops this much (default 0.05). */
  retrainDrift?: number;
}

/** Search-time knobs; each overrides the index's default (set by tune()). */
export interface CandidateSearchParams {
  /** muvera: HNSW beam width (default numCandidates). */
  ef?: number;
  /** muvera: documents shortlisted by FDE before exact MaxSim (default max(100, 10·k)). */
  numCandidates?: number;
  /** plaid: centroids probed per query token (default 1 / 2 / 4 for k ≤ 10 / ≤ 100 / more). */
  ncells?: number;
  /** plaid: documents kept after the pruned centroid interaction (default 256 / 1024 / 4096); ndocs/4 reach exact MaxSim. */
  ndocs?: number;
  /** plaid: centroids whose best score over the query tokens is below this are pruned (default 0.5 / 0.45 / 0.4). */
  centroidScoreThreshold?: number;
}

const UINT_KEYS = ['ef', 'numCandidates', 'ncells', 'ndocs'] as const;

function checkUintOption(o: Record<string, unknown>, key: string, where: string, min: number, max: number): void {
  const v = o[key];
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalidParameter(`${where}.${key}`, `an integer in [${min}, ${max}]`, v);
}

export function checkCandidateParams(p: unknown, where = 'options'): CandidateSearchParams {
  if (typeof p !== 'object' || p === null) throw invalidParameter(where, 'an object', p);
  const o = p as Record<string, unknown>;
  const out: CandidateSearchParams = {};
  for (const key of UINT_KEYS) {
    checkUintOption(o, key, where, 1, 1 << 24);
    if (o[key] !== undefined) out[key] = o[key] as number;
  }
  const t = o.centroidScoreThreshold;
  if (t !== undefined) {
    if (typeof t !== 'number' || !Number.isFinite(t)) throw invalidParameter(`${where}.centroidScoreThreshold`, 'a finite number', t);
    out.centroidScoreThreshold = t;
  }
  return out;
}

/** Validates candidates / muvera / plaid and copies them into the addon's options object. */
export function candidateNativeOptions(o: { candidates?: unknown; muvera?: unknown; plaid?: unknown }, into: Record<string, unknown>): void {
  if (o.candidates === undefined) {
    if (o.muvera !== undefined || o.plaid !== undefined) throw invalidParameter('candidates', "'muvera' or 'plaid' when muvera/plaid options are given", o.candidates);
    return;
  }
  if (!CANDIDATE_STRATEGIES.includes(o.candidates as CandidateStrategy))
    throw invalidParameter('candidates', "'exact', 'muvera' or 'plaid'", o.candidates);
  into.candidates = o.candidates;
  if (o.muvera !== undefined) {
    if (o.candidates !== 'muvera') throw invalidParameter('muvera', "omitted unless candidates is 'muvera'", o.muvera);
    if (typeof o.muvera !== 'object' || o.muvera === null) throw invalidParameter('muvera', 'an object', o.muvera);
    const m = o.muvera as Record<string, unknown>;
    checkUintOption(m, 'repetitions', 'muvera', 1, 1024);
    checkUintOption(m, 'simhashBits', 'muvera', 0, 10);
    checkUintOption(m, 'projectionDim', 'muvera', 0, 65536);
    checkUintOption(m, 'finalDim', 'muvera', 0, 1 << 24);
    checkUintOption(m, 'seed', 'muvera', 0, 0xffffffff);
    checkUintOption(m, 'M', 'muvera', 2, 256);
    checkUintOption(m, 'efConstruction', 'muvera', 1, 1 << 16);
    if (m.storage !== undefined && !['f32', 'f16', 'int8', 'pq'].includes(m.storage as string))
      throw invalidParameter('muvera.storage', "'f32', 'f16', 'int8' or 'pq'", m.storage);
    checkUintOption(m, 'pqSubspaces', 'muvera', 1, 1 << 24);
    if (m.pqSubspaces !== undefined && m.storage !== 'pq') throw invalidParameter('muvera.pqSubspaces', "omitted unless muvera.storage is 'pq'", m.pqSubspaces);
    into.muvera = { storage: 'f16', ...m };
  } else if (o.candidates === 'muvera') {
    into.muvera = { storage: 'f16' };
  }
  if (o.plaid !== undefined) {
    if (o.candidates !== 'plaid') throw invalidParameter('plaid', "omitted unless candidates is 'plaid'", o.plaid);
    if (typeof o.plaid !== 'object' || o.plaid === null) throw invalidParameter('plaid', 'an object', o.plaid);
    const p = o.plaid as Record<string, unknown>;
    checkUintOption(p, 'centroids', 'plaid', 1, 1 << 20);
    if (p.retrainDrift !== undefined && (typeof p.retrainDrift !== 'number' || !(p.retrainDrift > 0 && p.retrainDrift < 2)))
      throw invalidParameter('plaid.retrainDrift', 'a number in (0, 2)', p.retrainDrift);
    into.plaid = { ...p };
  }
}
