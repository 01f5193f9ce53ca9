/** Argument checks shared by the native and wasm backends (no Node built-ins: the browser bundle carries it). */
import { DTypeError, ShapeError } from '../../errors.ts';

/** True for a non-negative integer dimension. */
export function isDim(x: number): boolean {
  return Number.isInteger(x) && x >= 0;
}

/** Throw a ShapeError naming the first dimension that is not a non-negative integer. */
export function checkDims(op: string, dims: Record<string, number>): void {
  for (const [k, v] of Object.entries(dims)) {
    if (!isDim(v)) throw new ShapeError(`${op}: ${k} must be a non-negative integer, got ${v}`);
  }
}

/** Throw unless `a` is a Float64Array of exactly rows × cols values. */
export function checkLength(op: string, what: string, a: Float64Array, rows: number, cols: number): void {
  if (!(a instanceof Float64Array)) throw new DTypeError(`${op}: ${what} must be a Float64Array`);
  if (a.length !== rows * cols) throw new ShapeError(`${op}: ${what} has ${a.length} values, expected ${rows}×${cols} = ${rows * cols}`);
}
