/**
 * What a sweep folder says about its jobs: which finished (a `stage.json` with the job's configuration
 * hash, the same records runStages writes and checks), and each finished job's figures — its result
 * without timings, so two executors (or two machines) give equal figures for the same spec.
 */
import * as path from 'node:path';
import { InputError } from '../../errors.ts';
import { configHash } from '../../io/runs.ts';
import { diffPaths, freshHint, readStage, stageConfig, type Json, type StageRecord } from '../stages.ts';
import type { SweepJob } from './plan.ts';

/** A job's configuration hash and its record when it finished. */
export interface JobRecord {
  hash: string;
  record: StageRecord | null;
}

/**
 * The hash and record of every job (jobs in dependency order). Throws InputError when a job's folder
 * holds results of another configuration, as runStages does, before anything is submitted.
 */
export function jobRecords(jobs: SweepJob[], out: string): Map<string, JobRecord> {
  const res = new Map<string, JobRecord>();
  for (const j of jobs) {
    const depHashes = Object.fromEntries((j.deps ?? []).map((d) => [d, res.get(d)?.hash ?? 'left-out']));
    const config = stageConfig(j, depHashes);
    const hash = configHash(config);
    const record = readStage(path.join(out, j.id));
    if (record && record.config_hash !== hash) {
      throw new InputError(
        `job ${j.id}: ${path.join(out, j.id)} holds results of a different configuration (hash ${record.config_hash}, now ${hash}; differs in ${diffPaths(record.config, config).join(', ')}); ${freshHint(out)}`,
      );
    }
    res.set(j.id, { hash, record });
  }
  return res;
}

function pick(o: Json, keys: string[]): Json {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return o;
  const out: Record<string, Json> = {};
  for (const k of keys) if (k in o) out[k] = o[k];
  return out;
}

/** A finished job's figures: what it measured, without wall times or paths. */
export function figures(job: SweepJob, result: Json): Json {
  switch (job.kind) {
    case 'train':
      return pick(result, ['steps', 'epochs', 'best_epoch', 'stop_reason', 'val_trial_acc', 'per_count_trial_acc', 'hold_out_trial_acc', 'first_step_099']);
    case 'align':
      return pick(result, ['iia', 'iia_ci', 'task_accuracy', 'k0_iia', 'best_iia', 'best_step', 'steps', 'stop_reason']);
    case 'compare': {
      const values = (result as { values?: Record<string, { value: number; std: number }> } | null)?.values ?? {};
      return { rows: (result as { rows?: number } | null)?.rows ?? null, values: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { value: v.value, std: v.std }])) };
    }
  }
}
