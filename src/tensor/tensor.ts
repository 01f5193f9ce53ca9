/**
 * The tensor type and reverse-mode automatic differentiation.
 *
 * A Tensor is a dense, contiguous, row-major array of float32 or float64 with a shape. Operations
 * that should be differentiable create their output with `fromOp`, which records the inputs and a
 * backward closure; `backward()` walks the recorded graph in reverse topological order and
 * accumulates `grad` on every tensor that requires it. Graph recording is skipped inside `noGrad`.
 */
import { DTypeError, NonFiniteError, ShapeError, fmtShape } from '../errors.ts';
import type { Rng } from '../util/rng.ts';

/** Element type of a tensor. */
export type DType = 'float32' | 'float64';
/** Backing storage of a tensor. */
export type Storage = Float32Array | Float64Array;

/** Backward closure of an operation: given ∂L/∂out, return ∂L/∂input for each input (null = none). */
export type BackwardFn = (gradOut: Tensor) => (Tensor | null)[];

/** A recorded operation in the autograd graph. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: BackwardFn;
}

let gradEnabled = true;

/** Run `fn` without recording the autograd graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Whether operations currently record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** True when MAS_CHECK_FINITE=1: kernels then report NaN/Inf with the operation's name. */
export const checkFinite: boolean = typeof process !== 'undefined' && process.env.MAS_CHECK_FINITE === '1';

/** Allocate storage of a dtype. */
export function alloc(dtype: DType, n: number): Storage {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/** The dtype of a storage array. */
export function dtypeOf(a: Storage): DType {
  return a instanceof Float32Array ? 'float32' : 'float64';
}

/** Number of elements of a shape. */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** A dense row-major float tensor that can take part in automatic differentiation. */
export class Tensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  data: Storage;
  /** Whether gradients are accumulated into `grad` by backward(). */
  requiresGrad: boolean;
  /** Accumulated gradient (same shape and dtype), or null. */
  grad: Tensor | null = null;
  /** The operation that produced this tensor, when recorded. */
  node: GradNode | null = null;
  /** Optional name, used in error messages and parameter lists. */
  name?: string;

  /** Wrap existing storage (not copied). The length must match the shape. */
  constructor(data: Storage, shape: readonly number[], requiresGrad = false) {
    const n = numelOf(shape);
    if (data.length !== n) {
      throw new ShapeError(`Tensor: data has ${data.length} elements but shape ${fmtShape(shape)} needs ${n}`);
    }
    for (const s of shape) {
      if (!Number.isInteger(s) || s < 0) throw new ShapeError(`Tensor: invalid shape ${fmtShape(shape)}`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtypeOf(data);
    this.requiresGrad = requiresGrad;
  }

  /** Number of elements. */
  get size(): number {
    return this.data.length;
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** A tensor of zeros. */
  static zeros(shape: readonly number[], dtype: DType = 'float32', requiresGrad = false): Tensor {
    return new Tensor(alloc(dtype, numelOf(shape)), shape, requiresGrad);
  }

  /** A tensor filled with one value. */
  static full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    t.data.fill(value);
    return t;
  }

  /** A tensor from a (nested) JS array or flat array with an explicit shape. */
  static from(values: ArrayLike<number> | number[][] | number[][][], shape?: readonly number[], dtype: DType = 'float32'): Tensor {
    const flat: number[] = [];
    const inferred: number[] = [];
    const walk = (v: unknown, depth: number): void => {
      if (Array.isArray(v)) {
        if (inferred.length <= depth) inferred.push(v.length);
        else if (inferred[depth] !== v.length) throw new ShapeError('Tensor.from: ragged nested array');
        for (const x of v) walk(x, depth + 1);
      } else flat.push(Number(v));
    };
    if (Array.isArray(values)) walk(values, 0);
    else for (let i = 0; i < values.length; i++) flat.push(values[i]);
    const shp = shape ?? (Array.isArray(values) ? inferred : [flat.length]);
    const data = alloc(dtype, flat.length);
    data.set(flat);
    return new Tensor(data, shp);
  }

  /** A scalar (shape []) tensor. */
  static scalar(v: number, dtype: DType = 'float32'): Tensor {
    const d = alloc(dtype, 1);
    d[0] = v;
    return new Tensor(d, []);
  }

  /** Standard-normal entries times `std`, drawn from `rng`. */
  static randn(shape: readonly number[], rng: Rng, std = 1, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    for (let i = 0; i < t.data.length; i++) t.data[i] = rng.normal() * std;
    return t;
  }

  /** Uniform entries in [lo, hi), drawn from `rng`. */
  static uniform(shape: readonly number[], rng: Rng, lo: number, hi: number, dtype: DType = 'float32'): Tensor {
    const t = Tensor.zeros(shape, dtype);
    for (let i = 0; i < t.data.length; i++) t.data[i] = rng.uniformRange(lo, hi);
    return t;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new ShapeError(`item(): tensor of shape ${fmtShape(this.shape)} has ${this.data.length} elements`);
    return this.data[0];
  }

  /** A copy that shares nothing and records no graph. */
  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** The same storage, cut from the graph (no gradient flows through it). */
  detach(): Tensor {
    return new Tensor(this.data, this.shape);
  }

  /** A copy converted to another dtype (no gradient). */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this.clone();
    const d = alloc(dtype, this.size);
    d.set(this.data);
    return new Tensor(d, this.shape);
  }

  /** Nested JS array of the values (for tests and JSON). */
  toArray(): unknown {
    const rec = (off: number, dim: number): unknown => {
      if (dim === this.shape.length) return this.data[off];
      const stride = numelOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => rec(off + i * stride, dim + 1));
    };
    return rec(0, 0);
  }

  /** Mark this tensor as a leaf parameter that needs gradients; returns this. */
  param(name?: string): this {
    this.requiresGrad = true;
    if (name !== undefined) this.name = name;
    return this;
  }

  /** Clear the accumulated gradient. */
  zeroGrad(): void {
    this.grad = null;
  }

  /**
   * Reverse-mode differentiation from this tensor. A scalar seeds with 1; otherwise pass `gradOut`.
   * Gradients accumulate (add) into `grad` of every tensor with requiresGrad.
   */
  backward(gradOut?: Tensor): void {
    backward(this, gradOut);
  }

  toString(): string {
    return `Tensor(${this.dtype}, ${fmtShape(this.shape)})`;
  }
}

