/**
 * Counterfactual (target, source) pairs (tasks.md §7).
 *
 * Indywise (§7.3): one intervened position p_t in the target, one source position p_s; the target's
 * post-token state at p_t receives the source's values for the swapped keys, and the causal model runs
 * on from that state V* until `E`. Stepwise (§7.4): every position 0..p is swapped; the counterfactual
 * prefix is the target's tokens 0..p with positions at or after the target's `E` filled by the filler,
 * and its task mask is 0. Null variable (§7.5): the counterfactual is the unchanged target. The CL
 * lookup (§7.6) finds a natural target position whose post-token state equals V*.
 */

import { InputError } from '../errors.ts';
import { Rng } from '../util/rng.ts';
import type { CausalModel, CausalState } from './causal.ts';
import { traceStates, tryContinueFrom } from './causal.ts';
import type { SequenceBatch, Trial } from './sequences.ts';
import { makeBatch, modelOf } from './sequences.ts';
import type { Task } from './task.ts';
import { allowedCounts } from './task.ts';
import type { Vocab } from './vocab.ts';
import { EOS } from './vocab.ts';

/** Indywise (one position) or stepwise (positions 0..p). */
export type CounterfactualMode = 'indywise' | 'stepwise';
/** Which obj_count the target state uses: its own N (ours) or a fresh uniform draw (reference). */
export type ObjCountMode = 'target' | 'random';
/** A swapped key pair: [target key, source key]. */
export type KeyPair = readonly [string, string];

/**
 * Positions of a trial whose input token is eligible for interventions (tasks.md §7.2). With the trial's
 * post-token states, also the model's state rule (isEligibleState) and a value filter.
 */
export function eligiblePositions(model: CausalModel, tokens: readonly string[], states?: readonly CausalState[], filter?: ValueFilter): number[] {
  const out: number[] = [];
  for (let p = 0; p < tokens.length; p++) {
    if (!model.isEligibleInput(tokens[p])) continue;
    if (states) {
      if (model.isEligibleState && !model.isEligibleState(states[p])) continue;
      if (filter && !passesFilter(states[p], filter)) continue;
    }
    out.push(p);
  }
  return out;
}

/**
 * A filter on the values of the post-token state at a candidate position, as the reference's
 * `keep_varb_vals_filter` / `excl_varb_vals_filter` (filters.py): e.g. `{keep: {count: [1, …, 10]}}`.
 * Reference: it filters the source's post-token and the target's pre-token values; we filter the
 * post-token values of both (the states that are swapped).
 */
export interface ValueFilter {
  /** Keep only positions whose value of each listed variable is one of these. */
  readonly keep?: Readonly<Record<string, readonly number[]>>;
  /** Drop positions whose value of a listed variable is one of these. */
  readonly exclude?: Readonly<Record<string, readonly number[]>>;
}

/** Whether a state passes a value filter. */
export function passesFilter(s: CausalState, f: ValueFilter): boolean {
  for (const [k, vals] of Object.entries(f.keep ?? {})) if (!vals.includes(s[k])) return false;
  for (const [k, vals] of Object.entries(f.exclude ?? {})) if (vals.includes(s[k])) return false;
  return true;
}

/** InputError unless every variable a filter names belongs to the model. */
export function checkFilter(model: CausalModel, f: ValueFilter | undefined, side: string): void {
  if (!f) return;
  for (const k of [...Object.keys(f.keep ?? {}), ...Object.keys(f.exclude ?? {})]) {
    if (!model.variables.includes(k)) {
      throw new InputError(`counterfactual: the ${side} value filter names '${k}', which task '${model.task.id}' does not have (has ${model.variables.join(', ')})`);
    }
  }
  for (const [k, vals] of Object.entries(f.keep ?? {})) {
    if (vals.length === 0) throw new InputError(`counterfactual: the ${side} value filter keeps no value of '${k}' (empty value range)`);
  }
}

/**
 * The swapped key pairs of a variable set for a (target, source) model pair: `full` → the target's
 * fullKeys; `null` → none; otherwise the named variable. Source keys default to the target's names;
 * pass sourceKeys (paired in order) for cross-task swaps such as `cumu_val` ← `count`.
 */
