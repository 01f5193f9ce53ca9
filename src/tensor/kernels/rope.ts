/**
 * Rotary position embedding (RoPE), half-split pairing (models.md §5.2).
 *
 * Within each head of width dh, dimension j < r/2 pairs with j + r/2 (r = ropeDim, default dh) and
 * the pair is rotated by the angle t·θ_j, θ_j = base^(−2j/r), where t is the position in the
 * sequence (plus `positionOffset`). Dimensions r … dh−1 pass through. Rows are laid out
 * [batch·steps, heads·dh], position-major within a sequence.
 *
 * The low-level helpers (`ropeTables`, `rotateRow`) are shared with the fused attention kernel.
 */
import { InputError, ShapeError, fmtShape } from '../../errors.ts';
import { alloc, fromOp, Tensor } from '../tensor.ts';
import type { Storage } from '../tensor.ts';

/** Options of the rotary embedding. */
export interface RopeOptions {
  batch: number;
  steps: number;
  heads: number;
  /** Rotated width r per head (even, ≤ dh); default dh. */
  ropeDim?: number;
  /** Frequency base; default 10000. */
  ropeBase?: number;
  /** Position of the first row of every sequence; default 0. */
  positionOffset?: number;
}

/** Validated RoPE geometry of one call. */
export interface RopeGeometry {
  batch: number;
  steps: number;
  heads: number;
  /** head width */
  dh: number;
  /** rotated width per head (even) */
  r: number;
  base: number;
  offset: number;
}

/** cos/sin of t·θ_j for `steps` consecutive positions, each [steps, r/2] row-major, in float64. */
export interface RopeTables {
  cos: Float64Array;
  sin: Float64Array;
  half: number;
}

/** cos and sin tables for positions offset … offset+steps−1 (θ_j = base^(−2j/r), computed in float64). */
export function ropeTables(r: number, base: number, offset: number, steps: number): RopeTables {
  const half = r / 2;
  const cos = new Float64Array(steps * half);
  const sin = new Float64Array(steps * half);
  for (let j = 0; j < half; j++) {
    const theta = Math.pow(base, (-2 * j) / r);
    for (let t = 0; t < steps; t++) {
      const a = (offset + t) * theta;
      cos[t * half + j] = Math.cos(a);
      sin[t * half + j] = Math.sin(a);
    }
  }
  return { cos, sin, half };
}

/**
 * Rotate one head row: dst[dOff+i] = R(t)·src[sOff+i] for i < dh, using table row `t`.
 * `sign` = +1 applies the rotation, −1 its inverse (= transpose, used by backward passes).
 */
export function rotateRow(
  src: ArrayLike<number>,
  sOff: number,
  dst: Storage,
  dOff: number,
  dh: number,
  tables: RopeTables,
  t: number,
  sign: 1 | -1,
): void {
  const { cos, sin, half } = tables;
  const tb = t * half;
  for (let j = 0; j < half; j++) {
    const c = cos[tb + j];
    const s = sign * sin[tb + j];
    const a = src[sOff + j];
    const b = src[sOff + j + half];
    dst[dOff + j] = a * c - b * s;
    dst[dOff + j + half] = b * c + a * s;
  }
  for (let i = 2 * half; i < dh; i++) dst[dOff + i] = src[sOff + i];
}

/** Check the layout options against a [batch·steps, heads·dh] shape and resolve the defaults. */
export function resolveRope(op: string, shape: readonly number[], o: RopeOptions): RopeGeometry {
  const { batch, steps, heads } = o;
  for (const [name, v] of [['batch', batch], ['steps', steps], ['heads', heads]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`${op}: ${name} must be a positive integer, got ${v}`);
  }
  if (shape.length !== 2 || shape[0] !== batch * steps || shape[1] % heads !== 0) {
    throw new ShapeError(
      `${op}: expected [batch·steps, heads·dh] = [${batch}·${steps}, ${heads}·dh], got ${fmtShape(shape)}`,
    );
  }
  const dh = shape[1] / heads;
  const r = o.ropeDim ?? dh;
  if (!Number.isInteger(r) || r < 0 || r > dh || r % 2 !== 0) {
    throw new ShapeError(
      `${op}: ropeDim must be an even integer in [0, dh]; got ropeDim=${r} with head width dh=${dh} (input ${fmtShape(shape)}, heads=${heads})`,
    );
  }
  const base = o.ropeBase ?? 10000;
  if (!Number.isFinite(base) || base <= 0) throw new InputError(`${op}: ropeBase must be a positive number, got ${base}`);
  const offset = o.positionOffset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new InputError(`${op}: positionOffset must be a non-negative integer, got ${offset}`);
  }
  return { batch, steps, heads, dh, r, base, offset };
}

/** Rotate every head row of x ([batch·steps, heads·dh]) by its position; sign −1 = inverse. */
function rotateAll(x: Storage, g: RopeGeometry, tables: RopeTables, sign: 1 | -1): Storage {
  const { batch, steps, heads, dh } = g;
  const width = heads * dh;
  const out = alloc(x instanceof Float32Array ? 'float32' : 'float64', x.length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < steps; t++) {
      const row = (b * steps + t) * width;
      for (let h = 0; h < heads; h++) rotateRow(x, row + h * dh, out, row + h * dh, dh, tables, t, sign);
    }
  }
  return out;
}

/** RoPE of x ([batch·steps, heads·dh]), applied within each head; differentiable. */
export function applyRope(x: Tensor, opts: RopeOptions): Tensor {
  const g = resolveRope('applyRope', x.shape, opts);
  const tables = ropeTables(g.r, g.base, g.offset, g.steps);
  const y = rotateAll(x.data, g, tables, 1);
  return fromOp('applyRope', y, x.shape, [x], (gy) => [new Tensor(rotateAll(gy.data, g, tables, -1), x.shape)]);
}
