/**
 * The jobs an experiment stage can run: train a model, align models (DAS, MAS, stitching, CLMAS), compare
 * models with correlative measures. Each job writes into its stage folder and returns a small JSON result
 * (what the summary and the report need). Paths inside job arguments are relative to the experiment
 * folder, so a configuration hash does not depend on where the folder lives. Jobs run in-process or in a
 * worker thread (pool.ts), so their arguments and results are plain JSON.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.ts';
import { writeJsonAtomic } from '../io/atomic.ts';
import { trainModel, type TrainOptions } from '../models/train.ts';
import { runAlignJob, type AlignJobArgs } from './align-job.ts';
import { compareModels } from './compare.ts';
import type { JobContext, Json } from './types.ts';
import { runUnwantedJob, type UnwantedJobArgs } from './unwanted.ts';

/**
 * Arguments of a training job: trainModel's options minus what the stage runner supplies (folder,
 * output) and the non-JSON test hook, so they can be config-hashed (unset fields take the defaults).
 */
export type TrainJobArgs = Omit<TrainOptions, 'out' | 'quiet' | 'onCheckpoint'>;

/** Arguments of a similarity job: every measure between two model folders on the stimuli. */
export interface SimilarityJobArgs {
  /** Model folders relative to the experiment folder. */
  models: [string, string];
  layer: string;
  measures: string[];
  subsample: number;
  runs: number;
  seed: number;
  perCount: number;
}

/** A job and its arguments. */
export type JobSpec =
  | { kind: 'train'; args: TrainJobArgs }
  | { kind: 'align'; args: AlignJobArgs }
  | { kind: 'similarity'; args: SimilarityJobArgs }
  | { kind: 'unwanted'; args: UnwantedJobArgs };

export type { JobContext } from './types.ts';

/** Train one model into the stage folder; resumes from its checkpoint after an interruption. */
export function runTrainJob(a: TrainJobArgs, ctx: JobContext): Json {
  // trainModel resumes from <dir>/checkpoint; a folder left without one holds nothing worth keeping.
  if (fs.existsSync(ctx.dir) && !fs.existsSync(path.join(ctx.dir, 'checkpoint', 'state.safetensors'))) fs.rmSync(ctx.dir, { recursive: true, force: true });
  const r = trainModel({ ...a, out: ctx.dir, quiet: ctx.quiet });
  const perCount = r.report.per_count as { trial_accuracy: number };
  const holdOut = r.report.hold_out as { trial_accuracy: number | null };
  const best = r.rows.find((row) => row.epoch === r.bestEpoch) ?? r.rows[r.rows.length - 1];
  const first = r.rows.find((row) => row.val_trial_acc >= 0.99);
  return {
    arch: a.arch,
    seed: a.seed,
    steps: r.steps,
    epochs: r.epochsRun,
    best_epoch: r.bestEpoch,
    stop_reason: r.stopReason,
    val_trial_acc: best ? best.val_trial_acc : null,
    per_count_trial_acc: perCount.trial_accuracy,
    hold_out_trial_acc: holdOut.trial_accuracy,
    first_step_099: first ? first.step : null,
    wall_s: Math.round(r.wallSeconds * 10) / 10,
  };
}

/** Compare two models on the stimuli; writes `similarity.json` into the stage folder. */
export function runSimilarityJob(a: SimilarityJobArgs, ctx: JobContext): Json {
  const models = a.models.map((m) => path.join(ctx.root, m));
  const t0 = performance.now();
  const r = compareModels({ models, layer: a.layer, measures: a.measures, subsample: a.subsample, runs: a.runs, seed: a.seed, perCount: a.perCount });
  const values: Record<string, { value: number; std: number; kind: string }> = {};
  for (const [name, v] of Object.entries(r.pairs[0].values)) values[name] = { value: v.value, std: v.std, kind: v.kind };
  const doc = {
    format: 'mas-similarity/1',
    models: a.models,
    layer: a.layer,
    rows: r.rows,
    widths: r.widths,
    stimuli: r.stimuli,
    subsample: r.subsample,
    values,
    wall_s: Math.round((performance.now() - t0) / 100) / 10,
  };
  fs.mkdirSync(ctx.dir, { recursive: true });
  writeJsonAtomic(path.join(ctx.dir, 'similarity.json'), doc);
  return doc as unknown as Json;
}

/** Run a job (in this thread). */
export async function runJob(job: JobSpec, ctx: JobContext): Promise<Json> {
  switch (job.kind) {
    case 'train':
      return runTrainJob(job.args, ctx);
    case 'similarity':
      return runSimilarityJob(job.args, ctx);
    case 'align':
      return runAlignJob(job.args, ctx);
    case 'unwanted':
      return runUnwantedJob(job.args, ctx) as unknown as Json;
    default:
      throw new InputError(`unknown experiment job kind '${(job as { kind: string }).kind}'`);
  }
}
