/**
 * Elementwise operations: broadcasting add/sub/mul/div (numpy rules; the backward pass sums over
 * broadcast dims), and unary neg, scale, addScalar, exp, log, sqrt, square, pow, abs.
 */
import { InputError, NonFiniteError, fmtShape } from '../../errors.ts';
import { Tensor, alloc, fromOp } from '../tensor.ts';
import type { Storage } from '../tensor.ts';
import { broadcastMap, broadcastShape, checkDTypes, plain, reduceByMap } from './util.ts';

const enum Bin {
  Add,
  Sub,
  Mul,
  Div,
}

const BIN_NAMES = ['add', 'sub', 'mul', 'div'];

function binaryKernel(kind: Bin, a: Storage, b: Storage, ma: Int32Array | null, mb: Int32Array | null, out: Storage): void {
  const n = out.length;
  if (ma === null && mb === null) {
    switch (kind) {
      case Bin.Add: for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; break;
      case Bin.Sub: for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; break;
      case Bin.Mul: for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; break;
      case Bin.Div: for (let i = 0; i < n; i++) out[i] = a[i] / b[i]; break;
    }
    return;
  }
  if (ma === null && mb !== null) {
    switch (kind) {
      case Bin.Add: for (let i = 0; i < n; i++) out[i] = a[i] + b[mb[i]]; break;
      case Bin.Sub: for (let i = 0; i < n; i++) out[i] = a[i] - b[mb[i]]; break;
      case Bin.Mul: for (let i = 0; i < n; i++) out[i] = a[i] * b[mb[i]]; break;
      case Bin.Div: for (let i = 0; i < n; i++) out[i] = a[i] / b[mb[i]]; break;
    }
    return;
  }
  const ia = ma as Int32Array;
  if (mb === null) {
    switch (kind) {
      case Bin.Add: for (let i = 0; i < n; i++) out[i] = a[ia[i]] + b[i]; break;
      case Bin.Sub: for (let i = 0; i < n; i++) out[i] = a[ia[i]] - b[i]; break;
      case Bin.Mul: for (let i = 0; i < n; i++) out[i] = a[ia[i]] * b[i]; break;
      case Bin.Div: for (let i = 0; i < n; i++) out[i] = a[ia[i]] / b[i]; break;
    }
    return;
  }
  switch (kind) {
    case Bin.Add: for (let i = 0; i < n; i++) out[i] = a[ia[i]] + b[mb[i]]; break;
    case Bin.Sub: for (let i = 0; i < n; i++) out[i] = a[ia[i]] - b[mb[i]]; break;
    case Bin.Mul: for (let i = 0; i < n; i++) out[i] = a[ia[i]] * b[mb[i]]; break;
    case Bin.Div: for (let i = 0; i < n; i++) out[i] = a[ia[i]] / b[mb[i]]; break;
  }
}

/** Gather `src` through a broadcast map into the output layout (a copy when map is null). */
function expand(src: Storage, map: Int32Array | null, n: number, like: Storage): Storage {
  const out = like instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
  if (map === null) out.set(src);
  else for (let i = 0; i < n; i++) out[i] = src[map[i]];
  return out;
}

function binary(kind: Bin, a: Tensor, b: Tensor): Tensor {
  const op = BIN_NAMES[kind];
  const dt = checkDTypes(op, a, b);
  const shape = broadcastShape(op, a.shape, b.shape);
  const ma = broadcastMap(shape, a.shape);
  const mb = broadcastMap(shape, b.shape);
  const out = alloc(dt, ma === null ? a.size : mb === null ? b.size : ma.length);
  binaryKernel(kind, a.data, b.data, ma, mb, out);
  return fromOp(op, out, shape, [a, b], (g) => {
    const gd = g.data;
    const n = gd.length;
    let ga: Storage | null = null;
    let gb: Storage | null = null;
    switch (kind) {
      case Bin.Add:
        if (a.requiresGrad) ga = reduceByMap(gd, ma, a.size, dt);
        if (b.requiresGrad) gb = reduceByMap(gd, mb, b.size, dt);
        break;
      case Bin.Sub:
        if (a.requiresGrad) ga = reduceByMap(gd, ma, a.size, dt);
        if (b.requiresGrad) {
          gb = reduceByMap(gd, mb, b.size, dt);
          for (let i = 0; i < gb.length; i++) gb[i] = -gb[i];
        }
        break;
      case Bin.Mul: {
        if (a.requiresGrad) {
          const t = expand(b.data, mb, n, gd);
          for (let i = 0; i < n; i++) t[i] *= gd[i];
          ga = reduceByMap(t, ma, a.size, dt);
        }
        if (b.requiresGrad) {
          const t = expand(a.data, ma, n, gd);
          for (let i = 0; i < n; i++) t[i] *= gd[i];
          gb = reduceByMap(t, mb, b.size, dt);
        }
        break;
      }
      case Bin.Div: {
        const bx = expand(b.data, mb, n, gd);
        if (a.requiresGrad) {
          const t = alloc(dt, n);
          for (let i = 0; i < n; i++) t[i] = gd[i] / bx[i];
          ga = reduceByMap(t, ma, a.size, dt);
        }
        if (b.requiresGrad) {
          // ∂(a/b)/∂b = −out/b
          const t = alloc(dt, n);
          for (let i = 0; i < n; i++) t[i] = (-gd[i] * out[i]) / bx[i];
          gb = reduceByMap(t, mb, b.size, dt);
        }
        break;
      }
    }
    return [ga && plain(ga, a.shape), gb && plain(gb, b.shape)];
  });
}

