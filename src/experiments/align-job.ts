/**
 * The alignment job of an experiment stage: one run of src/align (DAS, MAS, stitching, CLMAS) between
 * model folders of the experiment, written into the stage folder (config.json, metrics.csv, result.json,
 * summary.json, alignment.*). An interrupted run resumes from its checkpoint.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAlign } from '../align/run.ts';
import type { Method } from '../align/methods.ts';
import type { JobContext, Json } from './types.ts';

/** Arguments of an alignment job (mas.md §5–§6; unset fields take the library defaults). */
export interface AlignJobArgs {
  method: Extract<Method, 'mas' | 'das' | 'unidirectional' | 'stitch' | 'clmas'>;
  /** Model folders relative to the experiment folder. */
  models: string[];
  layer: string;
  /** Per-model hook points (one per model), overriding `layer`. */
  layers?: string[];
  /** Subspace size k (stitching: the rank). */
  k: number;
  variable: string;
  /** Blocks with per-model names (e.g. [['count', 'cumu_val']]), overriding `variable`. */
  variables?: (string | string[])[];
  /** Value filter: pairs only where the swapped variables lie in [lo, hi] (the reference's keep_varb_vals). */
  values?: [number, number];
  steps: number;
  batchSize?: number;
  lr?: number;
  nTrain?: number;
  nValid?: number;
  validateEvery?: number;
  /** CL weight ε (CLMAS). */
  clEps?: number;
  /** Label positions of the behavioural loss (mas.md §6.1; library default 'nonpad'). */
  lossPositions?: 'nonpad' | 'post' | 'task';
  /** Intervention mode (library default: stepwise at the embedding, else indywise). */
  mode?: 'indywise' | 'stepwise';
  seed: number;
}

/** Run one alignment into the stage folder and return its result.json. */
export function runAlignJob(a: AlignJobArgs, ctx: JobContext): Json {
  const resume = fs.existsSync(path.join(ctx.dir, 'config.json'));
  const r = runAlign({
    modelDirs: a.models.map((m) => path.join(ctx.root, m)),
    settings: {
      method: a.method,
      layer: a.layers ?? a.layer,
      variables: a.variables ?? [a.variable],
      ...(a.values !== undefined ? { values: a.values } : {}),
      subspace: a.k,
      steps: a.steps,
      ...(a.batchSize !== undefined ? { batch: a.batchSize } : {}),
      ...(a.lr !== undefined ? { lr: a.lr } : {}),
      ...(a.nTrain !== undefined ? { trainPairs: a.nTrain } : {}),
      ...(a.nValid !== undefined ? { validPairs: a.nValid } : {}),
      ...(a.validateEvery !== undefined ? { validEvery: a.validateEvery } : {}),
      ...(a.clEps !== undefined ? { clWeight: a.clEps } : {}),
      ...(a.lossPositions !== undefined ? { lossPositions: a.lossPositions } : {}),
      ...(a.mode !== undefined ? { mode: a.mode } : {}),
      seed: a.seed,
    },
    out: ctx.dir,
    resume,
    quiet: ctx.quiet,
  });
  return JSON.parse(JSON.stringify({ ...r, out: undefined }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as Json;
}
