/**
 * Matrix products through the backend GEMM: 2-D matmul with optional transposes, batched
 * [..., m, k]×[k, n] (weight shared) and [..., m, k]×[..., k, n] (per batch), and `linear`
 * (x Wᵀ + b with W in PyTorch layout [out, in]).
 */
import { ShapeError, fmtShape } from '../../errors.ts';
import { getBackend } from '../backend/index.ts';
import { Tensor, alloc, fromOp } from '../tensor.ts';
import type { Storage } from '../tensor.ts';
import { checkDTypes, plain, prod, sameShape } from './util.ts';

/** Options of `matmul`. */
export interface MatmulOptions {
  /** Use Aᵀ of each (last-two-dims) matrix of a. */
  transA?: boolean;
  /** Use Bᵀ of each (last-two-dims) matrix of b. */
  transB?: boolean;
}

function mmErr(a: Tensor, b: Tensor, tA: boolean, tB: boolean, why: string): ShapeError {
  return new ShapeError(`matmul${tA ? ' (transA)' : ''}${tB ? ' (transB)' : ''}: ${why}: a ${fmtShape(a.shape)}, b ${fmtShape(b.shape)}`);
}

/**
 * op(a)·op(b) where op transposes the last two dims when requested. Shapes: [m,k]×[k,n];
 * [..., m, k]×[k, n] (b shared across the batch); [..., m, k]×[..., k, n] (same batch dims).
 */
export function matmul(a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const tA = opts.transA ?? false;
  const tB = opts.transB ?? false;
  const dt = checkDTypes('matmul', a, b);
  if (a.ndim < 2 || b.ndim < 2) throw mmErr(a, b, tA, tB, 'both operands need at least 2 dims');
  const ar = a.shape[a.ndim - 2];
  const ac = a.shape[a.ndim - 1];
  const br = b.shape[b.ndim - 2];
  const bc = b.shape[b.ndim - 1];
  const m = tA ? ac : ar;
  const k = tA ? ar : ac;
  const kb = tB ? bc : br;
  const n = tB ? br : bc;
  if (k !== kb) throw mmErr(a, b, tA, tB, `inner dimensions differ (${k} vs ${kb})`);
  const batchShape = a.shape.slice(0, a.ndim - 2);
  const nb = prod(batchShape);
  const shared = b.ndim === 2;
  if (!shared && !sameShape(batchShape, b.shape.slice(0, b.ndim - 2))) throw mmErr(a, b, tA, tB, 'batch dimensions differ');
  const be = getBackend();
  const outShape = [...batchShape, m, n];

  // Weight shared and a not transposed: one big GEMM over the flattened rows.
  if (shared && !tA) {
    const M = nb * m;
    const out = alloc(dt, M * n);
    be.gemm(false, tB, M, n, k, 1, a.data, b.data, 0, out);
    return fromOp('matmul', out, outShape, [a, b], (g) => {
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (a.requiresGrad) {
        const d = alloc(dt, a.size);
        be.gemm(false, !tB, M, k, n, 1, g.data, b.data, 0, d);
        ga = plain(d, a.shape);
      }
      if (b.requiresGrad) {
        const d = alloc(dt, b.size);
        if (!tB) be.gemm(true, false, k, n, M, 1, a.data, g.data, 0, d);
        else be.gemm(true, false, n, k, M, 1, g.data, a.data, 0, d);
        gb = plain(d, b.shape);
      }
      return [ga, gb];
    });
  }

  const sa = m * k;
  const sb = shared ? 0 : k * n;
  const so = m * n;
  const out = alloc(dt, nb * so);
  for (let i = 0; i < nb; i++) {
    be.gemm(tA, tB, m, n, k, 1, sub(a.data, i * sa, sa), sub(b.data, i * sb, k * n), 0, sub(out, i * so, so));
  }
  return fromOp('matmul', out, outShape, [a, b], (g) => {
    const gd = g.data;
    let ga: Tensor | null = null;
    let gb: Tensor | null = null;
    if (a.requiresGrad) {
      const d = alloc(dt, a.size);
      for (let i = 0; i < nb; i++) {
        const gi = sub(gd, i * so, so);
        const bi = sub(b.data, i * sb, k * n);
        const di = sub(d, i * sa, sa);
        if (!tA) be.gemm(false, !tB, m, k, n, 1, gi, bi, 0, di);
        else be.gemm(tB, true, k, m, n, 1, bi, gi, 0, di);
      }
      ga = plain(d, a.shape);
    }
    if (b.requiresGrad) {
      const d = alloc(dt, b.size);
      for (let i = 0; i < nb; i++) {
        const gi = sub(gd, i * so, so);
        const ai = sub(a.data, i * sa, sa);
        const di = sub(d, i * sb, k * n);
        const beta = shared && i > 0 ? 1 : 0;
        if (!tB) be.gemm(!tA, false, k, n, m, 1, ai, gi, beta, di);
        else be.gemm(true, tA, n, k, m, 1, gi, ai, beta, di);
      }
      gb = plain(d, b.shape);
    }
    return [ga, gb];
  });
}

function sub(x: Storage, off: number, len: number): Storage {
  return off === 0 && len === x.length ? x : x.subarray(off, off + len);
}

/** y = x Wᵀ + b for x [..., in], W [out, in] (PyTorch layout) and optional b [out]; y is [..., out]. */
export function linear(x: Tensor, W: Tensor, b?: Tensor | null): Tensor {
  const bias = b ?? null;
  if (bias) checkDTypes('linear', x, W, bias);
  else checkDTypes('linear', x, W);
  if (W.ndim !== 2 || x.ndim < 1 || x.shape[x.ndim - 1] !== W.shape[1]) {
    throw new ShapeError(`linear: x ${fmtShape(x.shape)} does not fit W ${fmtShape(W.shape)} (expected x [..., ${W.shape[1] ?? '?'}], W [out, in])`);
  }
  const nOut = W.shape[0];
  const nIn = W.shape[1];
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== nOut)) {
    throw new ShapeError(`linear: bias ${fmtShape(bias.shape)} does not fit W ${fmtShape(W.shape)} (expected [${nOut}])`);
  }
  const dt = x.dtype;
  const M = prod(x.shape, 0, x.ndim - 1);
  const be = getBackend();
  const out = alloc(dt, M * nOut);
  if (bias) {
    const bd = bias.data;
    for (let i = 0; i < M; i++) out.set(bd, i * nOut);
    be.gemm(false, true, M, nOut, nIn, 1, x.data, W.data, 1, out);
  } else be.gemm(false, true, M, nOut, nIn, 1, x.data, W.data, 0, out);
  const outShape = [...x.shape.slice(0, -1), nOut];
  const inputs = bias ? [x, W, bias] : [x, W];
  return fromOp('linear', out, outShape, inputs, (g) => {
    const gd = g.data;
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    let gbias: Tensor | null = null;
    if (x.requiresGrad) {
      const d = alloc(dt, x.size);
      be.gemm(false, false, M, nIn, nOut, 1, gd, W.data, 0, d);
      gx = plain(d, x.shape);
    }
    if (W.requiresGrad) {
      const d = alloc(dt, W.size);
      be.gemm(true, false, nOut, nIn, M, 1, gd, x.data, 0, d);
      gw = plain(d, W.shape);
    }
    if (bias && bias.requiresGrad) {
      const d = alloc(dt, nOut);
      for (let i = 0; i < M; i++) {
        const o = i * nOut;
        for (let j = 0; j < nOut; j++) d[j] += gd[o + j];
      }
      gbias = plain(d, bias.shape);
    }
    return [gx, gw, gbias];
  });
}
