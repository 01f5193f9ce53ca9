/**
 * Operations of pretrained language models (Hugging Face architectures), each fused with a
 * hand-derived backward pass so that gradients can flow back to activations (MAS trains maps on
 * frozen models): RMSNorm, tanh-approximated GELU, SiLU, the SwiGLU gate silu(g)·u, and the
 * key/value head repetition of grouped-query attention.
 */
import { ShapeError, fmtShape } from '../../errors.ts';
import { Tensor, alloc, fromOp } from '../tensor.ts';
import { checkDTypes, plain } from './util.ts';

/**
 * RMSNorm over the last axis as Llama/Qwen2 compute it: y = w ⊙ x / sqrt(mean(x²) + eps).
 * Backward: with ĝ = g ⊙ w and r = 1/sqrt(mean(x²)+eps), dx = r·ĝ − x·r³·mean(ĝ ⊙ x), dw = Σ_rows g ⊙ x·r.
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  const dt = checkDTypes('rmsNorm', x, weight);
  const d = x.ndim >= 1 ? x.shape[x.ndim - 1] : 0;
  if (x.ndim < 1 || d === 0) throw new ShapeError(`rmsNorm: x must have a non-empty last axis, got ${fmtShape(x.shape)}`);
  if (weight.ndim !== 1 || weight.shape[0] !== d) throw new ShapeError(`rmsNorm: x ${fmtShape(x.shape)} needs a weight of shape [${d}], got ${fmtShape(weight.shape)}`);
  const rows = x.size / d;
  const xd = x.data;
  const wd = weight.data;
  const out = alloc(dt, xd.length);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += xd[o + j] * xd[o + j];
    const rs = 1 / Math.sqrt(s / d + eps);
    rstd[r] = rs;
    for (let j = 0; j < d; j++) out[o + j] = wd[j] * (xd[o + j] * rs);
  }
  return fromOp('rmsNorm', out, x.shape, [x, weight], (g) => {
    const gd = g.data;
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    if (x.requiresGrad) {
      const res = alloc(dt, xd.length);
      for (let r = 0; r < rows; r++) {
        const o = r * d;
        const rs = rstd[r];
        let s = 0;
        for (let j = 0; j < d; j++) s += gd[o + j] * wd[j] * xd[o + j];
        const k = (rs * rs * rs * s) / d;
        for (let j = 0; j < d; j++) res[o + j] = rs * gd[o + j] * wd[j] - k * xd[o + j];
      }
      gx = plain(res, x.shape);
    }
    if (weight.requiresGrad) {
      const res = new Float64Array(d);
      for (let r = 0; r < rows; r++) {
        const o = r * d;
        const rs = rstd[r];
        for (let j = 0; j < d; j++) res[j] += gd[o + j] * xd[o + j] * rs;
      }
      const w = alloc(dt, d);
      w.set(res);
      gw = plain(w, weight.shape);
    }
    return [gx, gw];
  });
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** GELU, tanh approximation (HF `gelu_new` / `gelu_pytorch_tanh`): ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
export function geluTanh(x: Tensor): Tensor {
  const xd = x.data;
  const n = xd.length;
  const out = alloc(x.dtype, n);
  // ½v(1 + tanh u) = v − v/(e^{2u} + 1): one exp instead of a (slower) tanh; exact at ±∞.
  for (let i = 0; i < n; i++) {
    const v = xd[i];
    out[i] = v - v / (Math.exp(2 * GELU_C * (v + 0.044715 * v * v * v)) + 1);
  }
  return fromOp('geluTanh', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, n);
    for (let i = 0; i < n; i++) {
      const v = xd[i];
      const t = Math.tanh(GELU_C * (v + 0.044715 * v * v * v));
      const dt = GELU_C * (1 + 3 * 0.044715 * v * v) * (1 - t * t);
      r[i] = gd[i] * (0.5 * (1 + t) + 0.5 * v * dt);
    }
    return [plain(r, x.shape)];
  });
}

function sig(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

/** SiLU (swish): x·σ(x). */
export function silu(x: Tensor): Tensor {
  const xd = x.data;
  const n = xd.length;
  const out = alloc(x.dtype, n);
  for (let i = 0; i < n; i++) out[i] = xd[i] * sig(xd[i]);
  return fromOp('silu', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, n);
    for (let i = 0; i < n; i++) {
      const s = sig(xd[i]);
      r[i] = gd[i] * (s + xd[i] * s * (1 - s));
    }
    return [plain(r, x.shape)];
  });
}

/** The SwiGLU gate of Llama/Qwen2 MLPs: silu(gate) ⊙ up (same shapes). */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  checkDTypes('swiglu', gate, up);
  if (gate.size !== up.size) throw new ShapeError(`swiglu: gate ${fmtShape(gate.shape)} and up ${fmtShape(up.shape)} differ`);
  const gd0 = gate.data;
  const ud = up.data;
  const n = gd0.length;
  const out = alloc(gate.dtype, n);
  for (let i = 0; i < n; i++) out[i] = gd0[i] * sig(gd0[i]) * ud[i];
  return fromOp('swiglu', out, gate.shape, [gate, up], (g) => {
    const gd = g.data;
    const dg = gate.requiresGrad ? alloc(gate.dtype, n) : null;
    const du = up.requiresGrad ? alloc(gate.dtype, n) : null;
    for (let i = 0; i < n; i++) {
      const v = gd0[i];
      const s = sig(v);
      if (dg) dg[i] = gd[i] * ud[i] * (s + v * s * (1 - s));
      if (du) du[i] = gd[i] * v * s;
    }
    return [dg ? plain(dg, gate.shape) : null, du ? plain(du, up.shape) : null];
  });
}

/**
 * Grouped-query attention: x [N, kvHeads·dh] → [N, kvHeads·groups·dh], query head h reading key/value
 * head ⌊h / groups⌋ (HF `repeat_kv`, i.e. repeat_interleave over heads). Backward sums the copies.
 */
export function repeatKvHeads(x: Tensor, kvHeads: number, groups: number): Tensor {
  if (x.ndim !== 2 || x.shape[1] % kvHeads !== 0) throw new ShapeError(`repeatKvHeads: x ${fmtShape(x.shape)} is not [N, ${kvHeads}·dh]`);
  if (groups === 1) return x;
  const [N, w] = x.shape;
  const dh = w / kvHeads;
  const W = w * groups;
  const xd = x.data;
  const out = alloc(x.dtype, N * W);
  for (let i = 0; i < N; i++) {
    for (let h = 0; h < kvHeads; h++) {
      const src = xd.subarray(i * w + h * dh, i * w + (h + 1) * dh);
      for (let r = 0; r < groups; r++) out.set(src, i * W + (h * groups + r) * dh);
    }
  }
  return fromOp('repeatKvHeads', out, [N, W], [x], (g) => {
    const gd = g.data;
    const res = alloc(x.dtype, N * w);
    for (let i = 0; i < N; i++) {
      for (let h = 0; h < kvHeads; h++) {
        for (let r = 0; r < groups; r++) {
          const s = i * W + (h * groups + r) * dh;
          const o = i * w + h * dh;
          for (let j = 0; j < dh; j++) res[o + j] += gd[s + j];
        }
      }
    }
    return [plain(res, x.shape)];
  });
}
