/**
 * Public API of the correlative similarity library (similarity.md): `similarity(name, X, Y)`
 * validates (samples × features) float64 input, resolves the measure id, applies the optional
 * subsampling protocol (§1.5) and returns `{ id, value, kind, n, px, py, details }`.
 */
import { InputError } from '../errors.ts';
import type { Mat } from '../tensor/linalg.ts';
import { Rng } from '../util/rng.ts';
import { resolveMeasure, type MeasureKind, type MeasureOptions } from './registry.ts';
import { checkMinSamples, checkPair, selectRows } from './util.ts';

/** Options of `similarity()`. */
export interface SimilarityOptions extends MeasureOptions {
  /** Mean over `runs` draws of `size` distinct rows (the same rows for X and Y), seeded. */
  subsample?: { size: number; runs: number; seed: number };
}

/** The result of one measure on one pair of representations. */
export interface SimilarityResult {
  id: string;
  value: number;
  kind: MeasureKind;
  n: number;
  px: number;
  py: number;
  details: Record<string, unknown>;
}

/** Compute measure `name` (id or alias) between X and Y (rows = samples, same n). */
export function similarity(name: string, x: Mat, y: Mat, opts: SimilarityOptions = {}): SimilarityResult {
  const m = resolveMeasure(name);
  const id = m.meta.id;
  checkPair(id, x, y);
  const n = x.rows;
  const base = { id, kind: m.meta.kind, n, px: x.cols, py: y.cols };
  const sub = opts.subsample;
  if (!sub) {
    checkMinSamples(id, n, m.meta.minSamples);
    const r = m.compute(x, y, opts);
    if (!Number.isFinite(r.value)) throw new InputError(`${id}: the computation gave a non-finite value (${r.value}); please report this input`);
    return { ...base, value: r.value, details: r.details };
  }
  if (!Number.isInteger(sub.size) || sub.size < 1 || sub.size > n) throw new InputError(`${id}: subsample size must be an integer in [1, ${n}], got ${sub.size}`);
  if (!Number.isInteger(sub.runs) || sub.runs < 1) throw new InputError(`${id}: subsample runs must be a positive integer, got ${sub.runs}`);
  checkMinSamples(id, sub.size, m.meta.minSamples);
  const rng = new Rng(sub.seed);
  const values: number[] = [];
  for (let r = 0; r < sub.runs; r++) {
    const idx = rng.permutation(n).slice(0, sub.size).sort((a, b) => a - b);
    values.push(m.compute(selectRows(x, idx), selectRows(y, idx), opts).value);
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length > 1 ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1)) : 0;
  return { ...base, value: mean, details: { subsample: sub, std: sd, values } };
}

export { resolveMeasure, listMeasures, exampleIds, canonicalName, aliases, FAMILIES, inv } from './registry.ts';
export type { Measure, MeasureMeta, MeasureOptions, Invariances, MeasureKind, FamilyInfo } from './registry.ts';
export { permutationTest, bootstrapCi } from './inference.ts';
export type { PermutationResult, BootstrapResult } from './inference.ts';
export { MinibatchCka, ckaLinear, ckaLinearAngular, ckaRbf, ckaLinearMinibatch, hsicBiased, hsicUnbiased, hsicUnbiasedProduct, ckaKernels } from './cka.ts';
export { rsa, rdm, pearson, spearman, kendallTau, averageRanks } from './rsa.ts';
export { cca, svcca, pwcca, canonicalCorrelations } from './cca.ts';
export { procrustesAngular, procrustesEuclidean, shapeAngular } from './procrustes.ts';
export { linregR2, ridgeR2, ridgeR2Cv } from './regression.ts';
export { mutualKnn, jaccardKnn, cknna } from './knn.ts';
export { semiMatch, hardMatch, softMatch } from './matching.ts';
export { refCka, refRsa } from './reference.ts';
export {
  ShapeMismatchError,
  NonFiniteInputError,
  TooFewSamplesError,
  ConstantRepresentationError,
  ConstantUnitError,
  ZeroNormRowError,
  DegenerateInputError,
} from './util.ts';
