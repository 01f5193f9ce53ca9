/**
 * Differentiable maps onto orthogonal matrices and orthonormal frames (mas.md §2.2–2.3), all
 * computed in float64 internally and cast back to the input dtype:
 * skewFromLower, expm / expmSkew (Higham 2005 scaling-and-squaring Padé, Fréchet-derivative
 * backward), cayley, householderProduct, gramSchmidt (CGS2, QR backward), randomOrthogonal.
 */
import { InputError, LinalgError, ShapeError, fmtShape } from '../errors.ts';
import type { Rng } from '../util/rng.ts';
import { getBackend } from './backend/index.ts';
import { qr } from './linalg.ts';
import { Tensor, alloc, fromOp } from './tensor.ts';
import type { DType, Storage } from './tensor.ts';

// ---------------------------------------------------------------- float64 helpers

function f64(s: Storage): Float64Array {
  return s instanceof Float64Array ? s : Float64Array.from(s);
}

function cast(a: Float64Array, dtype: DType): Storage {
  if (dtype === 'float64') return a;
  const o = new Float32Array(a.length);
  o.set(a);
  return o;
}

function out(dtype: DType, a: Float64Array, shape: readonly number[]): Tensor {
  return new Tensor(cast(a, dtype), shape);
}

/** C = op(A)·op(B) for n×n (or given) row-major float64 matrices. */
function mm(a: Float64Array, b: Float64Array, m: number, n: number, k: number, tA = false, tB = false): Float64Array {
  const c = new Float64Array(m * n);
  getBackend().gemm(tA, tB, m, n, k, 1, a, b, 0, c);
  return c;
}

function transposeSq(a: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = a[i * n + j];
  return t;
}

function norm1(a: Float64Array, n: number): number {
  let best = 0;
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(a[i * n + j]);
    if (s > best) best = s;
  }
  return best;
}

function square(op: string, A: Tensor): number {
  if (A.ndim !== 2 || A.shape[0] !== A.shape[1]) throw new ShapeError(`${op}: needs a square matrix, got ${fmtShape(A.shape)}`);
  return A.shape[0];
}

// ---------------------------------------------------------------- matrix exponential

const THETA = [1.495585217958292e-2, 2.53939833006323e-1, 9.504178996162932e-1, 2.097847961257068, 5.371920351148152];
const PADE: Record<number, number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600, 670442572800,
    33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};

/** X + c·Y into X (same length). */
function axpy(x: Float64Array, c: number, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) x[i] += c * y[i];
}

/**
 * exp(A) for a general n×n float64 matrix: scaling and squaring with the [m/m] Padé approximant,
 * m ∈ {3, 5, 7, 9, 13} chosen from ‖A‖₁ (Higham, SIAM J. Matrix Anal. Appl. 26 (2005), Alg. 2.3).
 */
