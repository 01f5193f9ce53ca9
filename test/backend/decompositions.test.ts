/**
 * SVD, eigh, QR, solve and Cholesky on every available backend (portable always; native when
 * built, and required when MAS_BACKEND=native): defining identities, conventions, errors, golden
 * values from numpy (test/fixtures/backend/make_linalg.py) and native-vs-portable parity.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { LinalgError, NonFiniteError, ShapeError } from '../../src/errors.ts';
import type { Backend } from '../../src/tensor/backend/types.ts';
import { nativeLoadError } from '../../src/tensor/backend/native.ts';
import { Rng } from '../../src/util/rng.ts';
import { backendsUnderTest, pick } from './helpers.ts';

const backends = backendsUnderTest();

interface Fixture {
  cases: {
    svd: { name: string; m: number; n: number; a: number[]; s: number[] }[];
    eigh: { name: string; n: number; a: number[]; values: number[] }[];
    qr: { name: string; m: number; n: number; a: number[]; q: number[]; r: number[] }[];
    solve: { name: string; n: number; nrhs: number; a: number[]; b: number[]; x: number[] }[];
    cholesky: { name: string; n: number; a: number[]; l: number[] }[];
  };
}
const fixture = JSON.parse(readFileSync(new URL('../fixtures/backend/linalg.json', import.meta.url), 'utf8')) as Fixture;

// ---------- small float64 helpers (independent of the backends) ----------

function randn(rows: number, cols: number, rng: Rng): Float64Array {
  const x = new Float64Array(rows * cols);
  for (let i = 0; i < x.length; i++) x[i] = rng.normal();
  return x;
}

/** op(A)·op(B) by a triple loop; A is ra×ca, B is rb×cb as stored. */
function mm(a: Float64Array, ra: number, ca: number, b: Float64Array, rb: number, cb: number, ta = false, tb = false): Float64Array {
  const [m, k] = ta ? [ca, ra] : [ra, ca];
  const [k2, n] = tb ? [cb, rb] : [rb, cb];
  assert.equal(k, k2, 'mm: inner dimensions');
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (ta ? a[p * ca + i] : a[i * ca + p]) * (tb ? b[j * cb + p] : b[p * cb + j]);
      c[i * n + j] = s;
    }
  }
  return c;
}

function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assert.equal(x.length, y.length, 'lengths differ');
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

function eye(n: number): Float64Array {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

function assertNear(x: ArrayLike<number>, y: ArrayLike<number>, tol: number, what: string): void {
  const d = maxAbsDiff(x, y);
  assert.ok(d <= tol, `${what}: max |difference| ${d.toExponential(2)} > ${tol}`);
}

/** Runs fn and checks it left its input unchanged. */
function keepsInput<T>(a: Float64Array, fn: () => T): T {
  const copy = Float64Array.from(a);
  const out = fn();
  assert.deepEqual(a, copy, 'input was modified');
  return out;
}

function checkSvd(be: Backend, a: Float64Array, m: number, n: number, what: string): Float64Array {
  const r = Math.min(m, n);
  const { u, s, vt } = keepsInput(a, () => be.svd(a, m, n));
  assert.equal(u.length, m * r, `${what}: U shape`);
  assert.equal(vt.length, r * n, `${what}: Vt shape`);
  assert.equal(s.length, r, `${what}: S length`);
  const scale = Math.max(1, s[0] ?? 0);
  for (let i = 0; i < r; i++) {
    assert.ok(s[i] >= 0, `${what}: s[${i}] = ${s[i]} < 0`);
    if (i > 0) assert.ok(s[i] <= s[i - 1], `${what}: not descending at ${i}`);
  }
  assertNear(mm(u, m, r, u, m, r, true), eye(r), 1e-12, `${what}: UᵀU = I`);
  assertNear(mm(vt, r, n, vt, r, n, false, true), eye(r), 1e-12, `${what}: VᵀV = I`);
  const us = Float64Array.from(u, (x, idx) => x * s[idx % r]);
  assertNear(mm(us, m, r, vt, r, n), a, 1e-12 * scale, `${what}: U diag(s) Vt = A`);
  return s;
}

function symmetric(n: number, rng: Rng): Float64Array {
  const b = randn(n, n, rng);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = (b[i * n + j] + b[j * n + i]) / 2;
  return a;
}

/** The symmetric matrix read from a's lower triangle. */
function fromLower(a: Float64Array, n: number): Float64Array {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) s[i * n + j] = s[j * n + i] = a[i * n + j];
  return s;
}

