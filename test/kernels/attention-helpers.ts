/** Shared helpers of the attention tests: an unfused float64 reference and a finite-difference checker. */
import assert from 'node:assert/strict';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

/** Layout of one reference call. */
export interface RefLayout {
  batch: number;
  steps: number;
  heads: number;
  dh: number;
  ropeDim?: number;
  ropeBase?: number;
  positionOffset?: number;
  keyPad?: Uint8Array;
}

/** RoPE written straight from models.md §5.2, one element at a time, in float64. */
export function refRope(x: ArrayLike<number>, L: RefLayout): Float64Array {
  const { batch, steps, heads, dh } = L;
  const r = L.ropeDim ?? dh;
  const base = L.ropeBase ?? 10000;
  const off = L.positionOffset ?? 0;
  const out = Float64Array.from(x);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      for (let h = 0; h < heads; h++) {
        const o = (b * steps + t) * heads * dh + h * dh;
        for (let j = 0; j < r / 2; j++) {
          const ang = (off + t) * base ** ((-2 * j) / r);
          const u = x[o + j];
          const w = x[o + j + r / 2];
          out[o + j] = u * Math.cos(ang) - w * Math.sin(ang);
          out[o + j + r / 2] = w * Math.cos(ang) + u * Math.sin(ang);
        }
      }
    }
  }
  return out;
}

/** Unfused causal rotary attention in plain float64 loops (explicit −∞ mask, softmax, weighted sum). */
export function refAttention(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, L: RefLayout): Float64Array {
  const { batch, steps: T, heads, dh } = L;
  const D = heads * dh;
  const qr = refRope(q, L);
  const kr = refRope(k, L);
  const pad = L.keyPad;
  const out = new Float64Array(batch * T * D);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < T; t++) {
        if (pad && pad[b * T + t]) continue;
        const s = new Array<number>(T).fill(-Infinity);
        for (let j = 0; j <= t; j++) {
          if (pad && pad[b * T + j]) continue;
          let dot = 0;
          for (let c = 0; c < dh; c++) dot += qr[(b * T + t) * D + h * dh + c] * kr[(b * T + j) * D + h * dh + c];
          s[j] = dot / Math.sqrt(dh);
        }
        const m = Math.max(...s);
        const e = s.map((x) => Math.exp(x - m));
        const z = e.reduce((a, x) => a + x, 0);
        for (let c = 0; c < dh; c++) {
          let acc = 0;
          for (let j = 0; j < T; j++) acc += (e[j] / z) * v[(b * T + j) * D + h * dh + c];
          out[(b * T + t) * D + h * dh + c] = acc;
        }
      }
    }
  }
  return out;
}

/** A float64 tensor of standard normals that requires grad. */
export function randParam(rng: Rng, shape: number[]): Tensor {
  return Tensor.randn(shape, rng, 1, 'float64').param();
}

/** Largest |a − b| over two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Check the gradients of L = Σ f(inputs) ⊙ cot against central differences for every entry of
 * every input (float64). `f` must be a pure function of the input tensors.
 */
export function checkGradients(f: (xs: Tensor[]) => Tensor, inputs: Tensor[], rng: Rng, tol = 1e-7): void {
  for (const x of inputs) x.zeroGrad();
  const y = f(inputs);
  const cot = Tensor.randn([...y.shape], rng, 1, 'float64');
  y.backward(cot);
  const loss = (): number => {
    const out = f(inputs.map((x) => x.detach())).data;
    let s = 0;
    for (let i = 0; i < out.length; i++) s += out[i] * cot.data[i];
    return s;
  };
  const eps = 1e-6;
  inputs.forEach((x, which) => {
    assert.ok(x.grad !== null, `input ${which} got no gradient`);
    for (let i = 0; i < x.size; i++) {
      const old = x.data[i];
      x.data[i] = old + eps;
      const lp = loss();
      x.data[i] = old - eps;
      const lm = loss();
      x.data[i] = old;
      const fd = (lp - lm) / (2 * eps);
      const an = x.grad!.data[i];
      assert.ok(Math.abs(fd - an) <= tol * (1 + Math.abs(fd)), `input ${which}[${i}]: analytic ${an} vs finite difference ${fd}`);
    }
  });
}
