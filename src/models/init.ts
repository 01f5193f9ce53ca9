/**
 * Parameter initialization following PyTorch's defaults in distribution (models.md §7). Each tensor
 * draws from its own stream `rng.fork(name)`, so adding or reordering tensors never shifts the others.
 */
import { Tensor } from '../tensor/tensor.ts';
import type { Rng } from '../util/rng.ts';
import { parameterShapes, type ModelConfig } from './config.ts';

/** The distribution PyTorch would use for the named tensor of a model. */
export function initSpec(cfg: ModelConfig, name: string, shape: readonly number[]): { kind: 'normal' | 'uniform' | 'const'; a: number } {
  if (name === 'embedding.weight') return { kind: 'normal', a: 1 };
  if (/(^|\.)ln\d?\.weight$|^final_ln\.weight$|\.ln1\.weight$|\.ln2\.weight$/.test(name)) return { kind: 'const', a: 1 };
  if (/(^|\.)ln\d?\.bias$|^final_ln\.bias$/.test(name)) return { kind: 'const', a: 0 };
  if (name.startsWith('cell.') && cfg.arch !== 'transformer') return { kind: 'uniform', a: 1 / Math.sqrt(cfg.hidden) };
  if (/\.attn\.[qkvo]\.weight$/.test(name)) return { kind: 'uniform', a: Math.sqrt(6 / (shape[0] + shape[1])) };
  // Linear layers: weight [out, in] and bias [out] both U(±1/√fan_in), fan_in = in of the weight.
  const fanIn = name.endsWith('.weight') ? shape[1] : linearFanIn(cfg, name);
  return { kind: 'uniform', a: 1 / Math.sqrt(fanIn) };
}

function linearFanIn(cfg: ModelConfig, biasName: string): number {
  const wName = biasName.replace(/\.bias$/, '.weight');
  const w = parameterShapes(cfg).find(([n]) => n === wName);
  if (!w) throw new Error(`initSpec: no weight for bias '${biasName}'`);
  return w[1][1];
}

/** Fresh float32 parameters for a config, named as in models.md §6.2, drawn from `rng`. */
export function initParameters(cfg: ModelConfig, rng: Rng): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [name, shape] of parameterShapes(cfg)) {
    const spec = initSpec(cfg, name, shape);
    const r = rng.fork(`init:${name}`);
    let t: Tensor;
    if (spec.kind === 'normal') t = Tensor.randn(shape, r, spec.a);
    else if (spec.kind === 'uniform') t = Tensor.uniform(shape, r, -spec.a, spec.a);
    else t = Tensor.full(shape, spec.a);
    out.set(name, t.param(name));
  }
  return out;
}
