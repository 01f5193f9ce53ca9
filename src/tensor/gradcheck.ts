/**
 * Finite-difference gradient checking in float64: compares autograd gradients of ⟨w, fn(inputs)⟩
 * (w a fixed random cotangent, or 1 for a scalar output) with central differences.
 */
import { DTypeError, InputError } from '../errors.ts';
import { Rng } from '../util/rng.ts';
import { Tensor, noGrad } from './tensor.ts';

/** Options of `gradcheck`. */
export interface GradcheckOptions {
  /** Central-difference step (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-6). */
  atol?: number;
  /** Relative tolerance (default 1e-5): pass when |autograd − numeric| ≤ atol + rtol·|numeric|. */
  rtol?: number;
  /** Seed of the random cotangent (default 0). */
  seed?: number;
}

/** Outcome of a gradient check. */
export interface GradcheckResult {
  ok: boolean;
  /** Largest |autograd − numeric| over all checked entries. */
  maxAbsError: number;
  /** Largest |autograd − numeric| / max(|numeric|, 1e-12). */
  maxRelError: number;
  /** Description of the worst entry that failed (or of the largest error when all pass). */
  worst: string;
  /** Number of entries compared. */
  checked: number;
}

function contract(out: Tensor, w: Float64Array): number {
  let s = 0;
  const d = out.data;
  for (let i = 0; i < d.length; i++) s += d[i] * w[i];
  return s;
}

/**
 * Check autograd against central differences for every input with requiresGrad (all such inputs
 * must be float64). Inputs are perturbed in place and restored.
 */
export function gradcheck(fn: (inputs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  const checkedInputs = inputs.filter((t) => t.requiresGrad);
  if (checkedInputs.length === 0) throw new InputError('gradcheck: no input has requiresGrad');
  for (const t of checkedInputs) {
    if (t.dtype !== 'float64') throw new DTypeError(`gradcheck: inputs must be float64, got ${t.dtype} ${t.toString()}`);
  }
  for (const t of inputs) t.grad = null;
  const out = fn(inputs);
  if (out.dtype !== 'float64') throw new DTypeError(`gradcheck: output must be float64, got ${out.dtype}`);
  const rng = new Rng(opts.seed ?? 0);
  const w = new Float64Array(out.size);
  if (out.size === 1) w[0] = 1;
  else for (let i = 0; i < w.length; i++) w[i] = rng.normal();
  if (out.requiresGrad) out.backward(new Tensor(w.slice(), out.shape));
  let maxAbs = 0;
  let maxRel = 0;
  let worst = '';
  let worstScore = -Infinity;
  let ok = true;
  let checked = 0;
  noGrad(() => {
    checkedInputs.forEach((t) => {
      const ti = inputs.indexOf(t);
      const d = t.data;
      for (let i = 0; i < d.length; i++) {
        const orig = d[i];
        d[i] = orig + eps;
        const fp = contract(fn(inputs), w);
        d[i] = orig - eps;
        const fm = contract(fn(inputs), w);
        d[i] = orig;
        const num = (fp - fm) / (2 * eps);
        const ana = t.grad ? t.grad.data[i] : 0;
        const err = Math.abs(ana - num);
        const rel = err / Math.max(Math.abs(num), 1e-12);
        const pass = err <= atol + rtol * Math.abs(num);
        if (!pass) ok = false;
        const score = err - (atol + rtol * Math.abs(num));
        if (score > worstScore) {
          worstScore = score;
          worst = `input ${ti} ${t.toString()} flat index ${i}: autograd ${ana}, numeric ${num}`;
        }
        maxAbs = Math.max(maxAbs, err);
        maxRel = Math.max(maxRel, rel);
        checked++;
      }
    });
  });
  return { ok, maxAbsError: maxAbs, maxRelError: maxRel, worst, checked };
}