export function variableKeys(target: CausalModel, source: CausalModel, variable: string, sourceKeys?: readonly string[]): KeyPair[] {
  let tk: readonly string[];
  if (variable === 'full') tk = target.fullKeys;
  else if (variable === 'null') tk = [];
  else {
    const swappable = target.variables.filter((v) => v !== target.countKey);
    if (!swappable.includes(variable)) {
      const choices = ['full', 'null', ...swappable];
      throw new InputError(`counterfactual: unknown variable '${variable}' for task '${target.task.id}'; valid: ${choices.join(', ')}`);
    }
    tk = [variable];
  }
  const sk = sourceKeys ?? tk;
  if (sk.length !== tk.length) {
    throw new InputError(`counterfactual: ${sk.length} source keys [${sk.join(', ')}] for ${tk.length} target keys [${tk.join(', ')}]`);
  }
  for (const k of sk) {
    if (!source.variables.includes(k)) {
      throw new InputError(
        `counterfactual: source task '${source.task.id}' has no variable '${k}' (has ${source.variables.join(', ')}); pass sourceKeys to pair keys across tasks`,
      );
    }
  }
  return tk.map((k, i) => [k, sk[i]] as const);
}

/** Form V*: start from the target state, set each target key to the source's paired value, apply the post rule. */
export function intervenedState(model: CausalModel, targetState: CausalState, sourceState: CausalState, keys: readonly KeyPair[]): CausalState {
  const values: Record<string, number> = {};
  for (const [tk, sk] of keys) values[tk] = sourceState[sk];
  return model.intervene(targetState, values);
}

/** A built counterfactual: the sequence, its task mask, and the states involved. */
export interface Counterfactual {
  readonly tokens: string[];
  readonly taskMask: Uint8Array;
  /** Target post-token state at p (with the obj_count actually used). */
  readonly targetState: CausalState;
  /** V*. */
  readonly intervened: CausalState;
}

function withCount(model: CausalModel, s: CausalState, objCount: number | undefined): CausalState {
  return objCount === undefined ? s : Object.freeze({ ...s, [model.countKey]: objCount });
}

/** The continuation from V*, or null if it emits `P` or a token outside the task's vocabulary. */
function continuation(model: CausalModel, vStar: CausalState, rng: Rng): { tokens: string[]; mask: number[] } | null {
  const vocab = model.task.vocab;
  return tryContinueFrom(model, vStar, rng, (t) => vocab.has(t));
}

function invalid(where: string, vStar: CausalState): never {
  throw new InputError(`${where}: the continuation from ${JSON.stringify(vStar)} ends without E or leaves the vocabulary (e.g. an arithmetic result outside 0..max_value)`);
}

/**
 * Indywise counterfactual (tasks.md §7.3): target prefix 0..pt with its own mask, then the continuation
 * from V*. With no keys (null variable) the counterfactual is the unchanged target.
 * objCount overrides the target's obj_count (the reference's random draw). InputError when the
 * continuation is invalid (see buildIndywise).
 */
export function indywiseCounterfactual(
  model: CausalModel,
  target: Trial,
  pt: number,
  sourceState: CausalState,
  keys: readonly KeyPair[],
  rng: Rng,
  objCount?: number,
): Counterfactual {
  const r = buildIndywise(model, target, pt, sourceState, keys, rng, objCount);
  if (r.cf === null) invalid('indywiseCounterfactual', r.vStar);
  return r.cf;
}

/** indywiseCounterfactual, with cf = null when the continuation emits `P` or a token outside the vocabulary. */
export function buildIndywise(
  model: CausalModel,
  target: Trial,
  pt: number,
  sourceState: CausalState,
  keys: readonly KeyPair[],
  rng: Rng,
  objCount?: number,
): { cf: Counterfactual | null; vStar: CausalState } {
  const L = target.tokens.length;
  if (!Number.isInteger(pt) || pt < 0 || pt >= L - 1) throw new InputError(`indywiseCounterfactual: p_t = ${pt} outside [0, ${L - 1})`);
  const states = traceStates(model, target.tokens.slice(0, pt + 1), target.count);
  const ts = withCount(model, states[pt], objCount);
  const vStar = intervenedState(model, ts, sourceState, keys);
  if (keys.length === 0) return { cf: { tokens: [...target.tokens], taskMask: Uint8Array.from(target.taskMask), targetState: ts, intervened: vStar }, vStar };
  const cont = continuation(model, vStar, rng);
  if (!cont) return { cf: null, vStar };
  const tokens = [...target.tokens.slice(0, pt + 1), ...cont.tokens];
  const taskMask = new Uint8Array(tokens.length);
  taskMask.set(target.taskMask.subarray(0, pt + 1), 0);
  taskMask.set(cont.mask, pt + 1);
  return { cf: { tokens, taskMask, targetState: ts, intervened: vStar }, vStar };
}

