import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError, LinalgError } from '../../src/errors.ts';
import { eigh, eye, matmul as matmulF64, qr } from '../../src/tensor/linalg.ts';
import {
  Adam,
  cayley,
  expm,
  expmF64,
  expmFrechet,
  expmSkew,
  gramSchmidt,
  householderProduct,
  matmul,
  mul,
  orthogonalityError,
  randomOrthogonal,
  skewFromLower,
  sum,
} from '../../src/tensor/ops/index.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import type { DType } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { assertClose, assertGrad, fixture, rand } from './helpers.ts';

/** exp(A) by Taylor series with scaling and squaring (independent of the Padé code). */
function taylorExpm(a: Float64Array, n: number): Float64Array {
  let nrm = 0;
  for (const v of a) nrm = Math.max(nrm, Math.abs(v));
  const s = Math.max(0, Math.ceil(Math.log2(nrm * n * 4)));
  const A = a.map((v) => v / 2 ** s);
  let term = eye(n).data;
  const E = term.slice();
  for (let k = 1; k < 40; k++) {
    term = matmulF64({ rows: n, cols: n, data: term }, { rows: n, cols: n, data: A }).data.map((v) => v / k);
    for (let i = 0; i < E.length; i++) E[i] += term[i];
  }
  let R: Float64Array = E;
  for (let i = 0; i < s; i++) R = matmulF64({ rows: n, cols: n, data: R }, { rows: n, cols: n, data: R }).data;
  return R;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

test('expm matches scipy.linalg.expm across norms (every Padé degree and scaling)', () => {
  const cases = fixture<{ expm: { n: number; a: number[]; e: number[] }[] }>('ops.json').expm;
  for (const c of cases) {
    const E = expmF64(Float64Array.from(c.a), c.n);
    const scaleE = maxAbs(c.e);
    assertClose(E, c.e, 1e-13 * scaleE, 0, `expm n=${c.n}`);
  }
});

test('expm matches a Taylor series on random matrices and the eigendecomposition on symmetric ones', () => {
  const rng = new Rng(1);
  for (const [n, sc] of [[5, 0.01], [6, 0.3], [7, 1], [8, 3], [10, 8]] as const) {
    const a = Float64Array.from({ length: n * n }, () => rng.normal() * sc);
    const E = expmF64(a, n);
    const T = taylorExpm(a, n);
    assertClose(E, T, 1e-12 * maxAbs(T), 0, `taylor n=${n}`);
    // symmetric: exp(S) = V diag(e^w) Vᵀ
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = 0.5 * (a[i * n + j] + a[j * n + i]);
    const { values, vectors } = eigh({ rows: n, cols: n, data: S });
    const ref = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < n; p++) s += vectors.data[i * n + p] * Math.exp(values[p]) * vectors.data[j * n + p];
        ref[i * n + j] = s;
      }
    assertClose(expmF64(S, n), ref, 1e-12 * maxAbs(ref), 0, `eig n=${n}`);
  }
});

test('expmFrechet equals the block formula exp([[A, E], [0, A]]) and returns exp(A)', () => {
  const rng = new Rng(12);
  for (const [n, sc] of [[4, 0.005], [5, 0.15], [5, 0.6], [6, 1.5], [6, 2.5], [7, 12]] as const) {
    const a = Float64Array.from({ length: n * n }, () => (rng.normal() * sc) / Math.sqrt(n));
    const e = Float64Array.from({ length: n * n }, () => rng.normal());
    const [R, L] = expmFrechet(a, e, n);
    const n2 = 2 * n;
    const big = new Float64Array(n2 * n2);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        big[i * n2 + j] = a[i * n + j];
        big[(i + n) * n2 + j + n] = a[i * n + j];
        big[i * n2 + j + n] = e[i * n + j];
      }
    const B = expmF64(big, n2);
    const Lref = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Lref[i * n + j] = B[i * n2 + j + n];
    assertClose(L, Lref, 1e-12 * maxAbs(Lref), 0, `frechet n=${n} scale ${sc}`);
    const E0 = expmF64(a, n);
    assertClose(R, E0, 1e-13 * maxAbs(E0), 0, `exp n=${n}`);
  }
});

