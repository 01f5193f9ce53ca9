/**
 * CCA family (similarity.md §4): canonical correlations from orthonormal bases of the centred
 * column spaces, the degeneracy rule (r_x + r_y > n − 1 is an error), the scale-relative
 * regularized variant, mean-R² and mean-ρ CCA, SVCCA (variance or fixed-dimension truncation)
 * and projection-weighted CCA.
 */
import { InputError } from '../errors.ts';
import { matmul, singularValues, svd, type Mat } from '../tensor/linalg.ts';
import { scaleRowsCols, thinSvd } from './la.ts';
import {
  ConstantRepresentationError,
  DegenerateInputError,
  centerChecked,
  centerCols,
  checkPair,
  checkShapes,
  clip,
  frob2,
  leadingCols,
  type MeasureValue,
} from './util.ts';

/** Canonical correlations ρ (descending, clipped to [0, 1]) with the ranks used. */
export interface CanonicalCorrelations {
  rho: Float64Array;
  rx: number;
  ry: number;
}

/** Throw the §4.1 DegenerateInputError when r_x + r_y > n − 1. */
export function checkDegeneracy(op: string, rx: number, ry: number, n: number, what = 'ranks'): void {
  if (rx + ry > n - 1) {
    throw new DegenerateInputError(
      `${op}: ${what} r_x = ${rx} and r_y = ${ry} with n = ${n} samples: r_x + r_y > n − 1, so at least ${rx + ry - (n - 1)} canonical correlation(s) equal 1 by construction; use more samples, svcca with fewer dimensions (svcca-dim-<k>), or the regularized variant (-eps<value>)`,
    );
  }
}

function checkRank(op: string, name: string, r: number): void {
  if (r === 0) throw new ConstantRepresentationError(`${op}: ${name} is constant (rank 0 after centring)`);
}

/** Canonical correlations of X and Y (§4.1), with the degeneracy rule. */
export function canonicalCorrelations(x: Mat, y: Mat, op = 'cca'): CanonicalCorrelations {
  const n = x.rows;
  const sx = thinSvd(centerCols(x));
  const sy = thinSvd(centerCols(y));
  checkRank(op, 'X', sx.rank);
  checkRank(op, 'Y', sy.rank);
  checkDegeneracy(op, sx.rank, sy.rank, n);
  const qx = leadingCols(sx.u, sx.rank);
  const qy = leadingCols(sy.u, sy.rank);
  const rho = singularValues(matmul(qx, qy, true, false)).map((v) => clip(v, 0, 1));
  return { rho, rx: sx.rank, ry: sy.rank };
}

/** Regularized canonical correlations: singular values of (X̄ᵀX̄+ε_xI)^{-1/2} X̄ᵀȲ (ȲᵀȲ+ε_yI)^{-1/2}. */
export function regularizedCorrelations(x: Mat, y: Mat, eps: number, op = 'cca'): CanonicalCorrelations {
  if (!(eps > 0)) throw new InputError(`${op}: eps must be > 0`);
  const xc = centerCols(x);
  const yc = centerCols(y);
  const ex = (eps * frob2(xc)) / x.cols;
  const ey = (eps * frob2(yc)) / y.cols;
  const sx = thinSvd(xc);
  const sy = thinSvd(yc);
  checkRank(op, 'X', sx.rank);
  checkRank(op, 'Y', sy.rank);
  // With X̄ = U S Vᵀ: (X̄ᵀX̄ + εI)^{-1/2} X̄ᵀ = V diag(s/√(s²+ε)) Uᵀ, so ρ are the singular values of
  // diag(f_x) U_xᵀ U_y diag(f_y) over the numerical ranks.
  const fx = Array.from(sx.s.subarray(0, sx.rank), (s) => s / Math.sqrt(s * s + ex));
  const fy = Array.from(sy.s.subarray(0, sy.rank), (s) => s / Math.sqrt(s * s + ey));
  const m = matmul(leadingCols(sx.u, sx.rank), leadingCols(sy.u, sy.rank), true, false);
  const rho = singularValues(scaleRowsCols(m, fx, fy)).map((v) => clip(v, 0, 1));
  return { rho, rx: sx.rank, ry: sy.rank };
}

function meanOf(rho: Float64Array, m: number, squared: boolean): number {
  let s = 0;
  for (let i = 0; i < m; i++) s += squared ? rho[i] * rho[i] : rho[i];
  return s / m;
}

