/**
 * Resumable experiment stages. An experiment is a folder (`experiment.json` holds its configuration and
 * hash) with one subfolder per stage (`models/gru-12345`, `align/mas-k32`, …). A stage that finished
 * writes `stage.json` (its configuration hash and result) into its folder; rerunning the experiment skips
 * it. A stage folder without `stage.json` was interrupted: the job resumes from its own checkpoints.
 * A folder made with a different configuration is refused with a one-line error that says how to start
 * fresh, so results of two configurations are never mixed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, MasError } from '../errors.ts';
import { ensureDir, readJson, writeJsonAtomic } from '../io/atomic.ts';
import { userEntries } from '../io/lock.ts';
import { stableStringify } from '../io/json.ts';
import { configHash } from '../io/runs.ts';
import { runJob, type JobContext, type JobSpec } from './jobs.ts';
import { runInWorker } from './pool.ts';

import type { Json } from './types.ts';
export type { Json } from './types.ts';

/** One stage of an experiment. */
export interface Stage {
  /** Relative folder inside the experiment, also the stage's id: `models/gru-12345`. */
  id: string;
  /** Human title for progress lines: "train GRU seed 12345". */
  title: string;
  /** What to run; its args (with the dependencies' hashes) form the stage configuration. */
  job: JobSpec;
  /** Ids of stages that must finish first. */
  deps?: string[];
}

/** What `stage.json` holds. */
export interface StageRecord {
  format: 'mas-stage/1';
  id: string;
  title: string;
  config_hash: string;
  config: Json;
  result: Json;
  wall_s: number;
  finished_at: string;
}

/** What `experiment.json` holds. */
export interface ExperimentRecord {
  format: 'mas-experiment/1';
  name: string;
  config_hash: string;
  config: Json;
  created_at: string;
  /** Paths (relative) this experiment wrote or may write: what `--fresh` removes. */
  outputs?: string[];
}

const STAGE_FILE = 'stage.json';
const EXPERIMENT_FILE = 'experiment.json';

/** The hint appended to every "different configuration" error. */
export function freshHint(dir: string): string {
  return `delete it (rm -r ${dir}), pass --out DIR to use another folder, or rerun with --fresh to replace it`;
}

/** The first few JSON paths where two values differ. */
export function diffPaths(a: unknown, b: unknown, where = '', out: string[] = []): string[] {
  if (out.length >= 4) return out;
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffPaths(a[k], b[k], where ? `${where}.${k}` : k, out);
  } else if (stableStringify(a ?? null) !== stableStringify(b ?? null)) {
    out.push(where || '(root)');
  }
  return out;
}

/** Options of openExperiment. */
export interface OpenExperimentOptions {
  /** Remove the folder's earlier results of this experiment first (only the paths its record lists). */
  fresh?: boolean;
  /**
   * Paths (relative to the folder: stage ids, report files) this run may write. They are added to the
   * record's `outputs`, the list `fresh` removes; nothing else in the folder is ever deleted.
   */
  outputs?: string[];
}

function safeRelative(p: unknown): p is string {
  return typeof p === 'string' && p.length > 0 && !path.isAbsolute(p) && !p.split(/[\\/]/).some((x) => x === '..' || x === '' || x === '.');
}

/** Remove the listed outputs of an experiment (and folders they leave empty), never anything else. */
function removeOutputs(dir: string, outputs: readonly string[]): void {
  for (const rel of outputs) {
    if (!safeRelative(rel)) continue;
    fs.rmSync(path.join(dir, rel), { recursive: true, force: true });
    // Prune parents the removal left empty (models/, align/, <name>/), up to the experiment folder.
    for (let p = path.dirname(rel); p !== '.' && p !== ''; p = path.dirname(p)) {
      const abs = path.join(dir, p);
      try {
        if (userEntries(abs).length > 0) break;
        fs.rmSync(abs, { recursive: true, force: true });
      } catch {
        break;
      }
    }
  }
}

/**
 * Open (create or reopen) an experiment folder for `config`. `fresh` removes an earlier experiment of the
 * same name: exactly the paths its record (`experiment.json` `outputs`) lists, plus the record; files the
 * user put in the folder stay. Throws InputError when the folder holds an experiment of another name (even
 * with `fresh`), one of another configuration (without `fresh`), or is a non-empty folder that is not an
 * experiment.
 */
