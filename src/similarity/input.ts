/**
 * The border between callers and the measures (issue 10, item 3): the public functions accept a
 * samples × features matrix as nested arrays (`number[][]`, rows = samples), as a typed
 * `{ rows, cols, data }` matrix (any numeric array or typed array, row-major), as a shaped array
 * `{ shape: [n, p], data }` (a Tensor, or what `io.readNpy` returns), or as the internal `Mat`.
 * `toMat` converts once, to float64, and raises the typed errors the CLI raises: ShapeError for
 * ragged rows, empty input or a 1-D array (with a hint to reshape), DTypeError for non-numeric
 * data. NaN/±Inf and too few samples are then caught by the measures' own checks
 * (NonFiniteInputError, TooFewSamplesError), exactly as for a Mat.
 */
import { DTypeError, ShapeError, fmtShape } from '../errors.ts';
import { mat, type Mat } from '../tensor/linalg.ts';

/** A row-major numeric array: a plain array of numbers or any non-bigint typed array. */
export type NumericArray = readonly number[] | Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array | Uint8ClampedArray;

/** A samples × features matrix as the public functions accept it. */
export type MatrixInput =
  | Mat
  | readonly (readonly number[] | NumericArray)[]
  | { readonly rows: number; readonly cols: number; readonly data: NumericArray }
  | { readonly shape: readonly number[]; readonly data: NumericArray };

const isTyped = (v: unknown): v is ArrayLike<number> & ArrayBufferView => ArrayBuffer.isView(v) && !(v instanceof DataView);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (isTyped(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 12 ? `${v.slice(0, 12)}…` : v)})`;
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** Row-major data as float64 (copied unless already a Float64Array); DTypeError for non-numbers. */
function toFloat64(op: string, name: string, data: unknown, where: (k: number) => string): Float64Array {
  if (data instanceof Float64Array) return data;
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new DTypeError(`${op}: ${name} holds 64-bit integers (${data.constructor.name}); convert them to numbers (e.g. Float64Array.from(data, Number))`);
  }
  if (isTyped(data)) return Float64Array.from(data);
  if (!Array.isArray(data)) throw new DTypeError(`${op}: ${name}.data is ${describe(data)}; expected an array or typed array of numbers`);
  const out = new Float64Array(data.length);
  for (let k = 0; k < data.length; k++) {
    const v: unknown = data[k];
    if (typeof v !== 'number') throw new DTypeError(`${op}: ${name}${where(k)} is ${describe(v)}; expected a number`);
    out[k] = v;
  }
  return out;
}

function checkDims(op: string, name: string, rows: unknown, cols: unknown): asserts rows is number {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || (rows as number) < 0 || (cols as number) < 0) {
    throw new ShapeError(`${op}: ${name} has rows = ${String(rows)} and cols = ${String(cols)}; both must be non-negative integers`);
  }
  if (rows === 0 || cols === 0) throw new ShapeError(`${op}: ${name} is empty (${String(rows)}×${String(cols)}); expected (samples × features) with at least one of each`);
}

function fromShape(op: string, name: string, shape: readonly number[], data: unknown): Mat {
  if (shape.length !== 2) {
    const hint =
      shape.length === 1
        ? `reshape it to [${shape[0]}, 1] (one feature per sample) or [1, ${shape[0]}] (one sample)`
        : shape.length > 2
          ? `reshape it to [${shape.slice(0, -1).join('·')}, ${shape[shape.length - 1]}] (e.g. sequences·positions × units)`
          : 'a scalar is not a matrix';
    throw new ShapeError(`${op}: ${name} is ${shape.length}-D ${fmtShape(shape)}; expected a 2-D (samples × features) matrix: ${hint}`);
  }
  const [rows, cols] = shape;
  checkDims(op, name, rows, cols);
  const d = toFloat64(op, name, data, (k) => `.data[${k}]`);
  if (d.length !== rows * cols) throw new ShapeError(`${op}: ${name} has ${d.length} values for shape ${fmtShape(shape)} (${rows * cols} expected)`);
  return mat(rows, cols, d);
}

function fromRows(op: string, name: string, rows: readonly unknown[]): Mat {
  if (rows.length === 0) throw new ShapeError(`${op}: ${name} has no rows; expected (samples × features)`);
  if (rows.every((v) => typeof v === 'number')) {
    throw new ShapeError(
      `${op}: ${name} is a 1-D array of ${rows.length} numbers; expected (samples × features) rows: ` +
        `wrap each value (${name}.map((v) => [v]), one feature per sample) or the whole array ([${name}], one sample)`,
    );
  }
  const first = rows[0];
  if (!Array.isArray(first) && !isTyped(first)) throw new DTypeError(`${op}: row 0 of ${name} is ${describe(first)}; expected an array of numbers (rows = samples)`);
  const p = first.length;
  if (p === 0) throw new ShapeError(`${op}: ${name} has rows with no features (row 0 is empty)`);
  const out = new Float64Array(rows.length * p);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row) && !isTyped(row)) throw new DTypeError(`${op}: row ${i} of ${name} is ${describe(row)}; expected an array of numbers`);
    if (row.length !== p) throw new ShapeError(`${op}: ${name} has ragged rows: row ${i} has ${row.length} values, row 0 has ${p}`);
    if (isTyped(row) && !(row instanceof BigInt64Array || row instanceof BigUint64Array)) out.set(row, i * p);
    else {
      for (let j = 0; j < p; j++) {
        const v: unknown = (row as ArrayLike<unknown>)[j];
        if (typeof v !== 'number') throw new DTypeError(`${op}: ${name}[${i}][${j}] is ${describe(v)}; expected a number`);
        out[i * p + j] = v;
      }
    }
  }
  return mat(rows.length, p, out);
}

/**
 * Convert any MatrixInput to a float64 Mat (a Mat with Float64Array data passes through
 * uncopied), or throw ShapeError / DTypeError naming `name` and the problem.
 */
export function toMat(op: string, name: string, input: MatrixInput | unknown): Mat {
  if (Array.isArray(input)) return fromRows(op, name, input);
  if (isTyped(input)) {
    throw new ShapeError(`${op}: ${name} is a flat ${input.constructor.name} of ${input.length} values; pass { rows, cols, data } so that the (samples × features) shape is known`);
  }
  if (input !== null && typeof input === 'object') {
    const o = input as { rows?: unknown; cols?: unknown; data?: unknown; shape?: unknown };
    if (o.rows !== undefined || o.cols !== undefined) {
      checkDims(op, name, o.rows, o.cols);
      const cols = o.cols as number;
      const d = toFloat64(op, name, o.data, (k) => `.data[${k}] (row ${Math.floor(k / cols)}, column ${k % cols})`);
      if (d.length !== o.rows * cols) throw new ShapeError(`${op}: ${name} has ${d.length} values for ${o.rows}×${cols} (${o.rows * cols} expected)`);
      return d === o.data ? (o as Mat) : mat(o.rows, cols, d); // a float64 matrix passes through as itself
    }
    if (Array.isArray(o.shape)) return fromShape(op, name, o.shape as number[], o.data);
  }
  throw new DTypeError(`${op}: ${name} is ${describe(input)}; expected a (samples × features) matrix: number[][] (rows = samples), { rows, cols, data } or { shape: [n, p], data }`);
}
