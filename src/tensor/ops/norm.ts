/**
 * LayerNorm over the last axis with biased variance, as PyTorch's nn.LayerNorm:
 * y = (x − mean) / sqrt(var + eps) ⊙ γ + β, with a hand-derived backward pass.
 */
import { ShapeError, fmtShape } from '../../errors.ts';
import { Tensor, alloc, fromOp } from '../tensor.ts';
import { checkDTypes, plain } from './util.ts';

/** LayerNorm of x [..., d] with γ, β of shape [d] (biased variance, eps inside the square root). */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps = 1e-5): Tensor {
  const dt = checkDTypes('layerNorm', x, gamma, beta);
  const d = x.ndim >= 1 ? x.shape[x.ndim - 1] : 0;
  if (x.ndim < 1 || d === 0) throw new ShapeError(`layerNorm: x must have a non-empty last axis, got ${fmtShape(x.shape)}`);
  if (gamma.ndim !== 1 || gamma.shape[0] !== d || beta.ndim !== 1 || beta.shape[0] !== d) {
    throw new ShapeError(`layerNorm: x ${fmtShape(x.shape)} needs gamma and beta of shape [${d}], got ${fmtShape(gamma.shape)} and ${fmtShape(beta.shape)}`);
  }
  const rows = x.size / d;
  const xd = x.data;
  const gd = gamma.data;
  const bd = beta.data;
  const out = alloc(dt, xd.length);
  // Per-row mean and 1/std only: the backward recomputes x̂ = (x − mean)·rstd (the same operations,
  // so the same values) instead of keeping an [rows, d] float64 copy alive for every call.
  const means = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let mean = 0;
    for (let j = 0; j < d; j++) mean += xd[o + j];
    mean /= d;
    let v = 0;
    for (let j = 0; j < d; j++) {
      const c = xd[o + j] - mean;
      v += c * c;
    }
    const rs = 1 / Math.sqrt(v / d + eps);
    means[r] = mean;
    rstd[r] = rs;
    for (let j = 0; j < d; j++) out[o + j] = (xd[o + j] - mean) * rs * gd[j] + bd[j];
  }
  return fromOp('layerNorm', out, x.shape, [x, gamma, beta], (g) => {
    const god = g.data;
    let gx: Tensor | null = null;
    let gg: Tensor | null = null;
    let gb: Tensor | null = null;
    if (x.requiresGrad) {
      const res = alloc(dt, xd.length);
      for (let r = 0; r < rows; r++) {
        const o = r * d;
        // dx = rstd · (dxhat − mean(dxhat) − xhat · mean(dxhat ⊙ xhat)), dxhat = g ⊙ γ
        const mean = means[r];
        const rs = rstd[r];
        let s1 = 0;
        let s2 = 0;
        for (let j = 0; j < d; j++) {
          const dh = god[o + j] * gd[j];
          s1 += dh;
          s2 += dh * ((xd[o + j] - mean) * rs);
        }
        s1 /= d;
        s2 /= d;
        for (let j = 0; j < d; j++) res[o + j] = rs * (god[o + j] * gd[j] - s1 - (xd[o + j] - mean) * rs * s2);
      }
      gx = plain(res, x.shape);
    }
    if (gamma.requiresGrad || beta.requiresGrad) {
      const dg = alloc(dt, d);
      const db = alloc(dt, d);
      const ag = new Float64Array(d);
      const ab = new Float64Array(d);
      for (let r = 0; r < rows; r++) {
        const o = r * d;
        const mean = means[r];
        const rs = rstd[r];
        for (let j = 0; j < d; j++) {
          ag[j] += god[o + j] * ((xd[o + j] - mean) * rs);
          ab[j] += god[o + j];
        }
      }
      dg.set(ag);
      db.set(ab);
      if (gamma.requiresGrad) gg = plain(dg, gamma.shape);
      if (beta.requiresGrad) gb = plain(db, beta.shape);
    }
    return [gx, gg, gb];
  });
}
