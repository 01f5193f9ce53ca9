/**
 * The author's other counting causal models (grantsrb/mas causal_models.py; tasks.md §4.2, "Other
 * causal models"). They generate the same sequences as Count-Up-Down but name different variables,
 * so they define different counterfactuals:
 * - CountUpUp: separate demo and response counters (`demo_count`, `resp_count`); the response phase
 *   stops when they are equal.
 * - CountUpIncr: `count` counts the demo tokens; `T` sets `incr` ← 1/max(count, 1) and count ← 0;
 *   each response token adds incr·max_count, and `E` comes once count ≥ max_count − 1/(2·max_count).
 * - IncrementUpUp: as CountUpIncr, but demo tokens also add incr·max_count (incr starts at
 *   1/max_count, so a natural demo phase still counts by one). An `incr` swapped into the demo phase
 *   changes the counting there, which CountUpIncr ignores.
 * They apply to the base counting tasks only (no trigger-function variant). `max_count` is the task's
 * largest count (the reference: its constructor default, 20).
 *
 * Reference: CountUpUp emits `E` with mask 0 once resp_count > demo_count (e.g. after an intervention),
 * which ends a continuation at once; we keep that.
 */

import { InputError } from '../errors.ts';
import type { Rng } from '../util/rng.ts';
import type { CausalModel, CausalState, Emission } from './causal.ts';
import type { Task } from './task.ts';
import { BOS, EOS, PAD, TRIGGER, VOID } from './vocab.ts';

/** Names of the counting causal models (`count-up-down` is the default of every counting task). */
export const CAUSAL_MODEL_NAMES: readonly string[] = ['count-up-down', 'count-up-up', 'count-up-incr', 'increment-up-up'];

function checkTask(name: string, task: Task): string {
  if (task.base === 'arithmetic' || task.responseToken === null) throw new InputError(`${name}: task '${task.id}' is not a counting task`);
  if (task.variant !== 'none') throw new InputError(`${name}: applies to the base counting tasks only, not to the '-${task.variant}' variant of '${task.id}'`);
  return task.responseToken;
}

/** Demo-phase emission shared by the counting models: `U` with probability unk_p, `T` once count ≥ obj_count, else a demo token. */
function demoEmission(task: Task, state: CausalState, count: number, rng: Rng): Emission {
  if (state.unk_p > 0 && rng.uniform() < state.unk_p) return { token: VOID, mask: 0 };
  if (count >= state.obj_count) return { token: TRIGGER, mask: 0 };
  const d = task.demoTokens;
  return { token: d.length === 1 ? d[0] : d[rng.int(d.length)], mask: 0 };
}

function setKeys(name: string, variables: readonly string[], state: CausalState, values: Readonly<Record<string, number>>): CausalState {
  const s: Record<string, number> = { ...state };
  for (const [k, v] of Object.entries(values)) {
    if (k === 'obj_count') continue;
    if (!variables.includes(k)) throw new InputError(`${name}.intervene: unknown variable '${k}' (valid: ${variables.join(', ')})`);
    s[k] = v;
  }
  return Object.freeze(s);
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new InputError(`${name}.initial: obj_count must be an integer ≥ 0, got ${n}`);
}

/** Eligible iff the input token is not P, B, E or T (as Count-Up-Down). */
function eligible(x: string): boolean {
  return x !== PAD && x !== BOS && x !== EOS && x !== TRIGGER;
}

/** CountUpUp: a demo counter and a response counter. */
export class CountUpUp implements CausalModel {
  readonly task: Task;
  readonly variables: readonly string[] = ['obj_count', 'phase', 'demo_count', 'resp_count', 'unk_p'];
  readonly fullKeys: readonly string[] = ['phase', 'demo_count', 'resp_count', 'unk_p'];
  readonly matchKeys: readonly string[] = ['obj_count', 'phase', 'demo_count', 'resp_count'];
  readonly countKey = 'obj_count';
  private readonly demo: ReadonlySet<string>;
  private readonly resp: string;

  /** A CountUpUp model for a base counting task. */
  constructor(task: Task) {
    this.resp = checkTask('CountUpUp', task);
    this.task = task;
    this.demo = new Set(task.demoTokens);
  }

  /** Initial state: phase −1, both counters 0. */
  initial(count: number): CausalState {
    checkCount('CountUpUp', count);
    return Object.freeze({ obj_count: count, phase: -1, demo_count: 0, resp_count: 0, unk_p: this.task.config.unk_p });
  }