export function expmF64(a: Float64Array, n: number): Float64Array {
  if (n === 0) return new Float64Array(0);
  const nrm = norm1(a, n);
  if (!Number.isFinite(nrm)) throw new LinalgError(`expm: matrix (${n}×${n}) has non-finite entries`);
  let m = 13;
  let s = 0;
  for (let i = 0; i < 4; i++) {
    if (nrm <= THETA[i]) {
      m = [3, 5, 7, 9][i];
      break;
    }
  }
  let A = a;
  if (m === 13 && nrm > THETA[4]) {
    s = Math.max(0, Math.ceil(Math.log2(nrm / THETA[4])));
    const f = Math.pow(2, -s);
    A = new Float64Array(a.length);
    for (let i = 0; i < a.length; i++) A[i] = a[i] * f;
  }
  const b = PADE[m];
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  const A2 = mm(A, A, n, n, n);
  let U: Float64Array;
  let V: Float64Array;
  if (m === 13) {
    const A4 = mm(A2, A2, n, n, n);
    const A6 = mm(A4, A2, n, n, n);
    const t1 = new Float64Array(n * n);
    axpy(t1, b[13], A6);
    axpy(t1, b[11], A4);
    axpy(t1, b[9], A2);
    const u = mm(A6, t1, n, n, n);
    axpy(u, b[7], A6);
    axpy(u, b[5], A4);
    axpy(u, b[3], A2);
    axpy(u, b[1], I);
    U = mm(A, u, n, n, n);
    const t2 = new Float64Array(n * n);
    axpy(t2, b[12], A6);
    axpy(t2, b[10], A4);
    axpy(t2, b[8], A2);
    V = mm(A6, t2, n, n, n);
    axpy(V, b[6], A6);
    axpy(V, b[4], A4);
    axpy(V, b[2], A2);
    axpy(V, b[0], I);
  } else {
    const pows: Float64Array[] = [I, A2];
    for (let p = 2; p <= (m - 1) / 2; p++) pows.push(mm(pows[p - 1], A2, n, n, n));
    const u = new Float64Array(n * n);
    V = new Float64Array(n * n);
    for (let p = 0; p <= (m - 1) / 2; p++) {
      axpy(u, b[2 * p + 1], pows[p]);
      axpy(V, b[2 * p], pows[p]);
    }
    U = mm(A, u, n, n, n);
  }
  const P = new Float64Array(n * n);
  const Qm = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) {
    P[i] = V[i] + U[i];
    Qm[i] = V[i] - U[i];
  }
  let R = getBackend().solve(Qm, n, P, n);
  for (let i = 0; i < s; i++) R = mm(R, R, n, n, n);
  return R;
}

/** Σ c_i·X_i over matrices of equal size (null coefficients/terms skipped). */
function lin(n2: number, terms: [number, Float64Array | null][]): Float64Array {
  const r = new Float64Array(n2);
  for (const [c, x] of terms) if (x && c !== 0) axpy(r, c, x);
  return r;
}

function addTo(x: Float64Array, y: Float64Array): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] += y[i];
  return x;
}

/** ℓ_m bounds of Al-Mohy & Higham (2009), Table 6.1, for the Fréchet derivative (m = 3, 5, 7, 9, 13). */
const ELL: [number, number][] = [
  [3, 1.08e-2],
  [5, 2.0e-1],
  [7, 7.83e-1],
  [9, 1.78],
];
const ELL13 = 4.74;

/**
 * Fréchet derivative L(A, E) of exp at A in direction E (n×n float64), by Al-Mohy & Higham,
 * SIAM J. Matrix Anal. Appl. 30 (2009), Alg. 6.4: Padé with scaling and squaring, differentiated
 * term by term (as scipy.linalg.expm_frechet). Returns [exp(A), L(A, E)].
 */
