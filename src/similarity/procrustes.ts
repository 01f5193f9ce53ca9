/**
 * Procrustes and shape metrics (similarity.md §5; Williams et al. 2021, netrep): the normalized
 * nuclear norm ν, `procrustes-angular`, `procrustes-euclidean`, and the partially whitened
 * angular shape metric `shape-<α>-angular` (netrep's LinearMetric with score_method="angular").
 */
import { InputError } from '../errors.ts';
import { matmul, type Mat } from '../tensor/linalg.ts';
import { checkDegeneracy } from './cca.ts';
import { nuclearNorm, scaleRowsCols, thinSvd } from './la.ts';
import { ConstantRepresentationError, centerCols, checkNotConstant, checkPair, clip, frob2, type MeasureValue } from './util.ts';

/** ν = ‖X̂ᵀŶ‖_* for centred, Frobenius-normalized X̂, Ŷ (in [0, 1]). */
export function procrustesNu(x: Mat, y: Mat, op = 'procrustes'): number {
  checkPair(op, x, y);
  checkNotConstant(op, 'X', x);
  checkNotConstant(op, 'Y', y);
  const xc = centerCols(x);
  const yc = centerCols(y);
  const nx = Math.sqrt(frob2(xc));
  const ny = Math.sqrt(frob2(yc));
  if (!(nx > 0) || !(ny > 0)) throw new ConstantRepresentationError(`${op}: ${nx > 0 ? 'Y' : 'X'} is constant after centring`);
  const n = x.rows;
  let nuc: number;
  if (x.cols <= n && y.cols <= n) nuc = nuclearNorm(matmul(xc, yc, true, false));
  else {
    // p > n: X̄ᵀȲ = V_x S_x U_xᵀ U_y S_y V_yᵀ has the singular values of S_x U_xᵀ U_y S_y.
    const sx = thinSvd(xc);
    const sy = thinSvd(yc);
    nuc = nuclearNorm(scaleRowsCols(matmul(sx.u, sy.u, true, false), sx.s, sy.s));
  }
  return clip(nuc / (nx * ny), 0, 1);
}

/** `procrustes-angular` = arccos(ν), a metric in [0, π/2]. */
export function procrustesAngular(x: Mat, y: Mat): MeasureValue {
  const nu = procrustesNu(x, y, 'procrustes-angular');
  return { value: Math.acos(nu), details: { nu } };
}

/** `procrustes-euclidean` = sqrt(2 − 2ν) = min_R ‖X̂ − ŶR‖_F, a metric in [0, √2]. */
export function procrustesEuclidean(x: Mat, y: Mat): MeasureValue {
  const nu = procrustesNu(x, y, 'procrustes-euclidean');
  return { value: Math.sqrt(Math.max(0, 2 - 2 * nu)), details: { nu } };
}

/** Eigenvalue floor of netrep's whitening (λ clipped at 1e-7, so s at √1e-7). */
export const SHAPE_EIG_TOL = 1e-7;

/** netrep partial-whitening singular values a_i = α s_i + (1 − α) s_i / max(s_i, √1e-7). */
export function shapeWeights(s: Float64Array, alpha: number): Float64Array {
  const floor = Math.sqrt(SHAPE_EIG_TOL);
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
  const ax = shapeWeights(sx.s, alpha);
  const ay = shapeWeights(sy.s, alpha);
  const nuc = nuclearNorm(scaleRowsCols(matmul(sx.u, sy.u, true, false), ax, ay));
  const cos = nuc / Math.sqrt(frob2(ax) * frob2(ay));
  return { value: Math.acos(clip(cos, 0, 1)), details: { cos: clip(cos, 0, 1), rx: sx.rank, ry: sy.rank } };
}
