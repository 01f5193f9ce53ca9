/**
 * The swap (mas.md §3–§4): the fused low-rank kernel of §4.2 with its hand-derived gradients, the
 * layout of variable blocks (FixedMask, one block per variable, then the null block), and the swap of
 * rows of hooked vectors written through each model's realized affine map (§4.1):
 *   FixedMask: h' = h_t + (h_s F_s,v + f0_s,v − h_t F_t,v − f0_t,v) G_t,v
 *   ZeroMask:  h' = (h_s F_s,v + f0_s,v) G_t,v + a G_t,rest + g0_t        (a = learned fill or 0)
 * For orthogonal maps without z-scoring (F = U, G = Uᵀ, no offsets) FixedMask is the kernel
 * H' = H_t + (H_s U_s − H_t U_t) U_tᵀ.
 */
import { InputError, ShapeError, fmtShape } from '../errors.ts';
import { getBackend } from '../tensor/backend/index.ts';
import { add, columnBlock, matmul, rowBlock, sub, vecBlock, view } from '../tensor/ops/index.ts';
import { Tensor, alloc, assertSameDType, fromOp } from '../tensor/tensor.ts';
import type { RealizedMap } from './maps.ts';

/** FixedMask (swap a block, keep the rest of the target) or ZeroMask (stitching: the rest is zeroed/filled). */
export type MaskKind = 'fixed' | 'zero';

/** A half-open block [start, end) of aligned coordinates. */
export interface Block {
  start: number;
  end: number;
}

/** Consecutive blocks for variables of sizes ks, then the null block [Σk, d) (mas.md §3.2). */
export function blockLayout(ks: readonly number[], d: number): { blocks: Block[]; nullBlock: Block } {
  let a = 0;
  const blocks = ks.map((k) => {
    if (!Number.isInteger(k) || k < 0) throw new InputError(`blockLayout: block size ${k} must be a non-negative integer`);
    const b = { start: a, end: a + k };
    a += k;
    return b;
  });
  if (a > d) throw new InputError(`blockLayout: blocks [${ks.join(', ')}] need ${a} aligned coordinates, but the width is ${d}`);
  return { blocks, nullBlock: { start: a, end: d } };
}

