/** Process-wide settings and what this build and CPU can do. */
import { callNative, invalidParameter } from './errors';
import { native } from './native';

export type SimdLevel = 'scalar' | 'neon' | 'avx2' | 'avx512';

export interface CudaDevice {
  index: number;
  name: string;
  totalMemory: number;
  freeMemory: number;
  /** e.g. "9.0" for an H100 */
  computeCapability: string;
}

export interface Capabilities {
  /** The SIMD level in use (after MAXSIM_SIMD or setSimdLevel). */
  simd: SimdLevel;
  /** The best level this CPU and OS support. */
  bestSimd: SimdLevel;
  /** The kernel table in use. */
  kernels: string;
  /** Every CPU feature detected (cpuid plus the OS's XSAVE state). */
  features: string[];
  /** Threads a parallel call uses (the caller included). */
  threads: number;
  version: string;
  /** CUDA devices, or false in a CPU-only build or where no device is present. */
  cuda: false | CudaDevice[];
  /** Whether this binary contains the CUDA backend (npm run build:cuda). */
  cudaBuilt: boolean;
}

export function capabilities(): Capabilities {
  return native.capabilities() as Capabilities;
}

/** Sets the thread count for every parallel call; returns the count now in use. */
export function setThreads(n: number): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 1024)
    throw invalidParameter('n', 'an integer in [1, 1024]', n);
  return callNative(() => native.setThreads(n));
}

/**
 * Forces a SIMD level at run time, like MAXSIM_SIMD at start-up. A level above what the CPU
 * supports is clamped down. Returns the level in use. Meant for tests and benchmarks.
 */
export function setSimdLevel(level: SimdLevel): SimdLevel {
  if (level !== 'scalar' && level !== 'neon' && level !== 'avx2' && level !== 'avx512')
    throw invalidParameter('level', "'scalar', 'neon', 'avx2' or 'avx512'", level);
  return callNative(() => native.setSimdLevel(level)) as SimdLevel;
}

/** The levels this CPU can run, lowest first: the set the kernel tests iterate. */
export function supportedSimdLevels(): SimdLevel[] {
  const best = capabilities().bestSimd;
  if (best === 'neon') return ['scalar', 'neon'];
  const order: SimdLevel[] = ['scalar', 'avx2', 'avx512'];
  return order.slice(0, order.indexOf(best) + 1);
}

/**
 * Measures the f32 FMA peak of one core at the active SIMD level (GFLOP/s), running for about
 * `seconds` on the calling thread. Benchmarks divide kernel throughput by it.
 */
export function measurePeakGflops(seconds = 0.3): number {
  if (typeof seconds !== 'number' || !(seconds > 0 && seconds <= 10)) throw invalidParameter('seconds', 'a number in (0, 10]', seconds);
  return callNative(() => native.measurePeakGflops(seconds));
}
