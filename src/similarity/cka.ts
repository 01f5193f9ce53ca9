/**
 * CKA family (similarity.md §2): HSIC estimators (biased, unbiased by U-centring and in the
 * matrix-product form), linear CKA in Gram and feature form, debiased linear CKA, RBF CKA with
 * the median-distance bandwidth, and minibatch CKA with a streaming accumulator.
 */
import { InputError } from '../errors.ts';
import { mat, qr, type Mat } from '../tensor/linalg.ts';
import { angleFromChord } from './la.ts';
import { Rng } from '../util/rng.ts';
import {
  ConstantRepresentationError,
  DegenerateInputError,
  TooFewSamplesError,
  centerChecked,
  centerCols,
  checkNotConstant,
  checkPair,
  checkShapes,
  clip,
  crossprod,
  doubleCenter,
  frob2,
  frobDot,
  gram,
  rowSqNorms,
  selectRows,
  sqDistances,
  type MeasureValue,
} from './util.ts';

/** Which HSIC estimator: biased (V-statistic) or unbiased (Song et al. 2012). */
export type HsicEstimator = 'biased' | 'unbiased';

/** Linear CKA computation path: n×n Gram matrices, p×p feature products, or the cheaper one. */
export type CkaForm = 'auto' | 'gram' | 'feature';

/** Biased HSIC of symmetric kernels: tr(K H L H) / (n − 1)². */
export function hsicBiased(k: Mat, l: Mat): number {
  const n = k.rows;
  return frobDot(doubleCenter(k), doubleCenter(l)) / ((n - 1) * (n - 1));
}

/** U-centred copy of a symmetric kernel (Székely & Rizzo 2014); the diagonal is 0. */
export function uCenter(k: Mat): Mat {
  const n = k.rows;
  if (n < 4) throw new TooFewSamplesError(`uCenter: the unbiased HSIC needs n ≥ 4, got ${n}`);
  const r = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    let ri = 0;
    for (let j = 0; j < n; j++) if (j !== i) ri += k.data[i * n + j];
    r[i] = ri;
    s += ri;
  }
  const out = mat(n, n);
  const c = s / ((n - 1) * (n - 2));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      out.data[i * n + j] = i === j ? 0 : k.data[i * n + j] - r[i] / (n - 2) - r[j] / (n - 2) + c;
    }
  }
  return out;
}

/** Unbiased HSIC of symmetric kernels via U-centring: Σ_{i≠j} K^U_ij L^U_ij / (n(n − 3)). */
export function hsicUnbiased(k: Mat, l: Mat): number {
  const n = k.rows;
  return frobDot(uCenter(k), uCenter(l)) / (n * (n - 3));
}

/** Unbiased HSIC in the matrix-product form of §2.1, valid for non-symmetric K and L. */
export function hsicUnbiasedProduct(k: Mat, l: Mat): number {
  const n = k.rows;
  if (n < 4) throw new TooFewSamplesError(`hsicUnbiased: needs n ≥ 4, got ${n}`);
  const K = k.data;
  const L = l.data;
  let tr = 0; // tr(K̃ L̃) = Σ_{i≠j} K_ij L_ji
  let sk = 0;
  let sl = 0;
  const colK = new Float64Array(n); // 1ᵀ K̃
  const rowL = new Float64Array(n); // L̃ 1
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const kij = K[i * n + j];
      const lij = L[i * n + j];
      tr += kij * L[j * n + i];
      sk += kij;
      sl += lij;
      colK[j] += kij;
      rowL[i] += lij;
    }
  }
  let cross = 0; // 1ᵀ K̃ L̃ 1
  for (let j = 0; j < n; j++) cross += colK[j] * rowL[j];
  return (tr + (sk * sl) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * cross) / (n * (n - 3));
}

