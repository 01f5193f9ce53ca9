/**
 * The portable backend: TypeScript only, no system dependency. GEMM is a cache-blocked loop;
 * the decompositions use ml-matrix (JAMA-derived Householder/Golub–Kahan/QL algorithms, float64).
 */
import { CholeskyDecomposition, EigenvalueDecomposition, LuDecomposition, Matrix, QrDecomposition, SingularValueDecomposition } from 'ml-matrix';
import { LinalgError } from '../../errors.ts';
import type { Backend, EighResult, FloatArray, QrResult, SvdResult } from './types.ts';

function toMatrix(a: Float64Array, m: number, n: number): Matrix {
  const M = new Matrix(m, n);
  for (let i = 0; i < m; i++) {
    const row = M.data[i] as unknown as number[];
    for (let j = 0; j < n; j++) row[j] = a[i * n + j];
  }
  return M;
}

function fromMatrix(M: Matrix, rows = M.rows, cols = M.columns): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = M.get(i, j);
  return out;
}

/** Row-major GEMM in plain loops (i-k-j order so the inner loop streams rows of B and C). */
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
  for (let i = 0; i < m; i++) {
    const ci = i * ldc;
    if (beta === 0) for (let j = 0; j < n; j++) c[ci + j] = 0;
    else if (beta !== 1) for (let j = 0; j < n; j++) c[ci + j] *= beta;
  }
  if (alpha === 0 || k === 0) return;
  if (!transB) {
    for (let i = 0; i < m; i++) {
      const ci = i * ldc;
      for (let p = 0; p < k; p++) {
        const av = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
        if (av === 0) continue;
        const bp = p * ldb;
        for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      const ci = i * ldc;
      for (let j = 0; j < n; j++) {
        const bj = j * ldb;
        let s = 0;
        if (transA) for (let p = 0; p < k; p++) s += a[p * lda + i] * b[bj + p];
        else {
          const ai = i * lda;
          for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
        }
        c[ci + j] += alpha * s;
      }
    }
  }
}

function svd(a: Float64Array, m: number, n: number): SvdResult {
  const r = Math.min(m, n);
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
  // Symmetrize from the lower triangle, as LAPACK's dsyevd with uplo='L' reads it.
  const sym = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      sym[i * n + j] = a[i * n + j];
      sym[j * n + i] = a[i * n + j];
    }
  }
  const dec = new EigenvalueDecomposition(toMatrix(sym, n, n), { assumeSymmetric: true });
  const w = dec.realEigenvalues;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => w[x] - w[y]);
  const values = Float64Array.from(order.map((i) => w[i]));
  const V = dec.eigenvectorMatrix;
  const vectors = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) vectors[i * n + j] = V.get(i, order[j]);
  return { values, vectors };
}

function qr(a: Float64Array, m: number, n: number): QrResult {
  if (m < n) throw new LinalgError(`qr: needs rows >= columns, got ${m}×${n}`);
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

function solve(a: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array {
  const lu = new LuDecomposition(toMatrix(a, n, n));
  if (lu.isSingular()) throw new LinalgError(`solve: matrix (${n}×${n}) is singular`);
  return fromMatrix(lu.solve(toMatrix(b, n, nrhs)), n, nrhs);
}

function cholesky(a: Float64Array, n: number): Float64Array {
  const dec = new CholeskyDecomposition(toMatrix(a, n, n));
  if (!dec.isPositiveDefinite()) throw new LinalgError(`cholesky: matrix (${n}×${n}) is not positive definite`);
  return fromMatrix(dec.lowerTriangularMatrix, n, n);
}

/** The portable backend instance. */
export const portableBackend: Backend = {
  name: 'portable',
  gemm,
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
