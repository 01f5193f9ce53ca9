/**
 * The files of a sweep folder: `plan.json` (the jobs, what each Slurm task reads), `sweep.json` (the spec,
 * the executor and every job array submitted, so `mas sweep status` and a resubmission find them),
 * `logs/<job>.log` (one log per task) and `slurm/*.sbatch` (the batch scripts). Jobs write their own
 * folders (`train/…`, `align/…`, `compare/…`) with `stage.json` when finished.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, InputError } from '../../errors.ts';
import { readJson, writeJsonAtomic } from '../../io/atomic.ts';
import type { Json } from '../stages.ts';
import { logName, type SweepJob, type SweepKind, type SweepPlan } from './plan.ts';
import type { SweepSpec } from './spec.ts';

/** One job array submitted to Slurm. */
export interface Submission {
  round: number;
  kind: SweepKind;
  array_id: string;
  /** Job names by array index. */
  names: string[];
  script: string;
  submitted_at: string;
}

/** What `sweep.json` holds. */
export interface SweepRecord {
  format: 'mas-sweep-run/1';
  name: string;
  executor: 'local' | 'slurm';
  spec: Json;
  submissions: Submission[];
  updated_at: string;
}

/** What `plan.json` holds. */
export interface PlanRecord {
  format: 'mas-sweep-plan/1';
  name: string;
  retries: number;
  jobs: SweepJob[];
}

/** Where a job's log is. */
export function logFile(out: string, name: string): string {
  return path.join(out, 'logs', `${logName(name)}.log`);
}

/** Check that `out` can hold this sweep: a new or empty folder, or one holding a sweep of the same name. */
export function checkSweepFolder(out: string, name: string): void {
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new InputError(`sweep: --out ${out} is a file, not a folder`);
  if (!fs.existsSync(out) || fs.readdirSync(out).length === 0) return;
  const rec = readSweepRecord(out);
  if (rec === null) throw new InputError(`sweep: ${out} is a non-empty folder that holds no sweep (no sweep.json); pass --out DIR to use another folder`);
  if (rec.name !== name) throw new InputError(`sweep: ${out} holds sweep '${rec.name}', not '${name}'; pass --out DIR to use another folder`);
}

/** sweep.json of a folder, or null when there is none. */
export function readSweepRecord(out: string): SweepRecord | null {
  const f = path.join(out, 'sweep.json');
  if (!fs.existsSync(f)) return null;
  const r = readJson(f) as Partial<SweepRecord>;
  if (r.format !== 'mas-sweep-run/1' || !Array.isArray(r.submissions)) throw new FileFormatError(`${f}: not a sweep record (format ${String(r.format)})`);
  return r as SweepRecord;
}

/** Write sweep.json. */
export function writeSweepRecord(out: string, rec: SweepRecord): void {
  writeJsonAtomic(path.join(out, 'sweep.json'), { ...rec, updated_at: new Date().toISOString() });
}

/** A new sweep record for a spec (keeping earlier submissions). */
export function sweepRecord(out: string, spec: SweepSpec, executor: 'local' | 'slurm'): SweepRecord {
  const prev = readSweepRecord(out);
  return { format: 'mas-sweep-run/1', name: spec.name, executor, spec: JSON.parse(JSON.stringify(spec)) as Json, submissions: prev?.submissions ?? [], updated_at: '' };
}

/** Write plan.json. */
export function writePlan(out: string, plan: SweepPlan): void {
  const rec: PlanRecord = { format: 'mas-sweep-plan/1', name: plan.name, retries: plan.retries, jobs: plan.jobs };
  writeJsonAtomic(path.join(out, 'plan.json'), rec);
}

/** Read plan.json (FileFormatError when the folder holds none). */
export function readPlan(out: string): PlanRecord {
  const f = path.join(out, 'plan.json');
  if (!fs.existsSync(f)) throw new FileFormatError(`${out} holds no sweep (no plan.json); run mas sweep SPEC.json --out ${out} first`);
  const r = readJson(f) as Partial<PlanRecord>;
  if (r.format !== 'mas-sweep-plan/1' || !Array.isArray(r.jobs)) throw new FileFormatError(`${f}: not a sweep plan (format ${String(r.format)})`);
  return r as PlanRecord;
}

/** The last lines of a file ('' when it does not exist). */
export function tail(file: string, lines = 15): string {
  if (!fs.existsSync(file)) return '';
  const text = fs.readFileSync(file, 'utf8').replace(/\r/g, '\n');
  return text.split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n');
}
