/** Argument checks and option handling shared by the quantizer facades. */
import { MaxsimError, invalidParameter } from '../errors';
import { checkDim, checkFunction, checkOptions, checkPath } from '../validate';
import { progressGate as gate } from '../progress';

export type Metric = 'ip' | 'l2';
/** Progress of a training run: fraction in [0, 1] and the stage ('kmeans', 'opq', 'done'). */
export type ProgressCallback = (fraction: number, stage: string) => void;

export function checkMetric(m: unknown): Metric {
  if (m !== 'ip' && m !== 'l2') throw invalidParameter('metric', "'ip' or 'l2'", m);
  return m;
}

export function checkRows(data: unknown, dim: number, name: string, allowEmpty = false): Float32Array {
  if (!(data instanceof Float32Array)) throw invalidParameter(name, 'a Float32Array', data);
  if (data.length % dim !== 0)
    throw new MaxsimError('ERR_DIMENSION_MISMATCH', `${name} length ${data.length} is not a multiple of dim ${dim}`);
  if (!allowEmpty && data.length === 0) throw new MaxsimError('ERR_EMPTY_QUERY', `${name} has no rows`);
  return data;
}

export function checkBytes(v: unknown, name: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw invalidParameter(name, 'a Uint8Array', v);
  return v;
}

export function optInt(o: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    throw invalidParameter(key, `an integer in [${min}, ${max}]`, v);
  return v;
}

export function optBool(o: Record<string, unknown>, key: string): boolean | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw invalidParameter(key, 'a boolean', v);
  return v;
}

export function checkProgress(cb: unknown): ProgressCallback | undefined {
  return checkFunction<ProgressCallback>(cb, 'onProgress');
}

/** A training run's progress: fractions, ending with exactly one (1, 'done'). */
export function progressGate(cb: ProgressCallback | undefined): { native?: ProgressCallback; finish(): void } {
  return gate(cb, 1, 'done');
}

export { checkDim, checkOptions, checkPath };