/** a + b with numpy broadcasting. */
export function add(a: Tensor, b: Tensor): Tensor {
  return binary(Bin.Add, a, b);
}

/** a − b with numpy broadcasting. */
export function sub(a: Tensor, b: Tensor): Tensor {
  return binary(Bin.Sub, a, b);
}

/** a ⊙ b with numpy broadcasting. */
export function mul(a: Tensor, b: Tensor): Tensor {
  return binary(Bin.Mul, a, b);
}

/** a / b with numpy broadcasting. */
export function div(a: Tensor, b: Tensor): Tensor {
  return binary(Bin.Div, a, b);
}

/** −x. */
export function neg(x: Tensor): Tensor {
  return scale(x, -1, 'neg');
}

/** s·x for a scalar s. */
export function scale(x: Tensor, s: number, opName = 'scale'): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = xd[i] * s;
  return fromOp(opName, out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) r[i] = gd[i] * s;
    return [plain(r, x.shape)];
  });
}

/** x + s for a scalar s. */
export function addScalar(x: Tensor, s: number): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = xd[i] + s;
  return fromOp('addScalar', out, x.shape, [x], (g) => [g]);
}

/** e^x. */
export function exp(x: Tensor): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.exp(xd[i]);
  return fromOp('exp', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) r[i] = gd[i] * out[i];
    return [plain(r, x.shape)];
  });
}

function firstNegative(op: string, xd: Storage, shape: readonly number[]): never {
  let i = 0;
  while (i < xd.length && !(xd[i] < 0)) i++;
  throw new NonFiniteError(`${op}: negative input ${xd[i]} at flat index ${i} of a tensor of shape ${fmtShape(shape)}`);
}

/** Natural log; throws NonFiniteError on negative input (log 0 = −Inf is allowed). */
export function log(x: Tensor): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  let bad = false;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i];
    if (v < 0) bad = true;
    out[i] = Math.log(v);
  }
  if (bad) firstNegative('log', xd, x.shape);
  return fromOp('log', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) r[i] = gd[i] / xd[i];
    return [plain(r, x.shape)];
  });
}

/** √x; throws NonFiniteError on negative input. */
export function sqrt(x: Tensor): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  let bad = false;
  for (let i = 0; i < xd.length; i++) {
    const v = xd[i];
    if (v < 0) bad = true;
    out[i] = Math.sqrt(v);
  }
  if (bad) firstNegative('sqrt', xd, x.shape);
  return fromOp('sqrt', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) r[i] = (0.5 * gd[i]) / out[i];
    return [plain(r, x.shape)];
  });
}

/** x². */
export function square(x: Tensor): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = xd[i] * xd[i];
  return fromOp('square', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) r[i] = 2 * gd[i] * xd[i];
    return [plain(r, x.shape)];
  });
}

/** x^p for a scalar exponent p; throws NonFiniteError for a negative base with non-integer p. */
export function pow(x: Tensor, p: number): Tensor {
  if (!Number.isFinite(p)) throw new InputError(`pow: exponent must be finite, got ${p}`);
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  if (!Number.isInteger(p)) {
    for (let i = 0; i < xd.length; i++) if (xd[i] < 0) firstNegative(`pow (exponent ${p})`, xd, x.shape);
  }
  for (let i = 0; i < xd.length; i++) out[i] = Math.pow(xd[i], p);
  return fromOp('pow', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    if (p === 0) return [plain(r, x.shape)];
    for (let i = 0; i < gd.length; i++) r[i] = gd[i] * p * Math.pow(xd[i], p - 1);
    return [plain(r, x.shape)];
  });
}

/** |x| (subgradient 0 at 0). */
export function abs(x: Tensor): Tensor {
  const xd = x.data;
  const out = alloc(x.dtype, xd.length);
  for (let i = 0; i < xd.length; i++) out[i] = Math.abs(xd[i]);
  return fromOp('abs', out, x.shape, [x], (g) => {
    const gd = g.data;
    const r = alloc(x.dtype, gd.length);
    for (let i = 0; i < gd.length; i++) r[i] = xd[i] > 0 ? gd[i] : xd[i] < 0 ? -gd[i] : 0;
    return [plain(r, x.shape)];
  });
}
