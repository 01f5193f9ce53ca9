/**
 * The arithmetic causal model (tasks.md §6), ported from the author's `ArithmeticCmodel`
 * (grantsrb/mas causal_models.py). A trial is
 *   B r c₀ (op a = v ,)^{r−1} op a = v E
 * with r operations, start value c₀, op ∈ {+, −}, operand a and running value v, all in 0..max_value.
 * The mask is 1 on the emissions of `=`, v, and the following `,` (or `E`).
 *
 * As in the reference, the update rule decides the next token **before** any intervention, and nothing
 * is clamped:
 * - state `{ target_ops, remops, cumu_val, op, operand, stage, next_arg }`. `stage` is the kind of the
 *   next token (the reference's `next_token_id`): 0 r, 1 c₀, 2 op, 3 operand, 4 `=`, 5 v, 6 `,`/`E`,
 *   7 ended. `next_arg` is what that token was fixed from: r, the value v, the running value the op is
 *   drawn from, or the largest operand. The random draws themselves (c₀, op, operand) happen at emit
 *   time from those fixed arguments, which gives the reference's distribution with a deterministic
 *   update rule.
 * - `target_ops` is r, drawn once per trial and never intervened on (the analogue of `obj_count`; the
 *   reference draws r when it consumes `B`). `op` is +1 / −1, 0 for the reference's None; `remops`,
 *   `cumu_val` and `operand` use ARITH_NONE for None.
 * - update, in the reference's order: `E`/`P` → remops −1, ended; remops None → remops ← r (next r);
 *   cumu_val None → next c₀ (a number consumed at that stage sets cumu_val and fixes the op draw);
 *   `=` → cumu_val ← cumu_val + op·operand (no clamp), next v; `,` → remops − 1, next op drawn from the
 *   current value; an op → next operand drawn in 0..(max − v) for `+` or 0..v for `−`; a number: the
 *   operand (next `=`) if none is set, else the value (op and operand reset, next `,`/`E`).
 * - emit: `,` becomes `E` when remops = 1 (read after the intervention, as in the reference); remops < 0
 *   emits `P`.
 *
 * Consequences of following the reference:
 * - an intervention on cumu_val at the `=` position does not change the v emitted right after it (v was
 *   fixed by the update); it changes the later operations;
 * - an intervention can make a later result leave 0..max_value (e.g. at the operand position). Such a
 *   continuation emits a number outside the vocabulary; makeCounterfactualPairs redraws those pairs
 *   (tasks.md §7: the value filters keep results in range).
 *
 * We specify: the reference already holds c₀ in cumu_val after consuming r; our update cannot draw, so
 * after r the value is still None and the r position is not eligible for interventions (isEligibleState).
 */

import { InputError } from '../errors.ts';
import type { Rng } from '../util/rng.ts';
import type { CausalModel, CausalState, Emission } from './causal.ts';
import type { Task } from './task.ts';
import { BOS, EOS, PAD } from './vocab.ts';

/** Stage codes: the kind of the next token, fixed by the update rule. */
export const ARITH_STAGE = Object.freeze({ ops: 0, start: 1, op: 2, operand: 3, eq: 4, value: 5, sep: 6, ended: 7 });

/** The reference's None for remops, cumu_val and operand (op uses 0). */
export const ARITH_NONE = -1000;

/** The arithmetic causal model. */
export class ArithmeticModel implements CausalModel {
  readonly task: Task;
  readonly variables: readonly string[] = ['target_ops', 'remops', 'cumu_val', 'op', 'operand', 'stage', 'next_arg'];
  /** The reference's `full`: every variable of its state (its next_token_id is our stage + next_arg). */
  readonly fullKeys: readonly string[] = ['remops', 'cumu_val', 'op', 'operand', 'stage', 'next_arg'];
  readonly matchKeys: readonly string[] = ['remops', 'cumu_val', 'op', 'operand', 'stage', 'next_arg'];
  readonly countKey = 'target_ops';
  private readonly maxValue: number;

  /** An arithmetic model for the `arithmetic` task. */
  constructor(task: Task) {
    if (task.base !== 'arithmetic') throw new InputError(`ArithmeticModel: task '${task.id}' is not arithmetic`);
    this.task = task;
    this.maxValue = task.config.max_value as number;
  }

