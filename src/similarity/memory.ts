/**
 * Memory guard of the n × n measures (RSA, kernel CKA, kNN): their working memory grows with n², so
 * before computing they estimate it and refuse, with a one-line InputError, above a budget:
 * `MAS_MEMORY_BUDGET` (bytes, or with a K/M/G/T suffix, powers of 1024), by default half of the
 * free memory (os.freemem()) at the time of the call. Feature-space measures (linear CKA, CCA,
 * Procrustes, regression, matching) are not limited here.
 */
import * as os from 'node:os';
import { InputError } from '../errors.ts';
import { envVar } from '../util/env.ts';
import type { MeasureMeta } from './registry.ts';

/** Fraction of os.freemem() used as the default budget. */
export const DEFAULT_BUDGET_FRACTION = 0.5;

/** Default budget where free memory cannot be read (a web page, whose bundle stubs node:os): 1 GiB. */
export const BROWSER_BUDGET_BYTES = 1024 ** 3;

/**
 * Peak working memory of one call, in units of n² float64 values (8n² bytes), measured on n = 3000
 * (max RSS over the baseline, rounded up): null for measures whose memory does not grow with n².
 */
export function squareFactor(meta: Pick<MeasureMeta, 'id' | 'family'>): number | null {
  const id = meta.id;
  if (meta.family === 'rsa' || id.startsWith('ref-rsa')) return 3.5;
  if (meta.family === 'knn') return id.startsWith('cknna') ? 4.25 : 2.25;
  if (id.startsWith('cka-rbf') || id.startsWith('ref-cka')) return 4.25;
  return null;
}

/** Estimated peak bytes of a measure on n samples (0 when it does not grow with n²). */
export function estimateBytes(meta: Pick<MeasureMeta, 'id' | 'family'>, n: number): number {
  const f = squareFactor(meta);
  return f === null ? 0 : f * 8 * n * n;
}

/** Parse a byte count: '4G', '512M', '1.5GiB', '1000000'. NaN when unreadable. */
export function parseBytes(s: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(s);
  if (!m) return NaN;
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Number(m[1]) * 1024 ** pow;
}

/** The memory budget in bytes: MAS_MEMORY_BUDGET when set (InputError when unreadable), else half of free memory. */
export function memoryBudget(env: string | undefined = envVar('MAS_MEMORY_BUDGET')): number {
  if (env !== undefined && env !== '') {
    const b = parseBytes(env);
    if (!(b > 0)) throw new InputError(`MAS_MEMORY_BUDGET must be a byte count such as 4G or 512M, got '${env}'`);
    return b;
  }
  return typeof process === 'undefined' ? BROWSER_BUDGET_BYTES : DEFAULT_BUDGET_FRACTION * os.freemem();
}

function gib(b: number): string {
  const g = b / 1024 ** 3;
  return g >= 10 ? g.toFixed(0) : g >= 0.1 ? g.toFixed(1) : g.toFixed(3);
}

// Largest typed array V8 allocates (elements); an n × n matrix beyond it fails whatever the budget.
const MAX_TYPED_ELEMENTS = 2 ** 32 - 1;

/**
 * Refuse (InputError) a call of measure `meta` on n samples whose estimated memory exceeds `budget`
 * (default memoryBudget()), or whose n × n matrix is beyond the typed-array limit.
 */
export function checkMeasureMemory(meta: Pick<MeasureMeta, 'id' | 'family'>, n: number, budget?: number): void {
  const need = estimateBytes(meta, n);
  if (need === 0) return;
  const b = budget ?? memoryBudget();
  if (need > b || n * n > MAX_TYPED_ELEMENTS) {
    throw new InputError(
      `${meta.id} at n = ${n} needs ~${gib(need)} GiB (budget ${gib(b)} GiB, MAS_MEMORY_BUDGET); use --subsample or cka-linear-minibatch`,
    );
  }
}

/** The largest n that `meta` may use under `budget` bytes (Infinity for measures not limited here). */
export function maxSamplesFor(meta: Pick<MeasureMeta, 'id' | 'family'>, budget: number): number {
  const f = squareFactor(meta);
  if (f === null) return Infinity;
  return Math.min(Math.floor(Math.sqrt(budget / (8 * f))), Math.floor(Math.sqrt(MAX_TYPED_ELEMENTS)));
}