/** CKA of two symmetric kernel matrices with the chosen HSIC estimator. */
export function ckaKernels(k: Mat, l: Mat, estimator: HsicEstimator, op = 'cka'): number {
  let kk: Mat;
  let ll: Mat;
  if (estimator === 'biased') {
    kk = doubleCenter(k);
    ll = doubleCenter(l);
  } else {
    kk = uCenter(k);
    ll = uCenter(l);
  }
  const sxx = frob2(kk);
  const syy = frob2(ll);
  if (!(sxx > 0)) throw new ConstantRepresentationError(`${op}: the self-HSIC of X is ${sxx} (constant representation or degenerate kernel)`);
  if (!(syy > 0)) throw new ConstantRepresentationError(`${op}: the self-HSIC of Y is ${syy} (constant representation or degenerate kernel)`);
  return frobDot(kk, ll) / Math.sqrt(sxx * syy);
}

/** Scaled HSIC terms of linear kernels on centred data: xy, xx, yy (any common positive factor). */
export interface HsicTerms {
  xy: number;
  xx: number;
  yy: number;
  form: 'gram' | 'feature';
}

/** Pick the cheaper linear-CKA form: feature O(n(px+py)²) against Gram O(n²(px+py)). */
export function pickForm(n: number, px: number, py: number, form: CkaForm): 'gram' | 'feature' {
  if (form !== 'auto') return form;
  return px + py <= n ? 'feature' : 'gram';
}

/**
 * Linear-kernel HSIC terms of centred Xc, Yc: biased → ‖X̄ᵀȲ‖²_F etc. (= (n−1)²·HSIC_b);
 * unbiased → D(X, Y) = n(n−3)·HSIC_u (feature form of Kornblith et al., or U-centred Grams).
 */
export function linearHsicTerms(xc: Mat, yc: Mat, estimator: HsicEstimator, form: CkaForm = 'auto'): HsicTerms {
  const n = xc.rows;
  const f = pickForm(n, xc.cols, yc.cols, form);
  if (f === 'gram') {
    const k = gram(xc);
    const l = gram(yc);
    if (estimator === 'biased') return { xy: frobDot(k, l), xx: frob2(k), yy: frob2(l), form: f };
    const ku = uCenter(k);
    const lu = uCenter(l);
    return { xy: frobDot(ku, lu), xx: frob2(ku), yy: frob2(lu), form: f };
  }
  const xy = frob2(crossprod(xc, yc));
  const xx = frob2(crossprod(xc, xc)); // syrk: half a gemm
  const yy = frob2(crossprod(yc, yc));
  if (estimator === 'biased') return { xy, xx, yy, form: f };
  if (n < 4) throw new TooFewSamplesError(`debiased HSIC: needs n ≥ 4, got ${n}`);
  const a = rowSqNorms(xc);
  const b = rowSqNorms(yc);
  let A = 0;
  let B = 0;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    A += a[i];
    B += b[i];
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  const c1 = n / (n - 2);
  const c2 = 1 / ((n - 1) * (n - 2));
  return { xy: xy - c1 * ab + A * B * c2, xx: xx - c1 * aa + A * A * c2, yy: yy - c1 * bb + B * B * c2, form: f };
}

function ratio(t: HsicTerms, op: string): number {
  if (!(t.xx > 0)) throw new ConstantRepresentationError(`${op}: the self-HSIC of X is ${t.xx} ≤ 0 (constant or near-constant representation)`);
  if (!(t.yy > 0)) throw new ConstantRepresentationError(`${op}: the self-HSIC of Y is ${t.yy} ≤ 0 (constant or near-constant representation)`);
  return t.xy / Math.sqrt(t.xx * t.yy);
}

/** Linear CKA (Kornblith et al. 2019), biased or debiased, in the cheaper (or a forced) form. */
export function ckaLinear(x: Mat, y: Mat, opts: { debiased?: boolean; form?: CkaForm } = {}): MeasureValue {
  const op = opts.debiased ? 'cka-linear-debiased' : 'cka-linear';
  checkShapes(op, x, y);
  const xc = centerChecked(op, 'X', x); // finiteness is checked through the column means
  const yc = centerChecked(op, 'Y', y);
  checkNotConstant(op, 'X', x);
  checkNotConstant(op, 'Y', y);
  const t = linearHsicTerms(xc, yc, opts.debiased ? 'unbiased' : 'biased', opts.form ?? 'auto');
  const v = ratio(t, op);
  return { value: opts.debiased ? clip(v, -1, 1) : clip(v, 0, 1), details: { form: t.form, estimator: opts.debiased ? 'unbiased' : 'biased' } };
}