test('skewFromLower builds L − Lᵀ; expmSkew and cayley give orthogonal matrices', () => {
  const rng = new Rng(2);
  const X = rand([6, 6], rng, 'float64', false);
  const A = skewFromLower(X);
  for (let i = 0; i < 6; i++)
    for (let j = 0; j < 6; j++) {
      const want = i > j ? X.data[i * 6 + j] : i < j ? -X.data[j * 6 + i] : 0;
      assert.equal(A.data[i * 6 + j], want);
    }
  for (const sc of [0.1, 1, 5]) {
    const As = skewFromLower(rand([12, 12], rng, 'float64', false).to('float64'));
    for (let i = 0; i < As.size; i++) As.data[i] *= sc;
    assert.ok(orthogonalityError(expmSkew(As)) <= 1e-12, `expm orthogonality at scale ${sc}`);
    assert.ok(orthogonalityError(cayley(As)) <= 1e-12, `cayley orthogonality at scale ${sc}`);
    assert.ok(orthogonalityError(expmSkew(As.to('float32'))) <= 1e-5);
  }
  const Z = Tensor.zeros([4, 4], 'float64');
  assertClose(expmSkew(Z).data, eye(4).data, 0);
  assertClose(cayley(Z).data, eye(4).data, 0);
  assert.throws(() => expmSkew(rand([3, 3], rng)), InputError);
});

test('cayley equals (I − A/2)⁻¹(I + A/2)', () => {
  const rng = new Rng(3);
  const A = skewFromLower(rand([5, 5], rng, 'float64', false));
  const Q = cayley(A);
  // (I − A/2) Q should equal (I + A/2).
  const n = 5;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let lhs = 0;
      for (let p = 0; p < n; p++) lhs += ((i === p ? 1 : 0) - 0.5 * A.data[i * n + p]) * Q.data[p * n + j];
      const rhs = (i === j ? 1 : 0) + 0.5 * A.data[i * n + j];
      assert.ok(Math.abs(lhs - rhs) < 1e-14);
    }
});

test('gradients: expm (general), expm / cayley parametrizations through skewFromLower and a base B', () => {
  const rng = new Rng(4);
  const A = rand([5, 5], rng);
  for (let i = 0; i < A.size; i++) A.data[i] *= 0.7;
  assertGrad(([a]) => expm(a), [A]);
  const Abig = rand([4, 4], rng);
  for (let i = 0; i < Abig.size; i++) Abig.data[i] *= 3;
  assertGrad(([a]) => expm(a), [Abig], { rtol: 1e-5, atol: 1e-5 });
  const B = randomOrthogonal(6, rng, 'float64');
  const X = rand([6, 6], rng);
  assertGrad(([x]) => matmul(B, expmSkew(skewFromLower(x))), [X]);
  assertGrad(([x]) => matmul(B, cayley(skewFromLower(x))), [X]);
  assertGrad(([a]) => cayley(a), [rand([4, 4], rng)]);
});

test('householderProduct equals the explicit product of reflectors; orthonormal; gradients', () => {
  const rng = new Rng(5);
  const d = 7;
  const r = 4;
  const V = rand([d, r], rng);
  let H = eye(d);
  for (let c = 0; c < r; c++) {
    const v = Array.from({ length: d }, (_, i) => V.data[i * r + c]);
    const s = v.reduce((q, x) => q + x * x, 0);
    const Hc = eye(d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) Hc.data[i * d + j] -= (2 * v[i] * v[j]) / s;
    H = matmulF64(H, Hc);
  }
  const Q = householderProduct(V);
  assertClose(Q.data, H.data, 1e-14);
  assert.ok(orthogonalityError(Q) <= 1e-12);
  const Qk = householderProduct(V, 3);
  assert.deepEqual(Qk.shape, [d, 3]);
  for (let i = 0; i < d; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(Qk.data[i * 3 + j] - H.data[i * d + j]) < 1e-14);
  assert.ok(orthogonalityError(householderProduct(V.to('float32'), 3)) <= 1e-5);
  assertGrad(([v]) => householderProduct(v), [V]);
  assertGrad(([v]) => householderProduct(v, 3), [V]);
  assertGrad(([v]) => householderProduct(v, 2), [rand([5, 5], rng)]);
  const Z = Tensor.zeros([3, 2], 'float64');
  Z.data[0] = 1;
  assert.throws(() => householderProduct(Z), LinalgError);
});

