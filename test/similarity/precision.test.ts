/**
 * Regression tests of issue 10, item 9: angular distances at full precision near 0, a shape-metric
 * eigenvalue floor relative to the spectrum (scale invariance of shape-0-angular), and kNN
 * measures raising ConstantRepresentationError on a constant representation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MasError } from '../../src/errors.ts';
import { ConstantRepresentationError, exampleIds, listMeasures, similarity } from '../../src/similarity/index.ts';
import { mat, matmul } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { pair, randOrth, randn, scale } from './helpers.ts';

/** Every angular distance (by the naming rule), plus the chord distance procrustes-euclidean. */
const ANGULAR = [...exampleIds().filter((id) => id.endsWith('-angular')), 'procrustes-euclidean'];

test('angular distances: X against X and against X·R (R orthogonal) are ≤ 1e-12, for every angular measure', () => {
  assert.ok(ANGULAR.length >= 5, ANGULAR.join(', '));
  const r = new Rng(21);
  // feature form and Gram form of CKA (p < n, p > n), thin-SVD coordinates for p > n
  for (const [n, p] of [[40, 6], [30, 12], [10, 25]]) {
    const x = randn(r, n, p);
    for (let i = 0; i < x.data.length; i++) x.data[i] = x.data[i] * 3 + 1; // an offset and a scale
    const xr = matmul(x, randOrth(r, p));
    for (const id of ANGULAR) {
      if (id === 'shape-0-angular' && p >= n - 1) continue; // degenerate by the CCA rule (tested elsewhere)
      for (const [name, y] of [['X', x], ['X·R', xr]] as const) {
        const v = similarity(id, x, y).value;
        assert.ok(v >= 0 && v <= 1e-12, `${id}(X, ${name}) at n=${n}, p=${p}: ${v}`);
      }
    }
  }
});

test('angular distances away from 0 still equal arccos of their cosine (chord and arccos agree)', () => {
  const r = new Rng(22);
  const { x, y } = pair(r, 40, 7, 5, 0.8);
  const cka = similarity('cka-linear', x, y).value;
  assert.ok(Math.abs(similarity('cka-linear-angular', x, y).value - Math.acos(cka)) < 1e-13);
  const pa = similarity('procrustes-angular', x, y);
  const nu = pa.details.nu as number;
  assert.ok(Math.abs(pa.value - Math.acos(nu)) < 1e-13);
  assert.ok(Math.abs(similarity('procrustes-euclidean', x, y).value - Math.sqrt(2 - 2 * nu)) < 1e-13);
  for (const id of ['shape-0-angular', 'shape-0.5-angular']) {
    const s = similarity(id, x, y);
    assert.ok(Math.abs(s.value - Math.acos(s.details.cos as number)) < 1e-13, id);
  }
});

test('shape-0-angular is scale invariant from 1e-8 to 1e8 (eigenvalue floor relative to the spectrum)', () => {
  const r = new Rng(23);
  const { x, y } = pair(r, 30, 8, 5);
  const ref = similarity('shape-0-angular', x, y).value;
  assert.ok(ref > 0.1);
  for (const c of [1e-8, 1e-6, 1e-3, 1, 1e3, 1e6, 1e8]) {
    assert.ok(similarity('shape-0-angular', x, scale(x, c)).value <= 1e-12, `X vs ${c}·X`);
    assert.ok(Math.abs(similarity('shape-0-angular', scale(x, c), y).value - ref) < 1e-12, `${c}·X vs Y`);
    assert.ok(Math.abs(similarity('shape-0-angular', x, scale(y, c)).value - ref) < 1e-12, `X vs ${c}·Y`);
  }
  // it equals the CCA angle arccos(Σρ / sqrt(r_x r_y)) at every scale (cca-mean = Σρ / min(r_x, r_y))
  const sumRho = similarity('cca-mean', x, y).value * 5;
  assert.ok(Math.abs(similarity('shape-0-angular', scale(x, 1e-8), scale(y, 1e8)).value - Math.acos(sumRho / Math.sqrt(8 * 5))) < 1e-12);
});

test('kNN measures raise ConstantRepresentationError on a constant representation, as the other families do', () => {
  const r = new Rng(24);
  const c = mat(14, 3, new Float64Array(42).fill(1.5));
  const y = randn(r, 14, 3);
  const knn = listMeasures().filter((m) => m.family === 'knn').map((m) => m.id);
  const ids = [...new Set([...exampleIds().filter((id) => /knn|cknna/.test(id)), 'mutual-knn-3-l2', 'jaccard-knn-2', 'cknna-4', ...knn])];
  assert.ok(ids.length >= 5, ids.join(', '));
  for (const id of ids) {
    assert.throws(() => similarity(id, c, y), (e: unknown) => e instanceof ConstantRepresentationError && /X is constant/.test((e as Error).message), id);
    assert.throws(() => similarity(id, y, c), (e: unknown) => e instanceof ConstantRepresentationError && /Y is constant/.test((e as Error).message), id);
  }
  // and no registered measure returns a value on a constant representation
  for (const id of exampleIds()) assert.throws(() => similarity(id, c, y), MasError, id);
});
