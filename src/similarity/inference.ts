/**
 * Inference for similarity values: a seeded permutation test (rows of Y shuffled against X) and a
 * seeded confidence interval by subsampling rows without replacement (half-sampling; the same rows
 * for X and Y). See bootstrapCi for the scheme and docs/limits.md § Statistics.
 */
import { InputError } from '../errors.ts';
import type { Mat } from '../tensor/linalg.ts';
import { Rng } from '../util/rng.ts';
import { resolveMeasure, type MeasureOptions } from './registry.ts';
import { checkMeasureMemory } from './memory.ts';
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
  /** 'bias-corrected' or 'centred' (kNN measures: spread only); see bootstrapCi. */
  scheme: 'bias-corrected' | 'centred';
  /** Rows per subsample (without replacement). */
  subsampleSize: number;
  /** Estimated small-sample bias of the estimate, (b / (n − b))·(mean θ̂* − θ̂): at b = n/2, mean θ̂* − θ̂. */
  bias: number;
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
  checkMeasureMemory(m.meta, x.rows);
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

/** Options of `bootstrapCi`. */
export interface ConfidenceOptions extends MeasureOptions {
  /** Number of subsamples (default 1000). */
  resamples?: number;
  /** Confidence level in (0, 1) (default 0.95). */
  level?: number;
  /** Seed of the subsample draws (default 0). */
  seed?: number;
  /** Rows per subsample, drawn without replacement (default ⌊n/2⌋: half-sampling). */
  subsampleSize?: number;
}

/**
 * Confidence interval by subsampling without replacement (Politis & Romano 1994, with the
 * finite-population correction; half-sampling at the default b = ⌊n/2⌋). No row is ever duplicated, so
 * kernel and neighbour measures are not inflated as they are by the with-replacement bootstrap.
 *
 * With θ̂ the estimate on all n rows, θ̂*_j (j = 1..B) the values on subsamples of b distinct rows and θ̄*
 * their mean, the deviations d_j = r·(θ̂*_j − θ̄*), r = √(b / (n − b)), have the spread of θ̂ (for a smooth
 * statistic Var θ̂*_b ≈ σ²(1/b − 1/n), which r scales to σ²/n). The interval is the percentile interval of
 * θ̂ − β + d, clipped to the measure's range:
 * - 'bias-corrected' (every family but kNN): β = r·(θ̄* − θ̂). At b = n/2 this is the O(1/n) small-sample
 *   bias of θ̂ (E θ̂*_{n/2} − E θ̂ = c/n), so the interval targets the population value; when that bias is
 *   large against the spread (e.g. linear CKA near 0 at small n) the interval may lie beside θ̂.
 * - 'centred' (kNN measures, whose value at fixed k is defined per sample size): β = 0, an interval for
 *   the value at this n from its sampling spread.
 * Coverage on Gaussian pairs with known linear CKA: test/reliability/coverage.test.ts.
 */
export function bootstrapCi(name: string, x: Mat, y: Mat, opts: ConfidenceOptions = {}): BootstrapResult {
  const m = resolveMeasure(name);
  checkPair(m.meta.id, x, y);
  checkMinSamples(m.meta.id, x.rows, m.meta.minSamples);
  const B = opts.resamples ?? 1000;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(B) || B < 2) throw new InputError(`confidence interval: the number of resamples must be an integer ≥ 2, got ${B}`);
  if (!(level > 0 && level < 1)) throw new InputError(`confidence interval: the level must lie in (0, 1), got ${level}`);
  const n = x.rows;
  const b = opts.subsampleSize ?? Math.floor(n / 2);
  if (!Number.isInteger(b) || b < 1 || b >= n) throw new InputError(`confidence interval: the subsample size must be an integer in [1, ${n - 1}], got ${b}`);
  if (b < m.meta.minSamples) {
    throw new InputError(`${m.meta.id}: a confidence interval subsamples ${b} of the ${n} rows, below the measure's minimum of ${m.meta.minSamples}; give at least ${2 * m.meta.minSamples} rows`);
  }
  checkMeasureMemory(m.meta, n);
  const value = m.compute(x, y, opts).value;
  const rng = new Rng(opts.seed ?? 0).fork('subsampling-ci');
  const vals = new Float64Array(B);
  for (let j = 0; j < B; j++) {
    const idx = rng.permutation(n).slice(0, b).sort((p, q) => p - q);
    vals[j] = m.compute(selectRows(x, idx), selectRows(y, idx), opts).value;
  }
  const scheme: BootstrapResult['scheme'] = m.meta.family === 'knn' ? 'centred' : 'bias-corrected';
  let mean = 0;
  for (const v of vals) mean += v / B;
  const r = Math.sqrt(b / (n - b));
  // Deviations of the subsample values from their mean, scaled to the spread of θ̂ on n rows.
  const d = vals.map((v) => r * (v - mean)).sort();
  const q = (p: number): number => {
    const h = (B - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(B - 1, lo + 1);
    return d[lo] + (h - lo) * (d[hi] - d[lo]);
  };
  const shift = scheme === 'centred' ? 0 : r * (mean - value);
  const a = (1 - level) / 2;
  const [rlo, rhi] = m.meta.range;
  const clip = (v: number): number => Math.min(rhi, Math.max(rlo, v));
  return { value, ci: [clip(value - shift + q(a)), clip(value - shift + q(1 - a))], level, resamples: B, scheme, subsampleSize: b, bias: r * r * (mean - value) };
}
