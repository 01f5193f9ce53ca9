/**
 * Data sets (tasks.md §5): training/validation/hold-out/per-count sets for training a model, MAS
 * train/validation splits, and the RSA/CKA stimuli. Every split draws from its own generator, derived
 * from an explicit seed and the split's name.
 */

import { InputError } from '../errors.ts';
import { Rng } from '../util/rng.ts';
import type { Trial } from './sequences.ts';
import { sampleTrial } from './sequences.ts';
import type { Task } from './task.ts';
import { allowedCounts, getTask, withCausalModel } from './task.ts';

/** A seed, or a generator to draw from (advanced in place). */
export type SeedLike = number | Rng;

function toRng(seed: SeedLike, label: string): Rng {
  return typeof seed === 'number' ? new Rng(seed).fork(label) : seed;
}

/** Options of sampleDataset. */
export interface DatasetOptions {
  /** Number of trials. */
  readonly n: number;
  /** Seed (forked with the label 'dataset') or a generator used directly. */
  readonly seed: SeedLike;
  /** Counts to draw N from uniformly; default: the task's allowed set A. */
  readonly counts?: readonly number[];
  /** With no `counts`: draw from min..max including the hold-outs (default false: A). */
  readonly includeHoldOuts?: boolean;
}

/** n trials, each with N drawn uniformly from the given counts (default A, tasks.md §5.1). */
export function sampleDataset(task: Task, opts: DatasetOptions): Trial[] {
  if (!Number.isInteger(opts.n) || opts.n < 0) throw new InputError(`sampleDataset: n must be an integer ≥ 0, got ${opts.n}`);
  const counts = opts.counts ?? allowedCounts(task, opts.includeHoldOuts ?? false);
  if (counts.length === 0) throw new InputError(`sampleDataset: no counts to draw from for task '${task.id}'`);
  const rng = toRng(opts.seed, 'dataset');
  const out: Trial[] = [];
  for (let i = 0; i < opts.n; i++) out.push(sampleTrial(task, rng.choice(counts), rng));
  return out;
}

/** perCount trials for each count in order (count-major): the hold-out test and per-count report sets. */
export function sampleCountSet(task: Task, counts: readonly number[], perCount: number, seed: SeedLike): Trial[] {
  const rng = toRng(seed, 'count-set');
  const out: Trial[] = [];
  for (const c of counts) for (let i = 0; i < perCount; i++) out.push(sampleTrial(task, c, rng));
  return out;
}

/** Sizes of the training-data splits (tasks.md §5.2). */
export interface TrainingSizes {
  readonly train: number;
  readonly valid: number;
  readonly holdOutPerCount: number;
  readonly reportPerCount: number;
}

/** Defaults of tasks.md §5.2: 1,000 / 500 / 50 per hold-out count / 50 per count. */
export const TRAINING_SIZES: TrainingSizes = Object.freeze({ train: 1000, valid: 500, holdOutPerCount: 50, reportPerCount: 50 });

/** The four data sets for training one model. */
export interface TrainingData {
  /** Counts in A. */
  readonly train: Trial[];
  /** Counts in A; checkpoint selection and early stopping. */
  readonly valid: Trial[];
  /** holdOutPerCount per held-out count, count-major; reported separately. */
  readonly holdOut: Trial[];
  /** reportPerCount per count min..max, count-major; final per-count report. */
  readonly perCount: Trial[];
}

/** Training, validation, hold-out test and per-count report sets for one model (tasks.md §5.2). */
export function makeTrainingData(task: Task, seed: number, sizes: Partial<TrainingSizes> = {}): TrainingData {
  const z = { ...TRAINING_SIZES, ...sizes };
  const root = new Rng(seed);
  return {
    train: sampleDataset(task, { n: z.train, seed: root.fork('train') }),
    valid: sampleDataset(task, { n: z.valid, seed: root.fork('valid') }),
    holdOut: sampleCountSet(task, task.config.hold_outs, z.holdOutPerCount, root.fork('hold-out')),
    perCount: sampleCountSet(task, allowedCounts(task, true), z.reportPerCount, root.fork('per-count')),
  };
}

/** Options of makeMasData. */
export interface MasDataOptions {
  readonly seed: number;
  /** Training sequences (default 10,000). */
  readonly nTrain?: number;
  /** Validation sequences (default 1,000). */
  readonly nValid?: number;
  /** Optional MAS hold-outs H: train uses counts not in H, validation only counts in H. */
  readonly holdOuts?: readonly number[];
}

/** The MAS task of a model's task: same id and variant settings, no hold-outs, unk_p = 0 (tasks.md §5.3). */
export function masTask(task: Task): Task {
  const { min_count, max_count, mod, round_to, max_value } = task.config;
  const t = getTask(task.id, { min_count, max_count, hold_outs: [], unk_p: 0, mod, round_to, max_value });
  return task.causalModel ? withCausalModel(t, task.causalModel) : t;
}

/** MAS train/validation splits of one model's own task (tasks.md §5.3): all counts, unk_p 0, independent draws. */
export function makeMasData(task: Task, opts: MasDataOptions): { task: Task; train: Trial[]; valid: Trial[] } {
  const t = masTask(task);
  const all = allowedCounts(t, true);
  const H = opts.holdOuts ?? [];
  for (const h of H) if (!all.includes(h)) throw new InputError(`makeMasData: hold-out ${h} is outside ${all[0]}..${all[all.length - 1]}`);
  const trainCounts = H.length ? all.filter((c) => !H.includes(c)) : all;
  const validCounts = H.length ? all.filter((c) => H.includes(c)) : all;
  if (trainCounts.length === 0) throw new InputError('makeMasData: the MAS hold-outs leave no training counts');
  const root = new Rng(opts.seed);
  return {
    task: t,
    train: sampleDataset(t, { n: opts.nTrain ?? 10_000, seed: root.fork('mas-train'), counts: trainCounts }),
    valid: sampleDataset(t, { n: opts.nValid ?? 1_000, seed: root.fork('mas-valid'), counts: validCounts }),
  };
}

/** RSA/CKA stimuli (tasks.md §5.4): perCount multi-object trials (unk_p 0) for each N = 1..20, count-major. */
export function makeStimuli(seed: number, perCount = 15, taskId = 'multi-object'): Trial[] {
  const t = getTask(taskId, { hold_outs: [], unk_p: 0 });
  return sampleCountSet(t, allowedCounts(t, true), perCount, new Rng(seed).fork('stimuli'));
}
