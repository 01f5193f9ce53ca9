/**
 * The portable backend: TypeScript only, no system dependency. GEMM is cache-blocked and
 * register-tiled (a few GFLOP/s); the decompositions use ml-matrix (JAMA-derived Householder,
 * Golub–Kahan and QL algorithms, float64).
 */
import { CholeskyDecomposition, EigenvalueDecomposition, LuDecomposition, Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { DTypeError, LinalgError, NonFiniteError, ShapeError } from '../../errors.ts';
import type { Backend, EighResult, FloatArray, QrResult, SvdResult } from './types.ts';

function toMatrix(a: Float64Array, m: number, n: number): Matrix {
  const rows: number[][] = [];
  for (let i = 0; i < m; i++) rows.push(Array.from(a.subarray(i * n, (i + 1) * n)));
  return m === 0 ? new Matrix(0, n) : new Matrix(rows);
}

function fromMatrix(M: Matrix, rows = M.rows, cols = M.columns): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = M.get(i, j);
  return out;
}

// Block sizes: a KC×NC panel of op(B) (1 MiB in float64) and an MC×KC panel of op(A) stay in cache
// while the 4×4 register-tiled micro-kernel sweeps them.
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 512;

/** Copy op(A)[i0:i0+mc, p0:p0+kc] into `ap` as MR-row slivers, k-major, zero-padded. */
function packA(transA: boolean, a: FloatArray, lda: number, i0: number, mc: number, p0: number, kc: number, ap: Float64Array): void {
  let o = 0;
  for (let ib = 0; ib < mc; ib += MR) {
    const mr = Math.min(MR, mc - ib);
    for (let p = p0; p < p0 + kc; p++) {
      for (let ii = 0; ii < MR; ii++) {
        const i = i0 + ib + ii;
        ap[o++] = ii < mr ? (transA ? a[p * lda + i] : a[i * lda + p]) : 0;
      }
    }
  }
}

/** Copy op(B)[p0:p0+kc, j0:j0+nc] into `bp` as NR-column slivers, k-major, zero-padded. */
function packB(transB: boolean, b: FloatArray, ldb: number, p0: number, kc: number, j0: number, nc: number, bp: Float64Array): void {
  let o = 0;
  for (let jb = 0; jb < nc; jb += NR) {
    const nr = Math.min(NR, nc - jb);
    for (let p = p0; p < p0 + kc; p++) {
      for (let jj = 0; jj < NR; jj++) {
        const j = j0 + jb + jj;
        bp[o++] = jj < nr ? (transB ? b[j * ldb + p] : b[p * ldb + j]) : 0;
      }
    }
  }
}

/** C[ci…] += alpha · (4×4 product of an A sliver and a B sliver over kc), clipped to mr×nr. */
function microKernel(kc: number, ap: Float64Array, ao: number, bp: Float64Array, bo: number, alpha: number, c: FloatArray, ci: number, ldc: number, mr: number, nr: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = ap[ao], a1 = ap[ao + 1], a2 = ap[ao + 2], a3 = ap[ao + 3];
    let bv = bp[bo];
    c00 += a0 * bv; c10 += a1 * bv; c20 += a2 * bv; c30 += a3 * bv;
    bv = bp[bo + 1];
    c01 += a0 * bv; c11 += a1 * bv; c21 += a2 * bv; c31 += a3 * bv;
    bv = bp[bo + 2];
    c02 += a0 * bv; c12 += a1 * bv; c22 += a2 * bv; c32 += a3 * bv;
    bv = bp[bo + 3];
    c03 += a0 * bv; c13 += a1 * bv; c23 += a2 * bv; c33 += a3 * bv;
    ao += MR;
    bo += NR;
  }
  if (mr === MR && nr === NR) {
    let o = ci;
    c[o] += alpha * c00; c[o + 1] += alpha * c01; c[o + 2] += alpha * c02; c[o + 3] += alpha * c03;
    o += ldc;
    c[o] += alpha * c10; c[o + 1] += alpha * c11; c[o + 2] += alpha * c12; c[o + 3] += alpha * c13;
    o += ldc;
    c[o] += alpha * c20; c[o + 1] += alpha * c21; c[o + 2] += alpha * c22; c[o + 3] += alpha * c23;
    o += ldc;
    c[o] += alpha * c30; c[o + 1] += alpha * c31; c[o + 2] += alpha * c32; c[o + 3] += alpha * c33;
    return;
  }
  const t = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let ii = 0; ii < mr; ii++) for (let jj = 0; jj < nr; jj++) c[ci + ii * ldc + jj] += alpha * t[ii * NR + jj];
}