export function expmFrechet(a: Float64Array, e: Float64Array, n: number): [Float64Array, Float64Array] {
  const nn = n * n;
  if (n === 0) return [new Float64Array(0), new Float64Array(0)];
  const nrm = norm1(a, n);
  if (!Number.isFinite(nrm)) throw new LinalgError(`expmFrechet: matrix (${n}×${n}) has non-finite entries`);
  const I = new Float64Array(nn);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  const M = (x: Float64Array, y: Float64Array): Float64Array => mm(x, y, n, n, n);
  let A = a;
  let E = e;
  let s = 0;
  let m = 13;
  for (const [mm_, ell] of ELL) {
    if (nrm <= ell) {
      m = mm_;
      break;
    }
  }
  let U: Float64Array;
  let V: Float64Array;
  let Lu: Float64Array;
  let Lv: Float64Array;
  const b = PADE[m];
  if (m === 13) {
    s = Math.max(0, Math.ceil(Math.log2(nrm / ELL13)));
    if (s > 0) {
      const f = Math.pow(2, -s);
      A = a.map((v) => v * f);
      E = e.map((v) => v * f);
    }
    const A2 = M(A, A);
    const M2 = addTo(M(A, E), M(E, A));
    const A4 = M(A2, A2);
    const M4 = addTo(M(A2, M2), M(M2, A2));
    const A6 = M(A2, A4);
    const M6 = addTo(M(A4, M2), M(M4, A2));
    const W1 = lin(nn, [[b[13], A6], [b[11], A4], [b[9], A2]]);
    const W2 = lin(nn, [[b[7], A6], [b[5], A4], [b[3], A2], [b[1], I]]);
    const Z1 = lin(nn, [[b[12], A6], [b[10], A4], [b[8], A2]]);
    const Z2 = lin(nn, [[b[6], A6], [b[4], A4], [b[2], A2], [b[0], I]]);
    const W = addTo(M(A6, W1), W2);
    U = M(A, W);
    V = addTo(M(A6, Z1), Z2);
    const Lw1 = lin(nn, [[b[13], M6], [b[11], M4], [b[9], M2]]);
    const Lw2 = lin(nn, [[b[7], M6], [b[5], M4], [b[3], M2]]);
    const Lz1 = lin(nn, [[b[12], M6], [b[10], M4], [b[8], M2]]);
    const Lz2 = lin(nn, [[b[6], M6], [b[4], M4], [b[2], M2]]);
    const Lw = addTo(addTo(M(A6, Lw1), M(M6, W1)), Lw2);
    Lu = addTo(M(A, Lw), M(E, W));
    Lv = addTo(addTo(M(A6, Lz1), M(M6, Z1)), Lz2);
  } else {
    // Even powers A^{2j} and their directional derivatives.
    const P: Float64Array[] = [I, M(A, A)];
    const D: (Float64Array | null)[] = [null, addTo(M(A, E), M(E, A))];
    for (let j = 2; j <= (m - 1) / 2; j++) {
      P.push(M(P[j - 1], P[1]));
      D.push(addTo(M(P[j - 1], D[1]!), M(D[j - 1]!, P[1])));
    }
    const odd = lin(nn, P.map((x, j) => [b[2 * j + 1], x] as [number, Float64Array]));
    const oddD = lin(nn, D.map((x, j) => [b[2 * j + 1], x] as [number, Float64Array | null]));
    U = M(A, odd);
    V = lin(nn, P.map((x, j) => [b[2 * j], x] as [number, Float64Array]));
    Lu = addTo(M(A, oddD), M(E, odd));
    Lv = lin(nn, D.map((x, j) => [b[2 * j], x] as [number, Float64Array | null]));
  }
  const be = getBackend();
  const den = new Float64Array(nn);
  const num = new Float64Array(nn);
  for (let i = 0; i < nn; i++) {
    den[i] = V[i] - U[i];
    num[i] = V[i] + U[i];
  }
  let R = be.solve(den, n, num, n);
  const rhs = M(lin(nn, [[1, Lu], [-1, Lv]]), R);
  addTo(addTo(rhs, Lu), Lv);
  let L = be.solve(den, n, rhs, n);
  for (let k = 0; k < s; k++) {
    L = addTo(M(R, L), M(L, R));
    R = M(R, R);
  }
  return [R, L];
}

/**
 * Adjoint of the Fréchet derivative of exp at A applied to G: ∂L/∂A given G = ∂L/∂exp(A), which is
 * L(Aᵀ, G) (equivalently the top-right block of exp([[Aᵀ, G], [0, Aᵀ]])).
 */
export function expmFrechetAdjoint(a: Float64Array, g: Float64Array, n: number): Float64Array {
  return expmFrechet(transposeSq(a, n), g, n)[1];
}

/** Matrix exponential of a square matrix (float64 inside), differentiable via the Fréchet derivative. */
export function expm(A: Tensor): Tensor {
  return expmOp('expm', A);
}

