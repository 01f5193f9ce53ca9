/**
 * The Slurm client commands a sweep uses: `sbatch` to submit a job array, `scontrol show job` (or, once
 * Slurm has forgotten a job, `sacct`) for the state of each array task, `scontrol ping` to see that a
 * controller answers. Each is a short child process with a time limit; parsing is separate and pure.
 */
import { spawnSync } from 'node:child_process';
import { MasError } from '../../errors.ts';

/** No Slurm here: the client commands are missing or no controller answers. */
export class SlurmUnavailableError extends MasError {
  constructor(message: string) {
    super('E_SLURM', message);
  }
}

/** A Slurm command failed (sbatch refused a script, an unparsable answer). */
export class SlurmCommandError extends MasError {
  constructor(message: string) {
    super('E_SLURM', message);
  }
}

/** The state of one array task. */
export interface TaskState {
  /** `<array job id>_<index>`. */
  jobId: string;
  arrayId: string;
  index: number;
  /** Slurm job state: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, … */
  state: string;
  reason: string;
  exitCode: string;
}

/** States after which a task does not change any more (UNKNOWN: forgotten by Slurm, outcome unknown). */
export const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'PREEMPTED', 'BOOT_FAIL', 'DEADLINE', 'REVOKED', 'UNKNOWN']);

/** What the sweep driver needs from a scheduler (tests pass their own). */
export interface Scheduler {
  /** Throw SlurmUnavailableError unless jobs can be submitted. */
  check(): void;
  /** Submit a batch script file; returns the job id. */
  submit(scriptFile: string): string | Promise<string>;
  /** The state of every task of the given array jobs (tasks Slurm no longer knows are absent). */
  query(arrayIds: string[]): TaskState[] | Promise<TaskState[]>;
}

const LOCAL_HINT = 'run the sweep with --executor local instead';

/** The indices of a Slurm array range such as `0-3`, `1,4-5` or `0-7%2`. */
export function expandIndices(spec: string): number[] {
  const out: number[] = [];
  const body = spec.replace(/^\[|\]$/g, '').split('%')[0];
  for (const part of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?(?::(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] !== undefined ? Number(m[2]) : lo;
    const step = m[3] !== undefined ? Number(m[3]) : 1;
    for (let i = lo; i <= hi; i += step) out.push(i);
  }
  return out;
}

/** Parse `scontrol show job -o` lines (one job record per line). */
export function parseScontrol(text: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of text.split('\n')) {
    const field = (k: string): string | undefined => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(line)?.[1];
    const arrayId = field('ArrayJobId');
    const tasks = field('ArrayTaskId');
    const state = field('JobState');
    if (arrayId === undefined || tasks === undefined || state === undefined) continue;
    for (const index of expandIndices(tasks)) {
      out.push({ jobId: `${arrayId}_${index}`, arrayId, index, state, reason: field('Reason') ?? '', exitCode: field('ExitCode') ?? '' });
    }
  }
  return out;
}

/** Parse `sacct -n -P -X -o JobID,State,ExitCode` lines (`12_3|COMPLETED|0:0`, `12_[4-6]|PENDING|0:0`). */
export function parseSacct(text: string): TaskState[] {
  const out: TaskState[] = [];
  for (const line of text.split('\n')) {
    const [id, rawState, exitCode] = line.trim().split('|');
    const m = /^(\d+)_(.+)$/.exec(id ?? '');
    if (!m || rawState === undefined) continue;
    const state = rawState.split(' ')[0];
    for (const index of expandIndices(m[2])) out.push({ jobId: `${m[1]}_${index}`, arrayId: m[1], index, state, reason: rawState, exitCode: exitCode ?? '' });
  }
  return out;
}

function run(cmd: string, args: string[], timeoutMs = 60_000): { ok: boolean; missing: boolean; out: string; err: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  const stderr = (r.stderr ?? '').trim();
  const err = stderr || (r.error && !missing ? r.error.message : '');
  return { ok: !r.error && r.status === 0, missing, out: r.stdout ?? '', err };
}

/** The Slurm scheduler of this machine, through its client commands. */
export const slurm: Scheduler = {
  check() {
    const v = run('sbatch', ['--version']);
    if (v.missing) throw new SlurmUnavailableError(`sbatch not found on PATH (no Slurm client on this machine); ${LOCAL_HINT}`);
    const p = run('scontrol', ['ping'], 15_000);
    if (p.missing) throw new SlurmUnavailableError(`scontrol not found on PATH (incomplete Slurm client); ${LOCAL_HINT}`);
    if (!/\bUP\b/.test(p.out)) {
      const why = (p.out.trim() || p.err || 'no answer within 15 s').split('\n')[0];
      throw new SlurmUnavailableError(`no Slurm controller answers (scontrol ping: ${why}); start one (scripts/slurm-local.sh up) or ${LOCAL_HINT}`);
    }
  },
  submit(scriptFile) {
    const r = run('sbatch', ['--parsable', scriptFile]);
    if (r.missing) throw new SlurmUnavailableError(`sbatch not found on PATH; ${LOCAL_HINT}`);
    const id = r.out.trim().split(';')[0];
    if (!r.ok || !/^\d+$/.test(id)) throw new SlurmCommandError(`sbatch ${scriptFile} failed: ${(r.err || r.out).split('\n')[0]}`);
    return id;
  },
  query(arrayIds) {
    const out: TaskState[] = [];
    for (const id of arrayIds) {
      const s = run('scontrol', ['show', 'job', '-o', id]);
      if (s.ok) {
        out.push(...parseScontrol(s.out).filter((t) => t.arrayId === id));
        continue;
      }
      // Slurm forgets finished jobs after MinJobAge; accounting (sacct) remembers them where it is enabled.
      const a = run('sacct', ['-n', '-P', '-X', '-j', id, '-o', 'JobID,State,ExitCode']);
      if (a.ok) out.push(...parseSacct(a.out).filter((t) => t.arrayId === id));
    }
    return out;
  },
};