/**
 * The angle arccos(clip(cka-linear, 0, 1)) between the centred Gram matrices (a metric), computed
 * as 2·asin(‖K̂ − L̂‖_F / 2) with K̂ = X̄X̄ᵀ/‖X̄X̄ᵀ‖_F, so that X against X (or XR) gives ~1e-15
 * rather than the ~1e-8 of arccos(1 − ε). netrep's LinearCKA takes arccos.
 */
export function ckaLinearAngular(x: Mat, y: Mat): MeasureValue {
  const r = ckaLinear(x, y);
  const xc = centerCols(x);
  const yc = centerCols(y);
  const kx = Math.sqrt(frob2(crossprod(xc, xc))); // ‖X̄ᵀX̄‖_F = ‖X̄X̄ᵀ‖_F
  const ky = Math.sqrt(frob2(crossprod(yc, yc)));
  let c2 = 0;
  if (pickForm(x.rows, x.cols, y.cols, 'auto') === 'gram') {
    const k = gram(xc);
    const l = gram(yc);
    for (let i = 0; i < k.data.length; i++) c2 += (k.data[i] / kx - l.data[i] / ky) ** 2;
  } else {
    // Z = [X̄/√kx, Ȳ/√ky] = Q [Rx Ry]: K̂ − L̂ = Q (Rx Rxᵀ − Ry Ryᵀ) Qᵀ, a (px+py)² matrix
    const px = x.cols;
    const w = px + y.cols;
    const z = mat(x.rows, w);
    const sx = 1 / Math.sqrt(kx);
    const sy = 1 / Math.sqrt(ky);
    for (let i = 0; i < x.rows; i++) {
      for (let j = 0; j < px; j++) z.data[i * w + j] = xc.data[i * px + j] * sx;
      for (let j = 0; j < y.cols; j++) z.data[i * w + px + j] = yc.data[i * y.cols + j] * sy;
    }
    const rr = qr(z).r;
    const rx = mat(w, px);
    const ry = mat(w, y.cols);
    for (let i = 0; i < w; i++) {
      for (let j = 0; j < px; j++) rx.data[i * px + j] = rr.data[i * w + j];
      for (let j = 0; j < y.cols; j++) ry.data[i * y.cols + j] = rr.data[i * w + px + j];
    }
    const a = gram(rx);
    const b = gram(ry);
    for (let i = 0; i < a.data.length; i++) c2 += (a.data[i] - b.data[i]) ** 2;
  }
  return { value: angleFromChord(Math.sqrt(c2)), details: { ...r.details, cka: r.value } };
}

/** Median of the full n×n squared-distance matrix (diagonal included; mean of middle pair if even). */
export function medianSqDistance(d2: Mat): number {
  const v = Float64Array.from(d2.data).sort();
  const m = v.length;
  return m % 2 === 1 ? v[(m - 1) / 2] : 0.5 * (v[m / 2 - 1] + v[m / 2]);
}

/** RBF kernel exp(−‖x_i − x_j‖² / (2σ²)) with σ² = θ²·median squared distance. */
export function rbfKernel(x: Mat, theta: number, op = 'cka-rbf', name = 'X'): { k: Mat; sigma2: number } {
  const d2 = sqDistances(x, { exactTies: false }); // the bandwidth and kernel read values, not ranks
  const med = medianSqDistance(d2);
  if (!(med > 0)) {
    throw new DegenerateInputError(`${op}: the median squared distance between rows of ${name} is 0 (more than half of the pairs coincide), so the RBF bandwidth is undefined`);
  }
  const sigma2 = theta * theta * med;
  const k = d2;
  for (let i = 0; i < k.data.length; i++) k.data[i] = Math.exp(-k.data[i] / (2 * sigma2));
  return { k, sigma2 };
}