/** Throw unless two tensors have the same dtype. */
export function assertSameDType(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new DTypeError(`${op}: dtype mismatch ${a.dtype} ${fmtShape(a.shape)} vs ${b.dtype} ${fmtShape(b.shape)}`);
}

/** Throw unless two tensors have exactly the same shape. */
export function assertSameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new ShapeError(`${op}: shape mismatch ${fmtShape(a.shape)} vs ${fmtShape(b.shape)}`);
  }
}

/** When MAS_CHECK_FINITE=1, throw NonFiniteError if `data` holds NaN or Inf. */
export function maybeCheckFinite(op: string, data: Storage): void {
  if (!checkFinite) return;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new NonFiniteError(`${op}: produced ${data[i]} at flat index ${i}`);
  }
}

/**
 * Create the output of a differentiable operation. The graph is recorded only when grad mode is on
 * and at least one input requires a gradient; otherwise the output is a plain tensor.
 */
export function fromOp(op: string, data: Storage, shape: readonly number[], inputs: readonly Tensor[], backwardFn: BackwardFn): Tensor {
  maybeCheckFinite(op, data);
  const out = new Tensor(data, shape);
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs, backward: backwardFn };
  }
  return out;
}

/** Add `g` into `t.grad` (allocating it on first use). */
function accumulate(t: Tensor, g: Tensor): void {
  if (g.size !== t.size) {
    throw new ShapeError(`backward: gradient of shape ${fmtShape(g.shape)} for tensor of shape ${fmtShape(t.shape)}`);
  }
  if (t.grad === null) {
    const d = alloc(t.dtype, t.size);
    d.set(g.data);
    t.grad = new Tensor(d, t.shape);
  } else {
    const a = t.grad.data;
    const b = g.data;
    for (let i = 0; i < a.length; i++) a[i] += b[i];
  }
}

/** Reverse-mode differentiation from `root` (see Tensor.backward). */
export function backward(root: Tensor, gradOut?: Tensor): void {
  if (!root.requiresGrad) throw new ShapeError('backward: tensor does not require grad (no parameter reaches it)');
  let seed = gradOut;
  if (seed === undefined) {
    if (root.size !== 1) throw new ShapeError(`backward: non-scalar output ${fmtShape(root.shape)} needs an explicit gradient`);
    seed = Tensor.full(root.shape, 1, root.dtype);
  }
  // Topological order by iterative DFS.
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    if (i === 0) {
      if (visited.has(t)) {
        stack.pop();
        continue;
      }
      visited.add(t);
    }
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const c = inputs[i];
      if (c.requiresGrad && !visited.has(c)) stack.push([c, 0]);
    } else {
      stack.pop();
      order.push(t);
    }
  }
  const grads = new Map<Tensor, Tensor>();
  const owned = new Set<Tensor>();
  grads.set(root, seed);
  for (let idx = order.length - 1; idx >= 0; idx--) {
    const t = order[idx];
    const g = grads.get(t);
    if (g === undefined) continue;
    if (t.node === null) {
      accumulate(t, g);
      continue;
    }
    grads.delete(t);
    const ins = t.node.backward(g);
    t.node.inputs.forEach((inp, j) => {
      const gi = ins[j];
      if (!gi || !inp.requiresGrad) return;
      const prev = grads.get(inp);
      if (prev === undefined) grads.set(inp, gi);
      else if (owned.has(prev)) {
        const a = prev.data;
        const b = gi.data;
        for (let q = 0; q < a.length; q++) a[q] += b[q];
      } else {
        // Never add in place into a gradient we did not allocate: backward closures may alias.
        const sum = prev.clone();
        const a = sum.data;
        const b = gi.data;
        for (let q = 0; q < a.length; q++) a[q] += b[q];
        owned.add(sum);
        grads.set(inp, sum);
      }
    });
  }
}
