/**
 * Public API of the correlative similarity library (similarity.md): `similarity(name, X, Y)`
 * validates (samples × features) float64 input, resolves the measure id, applies the optional
 * subsampling protocol (§1.5) and returns `{ id, value, kind, n, px, py, details }`.
 *
 * Every function exported here that takes matrices accepts any MatrixInput (`number[][]` with
 * rows = samples, `{ rows, cols, data }`, `{ shape: [n, p], data }` such as a Tensor, or a Mat):
 * `toMat` (input.ts) converts them at this border, with the CLI's typed errors.
 */
import { InputError } from '../errors.ts';
import type { Mat } from '../tensor/linalg.ts';
import * as cca_ from './cca.ts';
import * as cka_ from './cka.ts';
import * as inference_ from './inference.ts';
import { toMat, type MatrixInput } from './input.ts';
import * as knn_ from './knn.ts';
import * as matching_ from './matching.ts';
import * as procrustes_ from './procrustes.ts';
import * as reference_ from './reference.ts';
import * as regression_ from './regression.ts';
import * as rsa_ from './rsa.ts';
import { Rng } from '../util/rng.ts';
import { resolveMeasure, type MeasureKind, type MeasureOptions } from './registry.ts';
import { checkMinSamples, checkPair, selectRows } from './util.ts';
import { checkMeasureMemory } from './memory.ts';

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
export function similarity(name: string, x0: MatrixInput, y0: MatrixInput, opts: SimilarityOptions = {}): SimilarityResult {
  const m = resolveMeasure(name);
  const id = m.meta.id;
  const x = toMat(id, 'X', x0);
  const y = toMat(id, 'Y', y0);
  checkPair(id, x, y);
  const n = x.rows;
  const base = { id, kind: m.meta.kind, n, px: x.cols, py: y.cols };
  const sub = opts.subsample;
  if (!sub) {
    checkMinSamples(id, n, m.meta.minSamples);
    checkMeasureMemory(m.meta, n);
    const r = m.compute(x, y, opts);
    if (!Number.isFinite(r.value)) throw new InputError(`${id}: the computation gave a non-finite value (${r.value}); please report this input`);
    return { ...base, value: r.value, details: r.details };
  }
  if (!Number.isInteger(sub.size) || sub.size < 1 || sub.size > n) throw new InputError(`${id}: subsample size must be an integer in [1, ${n}], got ${sub.size}`);
  if (!Number.isInteger(sub.runs) || sub.runs < 1) throw new InputError(`${id}: subsample runs must be a positive integer, got ${sub.runs}`);
  checkMinSamples(id, sub.size, m.meta.minSamples);
  checkMeasureMemory(m.meta, sub.size);
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
export type { PermutationResult, BootstrapResult } from './inference.ts';
export { checkMeasureMemory, estimateBytes, maxSamplesFor, memoryBudget } from './memory.ts';
export { toMat } from './input.ts';
export type { MatrixInput, NumericArray } from './input.ts';
export { pearson, spearman, kendallTau, averageRanks } from './rsa.ts';
export type { RdmKind, RdmComparator } from './rsa.ts';

/** Wrap a function of (X, Y, …) so that X and Y may be any MatrixInput (converted by toMat). */
function pairInput<A extends unknown[], R>(op: string, f: (x: Mat, y: Mat, ...rest: A) => R, names: [string, string] = ['X', 'Y']): (x: MatrixInput, y: MatrixInput, ...rest: A) => R {
  return (x, y, ...rest) => f(toMat(op, names[0], x), toMat(op, names[1], y), ...rest);
}

/** Permutation test of measure `name` between X and Y (see inference.ts). */
export const permutationTest = (name: string, x: MatrixInput, y: MatrixInput, opts?: Parameters<typeof inference_.permutationTest>[3]): inference_.PermutationResult =>
  inference_.permutationTest(name, toMat(name, 'X', x), toMat(name, 'Y', y), opts);
/** Half-sampling confidence interval of measure `name` between X and Y (see inference.ts). */
export const bootstrapCi = (name: string, x: MatrixInput, y: MatrixInput, opts?: Parameters<typeof inference_.bootstrapCi>[3]): inference_.BootstrapResult =>
  inference_.bootstrapCi(name, toMat(name, 'X', x), toMat(name, 'Y', y), opts);

/** Streaming minibatch CKA whose `update(X, Y)` accepts any MatrixInput. */
export class MinibatchCka extends cka_.MinibatchCka {
  /** Add one paired batch (rows = samples). */
  override update(x: MatrixInput, y: MatrixInput): void {
    super.update(toMat('cka-linear-minibatch', 'X', x), toMat('cka-linear-minibatch', 'Y', y));
  }
}
/** Linear CKA, biased or debiased (cka.ts). */
export const ckaLinear = pairInput('cka-linear', cka_.ckaLinear);
/** arccos of linear CKA, from the chord (cka.ts). */
export const ckaLinearAngular = pairInput('cka-linear-angular', cka_.ckaLinearAngular);
/** RBF-kernel CKA (cka.ts). */
export const ckaRbf = pairInput('cka-rbf', cka_.ckaRbf);
/** Minibatch CKA over seeded batches (cka.ts). */
export const ckaLinearMinibatch = pairInput('cka-linear-minibatch', cka_.ckaLinearMinibatch);
/** Biased HSIC of two n×n kernels (cka.ts). */
export const hsicBiased = pairInput('hsicBiased', cka_.hsicBiased, ['K', 'L']);
/** Unbiased HSIC of two symmetric n×n kernels (cka.ts). */
export const hsicUnbiased = pairInput('hsicUnbiased', cka_.hsicUnbiased, ['K', 'L']);
/** Unbiased HSIC in the matrix-product form, for non-symmetric kernels (cka.ts). */
export const hsicUnbiasedProduct = pairInput('hsicUnbiasedProduct', cka_.hsicUnbiasedProduct, ['K', 'L']);
/** CKA of two n×n kernels with a chosen estimator (cka.ts). */
export const ckaKernels = pairInput('ckaKernels', cka_.ckaKernels, ['K', 'L']);
/** Standard RSA between X and Y (rsa.ts). */
export const rsa = pairInput('rsa', rsa_.rsa);
/** The n×n RDM of X's rows (rsa.ts). */
export const rdm = (x: MatrixInput, kind: rsa_.RdmKind, op = 'rsa', name = 'X'): Mat => rsa_.rdm(toMat(op, name, x), kind, op, name);
/** cca-r2 / cca-mean (cca.ts). */
export const cca = pairInput('cca', cca_.cca);
/** SVCCA (cca.ts). */
export const svcca = pairInput('svcca', cca_.svcca);
/** Projection-weighted CCA (cca.ts). */
export const pwcca = pairInput('pwcca', cca_.pwcca);
/** Canonical correlations with the ranks used (cca.ts). */
export const canonicalCorrelations = pairInput('cca', cca_.canonicalCorrelations);
/** Procrustes angle (procrustes.ts). */
export const procrustesAngular = pairInput('procrustes-angular', procrustes_.procrustesAngular);
/** Procrustes chord distance (procrustes.ts). */
export const procrustesEuclidean = pairInput('procrustes-euclidean', procrustes_.procrustesEuclidean);
/** Angular shape metric with partial whitening α (procrustes.ts). */
export const shapeAngular = pairInput('shape-angular', procrustes_.shapeAngular);
/** In-sample OLS R² of Y from X (regression.ts). */
export const linregR2 = pairInput('linreg-r2', regression_.linregR2);
/** In-sample ridge R² of Y from X (regression.ts). */
export const ridgeR2 = pairInput('ridge-r2', regression_.ridgeR2);
/** Cross-validated ridge R² of Y from X (regression.ts). */
export const ridgeR2Cv = pairInput('ridge-r2-cv', regression_.ridgeR2Cv);
/** Mutual k-nearest-neighbour overlap (knn.ts). */
export const mutualKnn = pairInput('mutual-knn', knn_.mutualKnn);
/** Jaccard k-nearest-neighbour overlap (knn.ts). */
export const jaccardKnn = pairInput('jaccard-knn', knn_.jaccardKnn);
/** CKNNA (knn.ts). */
export const cknna = pairInput('cknna', knn_.cknna);
/** Semi-matching of units by correlation (matching.ts). */
export const semiMatch = pairInput('semi-match-correlation', matching_.semiMatch);
/** One-to-one (Hungarian) matching of units (matching.ts). */
export const hardMatch = pairInput('hard-match-correlation', matching_.hardMatch);
/** Soft (optimal-transport) matching of units (matching.ts). */
export const softMatch = pairInput('soft-match-correlation', matching_.softMatch);
/** Reference-compatible RDM-kernel CKA (reference.ts). */
export const refCka = pairInput('ref-cka', reference_.refCka);
/** Reference-compatible RSA (reference.ts). */
export const refRsa = pairInput('ref-rsa', reference_.refRsa);
export {
  ShapeMismatchError,
  NonFiniteInputError,
  TooFewSamplesError,
  ConstantRepresentationError,
  ConstantUnitError,
  ZeroNormRowError,
  DegenerateInputError,
} from './util.ts';