/**
 * Stepwise counterfactual (tasks.md §7.4): prefix = target tokens 0..p, positions at or after the
 * target's `E` replaced by the filler (no-ops for the state); task mask 0 on the prefix; then the
 * continuation from V*. With no keys (null variable) the tokens are the unchanged target, and the mask
 * is zeroed on 0..p as for every stepwise pair. InputError when the continuation is invalid.
 */
export function stepwiseCounterfactual(
  model: CausalModel,
  target: Trial,
  p: number,
  sourceState: CausalState,
  keys: readonly KeyPair[],
  rng: Rng,
  objCount?: number,
): Counterfactual {
  const r = buildStepwise(model, target, p, sourceState, keys, rng, objCount);
  if (r.cf === null) invalid('stepwiseCounterfactual', r.vStar);
  return r.cf;
}

/** stepwiseCounterfactual, with cf = null when the continuation emits `P` or a token outside the vocabulary. */
export function buildStepwise(
  model: CausalModel,
  target: Trial,
  p: number,
  sourceState: CausalState,
  keys: readonly KeyPair[],
  rng: Rng,
  objCount?: number,
): { cf: Counterfactual | null; vStar: CausalState } {
  if (!Number.isInteger(p) || p < 0) throw new InputError(`stepwiseCounterfactual: p = ${p} must be an integer ≥ 0`);
  let end = target.tokens.indexOf(EOS);
  if (end < 0) end = target.tokens.length;
  const nReal = Math.min(p + 1, end);
  const states = traceStates(model, target.tokens.slice(0, nReal), target.count);
  const ts = withCount(model, states[nReal - 1], objCount);
  const vStar = intervenedState(model, ts, sourceState, keys);
  if (keys.length === 0) {
    if (p >= target.tokens.length - 1) throw new InputError(`stepwiseCounterfactual: null variable needs p = ${p} < target length − 1 = ${target.tokens.length - 1}`);
    const taskMask = Uint8Array.from(target.taskMask);
    taskMask.fill(0, 0, p + 1);
    return { cf: { tokens: [...target.tokens], taskMask, targetState: ts, intervened: vStar }, vStar };
  }
  const prefix = target.tokens.slice(0, nReal);
  while (prefix.length < p + 1) prefix.push(model.task.filler);
  const cont = continuation(model, vStar, rng);
  if (!cont) return { cf: null, vStar };
  const tokens = [...prefix, ...cont.tokens];
  const taskMask = new Uint8Array(tokens.length);
  taskMask.set(cont.mask, p + 1);
  return { cf: { tokens, taskMask, targetState: ts, intervened: vStar }, vStar };
}

/** A natural position (sequence j, position q) of the target split. */
export interface ClMatch {
  readonly seq: number;
  readonly pos: number;
}

/** Index of the natural post-token states of a split, for the CL lookup (tasks.md §7.6). */
export class ClIndex {
  private readonly map = new Map<string, ClMatch[]>();
  private readonly keys: readonly string[];

  /** Index every position q of every trial whose input is eligible and that is not the last position. */
  constructor(model: CausalModel, trials: readonly Trial[]) {
    this.keys = model.matchKeys;
    trials.forEach((tr, j) => {
      const states = traceStates(model, tr.tokens, tr.count);
      for (let q = 0; q + 1 < tr.tokens.length; q++) {
        if (!model.isEligibleInput(tr.tokens[q])) continue;
        const k = this.key(states[q]);
        const list = this.map.get(k);
        if (list) list.push({ seq: j, pos: q });
        else this.map.set(k, [{ seq: j, pos: q }]);
      }
    });
  }

  private key(s: CausalState): string {
    return this.keys.map((k) => s[k]).join(',');
  }

  /** Every natural position whose state equals s on the match keys. */
  matches(s: CausalState): readonly ClMatch[] {
    return this.map.get(this.key(s)) ?? [];
  }

  /** One match drawn uniformly, or null (a failure). */
  pick(s: CausalState, rng: Rng): ClMatch | null {
    const m = this.matches(s);
    return m.length ? m[rng.int(m.length)] : null;
  }
}

/** One side of a direction: the model's task and its split. */
export interface PairSide {
  readonly task: Task;
  readonly trials: readonly Trial[];
}

