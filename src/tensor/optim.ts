/**
 * Adam with exactly PyTorch's semantics (torch.optim.Adam, single-tensor path, per-parameter step
 * counts), a settable learning rate for schedules, exact state save/restore, and clipGradNorm with
 * the semantics of torch.nn.utils.clip_grad_norm_.
 */
import { InputError, ShapeError, fmtShape } from '../errors.ts';
import { alloc } from './tensor.ts';
import type { Storage, Tensor } from './tensor.ts';

/** Hyper-parameters of Adam. */
export interface AdamOptions {
  /** Learning rate (default 1e-3); may be changed between steps via `lr`. */
  lr?: number;
  /** (β1, β2), default (0.9, 0.999). */
  betas?: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** L2 penalty added to the gradient, as PyTorch's Adam (default 0 = off). */
  weightDecay?: number;
}

/** Serializable optimizer state: typed arrays only, for checkpoints. */
export interface AdamState {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** Per-parameter step counts (PyTorch keeps one per parameter). */
  steps: Float64Array;
  /** First moments, one per parameter, in the parameter's dtype. */
  m: Storage[];
  /** Second moments, one per parameter, in the parameter's dtype. */
  v: Storage[];
}

/** torch.optim.Adam: p −= (lr/bc1)·m / (sqrt(v)/sqrt(bc2) + eps). Parameters without a grad are skipped. */
export class Adam {
  readonly params: readonly Tensor[];
  /** Current learning rate; set it before `step()` to follow a schedule. */
  lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private steps: Float64Array;
  private m: Storage[];
  private v: Storage[];

  /** Create an optimizer over `params` (the order defines the state layout). */
  constructor(params: readonly Tensor[], opts: AdamOptions = {}) {
    this.params = [...params];
    this.lr = opts.lr ?? 1e-3;
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    if (!(this.lr >= 0)) throw new InputError(`Adam: lr must be >= 0, got ${this.lr}`);
    if (!(this.beta1 >= 0 && this.beta1 < 1) || !(this.beta2 >= 0 && this.beta2 < 1)) {
      throw new InputError(`Adam: betas must be in [0, 1), got (${this.beta1}, ${this.beta2})`);
    }
    if (!(this.eps >= 0)) throw new InputError(`Adam: eps must be >= 0, got ${this.eps}`);
    if (!(this.weightDecay >= 0)) throw new InputError(`Adam: weightDecay must be >= 0, got ${this.weightDecay}`);
    this.steps = new Float64Array(this.params.length);
    this.m = this.params.map((p) => alloc(p.dtype, p.size));
    this.v = this.params.map((p) => alloc(p.dtype, p.size));
  }

  /** One update of every parameter that has a gradient; `lr` overrides (and sets) the learning rate. */
  step(lr?: number): void {
    if (lr !== undefined) {
      if (!(lr >= 0)) throw new InputError(`Adam.step: invalid lr ${lr}`);
      this.lr = lr;
    }
    const { beta1, beta2, eps, weightDecay } = this;
    for (let pi = 0; pi < this.params.length; pi++) {
      const p = this.params[pi];
      if (p.grad === null) continue;
      const g = p.grad.data;
      const x = p.data;
      const m = this.m[pi];
      const v = this.v[pi];
      const t = ++this.steps[pi];
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      const stepSize = this.lr / bc1;
      const bc2Sqrt = Math.sqrt(bc2);
      for (let i = 0; i < x.length; i++) {
        const gi = weightDecay !== 0 ? g[i] + weightDecay * x[i] : g[i];
        m[i] = m[i] * beta1 + (1 - beta1) * gi;
        v[i] = v[i] * beta2 + (1 - beta2) * gi * gi;
        const denom = Math.sqrt(v[i]) / bc2Sqrt + eps;
        x[i] -= (stepSize * m[i]) / denom;
      }
    }
  }

  /** Clear every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** A deep copy of the optimizer state (typed arrays), for checkpoints. */
  state(): AdamState {
    return {
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      steps: this.steps.slice(),
      m: this.m.map((a) => a.slice()),
      v: this.v.map((a) => a.slice()),
    };
  }

  /** Restore a state saved by `state()` (moments, step counts and lr); hyper-parameters must match. */
  loadState(s: AdamState): void {
    const n = this.params.length;
    if (s.steps.length !== n || s.m.length !== n || s.v.length !== n) {
      throw new ShapeError(`Adam.loadState: state is for ${s.m.length} parameters, optimizer has ${n}`);
    }
    if (s.beta1 !== this.beta1 || s.beta2 !== this.beta2 || s.eps !== this.eps || s.weightDecay !== this.weightDecay) {
      throw new InputError(
        `Adam.loadState: hyper-parameters differ (state β=(${s.beta1}, ${s.beta2}), eps ${s.eps}, wd ${s.weightDecay}; optimizer β=(${this.beta1}, ${this.beta2}), eps ${this.eps}, wd ${this.weightDecay})`,
      );
    }
    for (let i = 0; i < n; i++) {
      const p = this.params[i];
      if (s.m[i].length !== p.size || s.v[i].length !== p.size) {
        throw new ShapeError(`Adam.loadState: moment ${i} has ${s.m[i].length} values, parameter ${p.name ?? i} ${fmtShape(p.shape)} has ${p.size}`);
      }
    }
    this.steps = Float64Array.from(s.steps);
    this.m = this.params.map((p, i) => {
      const a = alloc(p.dtype, p.size);
      a.set(s.m[i]);
      return a;
    });
    this.v = this.params.map((p, i) => {
      const a = alloc(p.dtype, p.size);
      a.set(s.v[i]);
      return a;
    });
    this.lr = s.lr;
  }
}

/**
 * torch.nn.utils.clip_grad_norm_: total 2-norm over all gradients; if maxNorm/(total + 1e-6) < 1,
 * scale every gradient by that coefficient. Returns the total norm (before clipping).
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): number {
  if (!(maxNorm > 0)) throw new InputError(`clipGradNorm: maxNorm must be positive, got ${maxNorm}`);
  let sq = 0;
  for (const p of params) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    let s = 0;
    for (let i = 0; i < g.length; i++) s += g[i] * g[i];
    sq += s;
  }
  const total = Math.sqrt(sq);
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const p of params) {
      if (p.grad === null) continue;
      const g = p.grad.data;
      for (let i = 0; i < g.length; i++) g[i] *= coef;
    }
  }
  return total;
}
