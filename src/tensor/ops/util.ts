/**
 * Shared helpers for the differentiable operations: dtype/shape checks and numpy-style
 * broadcasting (output shape, flat index maps, and reduction of gradients over broadcast dims).
 */
import { DTypeError, ShapeError, fmtShape } from '../../errors.ts';
import { Tensor, alloc, numelOf } from '../tensor.ts';
import type { DType, Storage } from '../tensor.ts';

/** Throw a DTypeError naming `op` unless every tensor has the dtype of the first. */
export function checkDTypes(op: string, ...ts: Tensor[]): DType {
  const dt = ts[0].dtype;
  for (let i = 1; i < ts.length; i++) {
    if (ts[i].dtype !== dt) {
      throw new DTypeError(`${op}: dtype mismatch ${dt} ${fmtShape(ts[0].shape)} vs ${ts[i].dtype} ${fmtShape(ts[i].shape)}`);
    }
  }
  return dt;
}

/** True when two shapes are identical. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The numpy broadcast shape of two shapes; throws a ShapeError naming `op` and both shapes. */
export function broadcastShape(op: string, a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For an input of shape `inShape` broadcast to `outShape`, the flat input index of every flat output
 * index, or null when no broadcasting happens (identical shapes).
 */
export function broadcastMap(outShape: readonly number[], inShape: readonly number[]): Int32Array | null {
  if (sameShape(outShape, inShape)) return null;
  const nd = outShape.length;
  const off = nd - inShape.length;
  // Stride of each output dim in the input (0 where the input is broadcast).
  const stride = new Array<number>(nd).fill(0);
  let s = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    stride[i + off] = inShape[i] === 1 ? 0 : s;
    s *= inShape[i];
  }
  const total = numelOf(outShape);
  const map = new Int32Array(total);
  if (total === 0) return map;
  const idx = new Array<number>(nd).fill(0);
  let cur = 0;
  const last = nd - 1;
  const lastDim = outShape[last];
  const lastStride = stride[last];
  for (let o = 0; o < total; ) {
    for (let j = 0; j < lastDim; j++) map[o++] = cur + j * lastStride;
    // Advance the odometer over the leading dims.
    for (let d = last - 1; d >= 0; d--) {
      idx[d]++;
      cur += stride[d];
      if (idx[d] < outShape[d]) break;
      cur -= stride[d] * idx[d];
      idx[d] = 0;
    }
  }
  return map;
}

/** Sum `g` (laid out in the output shape) into an array of `inSize` elements through a broadcast map. */
export function reduceByMap(g: Storage, map: Int32Array | null, inSize: number, dtype: DType): Storage {
  if (map === null) {
    const out = alloc(dtype, g.length);
    out.set(g);
    return out;
  }
  const out = alloc(dtype, inSize);
  for (let i = 0; i < g.length; i++) out[map[i]] += g[i];
  return out;
}

/** A fresh tensor (no graph) of the given shape over `data`. */
export function plain(data: Storage, shape: readonly number[]): Tensor {
  return new Tensor(data, shape);
}

/** Normalize a possibly negative axis for a tensor of rank `nd`; throws a ShapeError naming `op`. */
export function normAxis(op: string, axis: number, shape: readonly number[]): number {
  const nd = shape.length;
  const a = axis < 0 ? axis + nd : axis;
  if (!Number.isInteger(a) || a < 0 || a >= nd) throw new ShapeError(`${op}: axis ${axis} out of range for shape ${fmtShape(shape)}`);
  return a;
}

/** Product of shape[from..to). */
export function prod(shape: readonly number[], from = 0, to = shape.length): number {
  let p = 1;
  for (let i = from; i < to; i++) p *= shape[i];
  return p;
}