/** Options of makeCounterfactualPairs. */
export interface CounterfactualOptions {
  /** Target model t: its task and its split; pair i uses target trial i. */
  readonly target: PairSide;
  /** Source model s: its task and its split; sources drawn uniformly with replacement. */
  readonly source: PairSide;
  /** `count`, `phase`, `full`, `null`, or any swappable variable of the target (`cumu_val`, …). */
  readonly variable: string;
  /** Source keys paired with the target keys, in order (cross-task; default: same names). */
  readonly sourceKeys?: readonly string[];
  /** Default 'indywise'. */
  readonly mode?: CounterfactualMode;
  /** Number of pairs (default: all target trials; at most that many). */
  readonly n?: number;
  /** Seed of this (split, direction, variable) pair set. */
  readonly seed: number;
  /** Label of the generator stream, e.g. `train/0->1/count` (default 'counterfactual'). */
  readonly stream?: string;
  /** Default 'target' (ours); 'random' reproduces the reference. */
  readonly objCount?: ObjCountMode;
  /** Counts for objCount 'random' (default min_count..max_count of the target task, hold-outs included). */
  readonly randomObjCounts?: readonly number[];
  /** Run the CL lookup (indywise only; default true). */
  readonly clLookup?: boolean;
  /** Value filter on the source's post-token state at p_s (the reference's keep/excl_varb_vals). */
  readonly sourceFilter?: ValueFilter;
  /** Value filter on the target's post-token state at p_t. */
  readonly targetFilter?: ValueFilter;
  /** Further rule on a drawn pair (source state at p_s, target state at p_t); rejected pairs are redrawn. */
  readonly accept?: (source: CausalState, target: CausalState) => boolean;
  /**
   * Value filter as predicates (the reference's keep/excl_varb_vals; used by align's --values): only
   * positions whose post-token state passes `source` (resp. `target`) are drawn; targets without such a
   * position are skipped. Stepwise pairs filter the shared position p by the source state only.
   */
  readonly keep?: { readonly source?: (s: CausalState) => boolean; readonly target?: (s: CausalState) => boolean };
}

/** Draws of (source, p_s, p_t) per target before the target is skipped. */
const MAX_DRAWS = 200;

/** One counterfactual pair. */
export interface CounterfactualPair {
  /** Index of the target trial in the target split (= pair index, unless targets were skipped). */
  readonly targetIndex: number;
  /** Index of the source trial in the source split. */
  readonly sourceIndex: number;
  readonly mode: CounterfactualMode;
  readonly variable: string;
  /** p_t (stepwise: p). */
  readonly targetPos: number;
  /** p_s (stepwise: p). */
  readonly sourcePos: number;
  /** Swapped keys [target, source]. */
  readonly keys: readonly KeyPair[];
  /** V^t at p_t, with the obj_count used. */
  readonly targetState: CausalState;
  /** V^s at p_s. */
  readonly sourceState: CausalState;
  /** V*. */
  readonly intervened: CausalState;
  /** The counterfactual sequence (count = the target's N). */
  readonly counterfactual: Trial;
  /** CL lookup: a natural target position in state V*, or null (failure, stepwise, or lookup off). */
  readonly cl: ClMatch | null;
}

/** The conventional generator-stream label of one (split, direction, variable): `train/0->1/count`. */
export function pairStream(split: string, source: number | string, target: number | string, variable: string): string {
  return `${split}/${source}->${target}/${variable}`;
}

/**
 * Build n counterfactual pairs for one (split, direction, variable) (tasks.md §7). Pair i uses the
 * i-th target; a drawn (source, p_s, p_t) whose continuation is invalid (arithmetic results outside
 * the vocabulary, `P` before `E`) or that `accept` rejects is redrawn (up to 200 times). A target
 * without any eligible position that passes targetFilter, or with no valid draw, is skipped, and the
 * targets are cycled so that there are still n pairs. InputError when no target yields a pair (an
 * empty value range after filtering).
 */
