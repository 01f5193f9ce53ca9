/**
 * Float64 dense linear algebra on row-major matrices, over the active backend (LAPACK when the
 * native addon is built). This is what the similarity measures and alignment maps use.
 */
import { ShapeError } from '../errors.ts';
import { getBackend } from './backend/index.ts';

/** A dense row-major float64 matrix. */
export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

/** Make a matrix, checking the length. */
export function mat(rows: number, cols: number, data?: Float64Array): Mat {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) throw new ShapeError(`mat: ${d.length} values for ${rows}×${cols}`);
  return { rows, cols, data: d };
}

/** The n×n identity. */
export function eye(n: number): Mat {
  const m = mat(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** Transpose. */
export function transpose(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

/** op(A)·op(B), with op = transpose when the flag is set. */
export function matmul(a: Mat, b: Mat, transA = false, transB = false): Mat {
  const m = transA ? a.cols : a.rows;
  const k = transA ? a.rows : a.cols;
  const kb = transB ? b.cols : b.rows;
  const n = transB ? b.rows : b.cols;
  if (k !== kb) {
    throw new ShapeError(`matmul: inner dimensions differ: ${transA ? 'Aᵀ' : 'A'} is ${m}×${k}, ${transB ? 'Bᵀ' : 'B'} is ${kb}×${n}`);
  }
  const c = mat(m, n);
  getBackend().gemm(transA, transB, m, n, k, 1, a.data, b.data, 0, c.data, a.cols, b.cols, n);
  return c;
}

/**
 * The Gram matrix A·Aᵀ (rows×rows), or with `transpose` Aᵀ·A (cols×cols), by a symmetric rank-k
 * update (BLAS syrk: half the flops of matmul(a, a, …)); exactly symmetric.
 */
export function gram(a: Mat, opts: { transpose?: boolean } = {}): Mat {
  const t = opts.transpose ?? false;
  const n = t ? a.cols : a.rows;
  const k = t ? a.rows : a.cols;
  const c = mat(n, n);
  getBackend().syrk(t, n, k, 1, a.data, 0, c.data, a.cols, n);
  return c;
}

/** A copy with every column centred (its mean, a row-order sum / rows, subtracted). */
export function centerColumns(a: Mat): Mat {
  return mat(a.rows, a.cols, getBackend().centerCols(a.data, a.rows, a.cols));
}

/** Thin SVD: A = U diag(s) Vt with s descending. */
export function svd(a: Mat): { u: Mat; s: Float64Array; vt: Mat } {
  const r = Math.min(a.rows, a.cols);
  const res = getBackend().svd(a.data, a.rows, a.cols);
  return { u: mat(a.rows, r, res.u), s: res.s, vt: mat(r, a.cols, res.vt) };
}

/** Singular values only, descending. */
export function singularValues(a: Mat): Float64Array {
  return getBackend().svd(a.data, a.rows, a.cols).s;
}

/** Symmetric eigendecomposition, eigenvalues ascending; columns of `vectors` are eigenvectors. */
export function eigh(a: Mat): { values: Float64Array; vectors: Mat } {
  if (a.rows !== a.cols) throw new ShapeError(`eigh: matrix must be square, got ${a.rows}×${a.cols}`);
  const res = getBackend().eigh(a.data, a.rows);
  return { values: res.values, vectors: mat(a.rows, a.rows, res.vectors) };
}

/** Thin QR with non-negative diag(R). */
export function qr(a: Mat): { q: Mat; r: Mat } {
  const res = getBackend().qr(a.data, a.rows, a.cols);
  return { q: mat(a.rows, a.cols, res.q), r: mat(a.cols, a.cols, res.r) };
}

/** Solve A X = B. */
export function solve(a: Mat, b: Mat): Mat {
  if (a.rows !== a.cols) throw new ShapeError(`solve: A must be square, got ${a.rows}×${a.cols}`);
  if (b.rows !== a.rows) throw new ShapeError(`solve: A is ${a.rows}×${a.cols} but B has ${b.rows} rows`);
  return mat(a.rows, b.cols, getBackend().solve(a.data, a.rows, b.data, b.cols));
}

/** Lower Cholesky factor. */
export function cholesky(a: Mat): Mat {
  if (a.rows !== a.cols) throw new ShapeError(`cholesky: matrix must be square, got ${a.rows}×${a.cols}`);
  return mat(a.rows, a.rows, getBackend().cholesky(a.data, a.rows));
}
