/**
 * Row operations: embedding lookup and row gathering (scatter-add backward), and maskedAffineRows,
 * the intervention primitive for residual streams and hidden states: x_i ← x_i A + c_j on masked rows.
 */
import { InputError, ShapeError, fmtShape } from '../../errors.ts';
import { getBackend } from '../backend/index.ts';
import { Tensor, alloc, fromOp } from '../tensor.ts';
import { checkDTypes, plain } from './util.ts';

function gather(op: string, x: Tensor, idx: Int32Array, outShape: number[]): Tensor {
  if (x.ndim !== 2) throw new ShapeError(`${op}: table must be 2-D [N, d], got ${fmtShape(x.shape)}`);
  const [N, d] = x.shape;
  const n = idx.length;
  for (let i = 0; i < n; i++) {
    const r = idx[i];
    if (!(r >= 0 && r < N)) throw new InputError(`${op}: index ${r} at position ${i} is out of range [0, ${N}) for ${fmtShape(x.shape)}`);
  }
  const xd = x.data;
  const out = alloc(x.dtype, n * d);
  for (let i = 0; i < n; i++) {
    const s = idx[i] * d;
    out.set(xd.subarray(s, s + d), i * d);
  }
  return fromOp(op, out, outShape, [x], (g) => {
    const gd = g.data;
    const res = alloc(x.dtype, x.size);
    for (let i = 0; i < n; i++) {
      const s = idx[i] * d;
      const o = i * d;
      for (let j = 0; j < d; j++) res[s + j] += gd[o + j];
    }
    return [plain(res, x.shape)];
  });
}

/** Rows of weight [V, d] at `ids`, giving [n, d]; throws InputError on an id outside [0, V). */
export function embedding(weight: Tensor, ids: Int32Array): Tensor {
  return gather('embedding', weight, ids, [ids.length, weight.ndim === 2 ? weight.shape[1] : 0]);
}

/** Rows of x [N, d] at `idx` (repeats allowed), giving [idx.length, d]. */
export function gatherRows(x: Tensor, idx: Int32Array): Tensor {
  return gather('gatherRows', x, idx, [idx.length, x.ndim === 2 ? x.shape[1] : 0]);
}

/**
 * For x [N, d], rowMask [N] and c [count, d] with count = number of masked rows: masked row i (the
 * j-th masked row, in order) becomes x_i A + c_j, where A is [d, d] (A = null means the identity,
 * i.e. x_i + c_j); unmasked rows are copied unchanged. Differentiable in x, A and c.
 */
export function maskedAffineRows(x: Tensor, rowMask: Uint8Array, A: Tensor | null, c: Tensor): Tensor {
  const op = 'maskedAffineRows';
  if (A) checkDTypes(op, x, A, c);
  else checkDTypes(op, x, c);
  if (x.ndim !== 2) throw new ShapeError(`${op}: x must be [N, d], got ${fmtShape(x.shape)}`);
  const [N, d] = x.shape;
  if (rowMask.length !== N) throw new ShapeError(`${op}: x ${fmtShape(x.shape)} but rowMask has length ${rowMask.length}`);
  const rows: number[] = [];
  for (let i = 0; i < N; i++) if (rowMask[i]) rows.push(i);
  const cnt = rows.length;
  if (c.ndim !== 2 || c.shape[0] !== cnt || c.shape[1] !== d) {
    throw new ShapeError(`${op}: x ${fmtShape(x.shape)} with ${cnt} masked rows needs c [${cnt}, ${d}], got ${fmtShape(c.shape)}`);
  }
  if (A && (A.ndim !== 2 || A.shape[0] !== d || A.shape[1] !== d)) {
    throw new ShapeError(`${op}: x ${fmtShape(x.shape)} needs A [${d}, ${d}], got ${fmtShape(A.shape)}`);
  }
  const dt = x.dtype;
  const xd = x.data;
  const cd = c.data;
  const be = getBackend();
  const out = alloc(dt, xd.length);
  out.set(xd);
  // Gather the masked rows once (for the product and for ∂A).
  const xm = alloc(dt, cnt * d);
  for (let j = 0; j < cnt; j++) xm.set(xd.subarray(rows[j] * d, rows[j] * d + d), j * d);
  const ym = alloc(dt, cnt * d);
  ym.set(cd);
  if (A) {
    if (cnt > 0) be.gemm(false, false, cnt, d, d, 1, xm, A.data, 1, ym);
  }
  else for (let q = 0; q < ym.length; q++) ym[q] += xm[q];
  for (let j = 0; j < cnt; j++) out.set(ym.subarray(j * d, j * d + d), rows[j] * d);
  const inputs = A ? [x, A, c] : [x, c];
  return fromOp(op, out, x.shape, inputs, (g) => {
    const gd = g.data;
    const gm = alloc(dt, cnt * d);
    for (let j = 0; j < cnt; j++) gm.set(gd.subarray(rows[j] * d, rows[j] * d + d), j * d);
    let gx: Tensor | null = null;
    let gA: Tensor | null = null;
    if (x.requiresGrad) {
      const r = alloc(dt, xd.length);
      r.set(gd);
      if (A && cnt > 0) {
        const t = alloc(dt, cnt * d);
        be.gemm(false, true, cnt, d, d, 1, gm, A.data, 0, t);
        for (let j = 0; j < cnt; j++) r.set(t.subarray(j * d, j * d + d), rows[j] * d);
      }
      gx = plain(r, x.shape);
    }
    if (A && A.requiresGrad) {
      const r = alloc(dt, d * d);
      if (cnt > 0) be.gemm(true, false, d, d, cnt, 1, xm, gm, 0, r);
      gA = plain(r, A.shape);
    }
    const gc = c.requiresGrad ? plain(gm, c.shape) : null;
    return A ? [gx, gA, gc] : [gx, gc];
  });
}
