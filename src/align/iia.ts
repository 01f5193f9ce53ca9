/**
 * Interchange intervention accuracy, exactly as mas.md §7: the target runs in eval mode on each
 * counterfactual sequence with the intervention, responses free-running for every architecture; a
 * trial is correct iff the argmax equals the counterfactual label at every label position with task
 * mask 1. Also token accuracy, the raw mean CE and CL loss (pooled), a seeded percentile-bootstrap
 * CI, and the baselines (task accuracy without intervention; k = 0 IIA).
 */
import { InputError } from '../errors.ts';
import { evaluateTrials } from '../models/evaluate.ts';
import { noGrad } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import type { AlignedModel, MasData, Split, TupleKey } from './data.ts';
import { lossMask, type ClLossKind, type LossPositions } from './losses.ts';
import { runTuple, type SwapContext } from './tuple.ts';

/** Metrics of one tuple on a set of pairs. */
export interface TupleMetrics {
  /** IIA: fraction of correct trials. */
  iia: number;
  /** Fraction of task positions predicted correctly, pooled. */
  tokenAccuracy: number;
  /** Raw mean CE over the loss positions, pooled over the set. */
  loss: number;
  /** Mean CL loss over successful lookups (NaN when not available: stepwise, or k = 0). */
  clLoss: number;
  /** Per trial: correct or not. */
  correct: boolean[];
}

/** Options of evaluateTuple. */
export interface EvalTupleOptions {
  lossPositions?: LossPositions;
  clKind?: ClLossKind;
  /** Pairs per forward pass (default 500). */
  batchSize?: number;
  /** Evaluate only the first n pairs (default all). */
  n?: number;
  /** Run whole sequences even where the suffix path applies (tuple.ts). */
  fullSequence?: boolean;
}

/** Evaluate one tuple on a whole split (no gradient; responses free-running). */
export function evaluateTuple(data: MasData, key: TupleKey, split: Split, ctx: SwapContext, o: EvalTupleOptions = {}): TupleMetrics {
  const n = Math.min(o.n ?? data.size(split), data.size(split));
  const bs = o.batchSize ?? 500;
  const lp = o.lossPositions ?? 'nonpad';
  let ceSum = 0;
  let ceN = 0;
  let clSum = 0;
  let clN = 0;
  let tok = 0;
  let tokOk = 0;
  const correct: boolean[] = [];
  noGrad(() => {
    for (let s = 0; s < n; s += bs) {
      const idx = Array.from({ length: Math.min(bs, n - s) }, (_, i) => s + i);
      const out = runTuple(data, key, split, idx, ctx, { freeRun: true, lossPositions: lp, clKind: o.clKind ?? 'both', withCl: data.mode === 'indywise', fullSequence: o.fullSequence ?? false });
      let m = 0;
      for (const v of lossMask(out.batch, lp)) m += v;
      ceSum += out.ce.item() * m;
      ceN += m;
      if (out.cl) {
        const tb = data.get(key, split);
        let k = 0;
        for (const i of idx) k += tb.clOk?.[i] ?? 0;
        clSum += out.cl.item() * k;
        clN += k;
      }
      tok += out.scores.taskPositions;
      tokOk += out.scores.correctPositions;
      correct.push(...out.scores.trialCorrect);
    }
  });
  if (correct.length === 0) throw new InputError('evaluateTuple: no pairs');
  return {
    iia: correct.filter(Boolean).length / correct.length,
    tokenAccuracy: tok > 0 ? tokOk / tok : 0,
    loss: ceN > 0 ? ceSum / ceN : 0,
    clLoss: clN > 0 ? clSum / clN : NaN,
    correct,
  };
}

/**
 * Percentile bootstrap confidence interval of the fraction of true values: `resamples` resamples of
 * the trials with replacement, drawn from an Rng seeded by `seed`.
 */
export function bootstrapCi(correct: readonly boolean[], seed: number, resamples = 1000, level = 0.95): [number, number] {
  const n = correct.length;
  if (n === 0) throw new InputError('bootstrapCi: no trials');
  if (!(level > 0 && level < 1)) throw new InputError(`bootstrapCi: level must be in (0, 1), got ${level}`);
  const rng = new Rng(seed);
  const stats = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let c = 0;
    for (let i = 0; i < n; i++) if (correct[rng.int(n)]) c++;
    stats[r] = c / n;
  }
  stats.sort();
  const a = (1 - level) / 2;
  const q = (p: number): number => {
    const x = p * (resamples - 1);
    const lo = Math.floor(x);
    const hi = Math.min(lo + 1, resamples - 1);
    return stats[lo] + (x - lo) * (stats[hi] - stats[lo]);
  };
  return [q(a), q(1 - a)];
}

/** Task accuracy (trial accuracy without intervention, responses free-running) of a model on its own MAS validation sequences. */
export function taskAccuracy(m: AlignedModel): number {
  return evaluateTrials(m.model, m.valid).trialAccuracy;
}
