/**
 * Exact ties in euclidean/sqeuclidean RDMs and `-l2` neighbour sets (issue 10, item 9): equal
 * distances must come out bit-equal. Checked against exact integer arithmetic, naive Kendall
 * counts and a brute-force neighbour search on the exact distances.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { similarity } from '../../src/similarity/index.ts';
import { sqDistances } from '../../src/similarity/distances.ts';
import { rdm, upperTriangle } from '../../src/similarity/rsa.ts';
import { mat, type Mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';
import { fromRows, randn } from './helpers.ts';

/** Small-integer data with many equal distances. */
function intData(r: Rng, n: number, p: number, levels: number, scale = 1): Mat {
  return mat(n, p, Float64Array.from({ length: n * p }, () => r.int(levels) * scale));
}

/** Exact squared distances of integer rows (plain integer arithmetic, exact below 2^53). */
function exactSq(rows: number[][]): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows.length; i++) for (let j = i + 1; j < rows.length; j++) out.push(rows[i].reduce((s, v, k) => s + (v - rows[j][k]) ** 2, 0));
  return out;
}

function toRows(m: Mat): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

function naiveKendall(a: number[], b: number[], variant: 'a' | 'b'): number {
  let s = 0;
  let ta = 0;
  let tb = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      s += Math.sign(a[i] - a[j]) * Math.sign(b[i] - b[j]);
      if (a[i] === a[j]) ta++;
      if (b[i] === b[j]) tb++;
    }
  }
  const n0 = (a.length * (a.length - 1)) / 2;
  return variant === 'a' ? s / n0 : s / Math.sqrt((n0 - ta) * (n0 - tb));
}

/** Brute-force mutual-kNN with the lower index winning ties, on exact squared distances. */
function naiveMutualKnnL2(dx: number[], dy: number[], n: number, k: number): number {
  const at = (d: number[], i: number, j: number): number => {
    const [a, b] = i < j ? [i, j] : [j, i];
    return d[a * n - (a * (a + 1)) / 2 + (b - a - 1)];
  };
  const nb = (d: number[], i: number): Set<number> =>
    new Set(Array.from({ length: n }, (_, j) => j).filter((j) => j !== i).sort((a, b) => at(d, i, a) - at(d, i, b) || a - b).slice(0, k));
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a = nb(dx, i);
    let c = 0;
    for (const j of nb(dy, i)) if (a.has(j)) c++;
    s += c / k;
  }
  return s / n;
}

test('integer data: RDM entries equal the exact integer distances bit for bit', () => {
  const r = new Rng(3);
  for (const [n, p, levels] of [[5, 5, 5], [12, 6, 3], [30, 17, 4]]) {
    const x = intData(r, n, p, levels);
    // a large common offset: the old column centring turned these into non-integers
    for (let i = 0; i < x.data.length; i++) x.data[i] += 1000;
    const want = exactSq(toRows(x));
    assert.deepEqual(Array.from(upperTriangle(rdm(x, 'sqeuclidean'))), want);
    assert.deepEqual(Array.from(upperTriangle(rdm(x, 'euclidean'))), want.map(Math.sqrt));
  }
});

test('integer data: Kendall τ_a/τ_b and Spearman RSA, and -l2 neighbour measures, match exact computations', () => {
  const r = new Rng(4);
  for (let t = 0; t < 6; t++) {
    const n = 5 + 3 * t;
    const x = intData(r, n, 5, 5);
    const y = intData(r, n, 4, 3);
    const dx = exactSq(toRows(x));
    const dy = exactSq(toRows(y));
    for (const kind of ['euclidean', 'sqeuclidean']) {
      assert.equal(similarity(`rsa-${kind}-kendall-a`, x, y).value, naiveKendall(dx, dy, 'a'), `${kind} τ_a n=${n}`);
      const tb = similarity(`rsa-${kind}-kendall-b`, x, y).value;
      assert.ok(Math.abs(tb - naiveKendall(dx, dy, 'b')) < 1e-15, `${kind} τ_b n=${n}`);
    }
    for (const k of [1, 2]) {
      assert.equal(similarity(`mutual-knn-${k}-l2`, x, y).value, naiveMutualKnnL2(dx, dy, n, k), `mutual-knn-${k}-l2 n=${n}`);
    }
  }
});

test('decimal and dyadic grids (CSV-like values, fixed point) keep their ties too', () => {
  const r = new Rng(5);
  for (const scale of [0.1, 0.25, 0.001]) {
    const k = intData(r, 14, 6, 4);
    const x = mat(k.rows, k.cols, k.data.map((v) => v * scale + 3)); // e.g. 3.1, 3.2, … as read from text
    const exact = exactSq(toRows(k));
    const d = upperTriangle(sqDistances(x));
    for (let a = 0; a < exact.length; a++) {
      for (let b = a + 1; b < exact.length; b++) if (exact[a] === exact[b]) assert.equal(d[a], d[b], `scale ${scale}: pairs ${a}, ${b}`);
      assert.ok(Math.abs(d[a] - exact[a] * scale * scale) <= 1e-12 * (1 + exact[a] * scale * scale));
    }
  }
});

test('off any grid: mirrored pairs (a, b) and (−a, −b) tie bit for bit, other values match the direct formula', () => {
  const r = new Rng(6);
  for (let t = 0; t < 5; t++) {
    const base = randn(r, 6, 9);
    for (let i = 0; i < base.data.length; i++) base.data[i] = base.data[i] * 3 + 0.7; // an offset breaks the ± symmetry of the Gram route
    const rows = toRows(base);
    const x = fromRows([rows[0], rows[1], rows[0].map((v) => -v), rows[1].map((v) => -v), ...rows.slice(2)]);
    const d = sqDistances(x);
    const at = (i: number, j: number): number => d.data[i * x.rows + j];
    assert.equal(at(0, 1), at(2, 3));
    assert.equal(at(0, 3), at(1, 2));
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < x.rows; j++) {
        let s = 0;
        for (let c = 0; c < x.cols; c++) s += (x.data[i * x.cols + c] - x.data[j * x.cols + c]) ** 2;
        assert.ok(Math.abs(at(i, j) - s) <= 1e-13 * (1 + s), `(${i}, ${j})`);
        assert.equal(at(i, j), at(j, i));
      }
    }
  }
});