/** exp(A) for a skew-symmetric A (an orthogonal matrix); throws InputError if A is not skew. */
export function expmSkew(A: Tensor): Tensor {
  const n = square('expmSkew', A);
  const ad = A.data;
  let scale = 0;
  let asym = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      scale = Math.max(scale, Math.abs(ad[i * n + j]));
      asym = Math.max(asym, Math.abs(ad[i * n + j] + ad[j * n + i]));
    }
  }
  const tol = (A.dtype === 'float32' ? 1e-6 : 1e-12) * Math.max(1, scale);
  if (asym > tol) throw new InputError(`expmSkew: A ${fmtShape(A.shape)} is not skew-symmetric (max |A + Aᵀ| = ${asym})`);
  return expmOp('expmSkew', A);
}

function expmOp(op: string, A: Tensor): Tensor {
  const n = square(op, A);
  const a = f64(A.data);
  const E = expmF64(a, n);
  return fromOp(op, cast(E, A.dtype), A.shape, [A], (g) => [out(A.dtype, expmFrechetAdjoint(a, f64(g.data), n), A.shape)]);
}

// ---------------------------------------------------------------- skew, Cayley

/** A = L − Lᵀ with L the strictly lower-triangular part of the square matrix X. */
export function skewFromLower(X: Tensor): Tensor {
  const n = square('skewFromLower', X);
  const xd = X.data;
  const o = alloc(X.dtype, n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const v = xd[i * n + j];
      o[i * n + j] = v;
      o[j * n + i] = -v;
    }
  }
  return fromOp('skewFromLower', o, X.shape, [X], (g) => {
    const gd = g.data;
    const r = alloc(X.dtype, n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) r[i * n + j] = gd[i * n + j] - gd[j * n + i];
    return [new Tensor(r, X.shape)];
  });
}

/** Cayley transform (I − A/2)⁻¹(I + A/2) = 2W − I with W = (I − A/2)⁻¹; backward ∂L/∂A = Wᵀ G Wᵀ. */
export function cayley(A: Tensor): Tensor {
  const n = square('cayley', A);
  const a = f64(A.data);
  const M = new Float64Array(n * n);
  const I = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) M[i] = -0.5 * a[i];
  for (let i = 0; i < n; i++) {
    M[i * n + i] += 1;
    I[i * n + i] = 1;
  }
  const W = n === 0 ? M : getBackend().solve(M, n, I, n);
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) Q[i] = 2 * W[i] - I[i];
  return fromOp('cayley', cast(Q, A.dtype), A.shape, [A], (g) => {
    const G = f64(g.data);
    const t = mm(W, G, n, n, n, true, false);
    return [out(A.dtype, mm(t, W, n, n, n, false, true), A.shape)];
  });
}

// ---------------------------------------------------------------- Householder

/** Y ← H(v) Y = Y − (2/s) v (vᵀY) for Y [d, k], v [d], s = vᵀv. */
function reflect(Y: Float64Array, v: Float64Array, s: number, d: number, k: number, w: Float64Array): void {
  w.fill(0);
  for (let i = 0; i < d; i++) {
    const vi = v[i];
    if (vi === 0) continue;
    const o = i * k;
    for (let j = 0; j < k; j++) w[j] += vi * Y[o + j];
  }
  const f = 2 / s;
  for (let i = 0; i < d; i++) {
    const c = f * v[i];
    if (c === 0) continue;
    const o = i * k;
    for (let j = 0; j < k; j++) Y[o + j] -= c * w[j];
  }
}

/**
 * Q = H(v₁)⋯H(v_r) for the columns v_i of V [d, r], H(v) = I − 2vvᵀ/(vᵀv); returns its first k
 * columns [d, k] (k = d by default). Throws LinalgError on a zero column.
 */