/** `cca-r2` / `cca-mean` (optionally regularized with `eps`). */
export function cca(x: Mat, y: Mat, stat: 'r2' | 'mean', eps?: number): MeasureValue {
  const op = `cca-${stat}${eps !== undefined ? `-eps${eps}` : ''}`;
  checkPair(op, x, y);
  const cc = eps !== undefined ? regularizedCorrelations(x, y, eps, op) : canonicalCorrelations(x, y, op);
  const m = Math.min(cc.rx, cc.ry);
  return { value: clip(meanOf(cc.rho, m, stat === 'r2'), 0, 1), details: { rho: Array.from(cc.rho.subarray(0, m)), rx: cc.rx, ry: cc.ry } };
}

/** Number of leading directions whose cumulative share of Σs² reaches τ (capped at the rank). */
export function varianceDims(s: Float64Array, rank: number, tau: number): number {
  let tot = 0;
  for (let i = 0; i < rank; i++) tot += s[i] * s[i];
  let acc = 0;
  for (let k = 0; k < rank; k++) {
    acc += s[k] * s[k];
    if (acc >= tau * tot * (1 - 1e-12)) return k + 1;
  }
  return rank;
}

/** SVCCA (Raghu et al. 2017): keep the top directions by variance share τ, or exactly `dim`, then mean CCA. */
export function svcca(x: Mat, y: Mat, opts: { tau?: number; dim?: number }): MeasureValue {
  const op = opts.dim !== undefined ? `svcca-dim-${opts.dim}` : `svcca-${opts.tau}`;
  checkShapes(op, x, y);
  const n = x.rows;
  const sx = thinSvd(centerChecked(op, 'X', x)); // finiteness is checked through the column means
  const sy = thinSvd(centerChecked(op, 'Y', y));
  checkRank(op, 'X', sx.rank);
  checkRank(op, 'Y', sy.rank);
  const pick = (r: { s: Float64Array; rank: number }): number =>
    opts.dim !== undefined ? Math.min(opts.dim, r.rank) : varianceDims(r.s, r.rank, opts.tau ?? 0.99);
  const kx = pick(sx);
  const ky = pick(sy);
  checkDegeneracy(op, kx, ky, n, 'kept dimensions');
  // X′ = U[:, :k] diag(s) is centred with orthonormal basis U[:, :k].
  const rho = singularValues(matmul(leadingCols(sx.u, kx), leadingCols(sy.u, ky), true, false)).map((v) => clip(v, 0, 1));
  const m = Math.min(kx, ky);
  return { value: clip(meanOf(rho, m, false), 0, 1), details: { kx, ky, rho: Array.from(rho.subarray(0, m)) } };
}

/** Projection-weighted CCA (Morcos et al. 2018); weights from the first argument (asymmetric). */
export function pwcca(x: Mat, y: Mat): MeasureValue {
  const op = 'pwcca';
  checkPair(op, x, y);
  const n = x.rows;
  const xc = centerCols(x);
  const sx = thinSvd(xc);
  const sy = thinSvd(centerCols(y));
  checkRank(op, 'X', sx.rank);
  checkRank(op, 'Y', sy.rank);
  checkDegeneracy(op, sx.rank, sy.rank, n);
  const qx = leadingCols(sx.u, sx.rank);
  const qy = leadingCols(sy.u, sy.rank);
  const dec = svd(matmul(qx, qy, true, false)); // G diag(ρ) Jᵀ, G is r_x × m
  const m = dec.s.length;
  const hx = matmul(qx, dec.u); // n × m canonical variates of X
  const proj = matmul(hx, xc, true, false); // m × p_x: h_iᵀ x̄_j
  const alpha = new Float64Array(m);
  let tot = 0;
  for (let i = 0; i < m; i++) {
    let a = 0;
    for (let j = 0; j < x.cols; j++) a += Math.abs(proj.data[i * x.cols + j]);
    alpha[i] = a;
    tot += a;
  }
  let v = 0;
  for (let i = 0; i < m; i++) v += (alpha[i] / tot) * clip(dec.s[i], 0, 1);
  return { value: clip(v, 0, 1), details: { rho: Array.from(dec.s, (r) => clip(r, 0, 1)), weights: Array.from(alpha, (a) => a / tot), rx: sx.rank, ry: sy.rank } };
}

