/**
 * The batch script of one job array: task i runs the i-th job of the stage with `mas sweep task DIR NAME`
 * (through whatever bin/mas.js runs: the TypeScript sources or dist/), appending to its own log
 * `DIR/logs/<name>.log`, and retries a failed attempt up to `retries` times (a train or align job resumes
 * from its checkpoint). The script is plain bash; resources are `#SBATCH` lines from the spec.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../errors.ts';
import { logName, type SweepKind } from './plan.ts';
import type { Resources } from './spec.ts';

/** The command that runs the `mas` CLI: this Node binary and the package's bin/mas.js. */
export function masCommand(): string[] {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const bin = path.join(dir, 'bin', 'mas.js');
    if (fs.existsSync(bin) && fs.existsSync(path.join(dir, 'package.json'))) return [process.execPath, bin];
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new InputError('sweep: cannot find bin/mas.js above this module (is the package installed completely?)');
}

/** Quote a string for bash. */
export function shq(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** What one array's script needs. */
export interface ScriptOptions {
  /** Absolute sweep folder. */
  dir: string;
  sweep: string;
  kind: SweepKind;
  /** Job names, by array index. */
  names: string[];
  resources: Resources;
  retries: number;
  /** Array job ids this array runs after (afterok). */
  after: string[];
  /** The CLI command (default masCommand()). */
  cli?: string[];
}

/** The sbatch options of an array (also written as #SBATCH lines). */
export function sbatchOptions(o: ScriptOptions): string[] {
  const r = o.resources;
  const opts = [
    `--job-name=mas-${o.sweep}-${o.kind}`,
    `--array=0-${o.names.length - 1}`,
    `--output=${path.join(o.dir, 'logs', `slurm-${o.kind}-%A_%a.out`)}`,
    `--chdir=${o.dir}`,
    `--cpus-per-task=${r.cpus ?? 1}`,
  ];
  if (r.mem !== undefined) opts.push(`--mem=${r.mem}`);
  if (r.time !== undefined) opts.push(`--time=${r.time}`);
  if (r.partition !== undefined) opts.push(`--partition=${r.partition}`);
  if (o.after.length > 0) opts.push(`--dependency=afterok:${o.after.join(':')}`, '--kill-on-invalid-dep=yes');
  opts.push(...(r.sbatch ?? []));
  return opts;
}

/** The batch script text. */
export function batchScript(o: ScriptOptions): string {
  if (o.names.length === 0) throw new InputError('sweep: an array needs at least one job');
  const cli = (o.cli ?? masCommand()).map(shq).join(' ');
  const lines = [
    '#!/bin/bash',
    ...sbatchOptions(o).map((x) => `#SBATCH ${x}`),
    `# Written by mas sweep (${o.sweep}, ${o.kind} stage): array task i runs job NAMES[i].`,
    'set -u',
    `NAMES=(${o.names.map(shq).join(' ')})`,
    `LOGS=(${o.names.map((n) => shq(path.join(o.dir, 'logs', `${logName(n)}.log`))).join(' ')})`,
    'i=${SLURM_ARRAY_TASK_ID:?not an array task}',
    'NAME=${NAMES[$i]}',
    'LOG=${LOGS[$i]}',
    `ATTEMPTS=${o.retries + 1}`,
    'rc=1',
    'for attempt in $(seq 1 "$ATTEMPTS"); do',
    '  echo "== mas sweep: $NAME, attempt $attempt of $ATTEMPTS, Slurm job ${SLURM_ARRAY_JOB_ID}_${i} on $(hostname), $(date -u +%Y-%m-%dT%H:%M:%SZ)" >>"$LOG"',
    `  ${cli} sweep task ${shq(o.dir)} "$NAME" >>"$LOG" 2>&1`,
    '  rc=$?',
    '  [ "$rc" -eq 0 ] && exit 0',
    '  echo "== attempt $attempt failed with exit code $rc" >>"$LOG"',
    'done',
    'exit "$rc"',
    '',
  ];
  return lines.join('\n');
}
