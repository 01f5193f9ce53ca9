/**
 * Correlative similarity between trained models on the reference stimuli (tasks.md §5.4): 15 multi-object
 * sequences per count 1–20, each model run fully teacher-forced in eval mode, the hooked vectors at every
 * non-P position stacked in the same row order for both models, then each measure averaged over seeded
 * random 1,000-row subsamples (the reference protocol, similarity.md §1.5). One seed S drives both the
 * stimuli (`makeStimuli(S)`) and the subsamples (`similarity(…, {subsample: {seed: S}})`), so the values
 * equal `mas activations` + `mas similarity --subsample 1000 --runs 10 --seed S` on the same stimuli.
 */
import { InputError } from '../errors.ts';
import { recordActivations } from '../models/activations.ts';
import { loadModel } from '../models/folder.ts';
import type { SequenceModel } from '../models/model.ts';
import { resolveMeasure, similarity } from '../similarity/index.ts';
import { makeStimuli } from '../tasks/datasets.ts';
import type { Mat } from '../tensor/linalg.ts';

/** Options of compareModels. */
export interface CompareOptions {
  /** Model folders (two or more; every pair is compared). */
  models: string[];
  /** Hook point (`layer.0`, `embedding`, aliases). */
  layer: string;
  /** Measure ids or aliases. */
  measures: string[];
  /** Rows per subsample (default 1,000; 0 = use all rows once). */
  subsample?: number;
  /** Subsamples averaged (default 10). */
  runs?: number;
  /** Seed of the stimuli and the subsample draws (default 0). */
  seed?: number;
  /** Stimuli per count (default 15). */
  perCount?: number;
  /** Task of the stimuli (default multi-object). */
  task?: string;
}

/** One measure's value for one model pair. */
export interface PairValue {
  id: string;
  value: number;
  /** Standard deviation over the subsamples (0 without subsampling). */
  std: number;
  kind: string;
}

/** Result of compareModels. */
export interface CompareResult {
  layer: string;
  rows: number;
  widths: number[];
  /** One entry per model pair (i < j). */
  pairs: { a: number; b: number; values: Record<string, PairValue> }[];
  subsample: { size: number; runs: number; seed: number } | null;
  /** `counts`: the smallest and largest object count among the stimuli (for report captions). */
  stimuli: { task: string; perCount: number; seed: number; sequences: number; counts: [number, number] };
}

/** Teacher-forced activations of a model on the stimuli, as a float64 (rows × width) matrix. */
export function stimulusActivations(model: SequenceModel, sequences: readonly (readonly string[])[], layer: string): Mat {
  const t = recordActivations(model, sequences, layer);
  return { rows: t.shape[0], cols: t.shape[1], data: Float64Array.from(t.data) };
}

/** Compare every pair of the given models with every measure (see the module comment). */
export function compareModels(o: CompareOptions): CompareResult {
  if (o.models.length < 2) throw new InputError(`compare: needs at least two model folders, got ${o.models.length}`);
  if (o.measures.length === 0) throw new InputError('compare: no measures given');
  const measures = o.measures.map((m) => ({ name: m, id: resolveMeasure(m).meta.id }));
  const seed = o.seed ?? 0;
  const perCount = o.perCount ?? 15;
  const task = o.task ?? 'multi-object';
  if (!Number.isInteger(perCount) || perCount < 1) throw new InputError(`compare: perCount must be a positive integer, got ${perCount}`);
  const trials = makeStimuli(seed, perCount, task);
  const sequences = trials.map((t) => t.tokens);
  const mats = o.models.map((dir) => stimulusActivations(loadModel(dir), sequences, o.layer));
  const rows = mats[0].rows;
  const size = o.subsample ?? 1000;
  const runs = o.runs ?? 10;
  if (!Number.isInteger(size) || size < 0) throw new InputError(`compare: subsample must be an integer ≥ 0, got ${size}`);
  if (!Number.isInteger(runs) || runs < 1) throw new InputError(`compare: runs must be a positive integer, got ${runs}`);
  const sub = size > 0 && size < rows ? { size, runs, seed } : null;
  const pairs: CompareResult['pairs'] = [];
  for (let a = 0; a < mats.length; a++) {
    for (let b = a + 1; b < mats.length; b++) {
      const values: Record<string, PairValue> = {};
      for (const m of measures) {
        const r = similarity(m.id, mats[a], mats[b], { seed, ...(sub ? { subsample: sub } : {}) });
        const std = typeof r.details.std === 'number' ? r.details.std : 0;
        values[m.name] = { id: r.id, value: r.value, std, kind: r.kind };
      }
      pairs.push({ a, b, values });
    }
  }
  return {
    layer: o.layer,
    rows,
    widths: mats.map((m) => m.cols),
    pairs,
    subsample: sub,
    stimuli: { task, perCount, seed, sequences: sequences.length, counts: [Math.min(...trials.map((t) => t.count)), Math.max(...trials.map((t) => t.count))] },
  };
}
