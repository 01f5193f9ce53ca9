/**
 * A sparse autoencoder (dictionary learning on activations) on the project's own autograd core:
 * z = ReLU((x − b_dec) W_enc + b_enc), x̂ = z W_dec + b_dec, with the M rows of W_dec kept at unit
 * norm (renormalised after every Adam step), trained on loss = mean over rows of ‖x − x̂‖² plus
 * λ · mean over rows of ‖z‖₁. Everything random (init, minibatches) flows from one seed.
 */
import { InputError, NonFiniteError, ShapeError } from '../errors.ts';
import { Adam } from '../tensor/optim.ts';
import { abs, add, matmul, mean, relu, sub, sum, square, scale } from '../tensor/ops/index.ts';
import { Tensor, noGrad } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';

/** The parameters of a sparse autoencoder on d-dimensional inputs with M latents (float64). */
export interface SaeParams {
  /** Encoder [d, M]. */
  wEnc: Tensor;
  /** Encoder bias [M]. */
  bEnc: Tensor;
  /** Decoder [M, d], rows of unit norm (one dictionary atom per row). */
  wDec: Tensor;
  /** Decoder bias [d], subtracted before encoding. */
  bDec: Tensor;
}

/** Options of `trainSae`. */
export interface SaeTrainOptions {
  /** Number of latents M (overcomplete when M > d). */
  latents: number;
  /** L1 coefficient λ > 0. */
  l1: number;
  /** Adam steps (default 3000). */
  steps?: number;
  /** Minibatch rows (default min(256, n)). */
  batch?: number;
  /** Adam learning rate (default 3e-3). */
  lr?: number;
  /** Seed of init and minibatches (default 0). */
  seed?: number;
}

/** A trained SAE with its final full-data loss terms. */
export interface SaeResult {
  params: SaeParams;
  /** Mean over rows of ‖x − x̂‖² on the whole training set after training. */
  mse: number;
  /** Mean over rows of ‖z‖₁ after training. */
  l1: number;
  /** Fraction of x's variance (about its mean) not explained by x̂. */
  fvu: number;
  /** Latents that are zero on every training row. */
  dead: number;
}

/** Scale every row of a [M, d] tensor to unit L2 norm in place (a zero row is left as is). */
export function normalizeRows(w: Tensor): void {
  const [m, d] = w.shape;
  const a = w.data;
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += a[i * d + j] ** 2;
    if (s > 0) {
      const r = 1 / Math.sqrt(s);
      for (let j = 0; j < d; j++) a[i * d + j] *= r;
    }
  }
}

/**
 * Seeded init: W_dec rows random unit vectors, W_enc = W_decᵀ (tied at the start), b_enc = 0, b_dec =
 * the data mean when `x` is given (so encoding starts centred), else 0.
 */
export function initSae(d: number, latents: number, seed: number, x?: Tensor): SaeParams {
  const rng = new Rng(seed).fork('sae-init');
  const wDec = Tensor.randn([latents, d], rng, 1, 'float64');
  normalizeRows(wDec);
  const wEnc = Tensor.zeros([d, latents], 'float64');
  for (let i = 0; i < latents; i++) for (let j = 0; j < d; j++) wEnc.data[j * latents + i] = wDec.data[i * d + j];
  const bDec = Tensor.zeros([d], 'float64');
  if (x) {
    const n = x.shape[0];
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) bDec.data[j] += x.data[r * d + j] / n;
  }
  return { wEnc: wEnc.param('W_enc'), bEnc: Tensor.zeros([latents], 'float64').param('b_enc'), wDec: wDec.param('W_dec'), bDec: bDec.param('b_dec') };
}

/** The latent codes z = ReLU((x − b_dec) W_enc + b_enc) of rows x [n, d]. */
export function saeEncode(p: SaeParams, x: Tensor): Tensor {
  return relu(add(matmul(sub(x, p.bDec), p.wEnc), p.bEnc));
}

/** The reconstruction x̂ = z W_dec + b_dec of codes z [n, M]. */
export function saeDecode(p: SaeParams, z: Tensor): Tensor {
  return add(matmul(z, p.wDec), p.bDec);
}

/** The training loss (a scalar): mean over rows of ‖x − x̂‖² + λ · mean over rows of ‖z‖₁. */
export function saeLoss(p: SaeParams, x: Tensor, l1: number): Tensor {
  const z = saeEncode(p, x);
  const err = sub(saeDecode(p, z), x);
  const n = x.shape[0];
  const mse = scale(sum(square(err)), 1 / n);
  const sparsity = scale(sum(abs(z)), l1 / n);
  return add(mse, sparsity);
}