  /** Initial state for a trial with r operations (everything else None). */
  initial(r: number): CausalState {
    if (!Number.isInteger(r) || r < 1) throw new InputError(`ArithmeticModel.initial: r must be an integer ≥ 1, got ${r}`);
    const N = ARITH_NONE;
    return Object.freeze({ target_ops: r, remops: N, cumu_val: N, op: 0, operand: N, stage: ARITH_STAGE.ops, next_arg: N });
  }

  private num(x: string): number | null {
    return /^\d+$/.test(x) ? Number(x) : null;
  }

  /** Update rules (see the file comment). */
  update(state: CausalState, x: string): CausalState {
    const S = ARITH_STAGE;
    const N = ARITH_NONE;
    const set = (o: Record<string, number>): CausalState => Object.freeze({ ...state, ...o });
    if (x === EOS || x === PAD) return set({ remops: -1, stage: S.ended, next_arg: N });
    if (state.remops === N) return set({ remops: state.target_ops, stage: S.ops, next_arg: state.target_ops });
    const n = this.num(x);
    if (state.cumu_val === N) {
      // The reference draws c₀ here; we fix the draw and set cumu_val when c₀ is consumed.
      if (state.stage === S.start && n !== null) return set({ cumu_val: n, stage: S.op, next_arg: n });
      return set({ stage: S.start, next_arg: N });
    }
    if (x === '=') {
      const v = state.op === 0 || state.operand === N ? N : state.cumu_val + state.op * state.operand;
      return set({ cumu_val: v, stage: S.value, next_arg: v });
    }
    if (x === ',') return set({ remops: state.remops - 1, stage: S.op, next_arg: state.cumu_val });
    if (x === '+' || x === '-') {
      const op = x === '+' ? 1 : -1;
      return set({ op, stage: S.operand, next_arg: op > 0 ? this.maxValue - state.cumu_val : state.cumu_val });
    }
    if (n !== null) {
      if (state.op === 0) return set({ stage: S.op, next_arg: state.cumu_val });
      if (state.operand === N) return set({ operand: n, stage: S.eq, next_arg: N });
      return set({ op: 0, operand: N, stage: S.sep, next_arg: N });
    }
    return state;
  }

  /** Set queued keys except target_ops (no post-intervention rule, no clamp). */
  intervene(state: CausalState, values: Readonly<Record<string, number>>): CausalState {
    const s: Record<string, number> = { ...state };
    for (const [k, v] of Object.entries(values)) {
      if (k === 'target_ops') continue;
      if (!this.variables.includes(k)) throw new InputError(`ArithmeticModel.intervene: unknown variable '${k}' (valid: ${this.variables.join(', ')})`);
      s[k] = v;
    }
    return Object.freeze(s);
  }

  /**
   * Emit the token the update fixed: r; c₀ uniform in 0..max; the op by the boundary rule (`−` at max,
   * `+` at 0, else either with probability ½); the operand uniform in 0..next_arg; `=`, v, `,`/`E` with
   * mask 1. Values outside 0..max are emitted as they are (outside the vocabulary).
   */
  emit(state: CausalState, rng: Rng): Emission {
    const S = ARITH_STAGE;
    const m = this.maxValue;
    const a = state.next_arg;
    if (state.remops < 0 || state.stage === S.ended) return { token: PAD, mask: 0 };
    switch (state.stage) {
      case S.ops:
        return { token: String(a), mask: 0 };
      case S.start:
        return { token: String(rng.int(m + 1)), mask: 0 };
      case S.op:
        return { token: a === m ? '-' : a === 0 ? '+' : rng.uniform() < 0.5 ? '+' : '-', mask: 0 };
      case S.operand:
        return { token: a >= 0 ? String(rng.int(a + 1)) : String(a), mask: 0 };
      case S.eq:
        return { token: '=', mask: 1 };
      case S.value:
        return { token: String(a), mask: 1 };
      case S.sep:
        return { token: state.remops === 1 ? EOS : ',', mask: 1 };
      default:
        return { token: PAD, mask: 0 };
    }
  }

  /** Eligible iff the input token is not P, B or E. */
  isEligibleInput(x: string): boolean {
    return x !== PAD && x !== BOS && x !== EOS;
  }

  /** Not eligible while the running value is still None (the r position; see the file comment). */
  isEligibleState(s: CausalState): boolean {
    return s.cumu_val !== ARITH_NONE;
  }
}
