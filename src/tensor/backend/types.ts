/**
 * The numeric backend interface. Three implementations exist: `native` (an N-API addon over the
 * system's OpenBLAS and LAPACKE), `wasm` (WebAssembly SIMD128 built from wasm/*.c) and `portable`
 * (TypeScript, no system dependency). Both take and
 * return row-major (C-order) typed arrays; the native side handles the column-major translation.
 */

/** A float typed array; its type decides single or double precision. */
export type FloatArray = Float32Array | Float64Array;

/** Thin SVD of an m×n matrix, r = min(m, n): A = U diag(S) Vt, singular values descending. */
export interface SvdResult {
  /** m×r, row-major */
  u: Float64Array;
  /** r, descending, non-negative */
  s: Float64Array;
  /** r×n, row-major */
  vt: Float64Array;
}

/** Symmetric eigendecomposition A = V diag(w) Vᵀ with eigenvalues ascending. */
export interface EighResult {
  /** n eigenvalues, ascending */
  values: Float64Array;
  /** n×n row-major; column j is the eigenvector of values[j] */
  vectors: Float64Array;
}

/** Thin QR of an m×n matrix (m ≥ n): A = Q R, Q m×n with orthonormal columns, R n×n upper, diag(R) ≥ 0. */
export interface QrResult {
  q: Float64Array;
  r: Float64Array;
}

/** What every backend provides. Inputs are never modified unless the doc says so. */
export interface Backend {
  readonly name: 'native' | 'wasm' | 'portable';
  /**
   * C ← alpha·op(A)·op(B) + beta·C, row-major, op(X) = X or Xᵀ. op(A) is m×k, op(B) is k×n, C is m×n.
   * All three arrays must share one dtype. Leading dimensions default to the packed ones
   * (lda = transA ? m : k, ldb = transB ? k : n, ldc = n). Subarrays are fine.
   */
  gemm(
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
    lda?: number,
    ldb?: number,
    ldc?: number,
  ): void;
  /**
   * Symmetric rank-k product C ← alpha·op(A)·op(A)ᵀ + beta·C, row-major, C n×n: op(A) = A (n×k),
   * or with `trans` op(A) = Aᵀ (A is k×n), so `trans` gives AᵀA. Half the flops of gemm: only the
   * upper triangle is computed (beta scales only it), then copied into the lower one, so C comes
   * back exactly symmetric. lda defaults to trans ? n : k, ldc to n. A and C share one dtype.
   */
  syrk(trans: boolean, n: number, k: number, alpha: number, a: FloatArray, beta: number, c: FloatArray, lda?: number, ldc?: number): void;
  /**
   * The m×n row-major matrix minus its column means, as a new array (float64). Means are row-order
   * sums divided by m and entries a_ij − μ_j, bitwise the same on every backend.
   */
  centerCols(a: Float64Array, m: number, n: number): Float64Array;
  /** Thin SVD (LAPACK dgesdd on the native backend). */
  svd(a: Float64Array, m: number, n: number): SvdResult;
  /** Symmetric eigendecomposition (LAPACK dsyevd on the native backend); reads the lower triangle. */
  eigh(a: Float64Array, n: number): EighResult;
  /** Thin QR with non-negative diagonal of R (m ≥ n). */
  qr(a: Float64Array, m: number, n: number): QrResult;
  /** Solve A X = B for square A (n×n), B n×nrhs; throws LinalgError if A is singular. */
  solve(a: Float64Array, n: number, b: Float64Array, nrhs: number): Float64Array;
  /** Lower Cholesky factor L (A = L Lᵀ); throws LinalgError if A is not positive definite. */
  cholesky(a: Float64Array, n: number): Float64Array;
  /** Set the number of BLAS threads (native; the portable backend is single-threaded). */
  setThreads(n: number): void;
  /** The number of BLAS threads in use. */
  getThreads(): number;
}
