/**
 * The one typed record of a finished alignment run (its result.json, also a stage's result): the
 * writer (align/run.ts) produces it, and every reader (report, demo, reproduce) parses it here instead
 * of re-casting JSON. Non-finite numbers arrive as null (stage results) or "NaN"/"Infinity" strings
 * (result.json); both come back as numbers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError } from '../errors.ts';
import { readJson } from './atomic.ts';

/** Matrices [variable][s][t]. */
export type VariableMatrices = Record<string, number[][]>;

/** result.json of a `mas align` run. */
export interface AlignRunRecord {
  method: string;
  subspace: number;
  /** Hook point (per-model points joined by commas). */
  layer: string;
  variables: string[];
  /** iia[s][t] of the final maps on the validation set (first variable). */
  iia: number[][];
  /** 95% bootstrap CI per direction, or null when not recorded. */
  iia_ci: [number, number][][] | null;
  token_accuracy: number[][];
  iia_by_variable: VariableMatrices;
  best_iia: number[][];
  best_step: number;
  task_accuracy: number[];
  k0_iia: number[][];
  steps: number;
  stop_reason: string;
  wall_s: number;
  ms_per_step: number;
}

function num(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === null || x === undefined) return NaN;
  if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') return Number(x);
  return NaN;
}

function matrix(x: unknown, what: string, where: string): number[][] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x) || !x.every(Array.isArray)) throw new FileFormatError(`${where}: ${what} is not a matrix`);
  return (x as unknown[][]).map((row) => row.map(num));
}

/** Parse a result.json value (or a stage result) into the typed record; FileFormatError naming `where` if it is not one. */
export function parseAlignRecord(value: unknown, where: string): AlignRunRecord {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new FileFormatError(`${where}: not an alignment result (expected an object)`);
  const r = value as Record<string, unknown>;
  if (typeof r.method !== 'string' || !Array.isArray(r.iia)) throw new FileFormatError(`${where}: not an alignment result (no method or iia)`);
  const byVar: VariableMatrices = {};
  if (r.iia_by_variable && typeof r.iia_by_variable === 'object') {
    for (const [k, m] of Object.entries(r.iia_by_variable as Record<string, unknown>)) byVar[k] = matrix(m, `iia_by_variable.${k}`, where);
  }
  const ci = Array.isArray(r.iia_ci)
    ? (r.iia_ci as unknown[][]).map((row) => row.map((p) => (Array.isArray(p) ? ([num(p[0]), num(p[1])] as [number, number]) : ([NaN, NaN] as [number, number]))))
    : null;
  return {
    method: r.method,
    subspace: num(r.subspace),
    layer: String(r.layer ?? ''),
    variables: Array.isArray(r.variables) ? r.variables.map(String) : typeof r.variables === 'string' ? [r.variables] : [],
    iia: matrix(r.iia, 'iia', where),
    iia_ci: ci,
    token_accuracy: matrix(r.token_accuracy, 'token_accuracy', where),
    iia_by_variable: byVar,
    best_iia: matrix(r.best_iia, 'best_iia', where),
    best_step: num(r.best_step),
    task_accuracy: Array.isArray(r.task_accuracy) ? r.task_accuracy.map(num) : [],
    k0_iia: matrix(r.k0_iia, 'k0_iia', where),
    steps: num(r.steps),
    stop_reason: String(r.stop_reason ?? ''),
    wall_s: num(r.wall_s),
    ms_per_step: num(r.ms_per_step),
  };
}

/** The record of the run folder `dir`, or null when it has no result.json yet (an unfinished run). */
export function readAlignRecord(dir: string): AlignRunRecord | null {
  const file = path.join(dir, 'result.json');
  if (!fs.existsSync(file)) return null;
  return parseAlignRecord(readJson(file), file);
}

/** IIA[s][t] of a record, or null when the record or the entry is missing or not finite. */
export function recordIia(r: AlignRunRecord | null, s: number, t: number): number | null {
  const x = r?.iia[s]?.[t];
  return x === undefined || !Number.isFinite(x) ? null : x;
}