/** RBF-kernel CKA with bandwidth factor θ, biased or debiased. */
export function ckaRbf(x: Mat, y: Mat, theta: number, debiased = false): MeasureValue {
  const op = `cka-rbf-${theta}${debiased ? '-debiased' : ''}`;
  checkPair(op, x, y);
  if (!(theta > 0)) throw new InputError(`${op}: θ must be > 0`);
  if (debiased && x.rows < 4) throw new TooFewSamplesError(`${op}: needs n ≥ 4, got ${x.rows}`);
  checkNotConstant(op, 'X', x);
  checkNotConstant(op, 'Y', y);
  const kx = rbfKernel(x, theta, op, 'X');
  const ky = rbfKernel(y, theta, op, 'Y');
  const v = ckaKernels(kx.k, ky.k, debiased ? 'unbiased' : 'biased', op);
  return { value: debiased ? clip(v, -1, 1) : clip(v, 0, 1), details: { sigma2X: kx.sigma2, sigma2Y: ky.sigma2 } };
}

/**
 * Streaming minibatch CKA (Nguyen, Raghu & Kornblith 2021): feed paired batches, keep the three
 * sums of per-batch unbiased HSIC (each with its own 1/(m(m−3))), and read the value at the end.
 */
export class MinibatchCka {
  private sxy = 0;
  private sxx = 0;
  private syy = 0;
  /** Number of batches seen. */
  batches = 0;
  /** Number of samples seen. */
  samples = 0;

  /** Add one paired batch (same stimuli in the same row order in X and Y; at least 4 rows). */
  update(x: Mat, y: Mat): void {
    const op = 'cka-linear-minibatch';
    checkShapes(op, x, y);
    const m = x.rows;
    if (m < 4) throw new TooFewSamplesError(`cka-linear-minibatch: every batch needs at least 4 rows (unbiased HSIC), got ${m}`);
    const t = linearHsicTerms(centerChecked(op, 'X', x), centerChecked(op, 'Y', y), 'unbiased');
    const c = 1 / (m * (m - 3));
    this.sxy += t.xy * c;
    this.sxx += t.xx * c;
    this.syy += t.yy * c;
    this.batches++;
    this.samples += m;
  }

  /** The CKA value Σ HSIC_u(K,L) / sqrt(Σ HSIC_u(K,K) · Σ HSIC_u(L,L)). */
  value(): number {
    if (this.batches === 0) throw new InputError('cka-linear-minibatch: no batches were added');
    const v = ratio({ xy: this.sxy, xx: this.sxx, yy: this.syy, form: 'feature' }, 'cka-linear-minibatch');
    return clip(v, -1, 1);
  }

  /** The three running sums, e.g. for checkpointing. */
  sums(): { xy: number; xx: number; yy: number } {
    return { xy: this.sxy, xx: this.sxx, yy: this.syy };
  }
}

/** Batch boundaries for n rows in batches of b; a final batch of fewer than 4 rows joins the previous one. */
export function batchBounds(n: number, b: number): number[] {
  const bounds: number[] = [0];
  for (let s = b; s < n; s += b) bounds.push(s);
  bounds.push(n);
  if (bounds.length > 2 && n - bounds[bounds.length - 2] < 4) bounds.splice(bounds.length - 2, 1);
  return bounds;
}

/** Minibatch linear CKA over a seeded shuffle of the rows (same permutation for X and Y). */
export function ckaLinearMinibatch(x: Mat, y: Mat, batchSize = 256, seed = 0): MeasureValue {
  const op = `cka-linear-minibatch-${batchSize}`;
  checkPair(op, x, y);
  if (!Number.isInteger(batchSize) || batchSize < 4) throw new InputError(`${op}: the batch size must be an integer ≥ 4`);
  const n = x.rows;
  if (n < 4) throw new TooFewSamplesError(`${op}: needs at least 4 samples, got ${n}`);
  const perm = new Rng(seed).permutation(n);
  const acc = new MinibatchCka();
  const bounds = batchBounds(n, batchSize);
  for (let i = 0; i + 1 < bounds.length; i++) {
    const idx = perm.slice(bounds[i], bounds[i + 1]);
    acc.update(selectRows(x, idx), selectRows(y, idx));
  }
  return { value: acc.value(), details: { batches: acc.batches, batchSize, seed } };
}
