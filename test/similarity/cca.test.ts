/** CCA, SVCCA, PWCCA, Procrustes/shape metrics and regression: invariances, degeneracy, closed forms. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DegenerateInputError, similarity } from '../../src/similarity/index.ts';
import { nuclearNorm } from '../../src/similarity/la.ts';
import { centerCols, frob2 } from '../../src/similarity/util.ts';
import { matmul, singularValues } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { pair, randOrth, randn, scale, translate } from './helpers.ts';

const v = (id: string, a: Parameters<typeof similarity>[1], b: Parameters<typeof similarity>[2]): number => similarity(id, a, b).value;

test('cca-r2 and cca-mean are unchanged under X → XW for random invertible W', () => {
  const r = new Rng(1);
  const { x, y } = pair(r, 50, 6, 4);
  for (const id of ['cca-r2', 'cca-mean', 'shape-0-angular']) {
    const base = v(id, x, y);
    for (let t = 0; t < 3; t++) assert.ok(Math.abs(v(id, matmul(x, randn(r, 6, 6)), y) - base) < 1e-10, id);
  }
});

test('CCA degeneracy: r_x + r_y > n − 1 raises DegenerateInputError naming ranks and remedies; eps variant works', () => {
  const r = new Rng(2);
  const x = randn(r, 10, 6);
  const y = randn(r, 10, 4); // 6 + 4 > 9
  for (const id of ['cca-r2', 'cca-mean', 'pwcca', 'svcca-dim-6', 'shape-0-angular']) {
    assert.throws(() => v(id, x, y), (e: unknown) => e instanceof DegenerateInputError && /r_x = \d+ and r_y = \d+ with n = 10/.test((e as Error).message) && /eps/.test((e as Error).message), id);
  }
  const ok = v('cca-r2', randn(r, 11, 6), randn(r, 11, 4)); // 6 + 4 = 10 = n − 1: allowed
  assert.ok(ok > 0 && ok <= 1);
  const reg = v('cca-r2-eps0.1', randn(r, 10, 30), randn(r, 10, 40)); // p > n allowed when regularized
  assert.ok(reg > 0 && reg < 1);
});

test('rank-deficient input uses the numerical rank', () => {
  const r = new Rng(3);
  const base = randn(r, 40, 3);
  const x = matmul(base, randn(r, 3, 8)); // rank 3 in 8 columns
  const { y } = pair(r, 40, 3, 3);
  const res = similarity('cca-mean', x, y);
  assert.equal(res.details.rx, 3);
  assert.ok(Math.abs(res.value - v('cca-mean', base, y)) < 1e-9);
});

test('svcca keeps the smallest k reaching the variance share; pwcca matches its definition', () => {
  const r = new Rng(4);
  const { x, y } = pair(r, 60, 8, 5);
  const res = similarity('svcca-0.9', x, y);
  const s = singularValues(centerCols(x));
  const tot = s.reduce((a, b) => a + b * b, 0);
  let acc = 0;
  let k = 0;
  while (acc < 0.9 * tot) acc += s[k] * s[k++];
  assert.equal(res.details.kx, k);
  const p = similarity('pwcca', x, y);
  const w = p.details.weights as number[];
  const rho = p.details.rho as number[];
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(Math.abs(p.value - w.reduce((a, wi, i) => a + wi * rho[i], 0)) < 1e-12);
});

test('procrustes-angular is 0 for X against c·XQ + 1bᵀ; α = 1 shape equals arccos(ν); α = 0 is the CCA angle', () => {
  const r = new Rng(5);
  const x = randn(r, 30, 5);
  const t = translate(scale(matmul(x, randOrth(r, 5)), 2.5), [1, -2, 3, 0.5, 7]);
  assert.ok(v('procrustes-angular', x, t) < 1e-7);
  assert.ok(v('procrustes-euclidean', x, t) < 1e-7);
  const { y } = pair(r, 30, 5, 3);
  const xc = centerCols(x);
  const yc = centerCols(y);
  const nu = nuclearNorm(matmul(xc, yc, true, false)) / Math.sqrt(frob2(xc) * frob2(yc));
  assert.ok(Math.abs(v('shape-1-angular', x, y) - Math.acos(nu)) < 1e-12);
  assert.ok(Math.abs(v('procrustes-angular', x, y) - Math.acos(nu)) < 1e-12);
  assert.ok(Math.abs(v('procrustes-euclidean', x, y) - Math.sqrt(2 - 2 * nu)) < 1e-12);
  const rho = similarity('cca-mean', x, y).details.rho as number[];
  const cos = rho.reduce((a, b) => a + b, 0) / Math.sqrt(5 * 3);
  assert.ok(Math.abs(v('shape-0-angular', x, y) - Math.acos(cos)) < 1e-6);
});

test('procrustes with p > n uses thin SVDs and agrees with the direct form', () => {
  const r = new Rng(6);
  const x = randn(r, 10, 25);
  const y = randn(r, 10, 4);
  const xc = centerCols(x);
  const yc = centerCols(y);
  const nu = nuclearNorm(matmul(xc, yc, true, false)) / Math.sqrt(frob2(xc) * frob2(yc));
  assert.ok(Math.abs(v('procrustes-angular', x, y) - Math.acos(nu)) < 1e-10);
});

test('linreg-r2: invariant to invertible maps of X, degenerate when r_x ≥ n − 1; ridge self-value has its closed form', () => {
  const r = new Rng(7);
  const { x, y } = pair(r, 40, 5, 3);
  const base = v('linreg-r2', x, y);
  assert.ok(Math.abs(v('linreg-r2', matmul(x, randn(r, 5, 5)), y) - base) < 1e-10);
  assert.ok(Math.abs(v('linreg-r2', x, matmul(y, randn(r, 3, 3))) - base) > 1e-4);
  assert.throws(() => v('linreg-r2', randn(r, 8, 7), y.rows === 8 ? y : randn(r, 8, 2)), DegenerateInputError);
  // ridge on itself: R² = 1 − Σ (λ′/(s²+λ′))² s² / Σ s²
  const lam = 0.3;
  const s = singularValues(centerCols(x));
  const ss = s.reduce((a, b) => a + b * b, 0);
  const lp = (lam * ss) / 5;
  const want = 1 - s.reduce((a, si) => a + (lp / (si * si + lp)) ** 2 * si * si, 0) / ss;
  assert.ok(Math.abs(v('ridge-r2-0.3', x, x) - want) < 1e-12);
});
