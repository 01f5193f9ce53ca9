/**
 * Predictivity (similarity.md §6.1): in-sample OLS R² (`linreg-r2`), ridge R² with a
 * scale-relative penalty (`ridge-r2-<λ>`), its seeded k-fold cross-validated version (`-cv<k>`),
 * and the symmetrized versions (`-sym`). X predicts Y.
 */
import { InputError } from '../errors.ts';
import { mat, matmul, type Mat } from '../tensor/linalg.ts';
import { Rng } from '../util/rng.ts';
import { scaleRowsCols, thinSvd } from './la.ts';
import {
  ConstantRepresentationError,
  DegenerateInputError,
  TooFewSamplesError,
  centerCols,
  checkNotConstant,
  checkPair,
  colMeans,
  frob2,
  leadingCols,
  selectRows,
  type MeasureValue,
} from './util.ts';

/** `linreg-r2` = ‖Q_xᵀȲ‖²_F / ‖Ȳ‖²_F: the fraction of Y's variance linearly explained by X. */
export function linregR2(x: Mat, y: Mat): MeasureValue {
  const op = 'linreg-r2';
  checkPair(op, x, y);
  checkNotConstant(op, 'Y', y);
  const n = x.rows;
  const yc = centerCols(y);
  const sx = thinSvd(centerCols(x));
  if (sx.rank === 0) throw new ConstantRepresentationError(`${op}: X is constant (rank 0 after centring)`);
  if (sx.rank >= n - 1) {
    throw new DegenerateInputError(`${op}: X has rank ${sx.rank} ≥ n − 1 = ${n - 1} after centring, so R² = 1 trivially; use more samples or ridge-r2-<λ>`);
  }
  const proj = matmul(leadingCols(sx.u, sx.rank), yc, true, false);
  return { value: Math.min(1, frob2(proj) / frob2(yc)), details: { rx: sx.rank } };
}

/** Ridge fit on (already centred) X̄, Ȳ: returns the coefficient matrix B (p_x × p_y). */
function ridgeCoef(xc: Mat, yc: Mat, lambda: number): { b: Mat; lam: number } {
  const lam = (lambda * frob2(xc)) / xc.cols;
  // B = (X̄ᵀX̄ + λ′I)^{-1} X̄ᵀȲ = X̄ᵀ(X̄X̄ᵀ + λ′I)^{-1}Ȳ = V diag(s/(s²+λ′)) Uᵀ Ȳ (primal = dual form).
  const s = thinSvd(xc);
  const r = s.rank;
  const f = Array.from(s.s.subarray(0, r), (v) => v / (v * v + lam));
  const uty = scaleRowsCols(matmul(leadingCols(s.u, r), yc, true, false), f, null);
  const vr = mat(r, xc.cols, s.vt.data.slice(0, r * xc.cols));
  return { b: matmul(vr, uty, true, false), lam };
}

/** `ridge-r2-<λ>` in-sample: 1 − ‖Ȳ − X̄B‖²_F / ‖Ȳ‖²_F with λ′ = λ‖X̄‖²_F / p_x. */
export function ridgeR2(x: Mat, y: Mat, lambda: number): MeasureValue {
  const op = `ridge-r2-${lambda}`;
  checkPair(op, x, y);
  if (!(lambda > 0)) throw new InputError(`${op}: λ must be > 0 (use linreg-r2 for OLS)`);
  checkNotConstant(op, 'X', x);
  checkNotConstant(op, 'Y', y);
  const xc = centerCols(x);
  const yc = centerCols(y);
  const { b, lam } = ridgeCoef(xc, yc, lambda);
  const pred = matmul(xc, b);
  let rss = 0;
  for (let i = 0; i < pred.data.length; i++) rss += (yc.data[i] - pred.data[i]) ** 2;
  return { value: Math.max(0, 1 - rss / frob2(yc)), details: { lambdaScaled: lam } };
}

/** `ridge-r2-<λ>-cv<k>`: pooled out-of-fold R² over k seeded folds (means and B fitted per fold). */
export function ridgeR2Cv(x: Mat, y: Mat, lambda: number, folds = 5, seed = 0): MeasureValue {
  const op = `ridge-r2-${lambda}-cv${folds}`;
  checkPair(op, x, y);
  if (!(lambda > 0)) throw new InputError(`${op}: λ must be > 0`);
  const n = x.rows;
  if (!Number.isInteger(folds) || folds < 2) throw new InputError(`${op}: the number of folds must be an integer ≥ 2`);
  if (n < 2 * folds) throw new TooFewSamplesError(`${op}: ${folds}-fold cross-validation needs at least ${2 * folds} samples, got ${n}`);
  checkNotConstant(op, 'Y', y);
  const perm = new Rng(seed).permutation(n);
  let sse = 0;
  let sst = 0;
  for (let f = 0; f < folds; f++) {
    const lo = Math.floor((f * n) / folds);
    const hi = Math.floor(((f + 1) * n) / folds);
    const te = perm.slice(lo, hi);
    const tr = perm.slice(0, lo).concat(perm.slice(hi));
    const xtr = selectRows(x, tr);
    const ytr = selectRows(y, tr);
    const mx = colMeans(xtr);
    const my = colMeans(ytr);
    const xc = centerCols(xtr);
    const yc = centerCols(ytr);
    if (!(frob2(xc) > 0)) throw new ConstantRepresentationError(`${op}: X is constant on the training rows of fold ${f}`);
    const { b } = ridgeCoef(xc, yc, lambda);
    const xte = selectRows(x, te);
    const yte = selectRows(y, te);
    for (let i = 0; i < te.length; i++) for (let j = 0; j < x.cols; j++) xte.data[i * x.cols + j] -= mx[j];
    const pred = matmul(xte, b);
    for (let i = 0; i < te.length; i++) {
      for (let j = 0; j < y.cols; j++) {
        const t = yte.data[i * y.cols + j];
        sse += (t - my[j] - pred.data[i * y.cols + j]) ** 2;
        sst += (t - my[j]) ** 2;
      }
    }
  }
  if (!(sst > 0)) throw new ConstantRepresentationError(`${op}: Y is constant on the test folds`);
  return { value: 1 - sse / sst, details: { folds, seed } };
}

/** Average of the two directions of an asymmetric measure (`-sym`). */
export function symmetrize(f: (a: Mat, b: Mat) => MeasureValue, x: Mat, y: Mat): MeasureValue {
  const xy = f(x, y);
  const yx = f(y, x);
  return { value: 0.5 * (xy.value + yx.value), details: { xy: xy.value, yx: yx.value } };
}
