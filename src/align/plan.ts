/**
 * One validated, frozen plan of an alignment run: everything training and the run's outputs derive
 * from the settings and the models, resolved once (the method preset, the direction sets T and C, the
 * mask, the tuples, the aligned width K and its bound, the variable names per model). Errors are
 * SettingErrors naming the library setting (`subspace`, `variables`, `T`, …), never a CLI flag.
 */
import { InputError, SettingError } from '../errors.ts';
import { modelOf, traceStates, variableKeys } from '../tasks/index.ts';
import { variableKeyList, type AlignedModel, type TupleKey } from './data.ts';
import { hasDirection, methodPreset, type Direction } from './methods.ts';
import { modelVariable, type AlignSettings } from './settings.ts';
import type { MaskKind } from './swap.ts';
import { MAX_BATCH, MAX_PAIRS, MAX_STEPS } from '../limits.ts';

/** The resolved plan (deeply frozen). */
export interface AlignmentPlan {
  readonly settings: Readonly<AlignSettings>;
  /** Number of models. */
  readonly n: number;
  readonly mask: MaskKind;
  /** Directions with the behavioural loss (T) and the CL loss (C). */
  readonly T: readonly Direction[];
  readonly C: readonly Direction[];
  /** Block labels, with `null` last when the null variable is trained. */
  readonly varNames: readonly string[];
  /** All n²·V tuples, and those in T ∪ C. */
  readonly tuples: readonly TupleKey[];
  readonly tracked: readonly TupleKey[];
  /** Aligned columns in use, Σ k_v = subspace × variables. */
  readonly K: number;
  /** Whether every column of each map is needed (null block, learned fill, zscore). */
  readonly full: boolean;
  /** The loss normalizer n²·V. */
  readonly norm: number;
  readonly widths: readonly number[];
}

/** Tuple label `s->t/variable`. */
export function tupleLabel(k: TupleKey): string {
  return `${k.src}->${k.trg}/${k.variable}`;
}

/** All n²·V tuples (the null variable only within models). */
export function allTuples(n: number, variables: readonly string[], includeNull: boolean): TupleKey[] {
  const out: TupleKey[] = [];
  const vars = includeNull ? [...variables, 'null'] : [...variables];
  vars.forEach((variable, v) => {
    for (let s = 0; s < n; s++) {
      for (let t = 0; t < n; t++) {
        if (variable === 'null' && s !== t) continue;
        out.push({ src: s, trg: t, variable, v });
      }
    }
  });
  return out;
}

/** Validate a direction set against n models (every index an integer in 0..n−1); duplicates are dropped. */
export function checkDirections(setting: string, dirs: readonly Direction[], n: number): Direction[] {
  const out: Direction[] = [];
  for (const [s, t] of dirs) {
    for (const x of [s, t]) {
      if (!Number.isInteger(x) || x < 0 || x >= n) throw new SettingError(setting, `${s}>${t} names model ${x}, but there ${n === 1 ? 'is 1 model (index 0)' : `are ${n} models (indices 0..${n - 1})`}`);
    }
    if (!hasDirection(out, s, t)) out.push([s, t]);
  }
  return out;
}

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x as object)) deepFreeze(v);
  }
  return x;
}

/**
 * Check the settings against the models and resolve them into a frozen plan: the method fits n, every
 * model knows its name of every block and the keys pair up in every direction, the value range is
 * not empty for any model, the direction sets name existing models, K fits the narrowest width, and
 * the combinations (CL in stepwise mode, the null variable with ZeroMask, Gram–Schmidt with full maps,
 * learned fill with several variables) are possible.
 */