export function openExperiment(dir: string, name: string, config: Json, opts: OpenExperimentOptions = {}): { resumed: boolean; hash: string } {
  const file = path.join(dir, EXPERIMENT_FILE);
  const hash = configHash(config);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new InputError(`${name}: --out ${dir} is a file, not a folder`);
  const exists = userEntries(dir).length > 0;
  if (exists && !fs.existsSync(file)) {
    throw new InputError(`${name}: ${dir} is a non-empty folder that holds no experiment (no ${EXPERIMENT_FILE}); pass --out DIR to use another folder`);
  }
  const outputs = opts.outputs ?? [];
  if (exists) {
    const stored = readJson(file) as (Partial<ExperimentRecord> & { outputs?: unknown }) | null;
    if (stored?.name !== name) {
      throw new InputError(`${name}: ${dir} holds a '${String(stored?.name)}' experiment, which ${opts.fresh ? '--fresh does not replace' : 'this command does not continue'}; pass --out DIR to use another folder`);
    }
    const listed = Array.isArray(stored.outputs) ? stored.outputs.filter(safeRelative) : null;
    const storedHash = configHash(stored.config ?? null);
    if (opts.fresh) {
      // A record from before `outputs` existed: remove what this run would write, nothing more.
      removeOutputs(dir, listed ?? outputs);
      fs.rmSync(file, { force: true });
    } else if (storedHash !== hash) {
      throw new InputError(`${name}: ${dir} holds a ${name} run with a different configuration (hash ${storedHash}, now ${hash}; differs in ${diffPaths(stored.config, config).join(', ')}); ${freshHint(dir)}`);
    } else {
      const merged = [...new Set([...(listed ?? []), ...outputs])].sort();
      if (listed === null || merged.length !== listed.length) writeJsonAtomic(file, { ...stored, outputs: merged });
      return { resumed: true, hash };
    }
  }
  ensureDir(dir);
  const rec: ExperimentRecord = { format: 'mas-experiment/1', name, config_hash: hash, config, created_at: new Date().toISOString(), outputs: [...new Set(outputs)].sort() };
  writeJsonAtomic(path.join(dir, EXPERIMENT_FILE), rec);
  return { resumed: false, hash };
}

/** Read `stage.json` of a stage folder, or null when the stage has not finished. */
export function readStage(dir: string): StageRecord | null {
  const f = path.join(dir, STAGE_FILE);
  if (!fs.existsSync(f)) return null;
  return readJson(f) as StageRecord;
}

/** Options of runStages. */
export interface RunStagesOptions {
  /** Experiment folder. */
  out: string;
  /** Stages run at the same time (each in a worker thread when > 1). Default 1. */
  jobs?: number;
  /** No progress output. */
  quiet?: boolean;
  /** Line printer for stage events (default: stderr). */
  log?: (line: string) => void;
  /**
   * Called when a stage is about to start; return false to leave it out (e.g. the time budget is spent).
   * `elapsedSec` counts this run's wall time plus the recorded time of the stages skipped as done
   * (divided by `jobs`), so a rerun of a finished experiment makes the same choices.
   */
  admit?: (stage: Stage, elapsedSec: number) => boolean;
  /** Run a job (default: runJob in this thread, or a worker thread when jobs > 1); tests pass their own. */
  runner?: (job: JobSpec, ctx: JobContext) => Promise<Json>;
  /**
   * Keep going when a job fails: the stage gets status 'failed' (with its error), the stages that need it
   * are left out, the others run. Default false: the first failure stops the run and is rethrown.
   */
  keepGoing?: boolean;
}

/** Outcome of one stage. */
export interface StageOutcome {
  stage: Stage;
  status: 'done' | 'skipped' | 'left-out' | 'failed';
  result: Json;
  wallSec: number;
  /** The job's error message (status 'failed', with keepGoing). */
  error?: string;
}

/** The configuration a stage is keyed by: its job plus the hashes of the stages it depends on. */
export function stageConfig(stage: Stage, depHashes: Record<string, string>): Json {
  return { job: stage.job as unknown as Json, deps: depHashes };
}

/**
 * Run stages in dependency order, at most `jobs` at a time, skipping those whose `stage.json` holds the
 * same configuration hash. Resolves to the outcome of every stage, in input order.
 */
