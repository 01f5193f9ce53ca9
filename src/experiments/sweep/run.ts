/**
 * `mas sweep`: run a spec's jobs with the local process pool or on Slurm, then gather the results.
 *
 * - local: runStages over every job (worker threads, `jobs` at a time); a failed job is retried, then
 *   reported, and the jobs that do not need it go on.
 * - slurm: one job array per stage (train, align, compare), chained with `--dependency=afterok`. When the
 *   arrays have settled, the jobs that were cancelled only because another job of an earlier array
 *   failed, and whose own inputs finished, are submitted again (the next round); a job that ran and
 *   failed (after its retries) is reported with the tail of its log. Ctrl-C while waiting leaves the
 *   jobs running and says how to check or cancel them.
 * Finished jobs (stage.json with the same configuration hash) are skipped by both.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InputError } from '../../errors.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { runJob, type JobContext, type JobSpec } from '../jobs.ts';
import { runInWorker } from '../pool.ts';
import { runStages, type Json } from '../stages.ts';
import { checkSweepFolder, logFile, readSweepRecord, sweepRecord, tail, writePlan, writeSweepRecord, type Submission, type SweepRecord } from './folder.ts';
import { gatherSweep, jsonLine, type JobRow, type SweepJsonLine } from './gather.ts';
import { planSweep, SWEEP_KINDS, type SweepJob, type SweepPlan } from './plan.ts';
import { jobRecords } from './records.ts';
import { batchScript } from './script.ts';
import { slurm, TERMINAL, type Scheduler, type TaskState } from './slurm.ts';
import type { SweepSpec } from './spec.ts';

/** Options of runSweep. */
export interface SweepOptions {
  out: string;
  executor: 'local' | 'slurm';
  /** Retries of a failed job (default: the spec's). */
  retries?: number;
  /** Local: jobs at a time (default min(2, cores)). */
  jobs?: number;
  /** Slurm: submit and return without waiting. */
  noWait?: boolean;
  /** Slurm: seconds between polls (default 5). */
  pollSec?: number;
  /** Slurm client (tests pass their own). */
  scheduler?: Scheduler;
  log?: (line: string) => void;
  quiet?: boolean;
}

/** What a sweep run ends with. */
export interface SweepOutcome {
  rows: JobRow[];
  json: SweepJsonLine;
  summary: string | null;
  report: string | null;
  wallSec: number;
  /** Slurm: the run stopped waiting (Ctrl-C or --no-wait); the jobs are still in Slurm. */
  detached: boolean;
  /** Slurm: Ctrl-C while waiting. */
  interrupted: boolean;
}

/** Run (or resume) a sweep. */
export async function runSweep(spec: SweepSpec, o: SweepOptions): Promise<SweepOutcome> {
  const t0 = performance.now();
  const plan = planSweep(spec);
  if (o.retries !== undefined) plan.retries = o.retries;
  const out = path.resolve(o.out);
  checkSweepFolder(out, spec.name);
  jobRecords(plan.jobs, out); // refuses a folder holding results of another configuration, before anything runs
  const log = o.quiet ? () => {} : (o.log ?? ((l: string) => process.stderr.write(l + '\n')));
  const r = o.executor === 'local' ? await runLocal(spec, plan, out, o, log) : await runSlurm(spec, plan, out, o, log);
  const wallSec = (performance.now() - t0) / 1000;
  if (r.detached) return { rows: r.rows, json: jsonLine(r.rows, {}), summary: null, report: null, wallSec, detached: true, interrupted: r.interrupted ?? false };
  const g = await gatherSweep({ out, name: spec.name, executor: o.executor, jobs: plan.jobs, rows: r.rows, wallSec });
  return { rows: r.rows, json: jsonLine(r.rows, g.results), summary: g.summary, report: g.report, wallSec, detached: false, interrupted: false };
}

async function runLocal(spec: SweepSpec, plan: SweepPlan, out: string, o: SweepOptions, log: (l: string) => void): Promise<{ rows: JobRow[]; detached: boolean; interrupted?: boolean }> {
  fs.mkdirSync(out, { recursive: true });
  writeSweepRecord(out, sweepRecord(out, spec, 'local'));
  writePlan(out, plan);
  const jobs = Math.max(1, o.jobs ?? Math.min(2, os.availableParallelism()));
  const base = (job: JobSpec, ctx: JobContext): Promise<Json> => (jobs > 1 ? runInWorker(job, ctx) : runJob(job, ctx));
  const runner = async (job: JobSpec, ctx: JobContext): Promise<Json> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await base(job, ctx);
      } catch (err) {
        if (attempt > plan.retries) throw err;
        log(`${path.relative(out, ctx.dir)}: attempt ${attempt} failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); retrying (${attempt} of ${plan.retries} retries)`);
      }
    }
  };
  const outcomes = await runStages(plan.jobs, { out, jobs, keepGoing: true, runner, log, quiet: o.quiet });
  const state = { done: 'COMPLETED', skipped: 'COMPLETED', failed: 'FAILED', 'left-out': 'CANCELLED' } as const;
  const rows: JobRow[] = plan.jobs.map((j) => {
    const oc = outcomes.get(j.id);
    const row: JobRow = { name: j.id, kind: j.kind, slurm_job_id: null, state: oc ? state[oc.status] : 'BLOCKED' };
    if (oc?.status === 'failed') row.error = oc.error;
    if (oc?.status === 'left-out') row.error = `not run: needs ${(j.deps ?? []).filter((d) => outcomes.get(d)?.status !== 'done' && outcomes.get(d)?.status !== 'skipped').join(', ')}`;
    return row;
  });
  for (const r of rows) if (r.state === 'FAILED') log(`FAILED ${r.name}: ${r.error ?? ''}`);
  return { rows, detached: false };
}

