/**
 * Shape operations: reshape, transpose2d, slice along an axis, and concat along an axis.
 */
import { InputError, ShapeError, fmtShape } from '../../errors.ts';
import { Tensor, alloc, fromOp, numelOf } from '../tensor.ts';
import { checkDTypes, normAxis, plain, prod } from './util.ts';

/** The same values in a new shape (one dim may be −1 and is inferred). Copies the data. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const shp = [...shape];
  const neg = shp.indexOf(-1);
  if (neg >= 0) {
    if (shp.indexOf(-1, neg + 1) >= 0) throw new ShapeError(`reshape: at most one −1 allowed, got ${fmtShape(shape)}`);
    const rest = numelOf(shp.filter((_, i) => i !== neg));
    if (rest === 0 || x.size % rest !== 0) throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} to ${fmtShape(shape)}`);
    shp[neg] = x.size / rest;
  }
  if (shp.some((s) => !Number.isInteger(s) || s < 0) || numelOf(shp) !== x.size) {
    throw new ShapeError(`reshape: cannot reshape ${fmtShape(x.shape)} (${x.size} elements) to ${fmtShape(shape)}`);
  }
  const out = alloc(x.dtype, x.size);
  out.set(x.data);
  return fromOp('reshape', out, shp, [x], (g) => [plain(g.data, x.shape)]);
}

/** Transpose of a 2-D tensor. */
export function transpose2d(x: Tensor): Tensor {
  if (x.ndim !== 2) throw new ShapeError(`transpose2d: needs a 2-D tensor, got ${fmtShape(x.shape)}`);
  const [m, n] = x.shape;
  const xd = x.data;
  const out = alloc(x.dtype, x.size);
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let j = 0; j < n; j++) out[j * m + i] = xd[o + j];
  }
  return fromOp('transpose2d', out, [n, m], [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, x.size);
    for (let j = 0; j < n; j++) {
      const o = j * m;
      for (let i = 0; i < m; i++) r[i * n + j] = gd[o + i];
    }
    return [plain(r, x.shape)];
  });
}

/** x restricted to [start, end) along `axis` (negative axis counts from the end). */
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const ax = normAxis('slice', axis, x.shape);
  const len = x.shape[ax];
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > len || start > end) {
    throw new InputError(`slice: range [${start}, ${end}) is invalid for axis ${ax} of size ${len} (shape ${fmtShape(x.shape)})`);
  }
  const outer = prod(x.shape, 0, ax);
  const inner = prod(x.shape, ax + 1);
  const w = end - start;
  const shape = [...x.shape];
  shape[ax] = w;
  const xd = x.data;
  const out = alloc(x.dtype, outer * w * inner);
  const blk = w * inner;
  for (let o = 0; o < outer; o++) out.set(xd.subarray((o * len + start) * inner, (o * len + end) * inner), o * blk);
  return fromOp('slice', out, shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, x.size);
    for (let o = 0; o < outer; o++) r.set(gd.subarray(o * blk, (o + 1) * blk), (o * len + start) * inner);
    return [plain(r, x.shape)];
  });
}

/** Concatenate tensors along `axis`; all other dims and the dtype must agree. */
export function concat(tensors: readonly Tensor[], axis: number): Tensor {
  if (tensors.length === 0) throw new InputError('concat: needs at least one tensor');
  const first = tensors[0];
  checkDTypes('concat', ...tensors);
  const ax = normAxis('concat', axis, first.shape);
  for (const t of tensors) {
    if (t.ndim !== first.ndim || t.shape.some((s, i) => i !== ax && s !== first.shape[i])) {
      throw new ShapeError(`concat: shapes ${fmtShape(first.shape)} and ${fmtShape(t.shape)} differ outside axis ${ax}`);
    }
  }
  const outer = prod(first.shape, 0, ax);
  const inner = prod(first.shape, ax + 1);
  const lens = tensors.map((t) => t.shape[ax]);
  const total = lens.reduce((s, v) => s + v, 0);
  const shape = [...first.shape];
  shape[ax] = total;
  const out = alloc(first.dtype, outer * total * inner);
  const rowLen = total * inner;
  let off = 0;
  const offs: number[] = [];
  for (let t = 0; t < tensors.length; t++) {
    offs.push(off);
    const blk = lens[t] * inner;
    const td = tensors[t].data;
    for (let o = 0; o < outer; o++) out.set(td.subarray(o * blk, (o + 1) * blk), o * rowLen + off);
    off += blk;
  }
  return fromOp('concat', out, shape, tensors, (g) => {
    const gd = g.data;
    return tensors.map((t, ti) => {
      if (!t.requiresGrad) return null;
      const blk = lens[ti] * inner;
      const r = alloc(first.dtype, t.size);
      for (let o = 0; o < outer; o++) r.set(gd.subarray(o * rowLen + offs[ti], o * rowLen + offs[ti] + blk), o * blk);
      return plain(r, t.shape);
    });
  });
}
