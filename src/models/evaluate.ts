/**
 * Behavioural evaluation of a model on trials (tasks.md §3): eval mode, responses free-running for
 * every architecture (models.md §1.3), trial accuracy, task token accuracy, mean cross-entropy over
 * non-pad labels, and accuracy by count.
 */
import { crossEntropy } from '../tensor/ops/loss.ts';
import { noGrad } from '../tensor/tensor.ts';
import { makeBatch, mergeScores, scoreTrials, type SequenceLike, type TrialScores } from '../tasks/sequences.ts';
import { Vocab } from '../tasks/vocab.ts';
import { sampleCountSet } from '../tasks/datasets.ts';
import { allowedCounts, getTask, type Task } from '../tasks/task.ts';
import type { ModelConfig } from './config.ts';
import type { SequenceModel } from './model.ts';
import { MAX_SAMPLES, checkAtMost } from '../limits.ts';

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
  /** Task positions scored, and how many were right. */
  taskPositions: number;
  correctPositions: number;
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
    taskPositions: m.taskPositions,
    correctPositions: m.correctPositions,
  };
}

/** Options of evaluateModel. */
export interface EvaluateModelOptions {
  /** Task id (default: the model's task with its task_config). */
  task?: string;
  /** Total sequences, spread equally over every count min…max (rounded up per count). */
  samples: number;
  /** Data seed. */
  seed: number;
}

/** Accuracy figures of `mas eval --json`. */
export interface ModelEvalReport {
  task: string;
  samples: number;
  seed: number;
  /** Over the training counts (hold-outs excluded). */
  trial_accuracy: number | null;
  token_accuracy: number | null;
  /** Trial accuracy for every count min…max, hold-outs included. */
  by_count: Record<string, number>;
  held_out: { counts: number[]; n: number; trial_accuracy: number | null; token_accuracy: number | null };
  /** Over every sequence. */
  all: { n: number; trial_accuracy: number; token_accuracy: number };
}

/** The task a model's config names, with its task_config (InputError when the config's task is invalid). */
export function ownTask(cfg: ModelConfig): Task {
  const tc = cfg.task_config;
  const own = { hold_outs: tc.hold_outs, min_count: tc.min_count, max_count: tc.max_count, unk_p: tc.unk_p, ...(tc.mod !== undefined ? { mod: tc.mod } : {}), ...(tc.round_to !== undefined ? { round_to: tc.round_to } : {}), ...(tc.max_value !== undefined ? { max_value: tc.max_value } : {}) };
  return getTask(cfg.task, own);
}

/** Evaluate a model on fresh sequences of every count (eval mode, free-running), hold-outs separately. */
export function evaluateModel(model: SequenceModel, o: EvaluateModelOptions): ModelEvalReport {
  checkAtMost('--samples', o.samples, MAX_SAMPLES);
  const cfg = model.config;
  const tc = cfg.task_config;
  const range = { hold_outs: tc.hold_outs, min_count: tc.min_count, max_count: tc.max_count };
  const task = o.task === undefined ? ownTask(cfg) : getTask(o.task, range);
  const counts = allowedCounts(task, true);
  const per = Math.ceil(o.samples / counts.length);
  const trials = sampleCountSet(task, counts, per, o.seed);
  const hold = task.config.hold_outs;
  const inTrain = trials.filter((t) => !hold.includes(t.count));
  const inHold = trials.filter((t) => hold.includes(t.count));
  const a = inTrain.length > 0 ? evaluateTrials(model, inTrain) : null;
  const h = inHold.length > 0 ? evaluateTrials(model, inHold) : null;
  const by = [...(a?.byCount ?? []), ...(h?.byCount ?? [])].sort((x, y) => x.count - y.count);
  const all = evaluateMerged(a, h);
  return {
    task: task.id,
    samples: trials.length,
    seed: o.seed,
    trial_accuracy: a ? a.trialAccuracy : null,
    token_accuracy: a ? a.tokenAccuracy : null,
    by_count: Object.fromEntries(by.map((c) => [String(c.count), c.accuracy])),
    held_out: { counts: [...hold], n: inHold.length, trial_accuracy: h ? h.trialAccuracy : null, token_accuracy: h ? h.tokenAccuracy : null },
    all,
  };
}

function evaluateMerged(a: EvalResult | null, h: EvalResult | null): { n: number; trial_accuracy: number; token_accuracy: number } {
  const parts = [a, h].filter((e): e is EvalResult => e !== null);
  const n = parts.reduce((s, e) => s + e.n, 0);
  const correct = parts.reduce((s, e) => s + e.trialCorrect.filter(Boolean).length, 0);
  const pos = parts.reduce((s, e) => s + e.taskPositions, 0);
  const okPos = parts.reduce((s, e) => s + e.correctPositions, 0);
  return { n, trial_accuracy: n > 0 ? correct / n : 0, token_accuracy: pos > 0 ? okPos / pos : 0 };
}