function checkInput(x: Tensor, latents: number, l1: number): void {
  if (x.ndim !== 2) throw new ShapeError(`sae: activations must be a 2-D (rows × units) matrix, got ${x.ndim}-D`);
  if (!Number.isInteger(latents) || latents < 1) throw new InputError(`sae: latents must be a positive integer, got ${latents}`);
  if (!(l1 > 0) || !Number.isFinite(l1)) throw new InputError(`sae: the L1 coefficient λ must be a finite number > 0, got ${l1}`);
  const n = x.shape[0];
  if (n < latents) throw new InputError(`sae: ${n} activation rows are fewer than the ${latents} latents; give at least as many rows as latents`);
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) throw new NonFiniteError(`sae: activations hold ${x.data[i]} at row ${Math.floor(i / x.shape[1])}, column ${i % x.shape[1]}`);
  }
}

function gatherBatch(x: Tensor, idx: Int32Array): Tensor {
  const d = x.shape[1];
  const out = new Float64Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) out.set(x.data.subarray(idx[r] * d, idx[r] * d + d), r * d);
  return new Tensor(out, [idx.length, d]);
}

/** Train an SAE on the rows of x [n, d] (float64) with Adam; decoder rows renormalised after each step. */
export function trainSae(x0: Tensor, o: SaeTrainOptions): SaeResult {
  const x = x0.dtype === 'float64' ? x0.detach() : x0.to('float64');
  checkInput(x, o.latents, o.l1);
  const steps = o.steps ?? 3000;
  if (!Number.isInteger(steps) || steps < 0) throw new InputError(`sae: steps must be an integer ≥ 0, got ${steps}`);
  const n = x.shape[0];
  const batch = Math.min(o.batch ?? 256, n);
  const seed = o.seed ?? 0;
  const p = initSae(x.shape[1], o.latents, seed, x);
  const opt = new Adam([p.wEnc, p.bEnc, p.wDec, p.bDec], { lr: o.lr ?? 3e-3 });
  const rng = new Rng(seed).fork('sae-batches');
  let order = rng.permutation(n);
  let pos = 0;
  const idx = new Int32Array(batch);
  for (let s = 0; s < steps; s++) {
    for (let b = 0; b < batch; b++) {
      if (pos === n) {
        order = rng.permutation(n);
        pos = 0;
      }
      idx[b] = order[pos++];
    }
    opt.zeroGrad();
    const loss = saeLoss(p, gatherBatch(x, idx), o.l1);
    if (!Number.isFinite(loss.item())) throw new NonFiniteError(`sae: the loss became ${loss.item()} at step ${s}; lower the learning rate or rescale the activations`);
    loss.backward();
    opt.step();
    normalizeRows(p.wDec);
  }
  return { params: p, ...saeStats(p, x) };
}

/** Reconstruction and sparsity statistics of an SAE on rows x [n, d]. */
export function saeStats(p: SaeParams, x: Tensor): Omit<SaeResult, 'params'> {
  return noGrad(() => {
    const z = saeEncode(p, x);
    const xh = saeDecode(p, z);
    const n = x.shape[0];
    const d = x.shape[1];
    const m = z.shape[1];
    let se = 0;
    let l1 = 0;
    for (let i = 0; i < xh.size; i++) se += (xh.data[i] - x.data[i]) ** 2;
    for (let i = 0; i < z.size; i++) l1 += z.data[i];
    const mu = mean(x, 0).data;
    let tot = 0;
    for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) tot += (x.data[r * d + j] - mu[j]) ** 2;
    let dead = 0;
    for (let k = 0; k < m; k++) {
      let alive = false;
      for (let r = 0; r < n && !alive; r++) alive = z.data[r * m + k] > 0;
      if (!alive) dead++;
    }
    return { mse: se / n, l1: l1 / n, fvu: tot > 0 ? se / tot : 0, dead };
  });
}

/** Latent codes (no graph) of rows x [n, d] as a float64 [n, M] tensor; checks the width and finiteness. */
export function encodeRows(p: SaeParams, x0: Tensor): Tensor {
  const x = x0.dtype === 'float64' ? x0.detach() : x0.to('float64');
  const d = p.wEnc.shape[0];
  if (x.ndim !== 2 || x.shape[1] !== d) throw new ShapeError(`sae encode: activations must be [rows, ${d}] (the SAE's input width), got [${x.shape.join(', ')}]`);
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) throw new NonFiniteError(`sae encode: activations hold ${x.data[i]} at row ${Math.floor(i / d)}, column ${i % d}`);
  }
  return noGrad(() => saeEncode(p, x));
}