export function householderProduct(V: Tensor, k?: number): Tensor {
  if (V.ndim !== 2) throw new ShapeError(`householderProduct: V must be [d, r], got ${fmtShape(V.shape)}`);
  const [d, r] = V.shape;
  const kk = k ?? d;
  if (!Number.isInteger(kk) || kk < 0 || kk > d) throw new InputError(`householderProduct: k = ${k} must be in [0, ${d}] for V ${fmtShape(V.shape)}`);
  const vd = f64(V.data);
  const vs: Float64Array[] = [];
  const ss = new Float64Array(r);
  for (let c = 0; c < r; c++) {
    const v = new Float64Array(d);
    let s = 0;
    for (let i = 0; i < d; i++) {
      v[i] = vd[i * r + c];
      s += v[i] * v[i];
    }
    if (!(s > 0)) throw new LinalgError(`householderProduct: column ${c} of V ${fmtShape(V.shape)} is zero`);
    vs.push(v);
    ss[c] = s;
  }
  const Y = new Float64Array(d * kk);
  for (let i = 0; i < kk; i++) Y[i * kk + i] = 1;
  const w = new Float64Array(kk);
  for (let c = r - 1; c >= 0; c--) reflect(Y, vs[c], ss[c], d, kk, w);
  const Y0 = Y.slice();
  return fromOp('householderProduct', cast(Y, V.dtype), [d, kk], [V], (g) => {
    const G = f64(g.data).slice();
    const Yc = Y0.slice();
    const gv = new Float64Array(d * r);
    const gw = new Float64Array(kk);
    const yv = new Float64Array(kk);
    for (let c = 0; c < r; c++) {
      const v = vs[c];
      const s = ss[c];
      reflect(Yc, v, s, d, kk, w); // Yc is now the input of H(v_c)
      // w_c = vᵀY (1×k), G vᵀ... : ∂/∂v ⟨G, −(2/s) v vᵀY⟩ = −(2/s)(G wᵀ + Y Gᵀ v) + (4/s²)(vᵀ G wᵀ) v
      yv.fill(0);
      gw.fill(0);
      for (let i = 0; i < d; i++) {
        const vi = v[i];
        const o = i * kk;
        for (let j = 0; j < kk; j++) {
          yv[j] += vi * Yc[o + j];
          gw[j] += vi * G[o + j];
        }
      }
      // yv = vᵀY (= w), gw = vᵀG
      let vGw = 0;
      for (let j = 0; j < kk; j++) vGw += gw[j] * yv[j];
      const f = 2 / s;
      const f2 = (4 / (s * s)) * vGw;
      for (let i = 0; i < d; i++) {
        const o = i * kk;
        let a1 = 0;
        let a2 = 0;
        for (let j = 0; j < kk; j++) {
          a1 += G[o + j] * yv[j];
          a2 += Yc[o + j] * gw[j];
        }
        gv[i * r + c] = -f * (a1 + a2) + f2 * v[i];
      }
      reflect(G, v, s, d, kk, w); // G for the input of H(v_c)
    }
    return [out(V.dtype, gv, V.shape)];
  });
}

// ---------------------------------------------------------------- Gram–Schmidt

/**
 * Orthonormalize the columns of V [d, k] (k ≤ d) by classical Gram–Schmidt applied twice (CGS2):
 * U = the Q factor of V's thin QR with positive diag(R). Backward by the QR adjoint. Throws
 * LinalgError when V is (numerically) rank deficient.
 */