/** Check a stored rows×cols operand with leading dimension ld fits its array. */
function checkOperand(name: string, x: FloatArray, rows: number, cols: number, ld: number): void {
  if (rows === 0 || cols === 0) return; // nothing is read or written
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) throw new ShapeError(`gemm: leading dimension of ${name} is ${ld}, needs at least ${Math.max(1, cols)}`);
  const need = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (need > x.length) throw new ShapeError(`gemm: ${name} is ${rows}×${cols} with leading dimension ${ld} and needs ${need} elements, has ${x.length}`);
}

/**
 * Row-major GEMM, C ← alpha·op(A)·op(B) + beta·C, in the GotoBLAS layout: pack panels of op(A) and
 * op(B) (which absorbs the transposes), then a 4×4 register-tiled kernel. Accumulates in float64.
 */
function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: FloatArray,
  b: FloatArray,
  beta: number,
  c: FloatArray,
  lda = transA ? m : k,
  ldb = transB ? k : n,
  ldc = n,
): void {
  for (const [name, v] of [['m', m], ['n', n], ['k', k]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(`gemm: ${name} must be a non-negative integer, got ${v}`);
  }
  if (a.constructor !== b.constructor || b.constructor !== c.constructor) {
    throw new DTypeError(`gemm: A, B and C must share one dtype, got ${a.constructor.name}, ${b.constructor.name}, ${c.constructor.name}`);
  }
  checkOperand('A', a, transA ? k : m, transA ? m : k, lda);
  checkOperand('B', b, transB ? n : k, transB ? k : n, ldb);
  checkOperand('C', c, m, n, ldc);
  if (c.buffer === a.buffer || c.buffer === b.buffer) {
    const overlap = (x: FloatArray, len: number) =>
      x.buffer === c.buffer && x.byteOffset < c.byteOffset + c.byteLength && c.byteOffset < x.byteOffset + len * x.BYTES_PER_ELEMENT;
    if (overlap(a, a.length) || overlap(b, b.length)) throw new ShapeError('gemm: the output C overlaps an input (A or B); use a separate output array');
  }
  for (let i = 0; i < m; i++) {
    const ci = i * ldc;
    if (beta === 0) c.fill(0, ci, ci + n);
    else if (beta !== 1) for (let j = ci; j < ci + n; j++) c[j] *= beta;
  }
  if (alpha === 0 || k === 0 || m === 0 || n === 0) return;
  const kcMax = Math.min(KC, k);
  const ap = new Float64Array(Math.ceil(Math.min(MC, m) / MR) * MR * kcMax);
  const bp = new Float64Array(Math.ceil(Math.min(NC, n) / NR) * NR * kcMax);
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = Math.min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = Math.min(KC, k - p0);
      packB(transB, b, ldb, p0, kc, j0, nc, bp);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = Math.min(MC, m - i0);
        packA(transA, a, lda, i0, mc, p0, kc, ap);
        for (let jb = 0; jb < nc; jb += NR) {
          for (let ib = 0; ib < mc; ib += MR) {
            microKernel(kc, ap, ib * kc, bp, jb * kc, alpha, c, (i0 + ib) * ldc + j0 + jb, ldc, Math.min(MR, mc - ib), Math.min(NR, nc - jb));
          }
        }
      }
    }
  }
}

function checkMatrix(op: string, a: Float64Array, rows: number, cols: number, what = 'A'): void {
  for (const v of [rows, cols]) {
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(`${op}: dimensions must be non-negative integers, got ${rows}×${cols}`);
  }
  if (!(a instanceof Float64Array)) throw new DTypeError(`${op}: ${what} must be a Float64Array`);
  if (a.length !== rows * cols) throw new ShapeError(`${op}: ${what} has ${a.length} values, expected ${rows}×${cols} = ${rows * cols}`);
}