export function resolveAlignment(models: readonly AlignedModel[], settings: AlignSettings): AlignmentPlan {
  const s = structuredClone(settings);
  const n = models.length;
  if (n === 0) throw new SettingError('modelDirs', 'needs at least one model');
  const preset = methodPreset(s.method, n);
  const T = s.T ? checkDirections('T', s.T, n) : preset.T;
  const C = s.C ? checkDirections('C', s.C, n) : preset.C;
  if (s.T) s.T = T;
  if (s.C) s.C = C;
  const nv = s.variables.length;
  if (nv === 0) throw new SettingError('variables', 'needs at least one variable');
  checkVariables(models, s);
  if (s.values) checkValues(s.values, models, s);
  for (const [name, v] of [['steps', s.steps], ['trainPairs', s.trainPairs], ['validPairs', s.validPairs], ['batch', s.batch], ['validEvery', s.validEvery], ['patience', s.patience]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new SettingError(name, `must be a positive integer, got ${v}`);
    const max = name === 'trainPairs' || name === 'validPairs' ? MAX_PAIRS : name === 'batch' ? MAX_BATCH : MAX_STEPS;
    if (v > max) throw new SettingError(name, `${v} is over the limit of ${max.toLocaleString('en-US')} (docs/limits.md)`);
  }
  if (!Number.isInteger(s.subspace) || s.subspace < 0) throw new SettingError('subspace', `must be a non-negative integer, got ${s.subspace}`);
  const widths = models.map((m) => m.width);
  const minWidth = Math.min(...widths);
  const K = s.subspace * nv;
  if (K > minWidth) throw new SettingError('subspace', `${s.subspace} × ${nv} variable(s) = ${K} exceeds the narrowest hooked width ${minWidth}`);
  if (s.mode === 'stepwise' && (s.clWeight > 0 || C.length > 0)) {
    throw new SettingError('mode', `stepwise: the CL loss is indywise only${s.clWeight > 0 ? `; clWeight is ${s.clWeight}` : ''}${C.length > 0 ? `; CL directions ${C.map(([a, b]) => `${a}>${b}`).join(',')}` : ''}`);
  }
  if (s.includeNull && preset.mask === 'zero') throw new SettingError('includeNull', `needs a FixedMask method, not ${s.method}`);
  if (s.learnedFill && nv !== 1) throw new SettingError('learnedFill', 'needs exactly one variable');
  if (s.map === 'gram-schmidt' && (s.includeNull || s.zscore || s.learnedFill)) {
    throw new SettingError('map', 'gram-schmidt holds only the k aligned columns: it cannot be combined with the null variable, zscore or learned fill');
  }
  const tuples = allTuples(n, s.variables, s.includeNull);
  const tracked = tuples.filter((k) => hasDirection(T, k.src, k.trg) || hasDirection(C, k.src, k.trg));
  if (tracked.length === 0) throw new SettingError('method', `${s.method} with these direction sets trains no direction`);
  const varNames = s.includeNull ? [...s.variables, 'null'] : [...s.variables];
  return deepFreeze({
    settings: s,
    n,
    mask: preset.mask,
    T,
    C,
    varNames,
    tuples,
    tracked,
    K,
    full: s.includeNull || s.learnedFill || s.zscore,
    norm: n * n * varNames.length,
    widths,
  });
}

/** Every model knows its name of every block, and the keys pair up in every direction. */
function checkVariables(models: readonly AlignedModel[], s: AlignSettings): void {
  const n = models.length;
  s.variables.forEach((_, v) => {
    models.forEach((m, i) => {
      const cm = modelOf(m.task);
      const name = modelVariable(s, i, v);
      const swappable = cm.variables.filter((x) => x !== cm.countKey);
      if (name === 'null') throw new SettingError('variables', `null is not a block (set includeNull)`);
      if (name !== 'full' && !swappable.includes(name)) {
        throw new SettingError('variables', `${name}: model ${i} (task ${m.task.id}) has no swappable variable '${name}' (has: full, ${swappable.join(', ')})`);
      }
    });
    for (let si = 0; si < n; si++) {
      for (let ti = 0; ti < n; ti++) {
        const [sName, tName] = [modelVariable(s, si, v), modelVariable(s, ti, v)];
        const sm = modelOf(models[si].task);
        try {
          variableKeys(modelOf(models[ti].task), sm, tName, variableKeyList(sm, sName));
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          throw new SettingError('variables', `${sName}: model ${si}'s '${sName}' cannot be swapped into model ${ti}'s '${tName}' (${e.message.replace(/^counterfactual: /, '')})`);
        }
      }
    }
  });
}

/** Every model takes some value of each block variable in [lo, hi] at an eligible position of both splits. */
function checkValues(values: readonly [number, number], models: readonly AlignedModel[], s: AlignSettings): void {
  const [lo, hi] = values;
  if (!(lo <= hi)) throw new SettingError('values', `${lo}-${hi} is an empty range`);
  for (const m of models) {
    const cm = modelOf(m.task);
    for (let v = 0; v < s.variables.length; v++) {
      const name = modelVariable(s, m.index, v);
      if (name === 'full') throw new SettingError('values', `${lo}-${hi} filters a named variable; model ${m.index} swaps the set 'full' (name one variable, e.g. count)`);
      for (const split of ['train', 'valid'] as const) {
        let seen = Infinity;
        let top = -Infinity;
        let hit = false;
        for (const tr of m[split]) {
          const states = traceStates(cm, tr.tokens, tr.count);
          for (let p = 0; p < tr.tokens.length && !hit; p++) {
            if (!cm.isEligibleInput(tr.tokens[p])) continue;
            const x = states[p][name];
            seen = Math.min(seen, x);
            top = Math.max(top, x);
            if (x >= lo && x <= hi) hit = true;
          }
          if (hit) break;
        }
        if (!hit) throw new SettingError('values', `${lo}-${hi}: model ${m.index} never has ${name} in that range at an eligible position of its ${split} sequences (it takes ${seen}..${top}); the range is empty after filtering`);
      }
    }
  }
}
