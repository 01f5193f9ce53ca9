/** `mas sweep SPEC.json`, `mas sweep status DIR`, `mas sweep task DIR NAME`: grids of jobs, locally or on Slurm. */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import type { JobRow } from '../../experiments/sweep/gather.ts';
import { planSweepFile } from '../../experiments/sweep/plan.ts';
import { runSweep } from '../../experiments/sweep/run.ts';
import { readSweepSpec } from '../../experiments/sweep/spec.ts';
import { sweepStatus } from '../../experiments/sweep/status.ts';
import { runSweepTask } from '../../experiments/sweep/task.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas sweep SPEC.json [--executor local|slurm] [--out DIR] [--json] [--no-wait] [--retries N] [--jobs N] [--quiet]
       mas sweep status DIR [--json]
       mas sweep task DIR NAME      (what each Slurm array task runs)

Runs the train, align and compare jobs SPEC.json declares (docs/sweeps.md): train jobs first, then the
alignments and comparisons of their models. The spec is checked completely (unknown options, models,
tasks, layers, variables and measures are named by their JSON path) before anything runs.

  --executor local   the local process pool (--jobs at a time, default min(2, cores))
  --executor slurm   one job array per stage (train, align, compare) with sbatch, chained with
                     --dependency=afterok; resources from the spec; each task logs to DIR/logs/<job>.log
Finished jobs (DIR/<job>/stage.json with the same configuration) are skipped, so rerunning the same
command resumes a sweep. A failed job is retried (--retries, default the spec's retries or 1), then
reported with the end of its log; the jobs that do not need it go on. Results: DIR/summary.json and
DIR/report.html. Ctrl-C while waiting for Slurm leaves the jobs running (see mas sweep status).

options:
  --executor E   local (default) | slurm
  --out DIR      sweep folder (default runs/sweeps/<spec name>)
  --json         print {"jobs": [{"name", "slurm_job_id", "state"}], "results": {job: figures}} last
  --no-wait      slurm: submit and return
  --retries N    retries of a failed job (overrides the spec)
  --jobs N       local: jobs at a time
  --quiet        no progress output

MAS_SWEEP_POLL=S sets the seconds between Slurm polls (default 5).`;

function printRows(rows: JobRow[]): void {
  const w = Math.max(4, ...rows.map((r) => r.name.length));
  console.log(`${'job'.padEnd(w)}  ${'state'.padEnd(10)}  slurm job`);
  for (const r of rows) console.log(`${r.name.padEnd(w)}  ${r.state.padEnd(10)}  ${r.slurm_job_id ?? '-'}`);
}

function nonNegInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InputError(`--${name} must be a non-negative integer, got '${v}'`);
  return n;
}

async function status(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { json: { type: 'boolean' } } });
  if (positionals.length !== 1) throw new InputError('sweep status: give the sweep folder (mas sweep status DIR)');
  const s = await sweepStatus(positionals[0]);
  if (s.slurmNote) console.error(s.slurmNote);
  printRows(s.rows);
  const counts = new Map<string, number>();
  for (const r of s.rows) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
  console.log(`${s.name} (${s.executor}): ${[...counts].map(([k, v]) => `${v} ${k}`).join(', ')}`);
  for (const r of s.rows) if (r.error && r.state !== 'BLOCKED') console.log(`${r.name}:\n${r.error.split('\n').map((l) => `  | ${l}`).join('\n')}`);
  if (s.cancel) console.log(`cancel the queued and running jobs: ${s.cancel}`);
  if (values.json) console.log(JSON.stringify(s.json));
  return 0;
}

async function task(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: {} });
  if (positionals.length !== 2) throw new InputError('sweep task: give the sweep folder and the job name (mas sweep task DIR NAME)');
  await runSweepTask(path.resolve(positionals[0]), positionals[1]);
  return 0;
}

/** The `mas sweep` command (run, status, task). */
export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'run a grid of train/align/compare jobs from a spec, locally or on Slurm; status',
  help: HELP,
  async run(args) {
    if (args[0] === 'status') return status(args.slice(1));
    if (args[0] === 'task') return task(args.slice(1));
    const { values: o, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        executor: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        'no-wait': { type: 'boolean' },
        retries: { type: 'string' },
        jobs: { type: 'string' },
        quiet: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new InputError('sweep: give one spec file (mas sweep SPEC.json), or mas sweep status DIR');
    const executor = o.executor ?? 'local';
    if (executor !== 'local' && executor !== 'slurm') throw new InputError(`--executor must be 'local' or 'slurm', got '${executor}'`);
    const jobs = o.jobs === undefined ? undefined : Number(o.jobs);
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) throw new InputError(`--jobs must be a positive integer, got '${o.jobs}'`);
    if (o['no-wait'] && executor !== 'slurm') throw new InputError('--no-wait needs --executor slurm');
    const spec = readSweepSpec(positionals[0]);
    planSweepFile(spec, positionals[0]); // every name checked, errors naming the file, before anything runs
    const out = o.out ?? path.join('runs', 'sweeps', spec.name);
    const poll = Number(process.env.MAS_SWEEP_POLL ?? 5);
    if (!(poll > 0)) throw new InputError(`MAS_SWEEP_POLL must be a positive number of seconds, got '${process.env.MAS_SWEEP_POLL}'`);
    const r = await runSweep(spec, { out, executor, retries: nonNegInt('retries', o.retries), jobs, noWait: o['no-wait'], quiet: o.quiet, pollSec: poll });
    if (!o.quiet) {
      printRows(r.rows);
      console.log(`wall time ${r.wallSec.toFixed(1)} s${r.summary ? `; summary: ${r.summary}` : ''}${r.report ? `; report: ${r.report}` : ''}`);
    }
    if (o.json) console.log(JSON.stringify(r.json));
    if (r.interrupted) return 130;
    if (r.detached) return r.rows.some((x) => x.state === 'FAILED') ? 1 : 0;
    return r.rows.every((x) => x.state === 'COMPLETED') ? 0 : 1;
  },
};
