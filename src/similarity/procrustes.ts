/**
 * Procrustes and shape metrics (similarity.md §5; Williams et al. 2021, netrep): the normalized
 * nuclear norm ν, `procrustes-angular`, `procrustes-euclidean`, and the partially whitened
 * angular shape metric `shape-<α>-angular` (netrep's LinearMetric with score_method="angular").
 *
 * Angles come from the chord ‖X̂R − Ŷ‖_F of the optimally rotated, normalized representations,
 * θ = 2·asin(chord/2), not from arccos(ν) as netrep's `angular_distance` does: arccos loses half
 * the digits near 0 (shape-1-angular(X, X) was 3.9e-8; it is now ~1e-15).
 */
import { InputError } from '../errors.ts';
import { mat, type Mat } from '../tensor/linalg.ts';
import { checkDegeneracy } from './cca.ts';
import { alignedChord, angleFromChord, thinSvd } from './la.ts';
import { ConstantRepresentationError, centerCols, checkNotConstant, checkPair, clip, frob2, type MeasureValue } from './util.ts';

/** U diag(w) / ‖w‖ (n × r): the representation up to a right isometry, unit Frobenius norm. */
function weightedCoords(u: Mat, w: Float64Array): Mat {
  const r = w.length;
  const norm = Math.sqrt(frob2(w));
  const out = mat(u.rows, r);
  for (let i = 0; i < u.rows; i++) for (let j = 0; j < r; j++) out.data[i * r + j] = (u.data[i * u.cols + j] * w[j]) / norm;
  return out;
}

/** Centred X/‖X̄‖_F, as n × p, or as its SVD coordinates U_x S_x/‖s‖ (n × n) when p > n. */
function normalizedCentred(x: Mat, op: string, name: string): Mat {
  const xc = centerCols(x);
  const nx = Math.sqrt(frob2(xc));
  if (!(nx > 0)) throw new ConstantRepresentationError(`${op}: ${name} is constant after centring`);
  if (x.cols <= x.rows) return mat(xc.rows, xc.cols, xc.data.map((v) => v / nx));
  const s = thinSvd(xc); // p > n: X̄ = U S Vᵀ, and Vᵀ is an isometry, so U S carries the shape
  return weightedCoords(s.u, s.s);
}

/** ν = ‖X̂ᵀŶ‖_* and the chord min_R ‖X̂R − Ŷ‖_F for centred, Frobenius-normalized X̂, Ŷ. */
export function procrustesChord(x: Mat, y: Mat, op = 'procrustes'): { nu: number; chord: number } {
  checkPair(op, x, y);
  checkNotConstant(op, 'X', x);
  checkNotConstant(op, 'Y', y);
  const r = alignedChord(normalizedCentred(x, op, 'X'), normalizedCentred(y, op, 'Y'));
  return { nu: clip(r.nu, 0, 1), chord: Math.min(r.chord, Math.SQRT2) };
}

/** ν = ‖X̂ᵀŶ‖_* for centred, Frobenius-normalized X̂, Ŷ (in [0, 1]). */
export function procrustesNu(x: Mat, y: Mat, op = 'procrustes'): number {
  return procrustesChord(x, y, op).nu;
}

/** `procrustes-angular` = arccos(ν), a metric in [0, π/2], computed as 2·asin(chord/2). */
export function procrustesAngular(x: Mat, y: Mat): MeasureValue {
  const { nu, chord } = procrustesChord(x, y, 'procrustes-angular');
  return { value: angleFromChord(chord), details: { nu } };
}

/** `procrustes-euclidean` = sqrt(2 − 2ν) = min_R ‖X̂ − ŶR‖_F, a metric in [0, √2] (the chord itself). */
export function procrustesEuclidean(x: Mat, y: Mat): MeasureValue {
  const { nu, chord } = procrustesChord(x, y, 'procrustes-euclidean');
  return { value: chord, details: { nu } };
}

/** netrep's eigenvalue tolerance (λ clipped at 1e-7), here relative to the total variance ‖X̄‖²_F. */
export const SHAPE_EIG_TOL = 1e-7;

/**
 * netrep partial-whitening singular values a_i = α s_i + (1 − α) s_i / max(s_i, f), with the floor
 * f = sqrt(1e-7 · Σ s_j²). netrep clips λ = s² at an absolute 1e-7, which makes α = 0 depend on
 * the data's scale (shape-0-angular(X, 1e-8·X) was 0.947 rad); the floor relative to the
 * spectrum equals netrep's on data scaled to ‖X̄‖_F = 1 and keeps α = 0 scale invariant.
 */
export function shapeWeights(s: Float64Array, alpha: number): Float64Array {
  const floor = Math.sqrt(SHAPE_EIG_TOL * frob2(s));
  return s.map((si) => alpha * si + ((1 - alpha) * si) / Math.max(si, floor));
}

/** `shape-<α>-angular`: the angle between partially whitened, optimally rotated representations. */
export function shapeAngular(x: Mat, y: Mat, alpha: number): MeasureValue {
  const op = `shape-${alpha}-angular`;
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`${op}: α must lie in [0, 1]`);
  checkPair(op, x, y);
  checkNotConstant(op, 'X', x);
  checkNotConstant(op, 'Y', y);
  const sx = thinSvd(centerCols(x));
  const sy = thinSvd(centerCols(y));
  if (alpha === 0) checkDegeneracy(op, sx.rank, sy.rank, x.rows);
  const r = alignedChord(weightedCoords(sx.u, shapeWeights(sx.s, alpha)), weightedCoords(sy.u, shapeWeights(sy.s, alpha)));
  return { value: angleFromChord(r.chord), details: { cos: clip(r.nu, 0, 1), rx: sx.rank, ry: sy.rank } };
}
