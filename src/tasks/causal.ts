/**
 * Causal models (tasks.md §4): symbolic programs that generate every sequence and define every
 * counterfactual. A model is a small state machine used step by step:
 *
 *   state' = intervene(update(state, x), queued values)   // post-token state at x's position
 *   (token, maskBit) = emit(state', rng)
 *
 * States are plain frozen records of numbers keyed by the variable names of the spec (`obj_count`,
 * `phase`, `count`, `unk_p` for Count-Up-Down), so that variable sets can be swapped by name.
 */

import { InputError } from '../errors.ts';
import type { Rng } from '../util/rng.ts';
import type { Task } from './task.ts';
import { modPos } from './task.ts';
import { BOS, EOS, PAD, TRIGGER, VOID } from './vocab.ts';

/** A causal-model state: variable name → value. */
export type CausalState = Readonly<Record<string, number>>;

/** One emission: the next token and its task-mask bit. */
export interface Emission {
  readonly token: string;
  readonly mask: 0 | 1;
}

/** A causal model usable step by step. */
export interface CausalModel {
  /** The task it generates. */
  readonly task: Task;
  /** Every variable of the state. */
  readonly variables: readonly string[];
  /** Keys swapped by the `full` variable set (all but the never-intervened count). */
  readonly fullKeys: readonly string[];
  /** Keys compared by the counterfactual-latent lookup (tasks.md §7.6). */
  readonly matchKeys: readonly string[];
  /** The per-trial count drawn once and never intervened on (`obj_count`; arithmetic: `target_ops`). */
  readonly countKey: string;
  /** Initial (pre-`B`) state for a trial with this count. */
  initial(count: number): CausalState;
  /** Update rule: the state after consuming token x (no intervention). */
  update(state: CausalState, x: string): CausalState;
  /** Apply queued values (ignoring the never-intervened count key), then the variant's post-intervention rule. */
  intervene(state: CausalState, values: Readonly<Record<string, number>>): CausalState;
  /** Emit rule: the next token and its mask bit; random draws come from rng. */
  emit(state: CausalState, rng: Rng): Emission;
  /** Whether a position with this input token is eligible for interventions (tasks.md §7.2). */
  isEligibleInput(x: string): boolean;
  /** Optional further rule on the post-token state of an eligible position (default: every state). */
  isEligibleState?(state: CausalState): boolean;
}

/** One full step: update, optional intervention, emit (tasks.md §4.2). */
export function step(
  model: CausalModel,
  state: CausalState,
  x: string,
  rng: Rng,
  intervention?: Readonly<Record<string, number>>,
): { state: CausalState; emission: Emission } {
  let s = model.update(state, x);
  if (intervention) s = model.intervene(s, intervention);
  return { state: s, emission: model.emit(s, rng) };
}

/** Post-token states V_p of a token sequence, run with the given count (no interventions). */
export function traceStates(model: CausalModel, tokens: readonly string[], count: number): CausalState[] {
  const out = new Array<CausalState>(tokens.length);
  let s = model.initial(count);
  for (let p = 0; p < tokens.length; p++) {
    s = model.update(s, tokens[p]);
    out[p] = s;
  }
  return out;
}

/**
 * Run the model from a state until it emits `E` (inclusive), feeding each emitted token back with
 * update only. Returns the emitted tokens and their mask bits. InputError if `P` is emitted (the state
 * had already ended) or if no `E` comes within maxSteps.
 */
export function continueFrom(
  model: CausalModel,
  state: CausalState,
  rng: Rng,
  maxSteps = 100_000,
): { tokens: string[]; mask: number[]; states: CausalState[] } {
  const r = tryContinueFrom(model, state, rng, () => true, maxSteps);
  if (!r) throw new InputError(`continueFrom: the state ${JSON.stringify(state)} has ended (emits P) before any E`);
  return r;
}

/**
 * continueFrom that returns null instead of throwing when the continuation emits `P` before `E`, or a
 * token `valid` rejects (e.g. an arithmetic result outside the vocabulary). InputError if no `E` comes
 * within maxSteps.
 */
export function tryContinueFrom(
  model: CausalModel,
  state: CausalState,
  rng: Rng,
  valid: (token: string) => boolean,
  maxSteps = 100_000,
): { tokens: string[]; mask: number[]; states: CausalState[] } | null {
  const tokens: string[] = [];
  const mask: number[] = [];
  const states: CausalState[] = [];
  let s = state;
  for (let i = 0; i < maxSteps; i++) {
    const e = model.emit(s, rng);
    if (e.token === PAD || !valid(e.token)) return null;
    tokens.push(e.token);
    mask.push(e.mask);
    if (e.token === EOS) return { tokens, mask, states };
    s = model.update(s, e.token);
    states.push(s);
  }
  throw new InputError(
    `continueFrom: no E within ${maxSteps} steps from state ${JSON.stringify(state)}` +
      ' (a -square task squares a count swapped back into the demo phase, which can make a continuation this long)',
  );
}

