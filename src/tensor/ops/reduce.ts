/**
 * Reductions: sum, mean, max (no gradient) and the 2-norm, over all elements or along one axis
 * (with keepdims), and the rowwise cosine similarity of the CL loss.
 */
import { ShapeError, fmtShape } from '../../errors.ts';
import { Tensor, alloc, fromOp, maybeCheckFinite } from '../tensor.ts';
import type { Storage } from '../tensor.ts';
import { checkDTypes, normAxis, plain, prod, sameShape } from './util.ts';

interface Layout {
  outer: number;
  len: number;
  inner: number;
  shape: number[];
}

function layout(op: string, x: Tensor, axis: number | undefined, keepdims: boolean): Layout {
  if (axis === undefined) {
    return { outer: 1, len: x.size, inner: 1, shape: keepdims ? x.shape.map(() => 1) : [] };
  }
  const ax = normAxis(op, axis, x.shape);
  const shape = [...x.shape];
  if (keepdims) shape[ax] = 1;
  else shape.splice(ax, 1);
  return { outer: prod(x.shape, 0, ax), len: x.shape[ax], inner: prod(x.shape, ax + 1), shape };
}

/** Sum along the reduced axis into an array of outer·inner values (float64 accumulation). */
function sumInto(xd: Storage, L: Layout, out: Storage, s: number): void {
  const { outer, len, inner } = L;
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      let acc = 0;
      const b = o * len;
      for (let j = 0; j < len; j++) acc += xd[b + j];
      out[o] = acc * s;
    }
    return;
  }
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(0);
    for (let j = 0; j < len; j++) {
      const b = (o * len + j) * inner;
      for (let i = 0; i < inner; i++) acc[i] += xd[b + i];
    }
    for (let i = 0; i < inner; i++) out[o * inner + i] = acc[i] * s;
  }
}

/** Broadcast a reduced gradient (outer·inner values) back over the axis, times s. */
function spread(gd: Storage, L: Layout, x: Tensor, s: number): Tensor {
  const { outer, len, inner } = L;
  const r = alloc(x.dtype, x.size);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < len; j++) {
      const b = (o * len + j) * inner;
      for (let i = 0; i < inner; i++) r[b + i] = gd[o * inner + i] * s;
    }
  }
  return plain(r, x.shape);
}

function sumScaled(op: string, x: Tensor, axis: number | undefined, keepdims: boolean, mean: boolean): Tensor {
  const L = layout(op, x, axis, keepdims);
  const s = mean ? 1 / L.len : 1;
  const out = alloc(x.dtype, L.outer * L.inner);
  sumInto(x.data, L, out, s);
  return fromOp(op, out, L.shape, [x], (g) => [spread(g.data, L, x, s)]);
}

/** Sum of all elements (axis undefined) or along `axis`; keepdims keeps the reduced axis as size 1. */
export function sum(x: Tensor, axis?: number, keepdims = false): Tensor {
  return sumScaled('sum', x, axis, keepdims, false);
}

/** Mean of all elements (axis undefined) or along `axis`; keepdims keeps the reduced axis as size 1. */
export function mean(x: Tensor, axis?: number, keepdims = false): Tensor {
  const L = axis === undefined ? x.size : x.shape[normAxis('mean', axis, x.shape)];
  if (L === 0) throw new ShapeError(`mean: empty reduction over ${fmtShape(x.shape)}${axis === undefined ? '' : ` along axis ${axis}`}`);
  return sumScaled('mean', x, axis, keepdims, true);
}

/** Maximum of all elements or along `axis` (no gradient: the result is a plain tensor). */
export function max(x: Tensor, axis?: number, keepdims = false): Tensor {
  const L = layout('max', x, axis, keepdims);
  if (L.len === 0) throw new ShapeError(`max: empty reduction over ${fmtShape(x.shape)}`);
  const xd = x.data;
  const out = alloc(x.dtype, L.outer * L.inner);
  out.fill(-Infinity);
  for (let o = 0; o < L.outer; o++) {
    for (let j = 0; j < L.len; j++) {
      const b = (o * L.len + j) * L.inner;
      for (let i = 0; i < L.inner; i++) {
        const v = xd[b + i];
        if (v > out[o * L.inner + i] || Number.isNaN(v)) out[o * L.inner + i] = v;
      }
    }
  }
  maybeCheckFinite('max', out);
  return new Tensor(out, L.shape);
}

/** Euclidean (Frobenius) norm of all elements or along `axis`; gradient x/‖x‖ (0 where ‖x‖ = 0). */
export function norm(x: Tensor, axis?: number, keepdims = false): Tensor {
  const L = layout('norm', x, axis, keepdims);
  const xd = x.data;
  const { outer, len, inner } = L;
  const nrm = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < len; j++) {
      const b = (o * len + j) * inner;
      for (let i = 0; i < inner; i++) nrm[o * inner + i] += xd[b + i] * xd[b + i];
    }
  }
  for (let q = 0; q < nrm.length; q++) nrm[q] = Math.sqrt(nrm[q]);
  const out = alloc(x.dtype, nrm.length);
  out.set(nrm);
  return fromOp('norm', out, L.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, x.size);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < len; j++) {
        const b = (o * len + j) * inner;
        for (let i = 0; i < inner; i++) {
          const nv = nrm[o * inner + i];
          r[b + i] = nv > 0 ? (gd[o * inner + i] * xd[b + i]) / nv : 0;
        }
      }
    }
    return [plain(r, x.shape)];
  });
}

/**
 * Rowwise cosine similarity along the last axis, as in the CL loss:
 * a·b / sqrt((‖a‖² + 1e-12)(‖b‖² + 1e-12)). a and b have the same shape [..., d]; result is [...].
 */
export function cosineSimilarity(a: Tensor, b: Tensor): Tensor {
  const dt = checkDTypes('cosineSimilarity', a, b);
  if (!sameShape(a.shape, b.shape) || a.ndim < 1) {
    throw new ShapeError(`cosineSimilarity: shapes must match and have a last axis: ${fmtShape(a.shape)} vs ${fmtShape(b.shape)}`);
  }
  const d = a.shape[a.ndim - 1];
  const rows = prod(a.shape, 0, a.ndim - 1);
  const ad = a.data;
  const bd = b.data;
  const out = alloc(dt, rows);
  const pa = new Float64Array(rows);
  const pb = new Float64Array(rows);
  const cs = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let j = 0; j < d; j++) {
      const x = ad[o + j];
      const y = bd[o + j];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    pa[r] = aa + 1e-12;
    pb[r] = bb + 1e-12;
    cs[r] = ab / Math.sqrt(pa[r] * pb[r]);
    out[r] = cs[r];
  }
  return fromOp('cosineSimilarity', out, a.shape.slice(0, -1), [a, b], (g) => {
    const gd = g.data;
    const ga = a.requiresGrad ? alloc(dt, a.size) : null;
    const gb = b.requiresGrad ? alloc(dt, b.size) : null;
    for (let r = 0; r < rows; r++) {
      const o = r * d;
      const inv = gd[r] / Math.sqrt(pa[r] * pb[r]);
      const ca = (gd[r] * cs[r]) / pa[r];
      const cb = (gd[r] * cs[r]) / pb[r];
      if (ga) for (let j = 0; j < d; j++) ga[o + j] = inv * bd[o + j] - ca * ad[o + j];
      if (gb) for (let j = 0; j < d; j++) gb[o + j] = inv * ad[o + j] - cb * bd[o + j];
    }
    return [ga && plain(ga, a.shape), gb && plain(gb, b.shape)];
  });
}
