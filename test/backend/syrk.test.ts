/**
 * SYRK and column centring on every available backend (portable always; native when built):
 * both orientations, leading dimensions with padding, subarray offsets, alpha/beta, float32 and
 * float64, against a float64 triple loop and against the backend's own gemm; plus the tall and
 * wide SVD paths reconstructing their input.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DTypeError, ShapeError } from '../../src/errors.ts';
import type { FloatArray } from '../../src/tensor/backend/types.ts';
import { Rng } from '../../src/util/rng.ts';
import { backendsUnderTest, randomArray, type Ctor } from './helpers.ts';

const backends = backendsUnderTest();
/** Expected C (n×n, leading dimension ldc, padding untouched): upper from the loop, lower mirrored. */
function naiveSyrk(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, lda: number, beta: number, c: FloatArray, ldc: number): Float64Array {
  const out = Float64Array.from(c);
  const at = (i: number, p: number): number => (trans ? a[p * lda + i] : a[i * lda + p]);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(i, p) * at(j, p);
      out[i * ldc + j] = alpha * s + (beta === 0 ? 0 : beta * c[i * ldc + j]);
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) out[i * ldc + j] = out[j * ldc + i];
  return out;
}

const SHAPES: [number, number][] = [[1, 1], [5, 3], [3, 17], [70, 9], [130, 67], [0, 4], [6, 0]];

for (const be of backends) {
  for (const ctor of [Float64Array, Float32Array] as Ctor[]) {
    const tol = ctor === Float64Array ? 1e-12 : 2e-4;
    test(`${be.name} syrk ${ctor.name}: both orientations, padded leading dimensions, alpha/beta, vs a triple loop`, () => {
      const rng = new Rng(11);
      for (const [n, k] of SHAPES) {
        for (const trans of [false, true]) {
          for (const [alpha, beta, padA, padC] of [[1, 0, 0, 0], [-0.5, 2, 3, 2], [2, 1, 1, 5]]) {
            const ar = trans ? k : n;
            const ac = trans ? n : k;
            const lda = ac + padA;
            const ldc = n + padC;
            const a = randomArray(ctor, Math.max(0, ar * lda), rng);
            // A symmetric starting C (so beta·C is meaningful in both triangles) plus random padding.
            const c = randomArray(ctor, n * ldc, rng);
            for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) c[i * ldc + j] = c[j * ldc + i];
            const want = naiveSyrk(trans, n, k, alpha, a, lda, beta, c, ldc);
            be.syrk(trans, n, k, alpha, a, beta, c, lda, ldc);
            for (let i = 0; i < c.length; i++) {
              const scale = Math.max(1, Math.abs(want[i]));
              assert.ok(Math.abs(c[i] - want[i]) <= tol * scale * Math.max(1, k), `n=${n} k=${k} trans=${trans} alpha=${alpha} beta=${beta} at ${i}: ${c[i]} vs ${want[i]}`);
            }
            for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.equal(c[i * ldc + j], c[j * ldc + i], 'exactly symmetric');
          }
        }
      }
    });
  }

  test(`${be.name} syrk matches gemm(A, Aᵀ) and gemm(Aᵀ, A) on offset subarrays`, () => {
    const rng = new Rng(12);
    const [n, k] = [33, 21];
    const base = randomArray(Float64Array, 7 + n * k, rng) as Float64Array;
    const a = base.subarray(7);
    for (const trans of [false, true]) {
      const c = new Float64Array(n * n);
      const g = new Float64Array(n * n);
      be.syrk(trans, n, k, 1, a, 0, c);
      if (trans) be.gemm(true, false, n, n, k, 1, a, a, 0, g); // A is k×n
      else be.gemm(false, true, n, n, k, 1, a, a, 0, g); // A is n×k
      for (let i = 0; i < c.length; i++) assert.ok(Math.abs(c[i] - g[i]) <= 1e-12 * Math.max(1, Math.abs(g[i])), `trans=${trans} at ${i}`);
    }
  });

  test(`${be.name} syrk rejects bad shapes, short arrays and mixed dtypes`, () => {
    assert.throws(() => be.syrk(false, 3, 2, 1, new Float64Array(5), 0, new Float64Array(9)), ShapeError);
    assert.throws(() => be.syrk(false, 3, 2, 1, new Float64Array(6), 0, new Float64Array(8)), ShapeError);
    assert.throws(() => be.syrk(false, 3, 2, 1, new Float64Array(6), 0, new Float64Array(9), 1), ShapeError);
    assert.throws(() => be.syrk(false, 3, 2, 1, new Float64Array(6), 0, new Float64Array(9), 2, 2), ShapeError);
    assert.throws(() => be.syrk(false, -1, 2, 1, new Float64Array(6), 0, new Float64Array(9)), ShapeError);
    assert.throws(() => be.syrk(false, 3, 2, 1, new Float32Array(6), 0, new Float64Array(9)), DTypeError);
  });

  test(`${be.name} centerCols: column means removed, bitwise equal to the row-order loop, input untouched`, () => {
    const rng = new Rng(13);
    for (const [m, n] of [[1, 1], [7, 3], [50, 33], [0, 4], [4, 0]]) {
      const a = Float64Array.from({ length: m * n }, () => 100 + rng.normal());
      const copy = Float64Array.from(a);
      const c = be.centerCols(a, m, n);
      assert.deepEqual(a, copy);
      assert.equal(c.length, m * n);
      for (let j = 0; j < n; j++) {
        let mu = 0;
        for (let i = 0; i < m; i++) mu += a[i * n + j];
        mu /= m;
        for (let i = 0; i < m; i++) assert.equal(c[i * n + j], a[i * n + j] - mu);
      }
    }
    assert.throws(() => be.centerCols(new Float64Array(5), 2, 3), ShapeError);
  });

  test(`${be.name} svd of tall, wide and square matrices reconstructs A with orthonormal factors`, () => {
    const rng = new Rng(14);
    for (const [m, n] of [[300, 20], [20, 300], [40, 40], [5, 1], [1, 5]]) {
      const a = Float64Array.from({ length: m * n }, () => rng.normal());
      const { u, s, vt } = be.svd(a, m, n);
      const r = Math.min(m, n);
      for (let i = 1; i < r; i++) assert.ok(s[i] <= s[i - 1]);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let v = 0;
          for (let q = 0; q < r; q++) v += u[i * r + q] * s[q] * vt[q * n + j];
          assert.ok(Math.abs(v - a[i * n + j]) < 1e-12 * s[0] * Math.max(m, n), `${m}×${n} at ${i},${j}`);
        }
      }
      for (let p = 0; p < r; p++) {
        for (let q = 0; q < r; q++) {
          let uu = 0;
          let vv = 0;
          for (let i = 0; i < m; i++) uu += u[i * r + p] * u[i * r + q];
          for (let j = 0; j < n; j++) vv += vt[p * n + j] * vt[q * n + j];
          assert.ok(Math.abs(uu - (p === q ? 1 : 0)) < 1e-12 * m && Math.abs(vv - (p === q ? 1 : 0)) < 1e-12 * n, `${m}×${n} orthonormality`);
        }
      }
    }
  });
}
