/**
 * From realized maps and precomputed source rows to the model-level intervention `v ← v·A + c`
 * (mas.md §4.1, models.md §1.2) that SequenceModel.forward applies at the masked positions:
 *   FixedMask: A_t = I − F_t,v G_t,v (orthonormal: I − U_t U_tᵀ), c = (H_s F_s,v + f0_s,v − f0_t,v) G_t,v
 *   ZeroMask:  A_t = 0,                c = (H_s F_s,v + f0_s,v) G_t,v + a G_t,rest + g0_t
 * A and c are built from autograd ops, so the gradient the model returns for them reaches U_t and U_s.
 * This full-sequence form (dense A into the model's forward pass) serves stepwise runs and
 * transformer targets. Indywise RNN targets at layer.0 form h' = swapRows(h_t, h_s) directly from
 * the stored state at p_t (the low-rank kernel of §4.2 for orthonormal maps) and run only the suffix
 * (prefix.ts, tuple.ts).
 */
import { add, columnBlock, eye, matmul, sub } from '../tensor/ops/index.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Intervention } from '../models/model.ts';
import type { RealizedMap } from './maps.ts';
import { isPlainOrthonormal, mapBlock, swapRows, type Block, type SwapOptions } from './swap.ts';

/** The affine pieces of one intervention: h' = h·A + c per masked row (A null = identity). */
export interface AffineIntervention {
  A: Tensor | null;
  c: Tensor | null;
}

/**
 * A and c for source rows Hs [count, d_s] (one per masked target position, in (b, t) row-major
 * order), swapping block `b` from the source map `rs` into the target map `rt`. Returns null when
 * the intervention is the identity (FixedMask with an empty block, k = 0).
 */
export function affineIntervention(rt: RealizedMap, rs: RealizedMap, b: Block, Hs: Tensor, opts: SwapOptions = {}): AffineIntervention | null {
  const mask = opts.mask ?? 'fixed';
  const dt = rt.d;
  if (mask === 'zero') {
    const c = swapRows(Tensor.zeros([Hs.shape[0], dt], Hs.dtype), Hs, rt, rs, b, opts);
    return { A: Tensor.zeros([dt, dt], Hs.dtype), c };
  }
  if (b.end === b.start) return null;
  if (isPlainOrthonormal(rt) && isPlainOrthonormal(rs)) {
    const Ut = columnBlock(rt.F, b.start, b.end);
    const Us = columnBlock(rs.F, b.start, b.end);
    const A = sub(eye(dt, Hs.dtype), matmul(Ut, Ut, { transB: true }));
    const c = matmul(matmul(Hs, Us), Ut, { transB: true });
    return { A, c };
  }
  const t = mapBlock(rt, b);
  const s = mapBlock(rs, b);
  const A = sub(eye(dt, Hs.dtype), matmul(t.F, t.G));
  let z = matmul(Hs, s.F);
  if (s.f0) z = add(z, s.f0);
  if (t.f0) z = sub(z, t.f0);
  return { A, c: matmul(z, t.G) };
}

/** h' = H·A + c for rows H [count, d] (the intervened vectors, e.g. for the CL loss). */
export function applyAffine(H: Tensor, iv: AffineIntervention | null): Tensor {
  if (!iv) return H;
  const hA = iv.A ? matmul(H, iv.A) : H;
  return iv.c ? add(hA, iv.c) : hA;
}

/** The Intervention that SequenceModel.forward takes, or undefined for the identity. */
export function modelIntervention(point: string, mask: Uint8Array, iv: AffineIntervention | null): Intervention | undefined {
  if (!iv) return undefined;
  return { point, mask, A: iv.A, c: iv.c };
}
