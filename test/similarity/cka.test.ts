/** CKA family: Gram vs feature forms, unbiased HSIC vs Song et al.'s U-statistic, minibatch CKA, reference CKA identities. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MinibatchCka,
  TooFewSamplesError,
  ckaLinear,
  ckaLinearMinibatch,
  hsicUnbiased,
  hsicUnbiasedProduct,
  refCka,
  similarity,
} from '../../src/similarity/index.ts';
import { rowNormalize, zscoreCols } from '../../src/similarity/util.ts';
import { mat, matmul, type Mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { pair, randn } from './helpers.ts';

const close = (a: number, b: number, tol: number, msg = ''): void => assert.ok(Math.abs(a - b) <= tol, `${msg} ${a} vs ${b} (tol ${tol})`);

test('linear CKA: Gram and feature forms agree (biased and debiased) to 1e-10', () => {
  const r = new Rng(1);
  for (const [n, px, py] of [[40, 5, 7], [9, 20, 3], [64, 64, 64]]) {
    const { x, y } = pair(r, n, px, py);
    for (const debiased of [false, true]) {
      const g = ckaLinear(x, y, { debiased, form: 'gram' });
      const f = ckaLinear(x, y, { debiased, form: 'feature' });
      assert.equal(g.details.form, 'gram');
      assert.equal(f.details.form, 'feature');
      close(g.value, f.value, 1e-10, `n=${n} px=${px} debiased=${debiased}`);
    }
  }
});

/** Song et al. (2012) unbiased HSIC as the explicit U-statistic over distinct index tuples. */
function hsicSongNaive(k: Mat, l: Mat): number {
  const n = k.rows;
  const K = (i: number, j: number): number => k.data[i * n + j];
  const L = (i: number, j: number): number => l.data[i * n + j];
  let t1 = 0;
  let t2 = 0;
  let t3 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      t1 += K(i, j) * L(i, j);
      for (let q = 0; q < n; q++) {
        if (q === i || q === j) continue;
        t3 += K(i, j) * L(i, q);
        for (let s = 0; s < n; s++) if (s !== i && s !== j && s !== q) t2 += K(i, j) * L(q, s);
      }
    }
  }
  const ff = (m: number): number => {
    let p = 1;
    for (let a = 0; a < m; a++) p *= n - a;
    return p;
  };
  return t1 / ff(2) + t2 / ff(4) - (2 * t3) / ff(3);
}

test('unbiased HSIC (U-centring and matrix-product forms) equals the O(n⁴) U-statistic of Song et al.', () => {
  const r = new Rng(2);
  for (const n of [4, 5, 8]) {
    const x = randn(r, n, 3);
    const y = randn(r, n, 2);
    const k = matmul(x, x, false, true);
    const l = matmul(y, y, false, true);
    const want = hsicSongNaive(k, l);
    close(hsicUnbiased(k, l), want, 1e-10 * Math.max(1, Math.abs(want)), `u-centring n=${n}`);
    close(hsicUnbiasedProduct(k, l), want, 1e-10 * Math.max(1, Math.abs(want)), `product n=${n}`);
  }
  // non-symmetric matrices (CKNNA): the product form is the §2.1 formula with explicit matrix products
  const a = randn(r, 6, 6);
  const b = randn(r, 6, 6);
  const zd = (m: Mat): Mat => mat(6, 6, m.data.map((v, i) => (i % 7 === 0 ? 0 : v)));
  const at = zd(a);
  const bt = zd(b);
  const ab = matmul(at, bt);
  let tr = 0;
  for (let i = 0; i < 6; i++) tr += ab.data[i * 7];
  const sum = (m: Mat): number => m.data.reduce((p, q) => p + q, 0);
  const want = (tr + (sum(at) * sum(bt)) / (5 * 4) - (2 / 4) * sum(ab)) / (6 * 3);
  close(hsicUnbiasedProduct(a, b), want, 1e-12, 'non-symmetric');
});

test('debiased CKA averages near 0 on independent data, biased CKA is clearly positive (§8.2)', () => {
  const r = new Rng(3);
  let deb = 0;
  let bia = 0;
  const reps = 40;
  for (let t = 0; t < reps; t++) {
    const x = randn(r, 32, 10);
    const y = randn(r, 32, 10);
    deb += similarity('cka-linear-debiased', x, y).value / reps;
    bia += similarity('cka-linear', x, y).value / reps;
  }
  assert.ok(Math.abs(deb) < 0.02, `debiased mean ${deb}`);
  assert.ok(bia > 0.15, `biased mean ${bia}`);
});

test('debiased estimators need n ≥ 4', () => {
  const r = new Rng(4);
  const x = randn(r, 3, 2);
  assert.throws(() => similarity('cka-linear-debiased', x, x), TooFewSamplesError);
  assert.throws(() => ckaLinear(x, x, { debiased: true, form: 'feature' }), TooFewSamplesError);
  assert.throws(() => similarity('cka-rbf-0.5-debiased', x, x), TooFewSamplesError);
  assert.throws(() => new MinibatchCka().update(x, x), TooFewSamplesError);
});