/** The latest submission of each job name, with its array index. */
function latestTasks(subs: Submission[]): Map<string, { sub: Submission; index: number }> {
  const m = new Map<string, { sub: Submission; index: number }>();
  for (const s of subs) s.names.forEach((n, index) => m.set(n, { sub: s, index }));
  return m;
}

/** The `scancel` command for arrays. */
export function scancelHint(ids: string[]): string {
  return `scancel ${[...new Set(ids)].join(' ')}`;
}

function sleep(ms: number, wake: { fn: (() => void) | null }): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    wake.fn = () => {
      clearTimeout(t);
      resolve();
    };
  });
}

async function runSlurm(spec: SweepSpec, plan: SweepPlan, out: string, o: SweepOptions, log: (l: string) => void): Promise<{ rows: JobRow[]; detached: boolean; interrupted?: boolean }> {
  const sched = o.scheduler ?? slurm;
  sched.check();
  const prev = readSweepRecord(out);
  if (prev && prev.submissions.length > 0) {
    const live = (await sched.query([...new Set(prev.submissions.map((s) => s.array_id))])).filter((t) => !TERMINAL.has(t.state));
    if (live.length > 0) {
      throw new InputError(
        `sweep: ${out} still has ${live.length} job(s) queued or running in Slurm (${live.slice(0, 3).map((t) => t.jobId).join(', ')}${live.length > 3 ? ', …' : ''}); check them with mas sweep status ${out}, or cancel them with ${scancelHint(live.map((t) => t.arrayId))}`,
      );
    }
  }
  fs.mkdirSync(path.join(out, 'logs'), { recursive: true });
  fs.mkdirSync(path.join(out, 'slurm'), { recursive: true });
  const rec: SweepRecord = sweepRecord(out, spec, 'slurm');
  writeSweepRecord(out, rec);
  writePlan(out, plan);
  const firstRound = rec.submissions.reduce((m, s) => Math.max(m, s.round), 0) + 1;
  const thisRun: Submission[] = [];
  const final = new Map<string, TaskState>();
  const gaveUp = new Set<string>();
  const wake: { fn: (() => void) | null } = { fn: null };
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    wake.fn?.();
  };
  const poll = (o.pollSec ?? 5) * 1000;

  for (let round = firstRound; ; round++) {
    const recs = jobRecords(plan.jobs, out);
    const todo = new Set<string>();
    for (const j of plan.jobs) {
      if (recs.get(j.id)?.record || gaveUp.has(j.id)) continue;
      if ((j.deps ?? []).every((d) => recs.get(d)?.record || todo.has(d))) todo.add(j.id);
    }
    if (todo.size === 0) break;
    const roundSubs: Submission[] = [];
    for (const kind of SWEEP_KINDS) {
      const names = plan.jobs.filter((j) => j.kind === kind && todo.has(j.id)).map((j) => j.id);
      if (names.length === 0) continue;
      const needs = new Set(plan.jobs.filter((j) => names.includes(j.id)).flatMap((j) => j.deps ?? []));
      const after = roundSubs.filter((s) => s.names.some((n) => needs.has(n))).map((s) => s.array_id);
      const script = path.join(out, 'slurm', `r${round}-${kind}.sbatch`);
      writeFileAtomic(script, batchScript({ dir: out, sweep: plan.name, kind, names, resources: plan.resources[kind], retries: plan.retries, after }));
      const arrayId = await sched.submit(script);
      const sub: Submission = { round, kind, array_id: arrayId, names, script, submitted_at: new Date().toISOString() };
      roundSubs.push(sub);
      thisRun.push(sub);
      rec.submissions.push(sub);
      writeSweepRecord(out, rec);
      log(`submitted ${kind} array ${arrayId} (${names.length} job${names.length > 1 ? 's' : ''}${after.length ? `, after ${after.join(', ')}` : ''}): ${script}`);
    }
    if (o.noWait) break;

    // Wait for this round's arrays to settle, printing each task's changes.
    const ids = roundSubs.map((s) => s.array_id);
    const known = new Map<string, TaskState>();
    const misses = new Map<string, number>();
    process.on('SIGINT', onSigint);
    try {
      for (;;) {
        const byId = new Map((await sched.query(ids)).map((t) => [t.jobId, t]));
        let settled = true;
        for (const sub of roundSubs) {
          sub.names.forEach((name, index) => {
            const key = `${sub.array_id}_${index}`;
            const prev = known.get(key);
            const t = byId.get(key) ?? settledWithout(prev, key, sub.array_id, index, name, out, misses);
            if (t === null) {
              settled = false;
              return;
            }
            if (prev?.state !== t.state) {
              known.set(key, t);
              final.set(name, t);
              if (t.state === 'COMPLETED' || t.state === 'RUNNING') log(`${t.state.toLowerCase()}: ${name} (${t.jobId})`);
              else if (TERMINAL.has(t.state) && !(t.state === 'CANCELLED' && /Dependency/i.test(t.reason))) {
                const logTail = tail(logFile(out, name)) || tail(path.join(out, 'logs', `slurm-${sub.kind}-${t.arrayId}_${t.index}.out`));
                log(`${t.state} ${name} (${t.jobId}, exit code ${t.exitCode}); the end of ${logFile(out, name)}:\n${logTail.split('\n').map((l) => `  | ${l}`).join('\n')}`);
              }
            }
            if (!TERMINAL.has(t.state)) settled = false;
          });
        }
        if (settled) break;
        if (interrupted) break;
        await sleep(poll, wake);
        if (interrupted) break;
      }
    } finally {
      process.removeListener('SIGINT', onSigint);
    }
    if (interrupted) {
      log(`\ninterrupted: the submitted jobs keep running in Slurm.\n  check them:  mas sweep status ${out}\n  cancel them: ${scancelHint(thisRun.map((s) => s.array_id))}`);
      return { rows: rowsFor(plan.jobs, out, rec.submissions, final), detached: true, interrupted: true };
    }
    // A task that ran and did not complete is not submitted again in this run (it had its retries);
    // one cancelled only because its array's dependency failed is, when its own inputs finished.
    for (const s of roundSubs) {
      s.names.forEach((n, i) => {
        const t = final.get(n);
        if (!t || t.arrayId !== s.array_id || t.index !== i) return;
        if (t.state !== 'COMPLETED' && !(t.state === 'CANCELLED' && /Dependency/i.test(t.reason))) gaveUp.add(n);
        if (t.state === 'COMPLETED' && !fs.existsSync(path.join(out, n, 'stage.json'))) gaveUp.add(n);
      });
    }
  }
  if (o.noWait) {
    for (const t of await sched.query(thisRun.map((x) => x.array_id))) {
      const name = thisRun.find((x) => x.array_id === t.arrayId)?.names[t.index];
      if (name) final.set(name, t);
    }
    log(`submitted; not waiting.\n  check them:  mas sweep status ${out}\n  cancel them: ${scancelHint(thisRun.map((s) => s.array_id))}`);
    return { rows: rowsFor(plan.jobs, out, rec.submissions, final), detached: true };
  }
  return { rows: rowsFor(plan.jobs, out, rec.submissions, final), detached: false };
}

