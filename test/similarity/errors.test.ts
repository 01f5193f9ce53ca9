/** Validation: shapes, non-finite input, too few samples, constant input, zero-norm rows, unknown or bad ids. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, MasError, ShapeError } from '../../src/errors.ts';
import {
  ConstantRepresentationError,
  DegenerateInputError,
  NonFiniteInputError,
  ShapeMismatchError,
  TooFewSamplesError,
  ZeroNormRowError,
  canonicalName,
  exampleIds,
  resolveMeasure,
  ckaLinear,
  similarity,
  svcca,
} from '../../src/similarity/index.ts';
import { MinibatchCka } from '../../src/similarity/cka.ts';
import { mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { randn } from './helpers.ts';

const r = new Rng(1);

test('different row counts: ShapeMismatchError naming both shapes and the samples × features rule', () => {
  for (const id of exampleIds()) {
    assert.throws(
      () => similarity(id, randn(r, 10, 3), randn(r, 11, 3)),
      (e: unknown) => e instanceof ShapeMismatchError && e instanceof ShapeError && /10×3/.test((e as Error).message) && /11×3/.test((e as Error).message) && /samples/.test((e as Error).message),
      id,
    );
  }
});

test('NaN or Inf: NonFiniteInputError with the first bad row and column, for every measure', () => {
  const x = randn(r, 12, 3);
  x.data[2 * 3 + 1] = NaN;
  const y = randn(r, 12, 3);
  y.data[5] = Infinity;
  for (const id of exampleIds()) {
    assert.throws(() => similarity(id, x, randn(r, 12, 3)), (e: unknown) => e instanceof NonFiniteInputError && /row 2, column 1/.test((e as Error).message), id);
    assert.throws(() => similarity(id, randn(r, 12, 3), y), (e: unknown) => e instanceof NonFiniteInputError && /Y/.test((e as Error).message), id);
  }
});

test('too few samples: TooFewSamplesError', () => {
  assert.throws(() => similarity('cka-linear', randn(r, 3, 2), randn(r, 3, 2)), TooFewSamplesError);
  assert.throws(() => similarity('mutual-knn-10', randn(r, 11, 2), randn(r, 11, 2)), (e: unknown) => e instanceof TooFewSamplesError && /12/.test((e as Error).message));
});

test('constant representations and zero-norm rows are typed errors, never NaN', () => {
  const c = mat(10, 3, new Float64Array(30).fill(1.5));
  const y = randn(r, 10, 3);
  for (const id of ['cka-linear', 'cka-linear-debiased', 'cka-rbf-0.5', 'procrustes-angular', 'cca-mean', 'linreg-r2', 'rsa-euclidean-spearman']) {
    assert.throws(() => similarity(id, c, y), (e: unknown) => e instanceof MasError && !(e instanceof ShapeError), id);
    assert.throws(() => similarity(id, y, c), (e: unknown) => e instanceof MasError, id);
  }
  assert.throws(() => similarity('cka-linear', c, y), ConstantRepresentationError);
  const z = randn(r, 10, 3);
  z.data.fill(0, 6, 9);
  assert.throws(() => similarity('rsa-cosine-pearson', z, y), ZeroNormRowError);
  assert.throws(() => similarity('mutual-knn-3', z, y), ZeroNormRowError);
  // RBF median 0: more than half of the pairs coincide
  const dup = mat(10, 2, Float64Array.from({ length: 20 }, (_, k) => (k < 18 ? 1 : 5)));
  assert.throws(() => similarity('cka-rbf-0.5', dup, y), DegenerateInputError);
});

test('unknown ids suggest the closest; aliases and parameters canonicalize; bad parameters are InputErrors', () => {
  assert.throws(() => resolveMeasure('cka-lineer'), (e: unknown) => e instanceof InputError && /did you mean 'cka-linear'/.test((e as Error).message));
  assert.throws(() => resolveMeasure('procrustes-angualr'), /did you mean 'procrustes-angular'/);
  assert.equal(resolveMeasure('cka').meta.id, 'cka-linear');
  assert.equal(resolveMeasure('rsa').meta.id, 'rsa-correlation-spearman');
  assert.equal(resolveMeasure('svcca').meta.id, 'svcca-0.99');
  assert.equal(resolveMeasure('procrustes').meta.id, 'procrustes-angular');
  assert.equal(resolveMeasure('mutual-knn').meta.id, 'mutual-knn-10');
  assert.equal(resolveMeasure('cknna').meta.id, 'cknna-10');
  assert.equal(resolveMeasure('jaccard-knn').meta.id, 'jaccard-knn-10');
  assert.equal(resolveMeasure('rsa_raw_cos_spr').meta.id, 'ref-rsa-raw-cos-spr');
  assert.equal(resolveMeasure('cka_cos').meta.id, 'ref-cka-cos');
  assert.equal(resolveMeasure('cka-rbf-0.50').meta.id, 'cka-rbf-0.5');
  assert.equal(resolveMeasure('shape-.5-angular').meta.id, 'shape-0.5-angular');
  assert.equal(canonicalName('CKA'), 'cka-linear');
  assert.throws(() => resolveMeasure('svcca-1.5'), InputError);
  assert.throws(() => resolveMeasure('shape-2-angular'), InputError);
  assert.throws(() => resolveMeasure('cka-linear-minibatch-2'), InputError);
  assert.throws(() => resolveMeasure('cknna-1'), InputError);
  assert.throws(() => resolveMeasure('ridge-r2-0'), InputError);
});

test('every id resolves to itself and has complete metadata', () => {
  for (const id of exampleIds()) {
    const m = resolveMeasure(id).meta;
    assert.equal(m.id, id);
    for (const k of ['family', 'kind', 'range', 'invariances', 'minSamples', 'highDim', 'reference', 'description'] as const) assert.ok(m[k] !== undefined && m[k] !== '', `${id}.${k}`);
  }
});

test('direct calls of cka-linear, svcca and minibatch CKA (finiteness checked through the column means) name the bad entry', () => {
  const calls: [string, (x: ReturnType<typeof randn>, y: ReturnType<typeof randn>) => unknown][] = [
    ['ckaLinear', (x, y) => ckaLinear(x, y)],
    ['ckaLinear debiased', (x, y) => ckaLinear(x, y, { debiased: true })],
    ['svcca', (x, y) => svcca(x, y, { tau: 0.99 })],
    ['MinibatchCka', (x, y) => new MinibatchCka().update(x, y)],
  ];
  for (const [name, f] of calls) {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const x = randn(r, 12, 3);
      x.data[2 * 3 + 1] = bad;
      assert.throws(() => f(x, randn(r, 12, 3)), (e: unknown) => e instanceof NonFiniteInputError && /X/.test((e as Error).message) && /row 2, column 1/.test((e as Error).message), `${name} ${bad}`);
      const y = randn(r, 12, 3);
      y.data[11 * 3 + 2] = bad;
      assert.throws(() => f(randn(r, 12, 3), y), (e: unknown) => e instanceof NonFiniteInputError && /Y/.test((e as Error).message) && /row 11, column 2/.test((e as Error).message), `${name} ${bad}`);
    }
    // Inf in the first row and −Inf below it in the same column: the column sum is NaN.
    const x = randn(r, 12, 3);
    x.data[0] = Infinity;
    x.data[5 * 3] = -Infinity;
    assert.throws(() => f(x, randn(r, 12, 3)), (e: unknown) => e instanceof NonFiniteInputError && /row 0, column 0/.test((e as Error).message), name);
  }
});
