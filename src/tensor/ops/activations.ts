/**
 * Activations: sigmoid, tanh, relu, exact GELU (x·Φ(x) with Cody's erf), inverted dropout, and
 * numerically stable softmax / logSoftmax along the last axis.
 */
import { InputError, ShapeError, fmtShape } from '../../errors.ts';
import type { Rng } from '../../util/rng.ts';
import { ERF_THRESH, erf, erfc, erfcxTail } from '../erf.ts';
import { normalCdfF32, normalPdfF32 } from '../normal-table.ts';
import { Tensor, alloc, fromOp } from '../tensor.ts';
import { plain } from './util.ts';

/** Logistic sigmoid 1/(1 + e^−x), evaluated without overflow. */
export function sigmoid(x: Tensor): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i];
    if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
    else {
      const e = Math.exp(v);
      out[i] = e / (1 + e);
    }
  }
  return fromOp('sigmoid', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) r[i] = gd[i] * out[i] * (1 - out[i]);
    return [plain(r, x.shape)];
  });
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.tanh(xd[i]);
  return fromOp('tanh', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) r[i] = gd[i] * (1 - out[i] * out[i]);
    return [plain(r, x.shape)];
  });
}

/** max(x, 0) (gradient 0 at 0, as PyTorch). */
export function relu(x: Tensor): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = xd[i] > 0 ? xd[i] : 0;
  return fromOp('relu', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) r[i] = xd[i] > 0 ? gd[i] : 0;
    return [plain(r, x.shape)];
  });
}

const INV_SQRT2PI = 0.3989422804014327; // 1/√(2π)

/** Φ(v) in float64 with Cody's erf; `e` = exp(−v²/2), the unnormalized density, computed by the caller. */
function cdfCody(v: number, e: number): number {
  const y = Math.abs(v) * Math.SQRT1_2;
  if (y <= ERF_THRESH) return 0.5 * (1 + erf(v * Math.SQRT1_2));
  if (y < 6) {
    const tail = 0.5 * e * erfcxTail(y); // ½ erfc(|v|/√2)
    return v > 0 ? 1 - tail : tail;
  }
  return v > 0 ? 1 : 0.5 * erfc(y);
}

/**
 * Exact GELU: x·Φ(x) = ½·x·(1 + erf(x/√2)) (not the tanh approximation). Float64: Φ from Cody's erf,
 * whose erfc·exp(y²) rational part shares one exp with the density. Float32: Φ and φ from the table
 * of normal-table.ts (3e-10 absolute). The forward computes only the output; the backward
 * recomputes Φ and φ from the input (no per-call buffers, nothing extra in no-grad passes).
 */
export function gelu(x: Tensor): Tensor {
  const xd = x.data;
  const n = xd.length;
  const out = alloc(x.dtype, n);
  const f32 = x.dtype === 'float32';
  if (f32) for (let i = 0; i < n; i++) out[i] = xd[i] * normalCdfF32(xd[i]);
  else for (let i = 0; i < n; i++) out[i] = xd[i] * cdfCody(xd[i], Math.exp(-0.5 * xd[i] * xd[i]));
  return fromOp('gelu', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, n);
    for (let i = 0; i < n; i++) {
      const v = xd[i];
      if (f32) r[i] = gd[i] * (normalCdfF32(v) + v * normalPdfF32(v));
      else {
        const e = Math.exp(-0.5 * v * v);
        r[i] = gd[i] * (cdfCody(v, e) + v * e * INV_SQRT2PI);
      }
    }
    return [plain(r, x.shape)];
  });
}

/**
 * Inverted dropout: in training, zero each element with probability p (mask drawn from `rng`, one
 * uniform per element in row-major order) and scale survivors by 1/(1−p). Identity when not training
 * or p = 0 (returns x itself).
 */
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!(p >= 0 && p <= 1)) throw new InputError(`dropout: p must be in [0, 1], got ${p}`);
  if (!training || p === 0) return x;
  const xd = x.data;
  const n = xd.length;
  const keep = new Uint8Array(n);
  const s = p === 1 ? 0 : 1 / (1 - p);
  const out = alloc(x.dtype, n);
  for (let i = 0; i < n; i++) {
    if (rng.uniform() >= p) {
      keep[i] = 1;
      out[i] = xd[i] * s;
    }
  }
  return fromOp('dropout', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, n);
    for (let i = 0; i < n; i++) if (keep[i]) r[i] = gd[i] * s;
    return [plain(r, x.shape)];
  });
}

function lastAxis(op: string, x: Tensor): [number, number] {
  if (x.ndim < 1) throw new ShapeError(`${op}: needs at least 1 dim, got ${fmtShape(x.shape)}`);
  const n = x.shape[x.ndim - 1];
  return [n === 0 ? 0 : x.size / n, n];
}

/** Softmax along the last axis (max-subtracted). */
export function softmax(x: Tensor): Tensor {
  const [rows, n] = lastAxis('softmax', x);
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) if (xd[o + j] > mx) mx = xd[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(xd[o + j] - mx);
      out[o + j] = e;
      s += e;
    }
    const inv = 1 / s;
    for (let j = 0; j < n; j++) out[o + j] *= inv;
  }
  return fromOp('softmax', out, x.shape, [x], (g) => {
    const gd = g.data;
    const res = alloc(x.dtype, gd.length);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      let dot = 0;
      for (let j = 0; j < n; j++) dot += gd[o + j] * out[o + j];
      for (let j = 0; j < n; j++) res[o + j] = out[o + j] * (gd[o + j] - dot);
    }
    return [plain(res, x.shape)];
  });
}

/** log-softmax along the last axis (x − max − log Σ exp(x − max)). */
export function logSoftmax(x: Tensor): Tensor {
  const [rows, n] = lastAxis('logSoftmax', x);
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let r = 0; r < rows; r++) {
    const o = r * n;
    let mx = -Infinity;
    for (let j = 0; j < n; j++) if (xd[o + j] > mx) mx = xd[o + j];
    let s = 0;
    for (let j = 0; j < n; j++) s += Math.exp(xd[o + j] - mx);
    const lse = mx + Math.log(s);
    for (let j = 0; j < n; j++) out[o + j] = xd[o + j] - lse;
  }
  return fromOp('logSoftmax', out, x.shape, [x], (g) => {
    const gd = g.data;
    const res = alloc(x.dtype, gd.length);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      let s = 0;
      for (let j = 0; j < n; j++) s += gd[o + j];
      for (let j = 0; j < n; j++) res[o + j] = gd[o + j] - Math.exp(out[o + j]) * s;
    }
    return [plain(res, x.shape)];
  });
}
