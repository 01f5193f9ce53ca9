/** Shared helpers of the similarity tests: seeded random matrices and simple transformations. */
import { mat, matmul, qr, type Mat } from '../../src/tensor/linalg.ts';
import { Rng } from '../../src/util/rng.ts';

/** An n×p matrix of standard normal draws. */
export function randn(rng: Rng, n: number, p: number): Mat {
  return mat(n, p, Float64Array.from({ length: n * p }, () => rng.normal()));
}

/** A random p×p orthogonal matrix (QR of a Gaussian matrix). */
export function randOrth(rng: Rng, p: number): Mat {
  return qr(randn(rng, p, p)).q;
}

/** A correlated pair: Y = tanh(X W) + noise, with uneven column scales and offsets in X. */
export function pair(rng: Rng, n: number, px: number, py: number, noise = 0.5): { x: Mat; y: Mat } {
  const x = randn(rng, n, px);
  for (let j = 0; j < px; j++) {
    const s = 0.5 + 2 * rng.uniform();
    const o = rng.uniformRange(-2, 2);
    for (let i = 0; i < n; i++) x.data[i * px + j] = x.data[i * px + j] * s + o;
  }
  const w = randn(rng, px, py);
  const y = matmul(x, w);
  for (let i = 0; i < y.data.length; i++) y.data[i] = Math.tanh(y.data[i] / Math.sqrt(px)) + noise * rng.normal();
  return { x, y };
}

/** X + 1bᵀ. */
export function translate(x: Mat, b: ArrayLike<number>): Mat {
  const out = mat(x.rows, x.cols, Float64Array.from(x.data));
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) out.data[i * x.cols + j] += b[j];
  return out;
}

/** c·X. */
export function scale(x: Mat, c: number): Mat {
  return mat(x.rows, x.cols, x.data.map((v) => v * c));
}

/** X diag(a). */
export function scaleCols(x: Mat, a: ArrayLike<number>): Mat {
  const out = mat(x.rows, x.cols, Float64Array.from(x.data));
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) out.data[i * x.cols + j] *= a[j];
  return out;
}

/** X with its columns permuted. */
export function permuteCols(x: Mat, perm: readonly number[]): Mat {
  const out = mat(x.rows, x.cols);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) out.data[i * x.cols + j] = x.data[i * x.cols + perm[j]];
  return out;
}

/** Row-major nested arrays → Mat. */
export function fromRows(rows: number[][]): Mat {
  return mat(rows.length, rows[0].length, Float64Array.from(rows.flat()));
}