function checkFinite(op: string, a: Float64Array, shape: string, lowerOnly = 0): void {
  if (lowerOnly > 0) {
    const n = lowerOnly;
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) if (!Number.isFinite(a[i * n + j])) throw new NonFiniteError(`${op}: the ${shape} input contains NaN or Inf`);
    return;
  }
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw new NonFiniteError(`${op}: the ${shape} input contains NaN or Inf`);
}

/** The symmetric matrix whose lower triangle is that of `a` (LAPACK's uplo='L' reading). */
function symmetricFromLower(a: Float64Array, n: number): Float64Array {
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      sym[i * n + j] = a[i * n + j];
      sym[j * n + i] = a[i * n + j];
    }
  }
  return sym;
}

function svd(a: Float64Array, m: number, n: number): SvdResult {
  checkMatrix('svd', a, m, n);
  const r = Math.min(m, n);
  if (r === 0) return { u: new Float64Array(m * r), s: new Float64Array(0), vt: new Float64Array(r * n) };
  checkFinite('svd', a, `${m}×${n}`);
  const dec = new SingularValueDecomposition(toMatrix(a, m, n), { autoTranspose: true });
  const s = Float64Array.from(dec.diagonal.slice(0, r));
  const U = dec.leftSingularVectors;
  const V = dec.rightSingularVectors;
  const u = new Float64Array(m * r);
  const vt = new Float64Array(r * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) u[i * r + j] = U.get(i, j);
  for (let i = 0; i < r; i++) for (let j = 0; j < n; j++) vt[i * n + j] = V.get(j, i);
  return { u, s, vt };
}

function eigh(a: Float64Array, n: number): EighResult {
  checkMatrix('eigh', a, n, n);
  if (n === 0) return { values: new Float64Array(0), vectors: new Float64Array(0) };
  checkFinite('eigh', a, `${n}×${n}`, n);
  const dec = new EigenvalueDecomposition(toMatrix(symmetricFromLower(a, n), n, n), { assumeSymmetric: true });
  const w = dec.realEigenvalues;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => w[x] - w[y]);
  const values = Float64Array.from(order.map((i) => w[i]));
  const V = dec.eigenvectorMatrix;
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors[i * n + j] = V.get(i, order[j]);
  return { values, vectors };
}

function qr(a: Float64Array, m: number, n: number): QrResult {
  checkMatrix('qr', a, m, n);
  if (m < n) throw new ShapeError(`qr: needs rows >= columns, got ${m}×${n}`);
  if (n === 0) return { q: new Float64Array(0), r: new Float64Array(0) };
  checkFinite('qr', a, `${m}×${n}`);
  const dec = new QrDecomposition(toMatrix(a, m, n));
  const Q = dec.orthogonalMatrix;
  const R = dec.upperTriangularMatrix;
  const q = new Float64Array(m * n);
  const r = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const sign = R.get(j, j) < 0 ? -1 : 1;
    for (let i = 0; i < m; i++) q[i * n + j] = sign * Q.get(i, j);
    for (let c = j; c < n; c++) r[j * n + c] = sign * R.get(j, c);
  }
  return { q, r };
}

/** Largest absolute column sum. */
function norm1(a: Matrix): number {
  let best = 0;
  for (let j = 0; j < a.columns; j++) {
    let s = 0;
    for (let i = 0; i < a.rows; i++) s += Math.abs(a.get(i, j));
    best = Math.max(best, s);
  }
  return best;
}