/**
 * The state of a task the scheduler no longer reports (Slurm forgets finished jobs after MinJobAge):
 * its last terminal state, COMPLETED when its stage record exists, or — after three polls without
 * news — UNKNOWN (treated as finished, not completed). Null while it may still turn up.
 */
function settledWithout(prev: TaskState | undefined, jobId: string, arrayId: string, index: number, name: string, out: string, misses: Map<string, number>): TaskState | null {
  if (prev && TERMINAL.has(prev.state)) return prev;
  if (fs.existsSync(path.join(out, name, 'stage.json'))) return { jobId, arrayId, index, state: 'COMPLETED', reason: 'no longer known to Slurm; stage.json present', exitCode: '0:0' };
  const m = (misses.get(jobId) ?? 0) + 1;
  misses.set(jobId, m);
  return m >= 3 ? { jobId, arrayId, index, state: 'UNKNOWN', reason: 'no longer known to Slurm, no stage.json', exitCode: '' } : null;
}

/** Each job's row: its latest Slurm state, COMPLETED for jobs finished earlier, BLOCKED when never submitted. */
export function rowsFor(jobs: SweepJob[], out: string, subs: Submission[], states: Map<string, TaskState>): JobRow[] {
  const latest = latestTasks(subs);
  const recs = jobRecords(jobs, out);
  return jobs.map((j) => {
    const t = states.get(j.id);
    const l = latest.get(j.id);
    const id = t ? t.jobId : l ? `${l.sub.array_id}_${l.index}` : null;
    const done = recs.get(j.id)?.record != null;
    const state = done ? 'COMPLETED' : t ? t.state : l ? 'UNKNOWN' : 'BLOCKED';
    const row: JobRow = { name: j.id, kind: j.kind, slurm_job_id: id, state };
    if (state !== 'COMPLETED' && state !== 'PENDING' && state !== 'RUNNING') {
      const lt = tail(logFile(out, j.id), 5);
      if (lt) row.error = lt;
    }
    return row;
  });
}