function checkEigh(be: Backend, a: Float64Array, n: number, what: string): Float64Array {
  const { values, vectors } = keepsInput(a, () => be.eigh(a, n));
  const sym = fromLower(a, n);
  for (let i = 1; i < n; i++) assert.ok(values[i] >= values[i - 1], `${what}: eigenvalues not ascending at ${i}`);
  assertNear(mm(vectors, n, n, vectors, n, n, true), eye(n), 1e-12, `${what}: VᵀV = I`);
  const vw = Float64Array.from(vectors, (x, idx) => x * values[idx % n]);
  const scale = Math.max(1, ...Array.from(values, Math.abs));
  assertNear(mm(sym, n, n, vectors, n, n), vw, 1e-12 * scale, `${what}: A V = V diag(w)`);
  return values;
}

function checkQr(be: Backend, a: Float64Array, m: number, n: number, what: string): { q: Float64Array; r: Float64Array } {
  const res = keepsInput(a, () => be.qr(a, m, n));
  const { q, r } = res;
  assertNear(mm(q, m, n, q, m, n, true), eye(n), 1e-12, `${what}: QᵀQ = I`);
  assertNear(mm(q, m, n, r, n, n), a, 1e-12 * Math.max(1, ...Array.from(a, Math.abs)), `${what}: QR = A`);
  for (let i = 0; i < n; i++) {
    assert.ok(r[i * n + i] >= 0, `${what}: R[${i},${i}] = ${r[i * n + i]} < 0`);
    for (let j = 0; j < i; j++) assert.equal(r[i * n + j], 0, `${what}: R not upper triangular at (${i},${j})`);
  }
  return res;
}

// ---------- per-backend tests ----------