function f64(a: ArrayLike<number>): Float64Array {
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

function store(dtype: Tensor['dtype'], a: Float64Array): Float32Array | Float64Array {
  const o = alloc(dtype, a.length);
  o.set(a);
  return o;
}

/**
 * The fused swap kernel (mas.md §4.2): C = H_s U_s − H_t U_t (B×k), H' = H_t + C U_tᵀ (B×d_t),
 * about 2Bk(d_s + 2d_t) flops. Gradients with G = ∂L/∂H' and P = G U_t: ∂U_t = GᵀC − H_tᵀP,
 * ∂U_s = H_sᵀP, ∂H_t = G − P U_tᵀ, ∂H_s = P U_sᵀ. When U_s and U_t are the same tensor the
 * contributions add (autograd sums over repeated inputs).
 */
export function lowRankSwap(Ht: Tensor, Hs: Tensor, Ut: Tensor, Us: Tensor): Tensor {
  const op = 'lowRankSwap';
  for (const x of [Hs, Ut, Us]) assertSameDType(op, Ht, x);
  if (Ht.ndim !== 2 || Hs.ndim !== 2 || Ut.ndim !== 2 || Us.ndim !== 2) {
    throw new ShapeError(`${op}: needs 2-D H_t, H_s, U_t, U_s, got ${fmtShape(Ht.shape)}, ${fmtShape(Hs.shape)}, ${fmtShape(Ut.shape)}, ${fmtShape(Us.shape)}`);
  }
  const [B, dt] = Ht.shape;
  const ds = Hs.shape[1];
  const k = Ut.shape[1];
  if (Hs.shape[0] !== B || Ut.shape[0] !== dt || Us.shape[0] !== ds || Us.shape[1] !== k) {
    throw new ShapeError(`${op}: H_t ${fmtShape(Ht.shape)}, H_s ${fmtShape(Hs.shape)} need U_t [${dt}, k], U_s [${ds}, k]; got ${fmtShape(Ut.shape)}, ${fmtShape(Us.shape)}`);
  }
  const be = getBackend();
  const ht = f64(Ht.data);
  const hs = f64(Hs.data);
  const ut = f64(Ut.data);
  const us = f64(Us.data);
  const C = new Float64Array(B * k);
  if (k > 0) {
    be.gemm(false, false, B, k, ds, 1, hs, us, 0, C);
    be.gemm(false, false, B, k, dt, -1, ht, ut, 1, C);
  }
  const out = ht.slice();
  if (k > 0) be.gemm(false, true, B, dt, k, 1, C, ut, 1, out);
  return fromOp(op, store(Ht.dtype, out), [B, dt], [Ht, Hs, Ut, Us], (g) => {
    const G = f64(g.data);
    const P = new Float64Array(B * k);
    if (k > 0) be.gemm(false, false, B, k, dt, 1, G, ut, 0, P);
    const gHt = G.slice();
    if (k > 0) be.gemm(false, true, B, dt, k, -1, P, ut, 1, gHt);
    const gHs = new Float64Array(B * ds);
    const gUt = new Float64Array(dt * k);
    const gUs = new Float64Array(ds * k);
    if (k > 0) {
      be.gemm(false, true, B, ds, k, 1, P, us, 0, gHs);
      be.gemm(true, false, dt, k, B, 1, G, C, 0, gUt);
      be.gemm(true, false, dt, k, B, -1, ht, P, 1, gUt);
      be.gemm(true, false, ds, k, B, 1, hs, P, 0, gUs);
    }
    const dt_ = Ht.dtype;
    return [
      new Tensor(store(dt_, gHt), Ht.shape),
      new Tensor(store(dt_, gHs), Hs.shape),
      new Tensor(store(dt_, gUt), Ut.shape),
      new Tensor(store(dt_, gUs), Us.shape),
    ];
  });
}

/** Whether a realized map is plain orthonormal (G = Fᵀ, no offsets), so the fused kernel applies. */
export function isPlainOrthonormal(r: RealizedMap): boolean {
  return r.f0 === null && r.g0 === null && r.Q !== null;
}

/** The pieces of one model's map restricted to a block: F_v [d, k], f0_v [k] | null, G_v [k, d]. */
export interface MapBlock {
  F: Tensor;
  f0: Tensor | null;
  G: Tensor;
}

/** Restrict a realized map to a block of aligned coordinates. */
export function mapBlock(r: RealizedMap, b: Block): MapBlock {
  const K = r.F.shape[1];
  if (b.end > K) throw new InputError(`swap: block [${b.start}, ${b.end}) exceeds the ${K} realized columns of the map`);
  return {
    F: columnBlock(r.F, b.start, b.end),
    f0: r.f0 ? vecBlock(r.f0, b.start, b.end) : null,
    G: rowBlock(r.G, b.start, b.end),
  };
}

/** Options of swapRows. */
export interface SwapOptions {
  mask?: MaskKind;
  /** ZeroMask learned fill a [d_t − (end − start)] for the coordinates outside the block (block must start at 0). */
  fill?: Tensor | null;
}

/**
 * h' for rows of target states H_t [B, d_t] and source states H_s [B, d_s], swapping block `b` of
 * the aligned coordinates (FixedMask) or stitching it (ZeroMask), through the realized maps of the
 * target `rt` and the source `rs`. Differentiable in every map tensor and in H_t.
 */
export function swapRows(Ht: Tensor, Hs: Tensor, rt: RealizedMap, rs: RealizedMap, b: Block, opts: SwapOptions = {}): Tensor {
  const mask = opts.mask ?? 'fixed';
  if (b.end === b.start && mask === 'fixed') return Ht;
  if (mask === 'fixed' && isPlainOrthonormal(rt) && isPlainOrthonormal(rs)) {
    return lowRankSwap(Ht, Hs, columnBlock(rt.F, b.start, b.end), columnBlock(rs.F, b.start, b.end));
  }
  const t = mapBlock(rt, b);
  const s = mapBlock(rs, b);
  let zs = matmul(Hs, s.F);
  if (s.f0) zs = add(zs, s.f0);
  if (mask === 'fixed') {
    let diff = sub(zs, matmul(Ht, t.F));
    if (t.f0) diff = sub(diff, t.f0);
    return add(Ht, matmul(diff, t.G));
  }
  let out = matmul(zs, t.G);
  if (opts.fill) out = add(out, fillTerm(rt, b, opts.fill));
  if (rt.g0) out = add(out, rt.g0);
  return out;
}

/** a·G_t,rest for a learned fill a over the coordinates [end, d) (ZeroMask with learnedFill, block at 0). */
export function fillTerm(rt: RealizedMap, b: Block, fill: Tensor): Tensor {
  const K = rt.G.shape[0];
  if (b.start !== 0) throw new InputError('swap: learnedFill needs a single block starting at aligned coordinate 0');
  if (fill.size !== K - b.end) throw new ShapeError(`swap: learned fill has ${fill.size} values, expected d_t − k = ${K - b.end}`);
  if (fill.size === 0) return Tensor.zeros([rt.d], fill.dtype);
  const row = view(fill, [1, fill.size], 'asRow');
  const r = matmul(row, rowBlock(rt.G, b.end, K));
  return view(r, [rt.d], 'asVec');
}

/**
 * Reference implementation of the masked swap straight from §3.1/§3.3 (z = f(h), mix, f_t⁻¹),
 * with full d×d matrices, for tests: needs maps realized with every column.
 */
export function maskedSwapReference(Ht: Tensor, Hs: Tensor, rt: RealizedMap, rs: RealizedMap, b: Block, mask: MaskKind, fill?: Tensor | null): Tensor {
  const dt = rt.d;
  if (rt.F.shape[1] !== dt || rs.F.shape[1] !== rs.d) throw new InputError('maskedSwapReference: needs fully realized maps');
  if (dt !== rs.d) throw new InputError('maskedSwapReference: needs equal widths');
  let zt = matmul(Ht, rt.F);
  if (rt.f0) zt = add(zt, rt.f0);
  let zs = matmul(Hs, rs.F);
  if (rs.f0) zs = add(zs, rs.f0);
  const m = Tensor.zeros([dt], Ht.dtype);
  for (let j = b.start; j < b.end; j++) m.data[j] = 1;
  const om = Tensor.full([dt], 1, Ht.dtype);
  for (let j = b.start; j < b.end; j++) om.data[j] = 0;
  let rest: Tensor;
  if (mask === 'fixed') rest = mulRows(zt, om);
  else if (fill) {
    const f = Tensor.zeros([dt], Ht.dtype);
    f.data.set(fill.data, b.end);
    rest = mulRows(Tensor.zeros(zt.shape, Ht.dtype), om);
    rest = add(rest, f);
  } else rest = Tensor.zeros(zt.shape, Ht.dtype);
  const z = add(rest, mulRows(zs, m));
  let h = matmul(z, rt.G);
  if (rt.g0) h = add(h, rt.g0);
  return h;
}

function mulRows(x: Tensor, v: Tensor): Tensor {
  const [n, d] = x.shape;
  const o = alloc(x.dtype, n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) o[i * d + j] = x.data[i * d + j] * v.data[j];
  return new Tensor(o, x.shape);
}
