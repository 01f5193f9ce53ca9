/**
 * Trials, batches and trial-level metrics (tasks.md §3, §5.1).
 *
 * A Trial holds token strings, so one trial can be tokenized with any model's vocabulary. A batch is
 * built for one vocabulary: right-padded with `P`, inputs = seq[0..L−2], labels = seq[1..L−1].
 */

import { InputError, ShapeError } from '../errors.ts';
import type { Rng } from '../util/rng.ts';
import { ArithmeticModel } from './arithmetic.ts';
import type { CausalModel } from './causal.ts';
import { CountUpDown, generate } from './causal.ts';
import { CountUpIncr, CountUpUp, IncrementUpUp } from './counting.ts';
import type { Task } from './task.ts';
import { allowedCounts } from './task.ts';
import type { Vocab } from './vocab.ts';
import { EOS, PAD } from './vocab.ts';

/** One sequence: tokens `B … E`, its task mask (1 on response-phase emissions), and its count N (arithmetic: r). */
export interface Trial {
  readonly tokens: readonly string[];
  readonly taskMask: Uint8Array;
  readonly count: number;
}

/** The causal model that generates a task (Count-Up-Down variants, arithmetic, or the task's `causalModel`). */
export function causalModelFor(task: Task): CausalModel {
  if (task.base === 'arithmetic') return new ArithmeticModel(task);
  switch (task.causalModel ?? 'count-up-down') {
    case 'count-up-up':
      return new CountUpUp(task);
    case 'count-up-incr':
      return new CountUpIncr(task);
    case 'increment-up-up':
      return new IncrementUpUp(task);
    default:
      return new CountUpDown(task);
  }
}

const modelCache = new WeakMap<Task, CausalModel>();

/** Cached causal model of a task object. */
export function modelOf(task: Task): CausalModel {
  let m = modelCache.get(task);
  if (!m) {
    m = causalModelFor(task);
    modelCache.set(task, m);
  }
  return m;
}

/** Draw N uniformly from the allowed set A (hold-outs excluded unless includeHoldOuts). */
export function sampleCount(task: Task, rng: Rng, includeHoldOuts = false): number {
  return rng.choice(allowedCounts(task, includeHoldOuts));
}

/** Generate one trial with count N by running the task's causal model (tasks.md §4.2). */
export function sampleTrial(task: Task, count: number, rng: Rng): Trial {
  const { tokens, mask } = generate(modelOf(task), count, rng);
  return { tokens, taskMask: mask, count };
}

/** A right-padded batch for one vocabulary; every per-position array is [batch * steps], row-major. */
export interface SequenceBatch {
  readonly batch: number;
  /** T = max(length) − 1 (or the requested steps). */
  readonly steps: number;
  /** Input token ids, seq[0..L−2] then P. */
  readonly tokens: Int32Array;
  /** Input task mask, mask[0..L−2] then 0. */
  readonly inputMask: Uint8Array;
  /** Label ids: labels[t] = seq[t+1], P past the end. */
  readonly labels: Int32Array;
  /** Label task mask: 1 at task positions (labels scored for trial correctness). */
  readonly labelMask: Uint8Array;
  /** 1 where the label is not P (the positions of the default "nonpad" loss). */
  readonly labelValid: Uint8Array;
  /** 1 where the input token is P or E: the model carries its state there (models.md §1.3). */
  readonly pad: Uint8Array;
  /** Sequence lengths L. */
  readonly lengths: Int32Array;
  /** Count N (arithmetic: r) of each row. */
  readonly counts: Int32Array;
}

/** A sequence accepted by makeBatch: token strings plus task mask; count optional (−1 if absent). */
export interface SequenceLike {
  readonly tokens: readonly string[];
  readonly taskMask: ArrayLike<number>;
  readonly count?: number;
}

/** Right-pad sequences with P and shift them into inputs and labels (tasks.md §3), tokenized with vocab. */
export function makeBatch(seqs: readonly SequenceLike[], vocab: Vocab, opts: { steps?: number } = {}): SequenceBatch {
  if (seqs.length === 0) throw new InputError('makeBatch: no sequences');
  let maxLen = 0;
  seqs.forEach((s, b) => {
    if (s.tokens.length < 2) throw new InputError(`makeBatch: sequence ${b} has ${s.tokens.length} tokens; need at least 2`);
    if (s.taskMask.length !== s.tokens.length) {
      throw new ShapeError(`makeBatch: sequence ${b} has ${s.tokens.length} tokens but a task mask of length ${s.taskMask.length}`);
    }
    maxLen = Math.max(maxLen, s.tokens.length);
  });
  const T = opts.steps ?? maxLen - 1;
  if (T < maxLen - 1) throw new InputError(`makeBatch: steps ${T} < longest sequence length − 1 = ${maxLen - 1}`);
  const B = seqs.length;
  const padId = vocab.id(PAD);
  const eosId = vocab.id(EOS);
  const tokens = new Int32Array(B * T).fill(padId);
  const labels = new Int32Array(B * T).fill(padId);
  const inputMask = new Uint8Array(B * T);
  const labelMask = new Uint8Array(B * T);
  const labelValid = new Uint8Array(B * T);
  const pad = new Uint8Array(B * T).fill(1);
  const lengths = new Int32Array(B);
  const counts = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const s = seqs[b];
    let ids: Int32Array;
    try {
      ids = vocab.ids(s.tokens);
    } catch (e) {
      throw new InputError(`makeBatch: sequence ${b}: ${(e as Error).message}`);
    }
    const L = ids.length;
    lengths[b] = L;
    counts[b] = s.count ?? -1;
    const o = b * T;
    for (let t = 0; t < L - 1; t++) {
      tokens[o + t] = ids[t];
      labels[o + t] = ids[t + 1];
      inputMask[o + t] = s.taskMask[t] ? 1 : 0;
      labelMask[o + t] = s.taskMask[t + 1] ? 1 : 0;
      labelValid[o + t] = ids[t + 1] === padId ? 0 : 1;
      pad[o + t] = ids[t] === padId || ids[t] === eosId ? 1 : 0;
    }
  }
  return { batch: B, steps: T, tokens, inputMask, labels, labelMask, labelValid, pad, lengths, counts };
}