export function makeCounterfactualPairs(opts: CounterfactualOptions): CounterfactualPair[] {
  const mode = opts.mode ?? 'indywise';
  if (mode !== 'indywise' && mode !== 'stepwise') throw new InputError(`counterfactual: unknown mode '${String(mode)}' (valid: indywise, stepwise)`);
  const objMode = opts.objCount ?? 'target';
  if (objMode !== 'target' && objMode !== 'random') throw new InputError(`counterfactual: objCount must be 'target' or 'random', got '${String(objMode)}'`);
  const tModel = modelOf(opts.target.task);
  const sModel = modelOf(opts.source.task);
  const tTrials = opts.target.trials;
  const sTrials = opts.source.trials;
  if (sTrials.length === 0) throw new InputError('counterfactual: the source split is empty');
  const n = opts.n ?? tTrials.length;
  if (!Number.isInteger(n) || n < 0 || n > tTrials.length) {
    throw new InputError(`counterfactual: n = ${n} pairs, but the target split has ${tTrials.length} sequences`);
  }
  if (opts.variable === 'null' && opts.target.task.id !== opts.source.task.id) {
    throw new InputError(`counterfactual: the null variable applies to within-model directions only (target '${opts.target.task.id}', source '${opts.source.task.id}')`);
  }
  const keys = variableKeys(tModel, sModel, opts.variable, opts.sourceKeys);
  checkFilter(sModel, opts.sourceFilter, 'source');
  checkFilter(tModel, opts.targetFilter, 'target');
  const randomCounts = opts.randomObjCounts ?? allowedCounts(opts.target.task, true);
  if (objMode === 'random' && randomCounts.length === 0) throw new InputError('counterfactual: randomObjCounts is empty');
  const root = new Rng(opts.seed).fork(opts.stream ?? 'counterfactual');
  const rng = root.fork('pairs');
  const clRng = root.fork('cl');
  const doCl = mode === 'indywise' && (opts.clLookup ?? true);
  const clIndex = doCl ? new ClIndex(tModel, tTrials) : null;
  const sCache = new Map<number, { states: CausalState[]; elig: number[] }>();
  const sourceSide = (j: number): { states: CausalState[]; elig: number[] } => {
    let c = sCache.get(j);
    if (!c) {
      const tr = sTrials[j];
      const states = traceStates(sModel, tr.tokens, tr.count);
      const keepS = opts.keep?.source;
      const elig = eligiblePositions(sModel, tr.tokens, states, opts.sourceFilter);
      c = { states, elig: keepS ? elig.filter((p) => keepS(states[p])) : elig };
      sCache.set(j, c);
    }
    return c;
  };

  const keepS = opts.keep?.source;
  const keepT = mode === 'indywise' ? opts.keep?.target : undefined;
  const kept = (model: CausalModel, tr: Trial, keep: ((s: CausalState) => boolean) | undefined): number[] => {
    const elig = eligiblePositions(model, tr.tokens);
    if (!keep) return elig;
    const states = traceStates(model, tr.tokens, tr.count);
    return elig.filter((p) => keep(states[p]));
  };
  const pool = (model: CausalModel, trials: readonly Trial[], keep: ((s: CausalState) => boolean) | undefined, side: string): number[] | null => {
    if (!keep) return null;
    const idx = trials.flatMap((tr, j) => (kept(model, tr, keep).length > 0 ? [j] : []));
    if (idx.length === 0) throw new InputError(`counterfactual: no ${side} sequence has an eligible position whose value passes the filter`);
    return idx;
  };
  const tPool = pool(tModel, tTrials, keepT, 'target');
  const sPool = pool(sModel, sTrials, keepS, 'source');

  const out: CounterfactualPair[] = [];
  let cursor = 0;
  let sinceLast = 0;
  while (out.length < n) {
    if (sinceLast >= tTrials.length) {
      throw new InputError(
        `counterfactual: no valid pair for variable '${opts.variable}' (${opts.target.task.id} ← ${opts.source.task.id}): every target was skipped; the value filters or the pair rule leave an empty value range`,
      );
    }
    const i = cursor % tTrials.length;
    cursor++;
    sinceLast++;
    const pair = drawPair(i);
    if (pair) {
      out.push(pair);
      sinceLast = 0;
    }
  }
  return out;

  function drawPair(i: number): CounterfactualPair | null {
    const target = tTrials[i];
    const tStates = traceStates(tModel, target.tokens, target.count);
    const keepT = opts.keep?.target;
    const tAll = mode === 'indywise' ? eligiblePositions(tModel, target.tokens, tStates, opts.targetFilter) : [];
    const tElig = keepT ? tAll.filter((p) => keepT(tStates[p])) : tAll;
    if (mode === 'indywise' && tElig.length === 0) return null;
    for (let draw = 0; draw < MAX_DRAWS; draw++) {
      const sourceIndex = rng.int(sTrials.length);
      const source = sTrials[sourceIndex];
      const sElig = sourceSide(sourceIndex).elig;
      if (sElig.length === 0) continue;
      let ps: number;
      let pt: number;
      if (mode === 'indywise') {
        ps = sElig[rng.int(sElig.length)];
        pt = tElig[rng.int(tElig.length)];
      } else {
        // Null stepwise pairs keep the target unchanged, so p must be an input position of the target.
        const cand = keys.length === 0 ? sElig.filter((p) => p < target.tokens.length - 1) : sElig;
        if (cand.length === 0) continue;
        ps = pt = cand[rng.int(cand.length)];
      }
      const objCount = objMode === 'random' ? randomCounts[rng.int(randomCounts.length)] : undefined;
      const sourceState = sourceSide(sourceIndex).states[ps];
      const built =
        mode === 'indywise'
          ? buildIndywise(tModel, target, pt, sourceState, keys, rng, objCount)
          : buildStepwise(tModel, target, pt, sourceState, keys, rng, objCount);
      const cf = built.cf;
      if (!cf) continue;
      if (mode === 'stepwise' && opts.targetFilter && !passesFilter(cf.targetState, opts.targetFilter)) continue;
      if (opts.accept && !opts.accept(sourceState, cf.targetState)) continue;
      return {
        targetIndex: i,
        sourceIndex,
        mode,
        variable: opts.variable,
        targetPos: pt,
        sourcePos: ps,
        keys,
        targetState: cf.targetState,
        sourceState,
        intervened: cf.intervened,
        counterfactual: { tokens: cf.tokens, taskMask: cf.taskMask, count: target.count },
        cl: clIndex ? clIndex.pick(cf.intervened, clRng) : null,
      };
    }
    return null;
  }
}

