/**
 * `mas sweep status DIR`: every job of a sweep folder with its state — from Slurm for jobs it still
 * knows (PENDING, RUNNING, FAILED, …), otherwise from the stage records (COMPLETED) — and the figures of
 * the finished ones.
 */
import * as path from 'node:path';
import { MasError } from '../../errors.ts';
import { readPlan, readSweepRecord } from './folder.ts';
import { jsonLine, sweepResults, type JobRow, type SweepJsonLine } from './gather.ts';
import { rowsFor, scancelHint } from './run.ts';
import { slurm, TERMINAL, type Scheduler, type TaskState } from './slurm.ts';

/** What `mas sweep status` reports. */
export interface SweepStatus {
  name: string;
  executor: string;
  rows: JobRow[];
  json: SweepJsonLine;
  /** Why Slurm was not asked (no submissions, or no controller answers). */
  slurmNote: string | null;
  /** The scancel command for arrays with jobs still queued or running. */
  cancel: string | null;
}

/** The status of the sweep in `out`. */
export async function sweepStatus(out: string, sched: Scheduler = slurm): Promise<SweepStatus> {
  const dir = path.resolve(out);
  const plan = readPlan(dir);
  const rec = readSweepRecord(dir);
  const subs = rec?.submissions ?? [];
  const states = new Map<string, TaskState>();
  let note: string | null = null;
  let live: TaskState[] = [];
  if (subs.length > 0) {
    try {
      sched.check();
      const tasks = await sched.query([...new Set(subs.map((s) => s.array_id))]);
      for (const s of subs) {
        s.names.forEach((n, i) => {
          const t = tasks.find((x) => x.arrayId === s.array_id && x.index === i);
          if (t) states.set(n, t);
        });
      }
      live = tasks.filter((t) => !TERMINAL.has(t.state));
    } catch (err) {
      if (!(err instanceof MasError)) throw err;
      note = `Slurm not asked: ${err.message}`;
    }
  }
  const rows = rowsFor(plan.jobs, dir, subs, states);
  return {
    name: plan.name,
    executor: rec?.executor ?? 'unknown',
    rows,
    json: jsonLine(rows, sweepResults(plan.jobs, dir)),
    slurmNote: note,
    cancel: live.length > 0 ? scancelHint(live.map((t) => t.arrayId)) : null,
  };
}
