/**
 * MAS losses (mas.md §6.1, §6.3, §6.4): the behavioural cross-entropy over the selected label
 * positions (pooled over the batch), and the counterfactual-latent loss
 * ℓ(h', c) = ½[(1 − cos(h', c)) + ‖h' − c‖²/d], cos with the 1e-12 guards of §6.4.
 */
import { InputError, ShapeError, fmtShape } from '../errors.ts';
import { addScalar, crossEntropy, scale } from '../tensor/ops/index.ts';
import { Tensor, alloc, fromOp } from '../tensor/tensor.ts';
import type { CounterfactualBatch } from '../tasks/index.ts';

/** Which label positions enter the behavioural loss (mas.md §6.1). */
export type LossPositions = 'nonpad' | 'post' | 'task';
/** Terms of the CL loss (mas.md §6.4). */
export type ClLossKind = 'both' | 'cos' | 'mse';

/**
 * The [B·T] mask of label positions scored by the loss. Stepwise pairs only count predictions made at
 * positions ≥ p (mas.md §6.3), so `nonpad` becomes `post` there; `task` is the label task mask, which
 * is already 0 on a stepwise prefix.
 */
export function lossMask(batch: CounterfactualBatch, positions: LossPositions): Uint8Array {
  switch (positions) {
    case 'nonpad':
      return batch.mode === 'stepwise' ? batch.postMask : batch.labelValid;
    case 'post':
      return batch.postMask;
    case 'task':
      return batch.labelMask;
    default:
      throw new InputError(`lossPositions must be nonpad, post or task, got '${String(positions)}'`);
  }
}

/** Mean cross-entropy of logits [B·T, V] against the counterfactual labels over the selected positions. */
export function behaviouralLoss(logits: Tensor, batch: CounterfactualBatch, positions: LossPositions = 'nonpad'): Tensor {
  return crossEntropy(logits, batch.labels, { mask: lossMask(batch, positions), reduction: 'mean' });
}

/** Row loss −log softmax(z)[y] of one logits row (the same arithmetic as ops crossEntropy). */
export function rowCrossEntropy(z: ArrayLike<number>, o: number, V: number, y: number): number {
  let mx = -Infinity;
  for (let j = 0; j < V; j++) if (z[o + j] > mx) mx = z[o + j];
  let s = 0;
  for (let j = 0; j < V; j++) s += Math.exp(z[o + j] - mx);
  return mx + Math.log(s) - z[o + y];
}

/**
 * Pooled mean CE over the positions with mask 1 of logits [N, V] plus a constant part scored elsewhere
 * (the indywise prefix, src/align/prefix.ts): (baseSum + Σ_i CE_i) / (baseCount + Σ_i mask_i). The
 * gradient reaches the logits only; with no position at all the loss is 0.
 */
export function crossEntropyWithBase(logits: Tensor, labels: Int32Array, mask: Uint8Array, baseSum: number, baseCount: number): Tensor {
  if (logits.ndim !== 2 || labels.length !== logits.shape[0] || mask.length !== logits.shape[0]) {
    throw new ShapeError(`crossEntropyWithBase: logits ${fmtShape(logits.shape)}, labels [${labels.length}] and mask [${mask.length}] must agree on the rows`);
  }
  let count = baseCount;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
  const inv = count > 0 ? 1 / count : 0;
  const sum = crossEntropy(logits, labels, { mask, reduction: 'sum' });
  return addScalar(scale(sum, inv), baseSum * inv);
}

/**
 * Mean CL loss over rows with ok[i] = 1 of h' [n, d] against constants c [n, d]; gradient flows into h'
 * only. With no valid row the loss is 0 (gradient 0).
 */
export function clLoss(hp: Tensor, c: Tensor, ok: Uint8Array | null = null, kind: ClLossKind = 'both'): Tensor {
  if (hp.ndim !== 2 || c.ndim !== 2 || hp.shape[0] !== c.shape[0] || hp.shape[1] !== c.shape[1]) {
    throw new ShapeError(`clLoss: h' ${fmtShape(hp.shape)} and c ${fmtShape(c.shape)} must both be [n, d]`);
  }
  if (kind !== 'both' && kind !== 'cos' && kind !== 'mse') throw new InputError(`clLoss: kind must be both, cos or mse, got '${String(kind)}'`);
  const [n, d] = hp.shape;
  if (ok && ok.length !== n) throw new ShapeError(`clLoss: ok has ${ok.length} entries for ${n} rows`);
  const wc = kind === 'both' ? 0.5 : kind === 'cos' ? 1 : 0;
  const wm = kind === 'both' ? 0.5 : kind === 'mse' ? 1 : 0;
  const a = hp.data;
  const b = c.data;
  const grad = new Float64Array(n * d);
  let total = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (ok && !ok[i]) continue;
    count++;
    const o = i * d;
    let ab = 0;
    let aa = 0;
    let bb = 0;
    let se = 0;
    for (let j = 0; j < d; j++) {
      const x = a[o + j];
      const y = b[o + j];
      ab += x * y;
      aa += x * x;
      bb += y * y;
      se += (x - y) * (x - y);
    }
    const na = aa + 1e-12;
    const N = Math.sqrt(na * (bb + 1e-12));
    const cos = ab / N;
    total += wc * (1 - cos) + (wm * se) / d;
    for (let j = 0; j < d; j++) {
      const x = a[o + j];
      const y = b[o + j];
      // ∂cos/∂x = y/N − cos·x/(‖x‖² + 1e-12)
      grad[o + j] = -wc * (y / N - (cos * x) / na) + (2 * wm * (x - y)) / d;
    }
  }
  const out = alloc(hp.dtype, 1);
  out[0] = count > 0 ? total / count : 0;
  return fromOp('clLoss', out, [], [hp], (g) => {
    const s = count > 0 ? g.data[0] / count : 0;
    const r = alloc(hp.dtype, n * d);
    for (let i = 0; i < n * d; i++) r[i] = grad[i] * s;
    return [new Tensor(r, hp.shape)];
  });
}