/** Tensors for a batch of pairs: the counterfactual batch plus intervention positions. */
export interface CounterfactualBatch extends SequenceBatch {
  readonly mode: CounterfactualMode;
  /** p_t per row (stepwise: p). */
  readonly targetPos: Int32Array;
  /** p_s per row (stepwise: p). */
  readonly sourcePos: Int32Array;
  /** Index of the source sequence in the source split, per row. */
  readonly sourceIndex: Int32Array;
  /** Index of the target sequence in the target split, per row. */
  readonly targetIndex: Int32Array;
  /** [B*T]: 1 at p_t (indywise) or at 0..p (stepwise). */
  readonly interventionMask: Uint8Array;
  /** [B*T]: 1 at positions t ≥ p_t whose label is not P (the "post" loss positions; stepwise scoring region). */
  readonly postMask: Uint8Array;
  /** CL match sequence per row, −1 for a failure / no lookup. */
  readonly clSeq: Int32Array;
  /** CL match position per row, −1 for a failure / no lookup. */
  readonly clPos: Int32Array;
}

/** Right-pad the counterfactual sequences of some pairs (tokenized with the target model's vocab) and add positions. */
export function makeCounterfactualBatch(pairs: readonly CounterfactualPair[], vocab: Vocab, opts: { steps?: number } = {}): CounterfactualBatch {
  if (pairs.length === 0) throw new InputError('makeCounterfactualBatch: no pairs');
  const mode = pairs[0].mode;
  for (const p of pairs) if (p.mode !== mode) throw new InputError('makeCounterfactualBatch: pairs mix indywise and stepwise modes');
  const base = makeBatch(pairs.map((p) => p.counterfactual), vocab, opts);
  const { batch: B, steps: T } = base;
  const targetPos = new Int32Array(B);
  const sourcePos = new Int32Array(B);
  const sourceIndex = new Int32Array(B);
  const targetIndex = new Int32Array(B);
  const clSeq = new Int32Array(B).fill(-1);
  const clPos = new Int32Array(B).fill(-1);
  const interventionMask = new Uint8Array(B * T);
  const postMask = new Uint8Array(B * T);
  pairs.forEach((p, b) => {
    targetPos[b] = p.targetPos;
    sourcePos[b] = p.sourcePos;
    sourceIndex[b] = p.sourceIndex;
    targetIndex[b] = p.targetIndex;
    if (p.cl) {
      clSeq[b] = p.cl.seq;
      clPos[b] = p.cl.pos;
    }
    const o = b * T;
    if (mode === 'indywise') interventionMask[o + p.targetPos] = 1;
    else interventionMask.fill(1, o, o + p.targetPos + 1);
    for (let t = p.targetPos; t < T; t++) postMask[o + t] = base.labelValid[o + t];
  });
  return { ...base, mode, targetPos, sourcePos, sourceIndex, targetIndex, interventionMask, postMask, clSeq, clPos };
}
