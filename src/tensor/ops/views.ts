/**
 * Structural operations the alignment maps need: the identity (square or rectangular [I; 0]
 * selector), a differentiable view (same values, new shape, no copy), the elementwise reciprocal, and
 * blocks of columns, rows or entries (copies with a no-copy shortcut for the full range).
 */
import { ShapeError, fmtShape } from '../../errors.ts';
import { Tensor, alloc, fromOp, numelOf, type DType } from '../tensor.ts';
import { slice } from './shape.ts';

/** The identity [n, cols] (default square): ones on the diagonal, a constant. */
export function eye(n: number, dtype: DType = 'float32', cols = n): Tensor {
  const t = Tensor.zeros([n, cols], dtype);
  for (let i = 0; i < Math.min(n, cols); i++) t.data[i * cols + i] = 1;
  return t;
}

/** The identity as a flat float64 array [n·n] (for the float64 kernels). */
export function eyeF64(n: number): Float64Array {
  const I = new Float64Array(n * n);
  for (let i = 0; i < n; i++) I[i * n + i] = 1;
  return I;
}

/** The same values in another shape, sharing the data (differentiable; the gradient is viewed back). */
export function view(x: Tensor, shape: readonly number[], opName = 'view'): Tensor {
  if (numelOf(shape) !== x.size) throw new ShapeError(`view: cannot view ${fmtShape(x.shape)} (${x.size} elements) as ${fmtShape(shape)}`);
  return fromOp(opName, x.data, [...shape], [x], (g) => [new Tensor(g.data, x.shape)]);
}

/** 1/x elementwise (differentiable: −g/x²). */
export function reciprocal(x: Tensor): Tensor {
  const o = alloc(x.dtype, x.size);
  for (let i = 0; i < x.size; i++) o[i] = 1 / x.data[i];
  return fromOp('reciprocal', o, x.shape, [x], (g) => {
    const r = alloc(x.dtype, x.size);
    for (let i = 0; i < x.size; i++) r[i] = -g.data[i] * o[i] * o[i];
    return [new Tensor(r, x.shape)];
  });
}

/** Columns [a, b) of a [d, n] tensor (differentiable; X itself for the full range). */
export function columnBlock(X: Tensor, a: number, b: number): Tensor {
  return a === 0 && b === X.shape[1] ? X : slice(X, 1, a, b);
}

/** Rows [a, b) of a [n, d] tensor (differentiable; X itself for the full range). */
export function rowBlock(X: Tensor, a: number, b: number): Tensor {
  return a === 0 && b === X.shape[0] ? X : slice(X, 0, a, b);
}

/** Entries [a, b) of a vector (differentiable; x itself for the full range). */
export function vecBlock(x: Tensor, a: number, b: number): Tensor {
  return a === 0 && b === x.size ? x : slice(x, 0, a, b);
}
