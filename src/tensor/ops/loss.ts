/**
 * Cross-entropy over logits [N, V] with integer targets, ignored rows (ignoreIndex or a row mask)
 * and mean / sum / none reductions. Fused log-softmax for stability and one-pass backward.
 */
import { InputError, ShapeError, fmtShape } from '../../errors.ts';
import { Tensor, alloc, fromOp } from '../tensor.ts';
import { plain } from './util.ts';

/** Options of `crossEntropy`. */
export interface CrossEntropyOptions {
  /** Rows whose target equals this are ignored (PyTorch's ignore_index). */
  ignoreIndex?: number;
  /** Rows with mask[i] = 0 are ignored. */
  mask?: Uint8Array;
  /** 'mean' (default) averages over non-ignored rows; 'sum'; 'none' gives [N] with 0 on ignored rows. */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Cross-entropy −log softmax(logits)[target] per row. With 'mean', the sum over non-ignored rows is
 * divided by their count; if every row is ignored the loss is 0 with zero gradient.
 */
export function crossEntropy(logits: Tensor, targets: Int32Array, opts: CrossEntropyOptions = {}): Tensor {
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new InputError(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  if (logits.ndim !== 2) throw new ShapeError(`crossEntropy: logits must be [N, V], got ${fmtShape(logits.shape)}`);
  const [N, V] = logits.shape;
  if (targets.length !== N) throw new ShapeError(`crossEntropy: logits ${fmtShape(logits.shape)} but targets [${targets.length}]`);
  const mask = opts.mask;
  if (mask && mask.length !== N) throw new ShapeError(`crossEntropy: logits ${fmtShape(logits.shape)} but mask [${mask.length}]`);
  const ign = opts.ignoreIndex;
  const xd = logits.data;
  const dt = logits.dtype;
  const used = new Uint8Array(N);
  const lse = new Float64Array(N);
  const rowLoss = new Float64Array(N);
  let count = 0;
  let total = 0;
  for (let i = 0; i < N; i++) {
    const t = targets[i];
    if ((ign !== undefined && t === ign) || (mask && mask[i] === 0)) continue;
    if (!(t >= 0 && t < V)) throw new InputError(`crossEntropy: target ${t} at row ${i} is out of range [0, ${V}) for logits ${fmtShape(logits.shape)}`);
    const o = i * V;
    let mx = -Infinity;
    for (let j = 0; j < V; j++) if (xd[o + j] > mx) mx = xd[o + j];
    let s = 0;
    for (let j = 0; j < V; j++) s += Math.exp(xd[o + j] - mx);
    const l = mx + Math.log(s);
    lse[i] = l;
    used[i] = 1;
    rowLoss[i] = l - xd[o + t];
    total += rowLoss[i];
    count++;
  }
  let out;
  let outShape: number[];
  if (reduction === 'none') {
    out = alloc(dt, N);
    out.set(rowLoss);
    outShape = [N];
  } else {
    out = alloc(dt, 1);
    out[0] = reduction === 'sum' ? total : count === 0 ? 0 : total / count;
    outShape = [];
  }
  return fromOp('crossEntropy', out, outShape, [logits], (g) => {
    const gd = g.data;
    const res = alloc(dt, logits.size);
    for (let i = 0; i < N; i++) {
      if (!used[i]) continue;
      const w = reduction === 'none' ? gd[i] : reduction === 'sum' ? gd[0] : gd[0] / count;
      if (w === 0) continue;
      const o = i * V;
      const l = lse[i];
      for (let j = 0; j < V; j++) res[o + j] = w * Math.exp(xd[o + j] - l);
      res[o + targets[i]] -= w;
    }
    return [plain(res, logits.shape)];
  });
}
