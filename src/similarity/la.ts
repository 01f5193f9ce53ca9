/**
 * Small linear-algebra helpers on top of src/tensor/linalg.ts used by several measure families:
 * numerical rank, nuclear norm, the centred thin SVD with its rank, and scaled products.
 */
import { mat, singularValues, svd, type Mat } from '../tensor/linalg.ts';

/** Machine epsilon used by the rank rule of similarity.md §4.1. */
export const EPS64 = 2.2e-16;

/** Number of singular values above s_1 · max(n, p) · 2.2e-16 (s descending). */
export function numericalRank(s: Float64Array, n: number, p: number): number {
  if (s.length === 0 || !(s[0] > 0)) return 0;
  const tol = s[0] * Math.max(n, p) * EPS64;
  let r = 0;
  while (r < s.length && s[r] > tol) r++;
  return r;
}

/** Nuclear norm (sum of singular values). */
export function nuclearNorm(m: Mat): number {
  if (m.rows === 0 || m.cols === 0) return 0;
  const s = singularValues(m);
  let t = 0;
  for (let i = 0; i < s.length; i++) t += s[i];
  return t;
}

/** Thin SVD of a (centred) n×p matrix together with its numerical rank. */
export function thinSvd(m: Mat): { u: Mat; s: Float64Array; vt: Mat; rank: number } {
  const r = svd(m);
  return { ...r, rank: numericalRank(r.s, m.rows, m.cols) };
}

/** diag(a) · M · diag(b) (copy); a has M.rows entries, b has M.cols. */
export function scaleRowsCols(m: Mat, a: ArrayLike<number> | null, b: ArrayLike<number> | null): Mat {
  const out = mat(m.rows, m.cols, new Float64Array(m.data));
  for (let i = 0; i < m.rows; i++) {
    const ai = a ? a[i] : 1;
    for (let j = 0; j < m.cols; j++) out.data[i * m.cols + j] *= ai * (b ? b[j] : 1);
  }
  return out;
}
