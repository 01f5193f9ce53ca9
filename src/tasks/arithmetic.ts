/**
 * The arithmetic causal model (tasks.md §6). A trial is
 *   B r c₀ (op a = v ,)^{r−1} op a = v E
 * with r operations, start value c₀, op ∈ {+, −}, operand a and running value v, all in 0..max_value.
 * The mask is 1 on the emissions of `=`, v, and the following `,` (or `E`).
 *
 * We specify the step-by-step form (the spec gives only the variables):
 * - state `{ target_ops, stage, remops, cumu_val, op, operand }`; `target_ops` is r, drawn once per
 *   trial and never intervened on (the analogue of `obj_count`); `op` is +1 / −1 (0 before the first);
 * - `stage` says what is emitted next: 0 r, 1 c₀, 2 op, 3 operand, 4 `=`, 5 v, 6 `,`/`E`, 7 ended;
 * - update: `E`/`P` → ended; `B` → stage 0; at stage 0 a number sets remops; at stage 1 it sets
 *   cumu_val; at stage 2 an op sets op; at stage 3 a number sets operand; `=` at stage 4 applies the
 *   operation, cumu_val ← clamp(cumu_val + op·operand, 0, max_value); a number at stage 5 changes only
 *   the stage; `,` at stage 6 decrements remops; any other token changes nothing;
 * - the clamp keeps v inside the vocabulary after an intervention on cumu_val (without interventions the
 *   sampling rule already keeps it in range).
 */

import { InputError } from '../errors.ts';
import type { Rng } from '../util/rng.ts';
import type { CausalModel, CausalState, Emission } from './causal.ts';
import type { Task } from './task.ts';
import { BOS, EOS, PAD } from './vocab.ts';

/** Stage codes of the arithmetic state machine. */
export const ARITH_STAGE = Object.freeze({ ops: 0, start: 1, op: 2, operand: 3, eq: 4, value: 5, sep: 6, ended: 7 });

/** The arithmetic causal model. */
export class ArithmeticModel implements CausalModel {
  readonly task: Task;
  readonly variables: readonly string[] = ['target_ops', 'stage', 'remops', 'cumu_val', 'op', 'operand'];
  readonly fullKeys: readonly string[] = ['stage', 'remops', 'cumu_val', 'op', 'operand'];
  readonly matchKeys: readonly string[] = ['stage', 'remops', 'cumu_val', 'op', 'operand'];
  readonly countKey = 'target_ops';
  private readonly maxValue: number;

  /** An arithmetic model for the `arithmetic` task. */
  constructor(task: Task) {
    if (task.base !== 'arithmetic') throw new InputError(`ArithmeticModel: task '${task.id}' is not arithmetic`);
    this.task = task;
    this.maxValue = task.config.max_value as number;
  }

  /** Initial state for a trial with r operations. */
  initial(r: number): CausalState {
    if (!Number.isInteger(r) || r < 1 || r > this.maxValue) {
      throw new InputError(`ArithmeticModel.initial: r must be an integer in 1..${this.maxValue}, got ${r}`);
    }
    return Object.freeze({ target_ops: r, stage: ARITH_STAGE.ops, remops: 0, cumu_val: 0, op: 0, operand: 0 });
  }

  private num(x: string): number | null {
    if (!/^\d+$/.test(x)) return null;
    const v = Number(x);
    return v <= this.maxValue ? v : null;
  }

  /** Update rules (see the file comment). */
  update(state: CausalState, x: string): CausalState {
    const S = ARITH_STAGE;
    if (x === EOS || x === PAD) return Object.freeze({ ...state, stage: S.ended });
    if (x === BOS) return Object.freeze({ ...state, stage: S.ops });
    const n = this.num(x);
    switch (state.stage) {
      case S.ops:
        return n === null ? state : Object.freeze({ ...state, remops: n, stage: S.start });
      case S.start:
        return n === null ? state : Object.freeze({ ...state, cumu_val: n, stage: S.op });
      case S.op:
        return x === '+' || x === '-' ? Object.freeze({ ...state, op: x === '+' ? 1 : -1, stage: S.operand }) : state;
      case S.operand:
        return n === null ? state : Object.freeze({ ...state, operand: n, stage: S.eq });
      case S.eq: {
        if (x !== '=') return state;
        const v = Math.min(this.maxValue, Math.max(0, state.cumu_val + state.op * state.operand));
        return Object.freeze({ ...state, cumu_val: v, stage: S.value });
      }
      case S.value:
        return n === null ? state : Object.freeze({ ...state, stage: S.sep });
      case S.sep:
        return x === ',' ? Object.freeze({ ...state, remops: state.remops - 1, stage: S.op }) : state;
      default:
        return state;
    }
  }

  /** Set queued keys except target_ops (no post-intervention rule). */
  intervene(state: CausalState, values: Readonly<Record<string, number>>): CausalState {
    const s: Record<string, number> = { ...state };
    for (const [k, v] of Object.entries(values)) {
      if (k === 'target_ops') continue;
      if (!this.variables.includes(k)) throw new InputError(`ArithmeticModel.intervene: unknown variable '${k}' (valid: ${this.variables.join(', ')})`);
      s[k] = v;
    }
    return Object.freeze(s);
  }

  /** Emit rules: r; c₀ uniform; op by the boundary rule; operand uniform in range; `=`, v, `,`/`E` with mask 1. */
  emit(state: CausalState, rng: Rng): Emission {
    const S = ARITH_STAGE;
    const m = this.maxValue;
    const v = state.cumu_val;
    switch (state.stage) {
      case S.ops:
        return { token: String(state.target_ops), mask: 0 };
      case S.start:
        return { token: String(rng.int(m + 1)), mask: 0 };
      case S.op: {
        const op = v >= m ? '-' : v <= 0 ? '+' : rng.uniform() < 0.5 ? '+' : '-';
        return { token: op, mask: 0 };
      }
      case S.operand: {
        const hi = state.op > 0 ? m - v : v;
        return { token: String(hi > 0 ? rng.int(hi + 1) : 0), mask: 0 };
      }
      case S.eq:
        return { token: '=', mask: 1 };
      case S.value:
        return { token: String(v), mask: 1 };
      case S.sep:
        return { token: state.remops <= 1 ? EOS : ',', mask: 1 };
      default:
        return { token: PAD, mask: 0 };
    }
  }

  /** Eligible iff the input token is not P, B or E. */
  isEligibleInput(x: string): boolean {
    return x !== PAD && x !== BOS && x !== EOS;
  }
}