function solve(a: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array {
  checkMatrix('solve', a, n, n);
  checkMatrix('solve', b, n, nrhs, 'B');
  if (n === 0 || nrhs === 0) return new Float64Array(n * nrhs);
  checkFinite('solve', a, `${n}×${n}`);
  checkFinite('solve', b, `${n}×${nrhs}`);
  const A = toMatrix(a, n, n);
  const lu = new LuDecomposition(A);
  if (lu.isSingular()) throw new LinalgError(`solve: matrix (${n}×${n}) is exactly singular`);
  // The same test as the native backend (LAPACK dgecon): reciprocal 1-norm condition number < eps.
  const rcond = 1 / (norm1(A) * norm1(lu.solve(Matrix.eye(n))));
  if (!(rcond >= Number.EPSILON)) {
    throw new LinalgError(`solve: matrix (${n}×${n}) is singular to working precision (reciprocal condition number ${rcond.toPrecision(3)})`);
  }
  return fromMatrix(lu.solve(toMatrix(b, n, nrhs)), n, nrhs);
}

function cholesky(a: Float64Array, n: number): Float64Array {
  checkMatrix('cholesky', a, n, n);
  if (n === 0) return new Float64Array(0);
  checkFinite('cholesky', a, `${n}×${n}`, n);
  const dec = new CholeskyDecomposition(toMatrix(symmetricFromLower(a, n), n, n));
  if (!dec.isPositiveDefinite()) throw new LinalgError(`cholesky: matrix (${n}×${n}) is not positive definite`);
  return fromMatrix(dec.lowerTriangularMatrix, n, n);
}

/** The portable backend instance. */
/** Block width of the portable syrk: block columns of the upper triangle, one gemm each. */
const SYRK_NB = 64;

/**
 * Row-major SYRK, C ← alpha·op(A)·op(A)ᵀ + beta·C (op(A) = Aᵀ when `trans`): one gemm per block
 * column of the upper triangle (rows 0 … end of the block), then the upper triangle is mirrored.
 */
function syrk(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, beta: number, c: FloatArray, lda = trans ? n : k, ldc = n): void {
  for (const [name, v] of [['n', n], ['k', k]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ShapeError(`syrk: ${name} must be a non-negative integer, got ${v}`);
  }
  if (a.constructor !== c.constructor) throw new DTypeError(`syrk: A and C must share one dtype, got ${a.constructor.name}, ${c.constructor.name}`);
  const ar = trans ? k : n;
  const ac = trans ? n : k;
  if (ar > 0 && ac > 0) {
    if (!Number.isInteger(lda) || lda < ac) throw new ShapeError(`syrk: leading dimension of A is ${lda}, needs at least ${ac}`);
    if ((ar - 1) * lda + ac > a.length) throw new ShapeError(`syrk: A is ${ar}×${ac} with leading dimension ${lda} and needs ${(ar - 1) * lda + ac} elements, has ${a.length}`);
  }
  if (n > 0) {
    if (!Number.isInteger(ldc) || ldc < n) throw new ShapeError(`syrk: leading dimension of C is ${ldc}, needs at least ${n}`);
    if ((n - 1) * ldc + n > c.length) throw new ShapeError(`syrk: C is ${n}×${n} with leading dimension ${ldc} and needs ${(n - 1) * ldc + n} elements, has ${c.length}`);
  }
  if (lda < 1) lda = 1;
  for (let j0 = 0; j0 < n; j0 += SYRK_NB) {
    const j1 = Math.min(n, j0 + SYRK_NB);
    // C[0:j1, j0:j1] ← alpha·op(A)[0:j1, :]·op(A)[j0:j1, :]ᵀ + beta·C[0:j1, j0:j1]
    const b = trans ? a.subarray(j0) : a.subarray(j0 * lda);
    gemm(trans, !trans, j1, j1 - j0, k, alpha, a, b, beta, c.subarray(j0), lda, lda, ldc);
  }
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) c[i * ldc + j] = c[j * ldc + i];
}

/** Column-centred copy: means are row-order sums / m, entries a_ij − μ_j. */
function centerCols(a: Float64Array, m: number, n: number): Float64Array {
  if (!Number.isInteger(m) || m < 0 || !Number.isInteger(n) || n < 0) throw new ShapeError(`centerCols: bad shape ${m}×${n}`);
  if (a.length !== m * n) throw new ShapeError(`centerCols: A has ${a.length} values, expected ${m}×${n} = ${m * n}`);
  const mu = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) mu[j] += a[o + j];
  }
  for (let j = 0; j < n; j++) mu[j] /= m;
  const d = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) d[o + j] = a[o + j] - mu[j];
  }
  return d;
}

export const portableBackend: Backend = {
  name: 'portable',
  gemm,
  syrk,
  centerCols,
  svd,
  eigh,
  qr,
  solve,
  cholesky,
  setThreads() {},
  getThreads() {
    return 1;
  },
};
