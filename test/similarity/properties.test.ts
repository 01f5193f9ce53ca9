/**
 * Property tests generated from the registry metadata (similarity.md §9): self-comparison,
 * range, symmetry, declared invariances (and at least one non-invariance), triangle inequality of
 * the metrics, and the declared behaviour when p ≥ n.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DegenerateInputError, exampleIds, resolveMeasure, similarity, type Invariances } from '../../src/similarity/index.ts';
import { mat, matmul, type Mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { pair, permuteCols, randOrth, randn, scale, scaleCols, translate } from './helpers.ts';

const rng = new Rng(7);
const { x: X, y: Y } = pair(rng, 30, 12, 4, 0.6);
const ids = exampleIds();
const v = (id: string, a: Mat, b: Mat): number => similarity(id, a, b).value;

type Group = keyof Invariances;
/** One random element of each group, for a matrix with p columns. */
function groupElement(g: Group, x: Mat, r: Rng): Mat {
  const p = x.cols;
  switch (g) {
    case 'translation':
      return translate(x, Array.from({ length: p }, () => 5 * r.normal()));
    case 'isotropicScaling':
      return scale(x, 3.7);
    case 'orthogonal':
      return matmul(x, randOrth(r, p));
    case 'invertibleLinear':
      return matmul(x, randn(r, p, p));
    case 'permutation':
      return permuteCols(x, r.permutation(p));
    case 'perUnitAffine':
      return translate(scaleCols(x, Array.from({ length: p }, () => 0.2 + 3 * r.uniform())), Array.from({ length: p }, () => 3 * r.normal()));
  }
}
const GROUPS: Group[] = ['translation', 'isotropicScaling', 'orthogonal', 'invertibleLinear', 'permutation', 'perUnitAffine'];

/** Similarities that cannot reach their maximum on X vs X: shrinkage by construction. */
const SHRUNK = /^(ridge-r2-|cca-(r2|mean)-eps)/;

test('self-comparison: similarities at their maximum, distances 0', () => {
  const bad: string[] = [];
  for (const id of ids) {
    const m = resolveMeasure(id).meta;
    const s = v(id, X, X);
    if (m.kind === 'similarity') {
      if (SHRUNK.test(id)) {
        if (!(s < 1 && s > 0.9)) bad.push(`${id}: ${s} (expected shrunk below 1)`);
      } else if (Math.abs(s - m.range[1]) > 1e-12) bad.push(`${id}: ${s}`);
    } else if (!(s >= 0 && s <= 1e-12)) bad.push(`${id}: ${s}`); // angles from chords, not arccos(1 − O(1e-16))
  }
  assert.deepEqual(bad, []);
});

test('values lie in the declared range and kinds follow the naming rule', () => {
  for (const id of ids) {
    const m = resolveMeasure(id).meta;
    const s = v(id, X, Y);
    assert.ok(s >= m.range[0] && s <= m.range[1], `${id}: ${s} outside [${m.range}]`);
    assert.equal(m.kind === 'distance', /-(angular|euclidean|distance)$/.test(id), id);
    assert.equal(m.largerIsMoreSimilar, m.kind === 'similarity', id);
  }
});

test('symmetric measures are symmetric; asymmetric ones are not', () => {
  for (const id of ids) {
    const m = resolveMeasure(id).meta;
    const a = v(id, X, Y);
    const b = v(id, Y, X);
    if (m.symmetric) assert.ok(Math.abs(a - b) <= 1e-10, `${id}: ${a} vs ${b}`);
    else assert.ok(Math.abs(a - b) > 1e-4, `${id} claims asymmetry but gives ${a} both ways`);
  }
});

test('declared invariances hold on either argument (to 1e-9)', () => {
  const r = new Rng(11);
  const bad: string[] = [];
  for (const id of ids) {
    const m = resolveMeasure(id).meta;
    const base = v(id, X, Y);
    for (const g of GROUPS) {
      if (!m.invariances[g]) continue;
      const a = v(id, groupElement(g, X, r), Y);
      const b = v(id, X, groupElement(g, Y, r));
      const tol = 1e-9 * Math.max(1, Math.abs(base));
      if (Math.abs(a - base) > tol || Math.abs(b - base) > tol) bad.push(`${id} under ${g}: ${base} → ${a}, ${b}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('undeclared invariances are really absent (value changes on X or Y)', () => {
  const r = new Rng(12);
  const bad: string[] = [];
  let checked = 0;
  for (const id of ids) {
    const m = resolveMeasure(id).meta;
    const base = v(id, X, Y);
    const missing = GROUPS.filter((g) => !m.invariances[g]);
    assert.ok(missing.length > 0 || id.startsWith('cca-') || id === 'shape-0-angular', `${id} declares every invariance`);
    for (const g of missing) {
      const a = v(id, groupElement(g, X, r), Y);
      const b = v(id, X, groupElement(g, Y, r));
      checked++;
      if (Math.abs(a - base) < 1e-6 && Math.abs(b - base) < 1e-6) bad.push(`${id} unexpectedly invariant under ${g}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(checked > 100);
});

test('metrics satisfy the triangle inequality on random triples', () => {
  const r = new Rng(13);
  const metrics = ids.filter((id) => resolveMeasure(id).meta.metric);
  assert.ok(metrics.length >= 6, metrics.join(','));
  for (let t = 0; t < 12; t++) {
    const a = randn(r, 25, 3 + (t % 3));
    const b = t % 2 === 0 ? randn(r, 25, 4) : matmul(a, randn(r, a.cols, 4));
    if (t % 2 === 1) for (let i = 0; i < b.data.length; i++) b.data[i] += 0.3 * r.normal();
    const c = t % 3 === 0 ? randn(r, 25, 5) : matmul(b, randn(r, 4, 5));
    for (const id of metrics) {
      const ab = v(id, a, b);
      const bc = v(id, b, c);
      const ac = v(id, a, c);
      assert.ok(ac <= ab + bc + 1e-12, `${id}: d(a,c)=${ac} > d(a,b)+d(b,c)=${ab + bc}`);
    }
  }
});

test('p ≥ n: exact and regularized measures return in-range values, degenerate ones raise DegenerateInputError', () => {
  const r = new Rng(14);
  const xh = randn(r, 12, 16);
  const yh = randn(r, 12, 20);
  for (const id of ids) {
    const m = resolveMeasure(id).meta;
    if (m.highDim === 'degenerate-error') {
      assert.throws(() => v(id, xh, yh), (e: unknown) => e instanceof DegenerateInputError && /n − 1|n = 12/.test((e as Error).message), id);
    } else {
      const s = v(id, xh, yh);
      assert.ok(s >= m.range[0] && s <= m.range[1], `${id}: ${s}`);
    }
  }
});

test('square-sample stability: every measure is deterministic for fixed input and seed', () => {
  for (const id of ids) assert.equal(v(id, X, Y), v(id, mat(X.rows, X.cols, Float64Array.from(X.data)), Y), id);
});