export function gramSchmidt(V: Tensor): Tensor {
  if (V.ndim !== 2) throw new ShapeError(`gramSchmidt: V must be [d, k], got ${fmtShape(V.shape)}`);
  const [d, k] = V.shape;
  if (k > d) throw new ShapeError(`gramSchmidt: V ${fmtShape(V.shape)} has more columns than rows`);
  const vd = f64(V.data);
  // Work column-major: U[j] is column j.
  const cols: Float64Array[] = [];
  const R = new Float64Array(k * k);
  const u = new Float64Array(d);
  for (let j = 0; j < k; j++) {
    let n0 = 0;
    for (let i = 0; i < d; i++) {
      u[i] = vd[i * k + j];
      n0 += u[i] * u[i];
    }
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        const q = cols[p];
        let c = 0;
        for (let i = 0; i < d; i++) c += q[i] * u[i];
        R[p * k + j] += c;
        for (let i = 0; i < d; i++) u[i] -= c * q[i];
      }
    }
    let nrm = 0;
    for (let i = 0; i < d; i++) nrm += u[i] * u[i];
    nrm = Math.sqrt(nrm);
    if (!(nrm > 1e-12 * Math.sqrt(n0)) || nrm === 0) {
      throw new LinalgError(`gramSchmidt: column ${j} of V ${fmtShape(V.shape)} is linearly dependent on the previous ones`);
    }
    R[j * k + j] = nrm;
    const q = new Float64Array(d);
    for (let i = 0; i < d; i++) q[i] = u[i] / nrm;
    cols.push(q);
  }
  const U = new Float64Array(d * k);
  for (let j = 0; j < k; j++) for (let i = 0; i < d; i++) U[i * k + j] = cols[j][i];
  return fromOp('gramSchmidt', cast(U, V.dtype), V.shape, [V], (g) => {
    const G = f64(g.data);
    // M = −UᵀG (k×k); S = triu(M) + triu(M)ᵀ − diag(M); ∂L/∂V = (G + U S) R⁻ᵀ.
    const M = mm(U, G, k, k, d, true, false);
    const S = new Float64Array(k * k);
    for (let i = 0; i < k; i++) {
      S[i * k + i] = -M[i * k + i];
      for (let j = i + 1; j < k; j++) {
        S[i * k + j] = -M[i * k + j];
        S[j * k + i] = -M[i * k + j];
      }
    }
    const B = mm(U, S, d, k, k);
    for (let i = 0; i < B.length; i++) B[i] += G[i];
    // Solve X Rᵀ = B row by row: Rᵀ is lower triangular, so x_j = (b_j − Σ_{p>j} x_p R[j,p]) / R[j,j].
    const X = new Float64Array(d * k);
    for (let i = 0; i < d; i++) {
      const o = i * k;
      for (let j = k - 1; j >= 0; j--) {
        let s = B[o + j];
        for (let p = j + 1; p < k; p++) s -= X[o + p] * R[j * k + p];
        X[o + j] = s / R[j * k + j];
      }
    }
    return [out(V.dtype, X, V.shape)];
  });
}

// ---------------------------------------------------------------- random orthogonal

/** A random d×d orthogonal matrix: Q of the QR of a standard Gaussian matrix, columns signed so diag(R) > 0. */
export function randomOrthogonal(d: number, rng: Rng, dtype: DType = 'float32'): Tensor {
  if (!Number.isInteger(d) || d < 1) throw new InputError(`randomOrthogonal: d must be a positive integer, got ${d}`);
  const G = new Float64Array(d * d);
  for (let i = 0; i < G.length; i++) G[i] = rng.normal();
  const { q, r } = qr({ rows: d, cols: d, data: G });
  const Q = q.data.slice();
  for (let j = 0; j < d; j++) {
    if (r.data[j * d + j] < 0) for (let i = 0; i < d; i++) Q[i * d + j] = -Q[i * d + j];
  }
  return out(dtype, Q, [d, d]);
}

/** max |QᵀQ − I| over the columns of Q [d, k] (float64 accumulation): the orthogonality error. */
export function orthogonalityError(Q: Tensor): number {
  if (Q.ndim !== 2) throw new ShapeError(`orthogonalityError: needs a 2-D tensor, got ${fmtShape(Q.shape)}`);
  const [d, k] = Q.shape;
  const G = mm(f64(Q.data), f64(Q.data), k, k, d, true, false);
  let e = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) e = Math.max(e, Math.abs(G[i * k + j] - (i === j ? 1 : 0)));
  return e;
}