test('gramSchmidt equals the QR factor with positive diag(R); orthonormal; gradients; rank errors', () => {
  const rng = new Rng(6);
  const V = rand([8, 4], rng);
  const U = gramSchmidt(V);
  const { q } = qr({ rows: 8, cols: 4, data: Float64Array.from(V.data) });
  assertClose(U.data, q.data, 1e-13);
  assert.ok(orthogonalityError(U) <= 1e-12);
  // Ill-conditioned columns: CGS2 still orthonormal to 1e-12 (one pass of CGS would not be).
  const W = rand([30, 6], rng, 'float64', false);
  for (let i = 0; i < 30; i++) for (let j = 1; j < 6; j++) W.data[i * 6 + j] = W.data[i * 6] + 1e-7 * W.data[i * 6 + j];
  assert.ok(orthogonalityError(gramSchmidt(W)) <= 1e-12);
  const V32 = V.to('float32');
  assert.ok(orthogonalityError(gramSchmidt(V32)) <= 1e-5);
  assertGrad(([v]) => gramSchmidt(v), [V]);
  assertGrad(([v]) => gramSchmidt(v), [rand([5, 5], rng)]);
  const dep = Tensor.from([[1, 2], [2, 4], [3, 6]], undefined, 'float64');
  assert.throws(() => gramSchmidt(dep), LinalgError);
});

test('randomOrthogonal: orthogonal, seeded, and the Q of a positive-diagonal QR', () => {
  const a = randomOrthogonal(16, new Rng(9), 'float64');
  const b = randomOrthogonal(16, new Rng(9), 'float64');
  assert.deepEqual(Array.from(a.data), Array.from(b.data));
  assert.ok(orthogonalityError(a) <= 1e-12);
  // Rebuild the Gaussian draw: R = Qᵀ G must be upper triangular with a positive diagonal.
  const rng = new Rng(9);
  const G = Float64Array.from({ length: 256 }, () => rng.normal());
  const R = matmulF64({ rows: 16, cols: 16, data: Float64Array.from(a.data) }, { rows: 16, cols: 16, data: G }, true);
  for (let i = 0; i < 16; i++) {
    assert.ok(R.data[i * 16 + i] > 0);
    for (let j = 0; j < i; j++) assert.ok(Math.abs(R.data[i * 16 + j]) < 1e-12);
  }
  assert.equal(randomOrthogonal(4, new Rng(1)).dtype, 'float32');
});

test('orthogonality holds after 100 Adam steps for every parametrization (mas.md §9.3)', () => {
  const d = 12;
  const k = 4;
  for (const dtype of ['float32', 'float64'] as DType[]) {
    const tol = dtype === 'float32' ? 1e-5 : 1e-12;
    const rng = new Rng(11);
    const B = randomOrthogonal(d, rng, dtype);
    const target = Tensor.randn([d, d], rng, 1, dtype);
    const targetK = Tensor.randn([d, k], rng, 1, dtype);
    const params: Record<string, [Tensor, () => Tensor, Tensor]> = {
      expm: [Tensor.zeros([d, d], dtype).param(), () => matmul(B, expmSkew(skewFromLower(X.expm))), target],
      cayley: [Tensor.zeros([d, d], dtype).param(), () => matmul(B, cayley(skewFromLower(X.cayley))), target],
      householder: [Tensor.randn([d, k], rng, 1, dtype).param(), () => householderProduct(X.householder, k), targetK],
      'gram-schmidt': [Tensor.randn([d, k], rng, 1, dtype).param(), () => gramSchmidt(X['gram-schmidt']), targetK],
    };
    const X: Record<string, Tensor> = Object.fromEntries(Object.entries(params).map(([n, [p]]) => [n, p]));
    for (const [name, [p, build, tgt]] of Object.entries(params)) {
      const opt = new Adam([p], { lr: 0.05 });
      const first = sum(mul(build(), tgt)).item();
      let last = first;
      for (let s = 0; s < 100; s++) {
        opt.zeroGrad();
        const loss = sum(mul(build(), tgt));
        loss.backward();
        opt.step();
        last = loss.item();
      }
      const Q = build();
      assert.ok(orthogonalityError(Q) <= tol, `${name} ${dtype}: ‖QᵀQ − I‖ = ${orthogonalityError(Q)}`);
      assert.ok(last < first - 1, `${name} ${dtype}: loss did not decrease (${first} → ${last})`);
    }
  }
});