/** Generate one trial: feed `B`, then each emitted token, until `E` (inclusive). */
export function generate(model: CausalModel, count: number, rng: Rng): { tokens: string[]; mask: Uint8Array } {
  const s = model.update(model.initial(count), BOS);
  const cont = continueFrom(model, s, rng);
  const mask = new Uint8Array(cont.tokens.length + 1);
  mask.set(cont.mask, 1);
  return { tokens: [BOS, ...cont.tokens], mask };
}

/**
 * Count-Up-Down (tasks.md §4) and its variants: the variant's trigger function f is applied to the
 * count when `T` is consumed; `-mod` also reduces the count mod m after an intervention in the
 * response phase.
 */
export class CountUpDown implements CausalModel {
  readonly task: Task;
  readonly variables: readonly string[] = ['obj_count', 'phase', 'count', 'unk_p'];
  readonly fullKeys: readonly string[] = ['phase', 'count', 'unk_p'];
  readonly matchKeys: readonly string[] = ['obj_count', 'phase', 'count'];
  readonly countKey = 'obj_count';
  private readonly demo: ReadonlySet<string>;
  private readonly resp: string;

  /** A Count-Up-Down model for a counting task. */
  constructor(task: Task) {
    if (task.base === 'arithmetic' || task.responseToken === null) {
      throw new InputError(`CountUpDown: task '${task.id}' is not a counting task`);
    }
    this.task = task;
    this.demo = new Set(task.demoTokens);
    this.resp = task.responseToken;
  }

  /** Initial state: phase −1, count 0, obj_count N, unk_p as configured. */
  initial(count: number): CausalState {
    if (!Number.isInteger(count) || count < 0) throw new InputError(`CountUpDown.initial: obj_count must be an integer ≥ 0, got ${count}`);
    return Object.freeze({ obj_count: count, phase: -1, count: 0, unk_p: this.task.config.unk_p });
  }

  /** Update rules of tasks.md §4.2. */
  update(state: CausalState, x: string): CausalState {
    if (x === EOS || x === PAD) return Object.freeze({ ...state, count: -1, phase: 1 });
    if (state.phase === -1) {
      if (x === TRIGGER) return Object.freeze({ ...state, phase: 1, count: this.task.trigger(state.count) });
      if (this.demo.has(x)) return Object.freeze({ ...state, count: state.count + 1 });
      return state;
    }
    if (x === this.resp) return Object.freeze({ ...state, count: state.count - 1 });
    return state;
  }

  /** Set queued keys except obj_count; then `-mod`: in the response phase, count ← count mod m. */
  intervene(state: CausalState, values: Readonly<Record<string, number>>): CausalState {
    const s: Record<string, number> = { ...state };
    for (const [k, v] of Object.entries(values)) {
      if (k === 'obj_count') continue;
      if (!this.variables.includes(k)) throw new InputError(`CountUpDown.intervene: unknown variable '${k}' (valid: ${this.variables.join(', ')})`);
      s[k] = v;
    }
    // count −1 marks an ended sequence and is left alone (only reachable from non-eligible states).
    if (this.task.variant === 'mod' && s.phase === 1 && s.count >= 0) s.count = modPos(s.count, this.task.config.mod as number);
    return Object.freeze(s);
  }

  /** Emit rules of tasks.md §4.2 (the `U` draw comes first in the demo phase). */
  emit(state: CausalState, rng: Rng): Emission {
    if (state.phase === -1) {
      if (state.unk_p > 0 && rng.uniform() < state.unk_p) return { token: VOID, mask: 0 };
      if (state.count >= state.obj_count) return { token: TRIGGER, mask: 0 };
      const d = this.task.demoTokens;
      return { token: d.length === 1 ? d[0] : d[rng.int(d.length)], mask: 0 };
    }
    if (state.count < 0) return { token: PAD, mask: 0 };
    if (state.count === 0) return { token: EOS, mask: 1 };
    return { token: this.resp, mask: 1 };
  }

  /** Eligible iff the input token is not P, B, E or T. */
  isEligibleInput(x: string): boolean {
    return x !== PAD && x !== BOS && x !== EOS && x !== TRIGGER;
  }
}
