/**
 * Task ids, variants and configurations (tasks.md §1, §2, §5.1, §6).
 *
 * Twelve counting tasks (`multi-object`, `single-object`, `same-object`, each with no suffix or
 * `-mod`, `-round`, `-square`) plus `arithmetic`. A Task carries its vocabulary, its demo/response
 * tokens and its trigger function f (applied to the count when `T` is consumed).
 */

import { MAX_COUNT, checkAtMost } from '../limits.ts';
import { InputError, unknownName } from '../errors.ts';
import { TRIGGER, VOID, Vocab } from './vocab.ts';

/** Base counting tasks plus arithmetic. */
export type BaseTask = 'multi-object' | 'single-object' | 'same-object' | 'arithmetic';
/** Trigger-function variant of a counting task. */
export type Variant = 'none' | 'mod' | 'round' | 'square';

/** Every valid task id. */
export const TASK_IDS: readonly string[] = [
  ...(['multi-object', 'single-object', 'same-object'] as const).flatMap((b) => [b, `${b}-mod`, `${b}-round`, `${b}-square`]),
  'arithmetic',
];

/** Task configuration, as stored in config.json `task_config` (snake_case keys as in models.md §6.1). */
export interface TaskConfig {
  /** Smallest count N (arithmetic: smallest number of operations r). */
  readonly min_count: number;
  /** Largest count N (arithmetic: largest r). */
  readonly max_count: number;
  /** Counts never used for training (arithmetic: values of r). */
  readonly hold_outs: readonly number[];
  /** Probability of a void token `U` at each demo-phase step (counting only). */
  readonly unk_p: number;
  /** Modulus of the `-mod` variant (4). */
  readonly mod?: number;
  /** Rounding unit of the `-round` variant (3). */
  readonly round_to?: number;
  /** Arithmetic: largest number token (values run 0..max_value; 20). */
  readonly max_value?: number;
}

/** A task: id, base, variant, configuration, vocabulary and the token roles the causal model uses. */
export interface Task {
  readonly id: string;
  readonly base: BaseTask;
  readonly variant: Variant;
  readonly config: TaskConfig;
  /** The task's default vocabulary (tasks.md §2); includes `U` iff unk_p > 0. */
  readonly vocab: Vocab;
  /** Demo tokens drawn uniformly in the demo phase (empty for arithmetic). */
  readonly demoTokens: readonly string[];
  /** The response token (`R`, or `D` for same-object; null for arithmetic). */
  readonly responseToken: string | null;
  /** Filler for stepwise prefixes past the target's end: the last demo token (§7.4). */
  readonly filler: string;
  /** Trigger function f applied to the count when `T` is consumed (identity for `none`). */
  readonly trigger: (count: number) => number;
  /** The causal model that describes the task (counting.ts names; unset: Count-Up-Down or arithmetic). */
  readonly causalModel?: string;
}

/** Default counting configuration: counts 1–20, hold-outs {4, 9, 14, 17}, no void tokens. */
export const DEFAULT_CONFIG: TaskConfig = Object.freeze({
  min_count: 1,
  max_count: 20,
  hold_outs: Object.freeze([4, 9, 14, 17]),
  unk_p: 0,
});

/** Split a task id into base and variant; InputError with "did you mean" for unknown ids. */
export function parseTaskId(id: string): { base: BaseTask; variant: Variant } {
  if (typeof id !== 'string' || !TASK_IDS.includes(id)) unknownName('task', String(id), TASK_IDS);
  if (id === 'arithmetic') return { base: 'arithmetic', variant: 'none' };
  for (const v of ['mod', 'round', 'square'] as const) {
    if (id.endsWith(`-${v}`)) return { base: id.slice(0, -v.length - 1) as BaseTask, variant: v };
  }
  return { base: id as BaseTask, variant: 'none' };
}

/** Python-style round (half to even), as the reference's `round(c/3)`. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Non-negative remainder (Python `%` for a positive modulus). */
export function modPos(c: number, m: number): number {
  return ((c % m) + m) % m;
}

function checkInt(name: string, v: unknown, lo: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo) {
    throw new InputError(`task config: ${name} must be an integer ≥ ${lo}, got ${JSON.stringify(v)}`);
  }
  return checkAtMost(`task config: ${name}`, v, MAX_COUNT);
}

