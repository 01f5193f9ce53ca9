/**
 * Behavioural evaluation of a model on trials (tasks.md §3): eval mode, responses free-running for
 * every architecture (models.md §1.3), trial accuracy, task token accuracy, mean cross-entropy over
 * non-pad labels, and accuracy by count.
 */
import { crossEntropy } from '../tensor/ops/loss.ts';
import { noGrad } from '../tensor/tensor.ts';
import { makeBatch, mergeScores, scoreTrials, type SequenceLike, type TrialScores } from '../tasks/sequences.ts';
import { Vocab } from '../tasks/vocab.ts';
import type { SequenceModel } from './model.ts';

/** Result of evaluateTrials. */
export interface EvalResult {
  /** Number of trials. */
  n: number;
  /** Mean cross-entropy over every label that is not `P`. */
  loss: number;
  trialAccuracy: number;
  tokenAccuracy: number;
  /** Trial accuracy per count, ascending. */
  byCount: TrialScores['byCount'];
  /** Per trial: correct or not, in input order. */
  trialCorrect: boolean[];
}

/** Options of evaluateTrials. */
export interface EvalOptions {
  /** Sequences per forward pass (default 500). */
  batchSize?: number;
  /** Run free in the response phase (default true: the behavioural definition). */
  freeRun?: boolean;
}

/** The Vocab object of a model's config. */
export function modelVocab(model: SequenceModel): Vocab {
  return Vocab.fromList(model.config.vocab);
}

/** Evaluate a model on trials in eval mode (no dropout, no gradient). */
export function evaluateTrials(model: SequenceModel, trials: readonly SequenceLike[], opts: EvalOptions = {}): EvalResult {
  const bs = opts.batchSize ?? 500;
  const vocab = modelVocab(model);
  const parts: TrialScores[] = [];
  let lossSum = 0;
  let lossN = 0;
  noGrad(() => {
    for (let s = 0; s < trials.length; s += bs) {
      const batch = makeBatch(trials.slice(s, s + bs), vocab);
      const res = model.forward(batch, { mode: 'eval', freeRun: opts.freeRun ?? true });
      lossSum += crossEntropy(res.logits, batch.labels, { mask: batch.labelValid, reduction: 'sum' }).item();
      for (const v of batch.labelValid) lossN += v;
      parts.push(scoreTrials(res.predictions, batch));
    }
  });
  const m = mergeScores(parts);
  return {
    n: trials.length,
    loss: lossN > 0 ? lossSum / lossN : 0,
    trialAccuracy: m.trialAccuracy,
    tokenAccuracy: m.tokenAccuracy,
    byCount: m.byCount,
    trialCorrect: m.trialCorrect,
  };
}
