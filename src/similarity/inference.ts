/**
 * Inference for similarity values: a seeded permutation test (rows of Y shuffled against X) and
 * a seeded percentile bootstrap confidence interval (rows resampled with replacement, the same
 * rows for X and Y).
 */
import { InputError } from '../errors.ts';
import type { Mat } from '../tensor/linalg.ts';
import { Rng } from '../util/rng.ts';
import { resolveMeasure, type MeasureOptions } from './registry.ts';
import { checkMinSamples, checkPair, selectRows } from './util.ts';

/** Result of a permutation test. */
export interface PermutationResult {
  value: number;
  /** (1 + #{null at least as similar as observed}) / (1 + permutations), in [1/(N+1), 1]. */
  p: number;
  permutations: number;
  nullValues: Float64Array;
}

/** Result of a bootstrap confidence interval. */
export interface BootstrapResult {
  value: number;
  ci: [number, number];
  level: number;
  resamples: number;
}

/**
 * One-sided permutation test of "X and Y are more alike than chance": Y's rows are permuted,
 * the measure recomputed, and p counts null values at least as similar as the observed one
 * (≥ for similarities, ≤ for distances).
 */
export function permutationTest(name: string, x: Mat, y: Mat, opts: MeasureOptions & { permutations?: number; seed?: number } = {}): PermutationResult {
  const m = resolveMeasure(name);
  checkPair(m.meta.id, x, y);
  checkMinSamples(m.meta.id, x.rows, m.meta.minSamples);
  const N = opts.permutations ?? 1000;
  if (!Number.isInteger(N) || N < 1) throw new InputError(`permutation test: the number of permutations must be a positive integer, got ${N}`);
  const value = m.compute(x, y, opts).value;
  const rng = new Rng(opts.seed ?? 0).fork('permutation');
  const nullValues = new Float64Array(N);
  let count = 0;
  const tol = 1e-12 * Math.max(1, Math.abs(value));
  for (let b = 0; b < N; b++) {
    const v = m.compute(x, selectRows(y, rng.permutation(x.rows)), opts).value;
    nullValues[b] = v;
    if (m.meta.largerIsMoreSimilar ? v >= value - tol : v <= value + tol) count++;
  }
  return { value, p: (1 + count) / (1 + N), permutations: N, nullValues };
}

/** Percentile bootstrap CI over rows resampled with replacement (linear interpolation of quantiles). */
export function bootstrapCi(name: string, x: Mat, y: Mat, opts: MeasureOptions & { resamples?: number; level?: number; seed?: number } = {}): BootstrapResult {
  const m = resolveMeasure(name);
  checkPair(m.meta.id, x, y);
  checkMinSamples(m.meta.id, x.rows, m.meta.minSamples);
  const B = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(B) || B < 2) throw new InputError(`bootstrap: the number of resamples must be an integer ≥ 2, got ${B}`);
  if (!(level > 0 && level < 1)) throw new InputError(`bootstrap: the level must lie in (0, 1), got ${level}`);
  const value = m.compute(x, y, opts).value;
  const rng = new Rng(opts.seed ?? 0).fork('bootstrap');
  const n = x.rows;
  const vals = new Float64Array(B);
  const idx = new Int32Array(n);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(n);
    vals[b] = m.compute(selectRows(x, idx), selectRows(y, idx), opts).value;
  }
  vals.sort();
  const q = (p: number): number => {
    const h = (B - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(B - 1, lo + 1);
    return vals[lo] + (h - lo) * (vals[hi] - vals[lo]);
  };
  const a = (1 - level) / 2;
  return { value, ci: [q(a), q(1 - a)], level, resamples: B };
}