for (const be of backends) {
  test(`${be.name} svd: reconstruction, orthonormality, descending, m>n, m<n, square, rank-deficient`, () => {
    const rng = new Rng(21);
    for (const [m, n] of [[9, 4], [4, 9], [6, 6], [1, 5], [5, 1], [40, 25]]) checkSvd(be, randn(m, n, rng), m, n, `${m}×${n}`);
    // Rank 2 in a 7×5 and a 5×7 matrix: trailing singular values vanish, U and V stay orthonormal.
    const low = mm(randn(7, 2, rng), 7, 2, randn(2, 5, rng), 2, 5);
    const s = checkSvd(be, low, 7, 5, 'rank-2 7×5');
    for (let i = 2; i < 5; i++) assert.ok(s[i] < 1e-13 * s[0], `rank-2: s[${i}] = ${s[i]}`);
    const lowT = Float64Array.from({ length: 35 }, (_, idx) => low[(idx % 7) * 5 + Math.floor(idx / 7)]);
    checkSvd(be, lowT, 5, 7, 'rank-2 5×7');
    const z = checkSvd(be, new Float64Array(12), 4, 3, 'zero 4×3');
    assert.deepEqual(Array.from(z), [0, 0, 0]);
    // Empty input.
    const e = be.svd(new Float64Array(0), 0, 3);
    assert.equal(e.s.length, 0);
  });

  test(`${be.name} svd: singular values match numpy`, () => {
    for (const c of fixture.cases.svd) {
      const s = checkSvd(be, Float64Array.from(c.a), c.m, c.n, c.name);
      assertNear(s, c.s, 1e-12, `${c.name}: singular values vs numpy`);
    }
  });

  test(`${be.name} eigh: A V = V diag(w), ascending, orthonormal, lower triangle only, numpy values`, () => {
    const rng = new Rng(22);
    for (const n of [1, 2, 7, 30]) checkEigh(be, symmetric(n, rng), n, `random ${n}`);
    // A repeated eigenvalue: the eigenvectors must still be orthonormal.
    const d = Float64Array.from([2, 0, 0, 0, 2, 0, 0, 0, -1]);
    assert.deepEqual(Array.from(checkEigh(be, d, 3, 'diag(2,2,-1)')), [-1, 2, 2]);
    // Garbage above the diagonal is ignored.
    const a = symmetric(6, rng);
    const garbled = Float64Array.from(a, (x, idx) => (idx % 6 > Math.floor(idx / 6) ? 1e3 * x + 7 : x));
    assertNear(checkEigh(be, garbled, 6, 'upper garbage'), be.eigh(a, 6).values, 1e-12, 'lower triangle only');
    for (const c of fixture.cases.eigh) {
      const w = checkEigh(be, Float64Array.from(c.a), c.n, c.name);
      assertNear(w, c.values, 1e-12, `${c.name}: eigenvalues vs numpy`);
    }
  });

  test(`${be.name} qr: reconstruction, orthonormal Q, upper R with diag(R) ≥ 0, numpy values`, () => {
    const rng = new Rng(23);
    for (const [m, n] of [[8, 5], [5, 5], [30, 1], [40, 25]]) checkQr(be, randn(m, n, rng), m, n, `${m}×${n}`);
    // Columns with negative leading entries force sign flips.
    const neg = Float64Array.from([-3, 1, -4, 2, 0, -1, 5, 1]);
    checkQr(be, neg, 4, 2, 'negative');
    for (const c of fixture.cases.qr) {
      const { q, r } = checkQr(be, Float64Array.from(c.a), c.m, c.n, c.name);
      assertNear(q, c.q, 1e-12, `${c.name}: Q vs numpy`);
      assertNear(r, c.r, 1e-12, `${c.name}: R vs numpy`);
    }
    assert.throws(() => be.qr(randn(3, 5, rng), 3, 5), ShapeError);
  });

  test(`${be.name} solve: residual, numpy values, singular matrices throw LinalgError`, () => {
    const rng = new Rng(24);
    for (const [n, nrhs] of [[1, 1], [6, 1], [6, 3], [30, 4]]) {
      const a = randn(n, n, rng);
      for (let i = 0; i < n; i++) a[i * n + i] += 3;
      const b = randn(n, nrhs, rng);
      const x = keepsInput(b, () => keepsInput(a, () => be.solve(a, n, b, nrhs)));
      assertNear(mm(a, n, n, x, n, nrhs), b, 1e-11, `${n}×${n}, nrhs ${nrhs}: A X = B`);
    }
    for (const c of fixture.cases.solve) {
      assertNear(be.solve(Float64Array.from(c.a), c.n, Float64Array.from(c.b), c.nrhs), c.x, 1e-12, `${c.name}: vs numpy`);
    }
    // Exactly singular, and singular to working precision (rank 3 of 5 from a product).
    assert.throws(() => be.solve(Float64Array.from([1, 2, 2, 4]), 2, Float64Array.from([1, 1]), 1), LinalgError);
    assert.throws(() => be.solve(new Float64Array(9), 3, new Float64Array(3), 1), LinalgError);
    const low = mm(randn(5, 3, rng), 5, 3, randn(3, 5, rng), 3, 5);
    assert.throws(() => be.solve(low, 5, randn(5, 1, rng), 1), /singular/);
    assert.throws(() => be.solve(eye(3), 3, new Float64Array(4), 2), ShapeError);
  });

  test(`${be.name} cholesky: L Lᵀ = A, lower triangular, numpy values, non-PD throws LinalgError`, () => {
    const rng = new Rng(25);
    for (const n of [1, 4, 30]) {
      const g = randn(n, n, rng);
      const a = mm(g, n, n, g, n, n, false, true);
      for (let i = 0; i < n; i++) a[i * n + i] += 0.1;
      const l = keepsInput(a, () => be.cholesky(a, n));
      for (let i = 0; i < n; i++) {
        assert.ok(l[i * n + i] > 0, 'positive diagonal');
        for (let j = i + 1; j < n; j++) assert.equal(l[i * n + j], 0, `L not lower at (${i},${j})`);
      }
      assertNear(mm(l, n, n, l, n, n, false, true), a, 1e-12 * Math.max(...Array.from(a, Math.abs)), `${n}: L Lᵀ = A`);
      // Only the lower triangle is read.
      const garbled = Float64Array.from(a, (x, idx) => (idx % n > Math.floor(idx / n) ? x - 5 : x));
      assertNear(be.cholesky(garbled, n), l, 0, `${n}: upper triangle ignored`);
    }
    for (const c of fixture.cases.cholesky) assertNear(be.cholesky(Float64Array.from(c.a), c.n), c.l, 1e-12, `${c.name}: vs numpy`);
    assert.throws(() => be.cholesky(Float64Array.from([1, 2, 2, 1]), 2), LinalgError, 'indefinite');
    assert.throws(() => be.cholesky(Float64Array.from([-1, 0, 0, 1]), 2), /not positive definite/);
  });

  test(`${be.name}: NaN/Inf inputs and bad shapes throw typed errors`, () => {
    const bad = Float64Array.from([1, NaN, 0, 1]);
    assert.throws(() => be.svd(bad, 2, 2), NonFiniteError);
    assert.throws(() => be.qr(bad, 2, 2), NonFiniteError);
    assert.throws(() => be.solve(bad, 2, Float64Array.from([1, 1]), 1), NonFiniteError);
    const lowerBad = Float64Array.from([1, 0, Infinity, 1]);
    assert.throws(() => be.eigh(lowerBad, 2), NonFiniteError);
    assert.throws(() => be.cholesky(lowerBad, 2), NonFiniteError);
    assert.throws(() => be.svd(new Float64Array(5), 2, 3), ShapeError);
    assert.throws(() => be.eigh(new Float64Array(5), 2), ShapeError);
  });
}

