/**
 * Gathering a sweep's results: `DIR/summary.json` (every job's state and figures) and `DIR/report.html`
 * (src/report over the job folders, with a table of the jobs), and the `--json` line
 * `{"jobs": [{name, slurm_job_id, state}], "results": {name: figures}}`.
 */
import * as path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../io/atomic.ts';
import { reportFromRuns } from '../../report/fromRuns.ts';
import { renderReport } from '../../report/html.ts';
import type { Json } from '../stages.ts';
import type { SweepJob } from './plan.ts';
import { figures, jobRecords } from './records.ts';

/** The state of one job at the end of a run (or in `mas sweep status`). */
export interface JobRow {
  name: string;
  kind: SweepJob['kind'];
  /** `<array id>_<index>`; null for jobs the local executor ran. */
  slurm_job_id: string | null;
  /** Slurm's words: COMPLETED, FAILED, CANCELLED, PENDING, RUNNING, TIMEOUT, …; BLOCKED: never submitted (a job it needs failed). */
  state: string;
  /** The job's error or the tail of its log, when it failed. */
  error?: string;
}

/** What `--json` prints. */
export interface SweepJsonLine {
  jobs: { name: string; slurm_job_id: string | null; state: string }[];
  results: Record<string, Json>;
}

/** The figures of every finished job, by name. */
export function sweepResults(jobs: SweepJob[], out: string): Record<string, Json> {
  const recs = jobRecords(jobs, out);
  const results: Record<string, Json> = {};
  for (const j of jobs) {
    const r = recs.get(j.id)?.record;
    if (r) results[j.id] = figures(j, r.result);
  }
  return results;
}

/** The `--json` line. */
export function jsonLine(rows: JobRow[], results: Record<string, Json>): SweepJsonLine {
  return { jobs: rows.map((r) => ({ name: r.name, slurm_job_id: r.slurm_job_id, state: r.state })), results };
}

/** Write summary.json and report.html; returns their paths (report null when no job finished). */
export async function gatherSweep(o: { out: string; name: string; executor: string; jobs: SweepJob[]; rows: JobRow[]; wallSec: number }): Promise<{ summary: string; report: string | null; results: Record<string, Json> }> {
  const results = sweepResults(o.jobs, o.out);
  const summary = path.join(o.out, 'summary.json');
  const counts: Record<string, number> = {};
  for (const r of o.rows) counts[r.state] = (counts[r.state] ?? 0) + 1;
  writeJsonAtomic(summary, {
    format: 'mas-sweep-summary/1',
    name: o.name,
    executor: o.executor,
    finished_at: new Date().toISOString(),
    wall_s: Math.round(o.wallSec * 10) / 10,
    counts,
    jobs: o.rows.map((r) => ({ ...r, figures: results[r.name] ?? null })),
    results,
  });
  if (Object.keys(results).length === 0) return { summary, report: null, results };
  const doc = reportFromRuns([o.out], { title: `Sweep: ${o.name}` });
  doc.summary = [`Sweep ${o.name} (${o.executor} executor): ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}; wall time ${o.wallSec.toFixed(0)} s.`, ...doc.summary];
  doc.sections.unshift({
    id: 'sweep-jobs',
    title: 'Sweep jobs',
    blocks: [{ kind: 'table', columns: ['job', 'state', 'Slurm job'], rows: o.rows.map((r) => [r.name, r.state, r.slurm_job_id ?? '(local)']) }],
  });
  const report = path.join(o.out, 'report.html');
  writeFileAtomic(report, await renderReport(doc));
  return { summary, report, results };
}