export async function runStages(stages: Stage[], opts: RunStagesOptions): Promise<Map<string, StageOutcome>> {
  const log = opts.log ?? ((l: string) => process.stderr.write(l + '\n'));
  const say = (l: string): void => {
    if (!opts.quiet) log(l);
  };
  const jobs = Math.max(1, opts.jobs ?? 1);
  const byId = new Map(stages.map((s) => [s.id, s]));
  for (const s of stages) {
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(s.id)) throw new InputError(`stage id '${s.id}' must be a relative path of letters, digits, '_', '-', '.'`);
    for (const d of s.deps ?? []) if (!byId.has(d)) throw new InputError(`stage ${s.id} depends on unknown stage ${d}`);
  }
  const outcomes = new Map<string, StageOutcome>();
  const hashes = new Map<string, string>();
  const t0 = performance.now();
  const elapsed = (): number => (performance.now() - t0) / 1000;
  const total = stages.length;
  let started = 0;
  const running = new Set<string>();
  const pending = [...stages];
  let failure: unknown = null;
  let skippedWall = 0;

  const runOne = async (s: Stage): Promise<void> => {
    const idx = ++started;
    const dir = path.join(opts.out, s.id);
    const depHashes = Object.fromEntries((s.deps ?? []).map((d) => [d, hashes.get(d) ?? 'left-out']));
    const config = stageConfig(s, depHashes);
    const hash = configHash(config);
    const rec = readStage(dir);
    if (rec) {
      if (rec.config_hash !== hash) {
        throw new InputError(
          `stage ${s.id}: ${dir} holds results of a different configuration (hash ${rec.config_hash}, now ${hash}; differs in ${diffPaths(rec.config, config).join(', ')}); ${freshHint(opts.out)}`,
        );
      }
      hashes.set(s.id, hash);
      outcomes.set(s.id, { stage: s, status: 'skipped', result: rec.result, wallSec: rec.wall_s });
      skippedWall += rec.wall_s;
      say(`[${idx}/${total}] ${s.title}: done earlier, skipped (${s.id}/stage.json)`);
      return;
    }
    const missing = (s.deps ?? []).filter((d) => outcomes.get(d)?.status === 'left-out' || outcomes.get(d)?.status === 'failed');
    if (missing.length > 0 || (opts.admit && !opts.admit(s, elapsed() + skippedWall / jobs))) {
      outcomes.set(s.id, { stage: s, status: 'left-out', result: null, wallSec: 0 });
      say(`[${idx}/${total}] ${s.title}: left out (${missing.length > 0 ? `needs ${missing.join(', ')}` : 'time budget'})`);
      return;
    }
    const resuming = fs.existsSync(dir);
    say(`[${idx}/${total}] ${s.title}${resuming ? ' (resuming an interrupted run)' : ''} → ${dir}`);
    const ts = performance.now();
    const ctx: JobContext = { dir, root: opts.out, quiet: opts.quiet ?? false };
    const run = (): Promise<Json> => (opts.runner ? opts.runner(s.job, ctx) : jobs > 1 ? runInWorker(s.job, ctx) : runJob(s.job, ctx));
    let result: Json;
    try {
      result = await run();
    } catch (err) {
      if (!opts.keepGoing) throw err;
      const error = err instanceof Error ? err.message : String(err);
      outcomes.set(s.id, { stage: s, status: 'failed', result: null, wallSec: (performance.now() - ts) / 1000, error });
      say(`[${idx}/${total}] ${s.title}: failed: ${error.split('\n')[0]}`);
      return;
    }
    const wall = (performance.now() - ts) / 1000;
    const record: StageRecord = {
      format: 'mas-stage/1', id: s.id, title: s.title, config_hash: hash, config, result, wall_s: Math.round(wall * 10) / 10, finished_at: new Date().toISOString(),
    };
    ensureDir(dir);
    writeJsonAtomic(path.join(dir, STAGE_FILE), record);
    hashes.set(s.id, hash);
    outcomes.set(s.id, { stage: s, status: 'done', result, wallSec: wall });
    say(`[${idx}/${total}] ${s.title}: finished in ${wall.toFixed(1)} s (total ${elapsed().toFixed(0)} s)`);
  };

  await new Promise<void>((resolve) => {
    const pump = (): void => {
      if (failure !== null) {
        if (running.size === 0) resolve();
        return;
      }
      for (let i = 0; i < pending.length && running.size < jobs; ) {
        const s = pending[i];
        const ready = (s.deps ?? []).every((d) => outcomes.has(d));
        if (!ready) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        running.add(s.id);
        runOne(s)
          .catch((err: unknown) => {
            failure ??= err;
          })
          .finally(() => {
            running.delete(s.id);
            pump();
          });
      }
      if (pending.length === 0 && running.size === 0) resolve();
    };
    pump();
  });
  if (failure !== null) throw failure instanceof Error ? failure : new MasError('E_STAGE', String(failure));
  return outcomes;
}
