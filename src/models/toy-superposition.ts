/**
 * Toy models of superposition (Elhage et al. 2022): n sparse features x ∈ [0, 1]ⁿ, each nonzero with
 * probability `density` and then uniform on [0, 1]; m < n hidden units h = W x (W ∈ R^{m×n}, stored
 * here as its transpose [n, m] so a batch is H = X Wᵀ); reconstruction x̂ = ReLU(Wᵀ h + b); loss the
 * importance-weighted squared error Σᵢ Iᵢ (xᵢ − x̂ᵢ)², averaged over rows, with Iᵢ = decayⁱ.
 */
import { InputError } from '../errors.ts';
import { Adam } from '../tensor/optim.ts';
import { add, matmul, mul, relu, scale, square, sub, sum } from '../tensor/ops/index.ts';
import { Tensor, noGrad } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';

/** Settings of a toy model. */
export interface ToyModelOptions {
  /** Number of sparse features n. */
  features: number;
  /** Number of hidden units m (< n for superposition). */
  hidden: number;
  /** Probability that a feature is nonzero in a sample (1 − sparsity). */
  density: number;
  /** Importance decay: Iᵢ = decayⁱ (default 1 = equal importance). */
  importanceDecay?: number;
  /** Adam steps (default 4000). */
  steps?: number;
  /** Rows per step (default 512). */
  batch?: number;
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Seed of init and data. */
  seed: number;
}

/** A trained toy model. */
export interface ToyModel {
  /** Wᵀ [n, m]: row i is feature i's direction in the hidden space. */
  w: Tensor;
  /** Output bias [n]. */
  b: Tensor;
  /** Final training loss (mean over the last 100 steps). */
  loss: number;
}

/** Draw `rows` sparse feature vectors [rows, n] (float64): each entry nonzero w.p. `density`, then U[0, 1). */
export function sparseFeatures(rows: number, n: number, density: number, rng: Rng): Tensor {
  if (!(density > 0 && density <= 1)) throw new InputError(`toy model: density must be in (0, 1], got ${density}`);
  const x = Tensor.zeros([rows, n], 'float64');
  for (let i = 0; i < x.size; i++) if (rng.uniform() < density) x.data[i] = rng.uniform();
  return x;
}

/** Hidden units H = X Wᵀ [rows, m] of feature rows X [rows, n]. */
export function toyHidden(model: Pick<ToyModel, 'w'>, x: Tensor): Tensor {
  return noGrad(() => matmul(x, model.w));
}

/** Train a toy model of superposition with Adam on fresh sparse batches. */
export function trainToyModel(o: ToyModelOptions): ToyModel {
  const { features: n, hidden: m } = o;
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1 || m < 1) throw new InputError(`toy model: features and hidden must be positive integers, got ${n} and ${m}`);
  const steps = o.steps ?? 4000;
  const batch = o.batch ?? 512;
  const decay = o.importanceDecay ?? 1;
  const root = new Rng(o.seed);
  const w = Tensor.randn([n, m], root.fork('toy-init'), Math.sqrt(2 / (n + m)), 'float64').param('W');
  const b = Tensor.zeros([n], 'float64').param('b');
  const imp = Tensor.zeros([n], 'float64');
  for (let i = 0; i < n; i++) imp.data[i] = Math.pow(decay, i);
  const opt = new Adam([w, b], { lr: o.lr ?? 1e-2 });
  const data = root.fork('toy-data');
  let tail = 0;
  let tailN = 0;
  for (let s = 0; s < steps; s++) {
    const x = sparseFeatures(batch, n, o.density, data);
    opt.zeroGrad();
    const h = matmul(x, w);
    const xh = relu(add(matmul(h, w, { transB: true }), b));
    const loss = scale(sum(mul(square(sub(xh, x)), imp)), 1 / batch);
    loss.backward();
    opt.step();
    if (s >= steps - 100) {
      tail += loss.item();
      tailN++;
    }
  }
  return { w, b, loss: tailN > 0 ? tail / tailN : NaN };
}