test('minibatch CKA: one full batch equals full debiased CKA; small batches converge to it', () => {
  const r = new Rng(5);
  const { x, y } = pair(r, 300, 8, 6, 1.0);
  const full = similarity('cka-linear-debiased', x, y).value;
  close(ckaLinearMinibatch(x, y, 300, 9).value, full, 1e-12, 'b = n');
  close(ckaLinearMinibatch(x, y, 1000, 9).value, full, 1e-12, 'b > n');
  // large n: the minibatch estimate approaches the population value, as the full estimate does
  const big = pair(new Rng(6), 20000, 8, 6, 1.0);
  const fullBig = similarity('cka-linear-debiased', big.x, big.y).value;
  const mb = ckaLinearMinibatch(big.x, big.y, 256, 1).value;
  close(mb, fullBig, 0.01, 'b = 256 on 20,000 rows');
  // a different seed gives a different (stochastic) but close value
  const mb2 = ckaLinearMinibatch(big.x, big.y, 256, 2).value;
  assert.notEqual(mb, mb2);
  close(mb, mb2, 0.01);
});

test('minibatch CKA streaming API: sums of per-batch HSIC_u, never averaged CKA', () => {
  const r = new Rng(7);
  const { x, y } = pair(r, 40, 4, 3);
  const acc = new MinibatchCka();
  const rows = (a: Mat, lo: number, hi: number): Mat => mat(hi - lo, a.cols, a.data.slice(lo * a.cols, hi * a.cols));
  acc.update(rows(x, 0, 10), rows(y, 0, 10));
  acc.update(rows(x, 10, 40), rows(y, 10, 40));
  assert.equal(acc.batches, 2);
  assert.equal(acc.samples, 40);
  // independent recomputation: per-batch HSIC_u from linear kernels
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [lo, hi] of [[0, 10], [10, 40]]) {
    const xb = rows(x, lo, hi);
    const yb = rows(y, lo, hi);
    const k = matmul(xb, xb, false, true);
    const l = matmul(yb, yb, false, true);
    sxy += hsicUnbiased(k, l);
    sxx += hsicUnbiased(k, k);
    syy += hsicUnbiased(l, l);
  }
  close(acc.value(), sxy / Math.sqrt(sxx * syy), 1e-12);
  // self-similarity is exactly 1 even with unequal batch sizes
  const self = new MinibatchCka();
  self.update(rows(x, 0, 7), rows(x, 0, 7));
  self.update(rows(x, 7, 40), rows(x, 7, 40));
  close(self.value(), 1, 1e-15);
});

test('a final batch of fewer than 4 rows is merged into the previous one', () => {
  const r = new Rng(8);
  const { x, y } = pair(r, 23, 3, 3);
  const res = ckaLinearMinibatch(x, y, 10, 0); // 10 + 13 (3 merged)
  assert.equal(res.details.batches, 2);
});

test('ref-cka-cos equals linear CKA of z-scored, row-normalized data', () => {
  const r = new Rng(9);
  const { x, y } = pair(r, 35, 6, 5);
  const want = ckaLinear(rowNormalize('t', 'X', zscoreCols('t', 'X', x)), rowNormalize('t', 'Y', zscoreCols('t', 'Y', y))).value;
  close(refCka(x, y, 'cos').value, want, 1e-12);
});

/** Squared sample distance correlation (V-statistic), by explicit loops. */
function dcor2(x: Mat, y: Mat): number {
  const n = x.rows;
  const dist = (m: Mat): number[][] =>
    Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let c = 0; c < m.cols; c++) s += (m.data[i * m.cols + c] - m.data[j * m.cols + c]) ** 2;
        return Math.sqrt(s);
      }),
    );
  const dc = (d: number[][]): number[][] => {
    const rm = d.map((row) => row.reduce((a, b) => a + b, 0) / n);
    const gm = rm.reduce((a, b) => a + b, 0) / n;
    return d.map((row, i) => row.map((v, j) => v - rm[i] - rm[j] + gm));
  };
  const A = dc(dist(x));
  const B = dc(dist(y));
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    ab += A[i][j] * B[i][j];
    aa += A[i][j] ** 2;
    bb += B[i][j] ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

test('ref-cka-l2 equals the squared distance correlation of the z-scored data', () => {
  const r = new Rng(10);
  const { x, y } = pair(r, 30, 4, 6);
  close(refCka(x, y, 'l2').value, dcor2(zscoreCols('t', 'X', x), zscoreCols('t', 'Y', y)), 1e-12);
});

test('RBF CKA: bandwidth from the median of the full squared-distance matrix', () => {
  const r = new Rng(11);
  const { x, y } = pair(r, 15, 3, 3);
  const res = similarity('cka-rbf-0.5', x, y);
  const n = 15;
  const d: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let c = 0; c < 3; c++) s += (x.data[i * 3 + c] - x.data[j * 3 + c]) ** 2;
    d.push(s);
  }
  d.sort((a, b) => a - b);
  const med = d[(d.length - 1) / 2]; // 225 values: odd count
  close(res.details.sigma2X as number, 0.25 * med, 1e-12 * med);
});