/** Trial accuracy for one count value. */
export interface CountScore {
  readonly count: number;
  readonly n: number;
  readonly correct: number;
  readonly accuracy: number;
}

/** Result of scoreTrials. */
export interface TrialScores {
  /** Per row: argmax equals the label at every task position. */
  readonly trialCorrect: boolean[];
  /** Fraction of correct trials. */
  readonly trialAccuracy: number;
  /** Fraction of task positions predicted correctly, pooled over the batch. */
  readonly tokenAccuracy: number;
  /** Number of task positions scored. */
  readonly taskPositions: number;
  /** Number of task positions predicted correctly. */
  readonly correctPositions: number;
  /** Trial accuracy per count, ascending by count. */
  readonly byCount: CountScore[];
}

/**
 * Score argmax predictions [B*T] against a batch (tasks.md §3): a trial is correct iff the prediction
 * equals the label at every position with label task mask 1 (all responses and `E`; `T` and demo
 * labels are never scored).
 */
export function scoreTrials(predictions: ArrayLike<number>, batch: SequenceBatch): TrialScores {
  const { batch: B, steps: T } = batch;
  if (predictions.length !== B * T) {
    throw new ShapeError(`scoreTrials: predictions have length ${predictions.length}, batch is [${B}, ${T}] = ${B * T}`);
  }
  const trialCorrect = new Array<boolean>(B);
  let nTok = 0;
  let okTok = 0;
  const per = new Map<number, { n: number; correct: number }>();
  for (let b = 0; b < B; b++) {
    let ok = true;
    for (let t = 0, i = b * T; t < T; t++, i++) {
      if (!batch.labelMask[i]) continue;
      nTok++;
      if (predictions[i] === batch.labels[i]) okTok++;
      else ok = false;
    }
    trialCorrect[b] = ok;
    const c = batch.counts[b];
    const e = per.get(c) ?? { n: 0, correct: 0 };
    e.n++;
    if (ok) e.correct++;
    per.set(c, e);
  }
  const nCorrect = trialCorrect.filter(Boolean).length;
  const byCount = [...per.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([count, e]) => ({ count, n: e.n, correct: e.correct, accuracy: e.correct / e.n }));
  return {
    trialCorrect,
    trialAccuracy: nCorrect / B,
    tokenAccuracy: nTok > 0 ? okTok / nTok : 0,
    taskPositions: nTok,
    correctPositions: okTok,
    byCount,
  };
}

/** Combine scores of several batches (pooled trials and task positions). */
export function mergeScores(parts: readonly TrialScores[]): TrialScores {
  const trialCorrect = parts.flatMap((p) => p.trialCorrect);
  let nTok = 0;
  let okTok = 0;
  const per = new Map<number, { n: number; correct: number }>();
  for (const p of parts) {
    nTok += p.taskPositions;
    okTok += p.correctPositions;
    for (const c of p.byCount) {
      const e = per.get(c.count) ?? { n: 0, correct: 0 };
      e.n += c.n;
      e.correct += c.correct;
      per.set(c.count, e);
    }
  }
  const n = trialCorrect.length;
  return {
    trialCorrect,
    trialAccuracy: n > 0 ? trialCorrect.filter(Boolean).length / n : 0,
    tokenAccuracy: nTok > 0 ? okTok / nTok : 0,
    taskPositions: nTok,
    correctPositions: okTok,
    byCount: [...per.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([count, e]) => ({ count, n: e.n, correct: e.correct, accuracy: e.correct / e.n })),
  };
}

/** Task positions of one trial's labels: indices t (0-based label positions) where taskMask[t+1] = 1. */
export function taskPositions(trial: SequenceLike): number[] {
  const out: number[] = [];
  for (let t = 0; t + 1 < trial.tokens.length; t++) if (trial.taskMask[t + 1]) out.push(t);
  return out;
}