  /** `E`/`P`: resp_count ← demo_count + 1, phase +1; demo tokens count up demo_count, response tokens resp_count. */
  update(state: CausalState, x: string): CausalState {
    if (x === EOS || x === PAD) return Object.freeze({ ...state, resp_count: state.demo_count + 1, phase: 1 });
    if (state.phase === -1) {
      if (x === TRIGGER) return Object.freeze({ ...state, phase: 1 });
      if (this.demo.has(x)) return Object.freeze({ ...state, demo_count: state.demo_count + 1 });
      return state;
    }
    if (x === this.resp) return Object.freeze({ ...state, resp_count: state.resp_count + 1 });
    return state;
  }

  /** Set queued keys except obj_count. */
  intervene(state: CausalState, values: Readonly<Record<string, number>>): CausalState {
    return setKeys('CountUpUp', this.variables, state, values);
  }

  /** Demo phase as Count-Up-Down on demo_count; response: `E` (mask 0) past the end, `E` at equality, else the response token. */
  emit(state: CausalState, rng: Rng): Emission {
    if (state.phase === -1) return demoEmission(this.task, state, state.demo_count, rng);
    if (state.resp_count > state.demo_count) return { token: EOS, mask: 0 };
    if (state.resp_count === state.demo_count) return { token: EOS, mask: 1 };
    return { token: this.resp, mask: 1 };
  }

  /** Eligible iff the input token is not P, B, E or T. */
  isEligibleInput(x: string): boolean {
    return eligible(x);
  }
}

/** CountUpIncr: counts demo tokens, then fills max_count in steps of incr·max_count. */
export class CountUpIncr implements CausalModel {
  readonly task: Task;
  readonly variables: readonly string[] = ['obj_count', 'phase', 'count', 'unk_p', 'max_count', 'incr'];
  readonly fullKeys: readonly string[] = ['phase', 'count', 'unk_p', 'max_count', 'incr'];
  readonly matchKeys: readonly string[] = ['obj_count', 'phase', 'count', 'incr'];
  readonly countKey = 'obj_count';
  protected readonly demo: ReadonlySet<string>;
  protected readonly resp: string;
  protected readonly name: string = 'CountUpIncr';

  /** A CountUpIncr model for a base counting task. */
  constructor(task: Task) {
    this.resp = checkTask(new.target.name, task);
    this.task = task;
    this.demo = new Set(task.demoTokens);
  }

  /** Initial state: phase −1, count 0, max_count the task's largest count, incr = 1/max_count. */
  initial(count: number): CausalState {
    checkCount(this.name, count);
    const max = this.task.config.max_count;
    return Object.freeze({ obj_count: count, phase: -1, count: 0, unk_p: this.task.config.unk_p, max_count: max, incr: 1 / max });
  }

  /** The increment of a demo token (1 here; IncrementUpUp: incr·max_count). */
  protected demoStep(state: CausalState): number {
    void state;
    return 1;
  }

  /** `E`/`P` end (count −1); `T`: incr ← 1/max(count, 1), count ← 0; demo tokens add demoStep; response tokens add incr·max_count. */
  update(state: CausalState, x: string): CausalState {
    if (x === EOS || x === PAD) return Object.freeze({ ...state, count: -1, phase: 1 });
    if (state.phase === -1) {
      if (x === TRIGGER) return Object.freeze({ ...state, phase: 1, incr: 1 / Math.max(state.count, 1), count: 0 });
      if (this.demo.has(x)) return Object.freeze({ ...state, count: state.count + this.demoStep(state) });
      return state;
    }
    if (x === this.resp) return Object.freeze({ ...state, count: state.count + state.incr * state.max_count });
    return state;
  }

  /** Set queued keys except obj_count. */
  intervene(state: CausalState, values: Readonly<Record<string, number>>): CausalState {
    return setKeys(this.name, this.variables, state, values);
  }

  /** Demo phase as Count-Up-Down; response: `P` when ended, `E` once count ≥ max_count − 1/(2·max_count), else the response token. */
  emit(state: CausalState, rng: Rng): Emission {
    if (state.phase === -1) return demoEmission(this.task, state, state.count, rng);
    if (state.count < 0) return { token: PAD, mask: 0 };
    if (state.count >= state.max_count - 1 / (2 * state.max_count)) return { token: EOS, mask: 1 };
    return { token: this.resp, mask: 1 };
  }

  /** Eligible iff the input token is not P, B, E or T. */
  isEligibleInput(x: string): boolean {
    return eligible(x);
  }
}

/** IncrementUpUp: CountUpIncr whose demo tokens also add incr·max_count. */
export class IncrementUpUp extends CountUpIncr {
  protected override readonly name: string = 'IncrementUpUp';

  /** Demo tokens add incr·max_count. */
  protected override demoStep(state: CausalState): number {
    return state.incr * state.max_count;
  }
}