// ---------- parity and threads ----------

const por = backends[0];
for (const other of backends.filter((x) => x.name !== 'portable')) {
  test(`${other.name} and portable agree: svd, eigh, qr, solve, cholesky on 40×25 / 30×30 inputs`, () => {
    const rng = new Rng(26);
    const a = randn(40, 25, rng);
    const s1 = other.svd(a, 40, 25), s2 = por.svd(a, 40, 25);
    assertNear(s1.s, s2.s, 1e-12, 'singular values');
    // Singular vectors agree up to one sign per pair (singular values are distinct here).
    for (let j = 0; j < 25; j++) {
      let dot = 0;
      for (let i = 0; i < 40; i++) dot += s1.u[i * 25 + j] * s2.u[i * 25 + j];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `u column ${j}: |dot| = ${Math.abs(dot)}`);
      let dv = 0;
      for (let i = 0; i < 25; i++) dv += s1.vt[j * 25 + i] * s2.vt[j * 25 + i];
      assert.ok(Math.abs(dv - dot) < 1e-9, `v row ${j} has the sign of u column ${j}`);
    }
    const sym = symmetric(30, rng);
    const e1 = other.eigh(sym, 30), e2 = por.eigh(sym, 30);
    assertNear(e1.values, e2.values, 1e-12, 'eigenvalues');
    for (let j = 0; j < 30; j++) {
      let dot = 0;
      for (let i = 0; i < 30; i++) dot += e1.vectors[i * 30 + j] * e2.vectors[i * 30 + j];
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-9, `eigenvector ${j}: |dot| = ${Math.abs(dot)}`);
    }
    const q1 = other.qr(a, 40, 25), q2 = por.qr(a, 40, 25);
    assertNear(q1.q, q2.q, 1e-12, 'Q');
    assertNear(q1.r, q2.r, 1e-12, 'R');
    const spd = mm(a, 40, 25, a, 40, 25, true);
    assertNear(other.cholesky(spd, 25), por.cholesky(spd, 25), 1e-12, 'Cholesky');
    const b = randn(25, 3, rng);
    assertNear(other.solve(spd, 25, b, 3), por.solve(spd, 25, b, 3), 1e-10, 'solve');
  });
}

const nat = pick(backends, 'native');
if (nat) {
  test('native threads: default 1 (MAS_THREADS unset), setThreads/getThreads round-trip', () => {
    if (process.env.MAS_THREADS === undefined) assert.equal(nat.getThreads(), 1);
    const before = nat.getThreads();
    nat.setThreads(2);
    assert.equal(nat.getThreads(), 2);
    nat.setThreads(before);
    assert.equal(nat.getThreads(), before);
    assert.throws(() => nat.setThreads(0), /positive integer/);
    assert.equal(por.getThreads(), 1);
  });
} else {
  test('native backend not built: only the portable and wasm backends are tested here', (t) => {
    t.diagnostic(`native addon not loaded (${nativeLoadError()}); set MAS_BACKEND=native to require it`);
    assert.deepEqual(backends.map((b) => b.name), ['portable', 'wasm']);
  });
}
