/**
 * Small linear-algebra helpers on top of src/tensor/linalg.ts used by several measure families:
 * numerical rank, nuclear norm, the centred thin SVD with its rank, scaled products, and angles
 * computed from chords (full precision near 0).
 */
import { mat, matmul, singularValues, svd, type Mat } from '../tensor/linalg.ts';

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

/**
 * The angle between two unit vectors from their chord c = ‖u − v‖: θ = 2·asin(c/2). Unlike
 * arccos(u·v), which turns a rounding of 1e-16 in the cosine into an angle of 1e-8, it keeps
 * full relative precision near θ = 0 (identical inputs give ~1e-15, not ~4e-8).
 */
export function angleFromChord(chord: number): number {
  return 2 * Math.asin(Math.min(1, chord / 2));
}

/**
 * For unit-Frobenius A (n×p_a) and B (n×p_b): ν = ‖AᵀB‖_* and the chord min_R ‖A R − B‖_F over
 * orthogonal R, the narrower side zero-padded (= sqrt(2 − 2ν)), computed without the cancellation
 * of 2 − 2ν: with AᵀB = U S Vᵀ, chord² = ‖A U Vᵀ − B‖²_F + ‖A − A U Uᵀ‖²_F (the second term is the
 * part of A outside span U, zero when p_a ≤ p_b).
 */
export function alignedChord(a: Mat, b: Mat): { nu: number; chord: number } {
  const r = svd(matmul(a, b, true, false));
  let nu = 0;
  for (let i = 0; i < r.s.length; i++) nu += r.s[i];
  const au = matmul(a, r.u);
  const diff = matmul(au, r.vt);
  let c2 = 0;
  for (let i = 0; i < diff.data.length; i++) c2 += (diff.data[i] - b.data[i]) ** 2;
  if (r.u.cols < a.cols) {
    const back = matmul(au, r.u, false, true);
    for (let i = 0; i < back.data.length; i++) c2 += (a.data[i] - back.data[i]) ** 2;
  }
  return { nu, chord: Math.sqrt(c2) };
}