/** Validate and complete a configuration for a task (defaults from DEFAULT_CONFIG and the variant). */
function resolveConfig(base: BaseTask, variant: Variant, overrides: Partial<TaskConfig> | undefined): TaskConfig {
  const o = overrides ?? {};
  const known = ['min_count', 'max_count', 'hold_outs', 'unk_p', 'mod', 'round_to', 'max_value'];
  for (const k of Object.keys(o)) if (!known.includes(k)) unknownName('task config key', k, known);
  const isArith = base === 'arithmetic';
  const min_count = checkInt('min_count', o.min_count ?? DEFAULT_CONFIG.min_count, isArith ? 1 : 0);
  const max_count = checkInt('max_count', o.max_count ?? DEFAULT_CONFIG.max_count, min_count);
  const holdRaw = o.hold_outs ?? (isArith ? [] : DEFAULT_CONFIG.hold_outs);
  if (!Array.isArray(holdRaw)) throw new InputError(`task config: hold_outs must be an array, got ${JSON.stringify(holdRaw)}`);
  const hold_outs = [...new Set(holdRaw.map((h: unknown) => checkInt('hold_outs entry', h, 0)))].sort((a, b) => a - b);
  const unk_p = o.unk_p ?? 0;
  if (typeof unk_p !== 'number' || !(unk_p >= 0 && unk_p < 1)) {
    throw new InputError(`task config: unk_p must be in [0, 1), got ${JSON.stringify(unk_p)}`);
  }
  if (isArith && unk_p !== 0) throw new InputError('task config: arithmetic has no void tokens (unk_p must be 0)');
  let allowed = 0;
  for (let c = min_count; c <= max_count; c++) if (!hold_outs.includes(c)) allowed++;
  if (allowed === 0) {
    throw new InputError(`task config: no count left in ${min_count}..${max_count} after hold-outs [${hold_outs.join(', ')}]`);
  }
  const cfg: { -readonly [K in keyof TaskConfig]: TaskConfig[K] } = { min_count, max_count, hold_outs, unk_p };
  if (variant === 'mod') cfg.mod = checkInt('mod', o.mod ?? 4, 1);
  if (variant === 'round') cfg.round_to = checkInt('round_to', o.round_to ?? 3, 1);
  if (isArith) cfg.max_value = checkInt('max_value', o.max_value ?? 20, 1);
  return Object.freeze(cfg);
}

/** The trigger function f of a variant (tasks.md §1). */
function triggerFn(variant: Variant, cfg: TaskConfig): (c: number) => number {
  switch (variant) {
    case 'mod': {
      const m = cfg.mod as number;
      return (c) => modPos(c, m);
    }
    case 'round': {
      const r = cfg.round_to as number;
      return (c) => r * roundHalfEven(c / r);
    }
    case 'square':
      return (c) => c * c;
    default:
      return (c) => c;
  }
}

/** Non-special tokens of a task (before sorting). */
function taskTokens(base: BaseTask, cfg: TaskConfig): string[] {
  const voids = cfg.unk_p > 0 ? [VOID] : [];
  switch (base) {
    case 'multi-object':
      return ['D0', 'D1', 'D2', 'R', TRIGGER, ...voids];
    case 'single-object':
      return ['D', 'R', TRIGGER, ...voids];
    case 'same-object':
      return ['D', TRIGGER, ...voids];
    case 'arithmetic': {
      const nums = Array.from({ length: (cfg.max_value as number) + 1 }, (_, i) => String(i));
      return ['+', '-', '=', ',', ...nums];
    }
  }
}

/** Build a task from its id and optional config overrides (e.g. a model's `task_config`). */
export function getTask(id: string, overrides?: Partial<TaskConfig>): Task {
  const { base, variant } = parseTaskId(id);
  const config = resolveConfig(base, variant, overrides);
  const demoTokens = base === 'multi-object' ? ['D0', 'D1', 'D2'] : base === 'arithmetic' ? [] : ['D'];
  const responseToken = base === 'multi-object' || base === 'single-object' ? 'R' : base === 'same-object' ? 'D' : null;
  return Object.freeze({
    id,
    base,
    variant,
    config,
    vocab: Vocab.fromTaskTokens(taskTokens(base, config)),
    demoTokens: Object.freeze(demoTokens),
    responseToken,
    filler: base === 'arithmetic' ? '0' : demoTokens[demoTokens.length - 1],
    trigger: triggerFn(variant, config),
  });
}

/**
 * The same task described by another causal model (`count-up-down`, `count-up-up`, `count-up-incr`,
 * `increment-up-up`; counting.ts). The sequences are the same; the variables and counterfactuals differ.
 */
export function withCausalModel(task: Task, name: string): Task {
  const names = ['count-up-down', 'count-up-up', 'count-up-incr', 'increment-up-up'];
  if (!names.includes(name)) unknownName('causal model', name, names);
  if (task.base === 'arithmetic') throw new InputError(`causal model '${name}' is a counting model; task 'arithmetic' has its own`);
  return Object.freeze({ ...task, causalModel: name });
}

/** The allowed count set A = {min_count..max_count} minus hold-outs (or with them, if includeHoldOuts). */
export function allowedCounts(task: Task, includeHoldOuts = false): number[] {
  const out: number[] = [];
  for (let c = task.config.min_count; c <= task.config.max_count; c++) {
    if (includeHoldOuts || !task.config.hold_outs.includes(c)) out.push(c);
  }
  return out;
}

/** Plain JSON form of a task config, for config.json `task_config`. */
export function taskConfigJSON(task: Task): Record<string, number | number[]> {
  const c = task.config;
  const out: Record<string, number | number[]> = {
    min_count: c.min_count,
    max_count: c.max_count,
    hold_outs: [...c.hold_outs],
    unk_p: c.unk_p,
  };
  if (c.mod !== undefined) out.mod = c.mod;
  if (c.round_to !== undefined) out.round_to = c.round_to;
  if (c.max_value !== undefined) out.max_value = c.max_value;
  return out;
}
