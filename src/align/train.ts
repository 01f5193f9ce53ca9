/**
 * The MAS training loop (mas.md §6). Each step realizes every map once, runs every tracked tuple
 * (T ∪ C) on the same pair indices, sums Σ_T CE/(n²V) + ε·Σ_C L_CL/(n²V), and takes one Adam step
 * (lr 1e-3, PyTorch semantics) on the maps only. Validation runs at step 0 (before any update), every
 * `validEvery` steps and at the last step, on the full validation set of all n²·V tuples. Stop rules
 * over the tracked tuples: (a) min valid IIA ≥ 0.995 and min train-batch trial accuracy ≥ 0.995;
 * (b) the mean validation objective has not fallen ≥ 0.001 below its best for `patience`
 * validations; (c) step ≥ 1,500 and min valid IIA < 0.1 ("failed to align"). The best maps are those
 * of the validation with the highest min-IIA (ties → later). A checkpoint (maps, best maps, Adam, batch
 * order with its RNG state, stop-rule state) is written after every validation's update, so a killed
 * run resumes to the same result.
 */
import { InputError } from '../errors.ts';
import { Adam, type AdamState } from '../tensor/optim.ts';
import { Tensor, backward } from '../tensor/tensor.ts';
import { add, scale } from '../tensor/ops/index.ts';
import { capabilitiesOf } from '../models/model.ts';
import { Progress } from '../util/progress.ts';
import { Rng, type RngState } from '../util/rng.ts';
import { MasData, zscoreStats, type AlignedModel, type TupleKey } from './data.ts';
import { evaluateTuple, taskAccuracy, type TupleMetrics } from './iia.ts';
import { createMap, type AlignmentMap, type ZStats } from './maps.ts';
import { hasDirection, type Direction } from './methods.ts';
import { resolveAlignment, tupleLabel, type AlignmentPlan } from './plan.ts';
import { modelVariable, type AlignSettings } from './settings.ts';
import { blockLayout, type Block } from './swap.ts';
import { runTuple, tupleClLoss, type SwapContext } from './tuple.ts';

export { DEFAULT_SETTINGS, modelVariable, trainedDirections, type AlignSettings } from './settings.ts';
export { allTuples, tupleLabel } from './plan.ts';


/** One metrics.csv row (mas.md §8). */
export interface MetricRow {
  step: number;
  src: number;
  trg: number;
  variable: string;
  split: 'train' | 'valid';
  loss: number;
  tok_acc: number;
  trial_acc: number;
  cl_loss: number;
  elapsed_s: number;
}

/** Matrices [variable][s][t] (NaN where a tuple does not exist, e.g. cross-model null). */
export type VarMatrices = Record<string, number[][]>;

/** Validation figures at one step. */
export interface ValidationRecord {
  step: number;
  iia: VarMatrices;
  tokenAccuracy: VarMatrices;
  loss: VarMatrices;
  clLoss: VarMatrices;
  /** Train-batch trial accuracy of tracked tuples. */
  trainIia: VarMatrices;
  minTrackedIia: number;
  objective: number;
}

/** Why training stopped. */
export type StopReason = 'converged' | 'plateau' | 'failed to align' | 'max steps';

/** What the loop hands back. */
export interface AlignOutcome {
  settings: AlignSettings;
  /** The resolved plan the run trained under (and its outputs report). */
  plan: AlignmentPlan;
  tuples: TupleKey[];
  tracked: TupleKey[];
  T: Direction[];
  C: Direction[];
  maps: AlignmentMap[];
  fills: (Tensor | null)[];
  bestParams: Map<string, Tensor>;
  final: ValidationRecord;
  best: ValidationRecord;
  /** Trial correctness per tuple of the final validation, for bootstrap CIs. */
  finalCorrect: Record<string, boolean[]>;
  taskAccuracy: number[];
  k0Iia: VarMatrices;
  stepsRun: number;
  stopReason: StopReason;
  wallS: number;
  msPerStep: number;
}

/** Checkpoint state (JSON part). */
export interface TrainState {
  /** Next step to run. */
  step: number;
  adam: Omit<AdamState, 'm' | 'v' | 'steps'> & { steps: number[] };
  order: { perm: number[]; pos: number; rng: RngState };
  bestObjective: number;
  bad: number;
  best: ValidationRecord | null;
  last: ValidationRecord | null;
  lastCorrect: Record<string, boolean[]>;
  done: StopReason | null;
  elapsedS: number;
  trainS: number;
  taskAccuracy: number[];
  k0Iia: VarMatrices;
}

/** Persistence and logging hooks (the run folder). */
export interface TrainHooks {
  /** Rows of one validation (train rows of tracked tuples, valid rows of all tuples). */
  log?(rows: MetricRow[]): void;
  save?(tensors: Map<string, Tensor>, state: TrainState): void;
  load?(): { tensors: Map<string, Tensor>; state: TrainState } | null;
  quiet?: boolean;
  /** Stop after this step's checkpoint (tests of resumption). */
  haltAfterStep?: number;
  /** Run the target model of CL-only directions at every step, not only at validations (tests). */
  alwaysRunTargets?: boolean;
}

/** Thresholds of the stop rules (mas.md §6.6). */
export const STOP_RULES = Object.freeze({ convergedIia: 0.995, minImprovement: 0.001, failAfterStep: 1500, failBelowIia: 0.1 });

/** The plateau rule's running state: the best validation objective and validations since it improved. */
export interface StopState {
  bestObjective: number;
  bad: number;
}

/** What one validation tells the stop rules (minima over the tracked tuples). */
export interface StopInput {
  step: number;
  maxSteps: number;
  patience: number;
  minValidIia: number;
  minTrainIia: number;
  objective: number;
}

/**
 * The stop rules after one validation (pure): (a) converged: min valid IIA and min train-batch
 * trial accuracy ≥ 0.995; (b) plateau: the objective has not fallen ≥ 0.001 below its best for
 * `patience` validations; (c) failed to align: step ≥ 1,500 and min valid IIA < 0.1; else max steps
 * at step ≥ maxSteps; null = go on. Returns the updated plateau state too.
 */
export function stopReason(prev: StopState, v: StopInput): { state: StopState; reason: StopReason | null } {
  const R = STOP_RULES;
  const improved = v.objective < prev.bestObjective - R.minImprovement;
  const state = improved ? { bestObjective: v.objective, bad: 0 } : { bestObjective: prev.bestObjective, bad: prev.bad + 1 };
  let reason: StopReason | null = null;
  if (v.minValidIia >= R.convergedIia && v.minTrainIia >= R.convergedIia) reason = 'converged';
  else if (state.bad >= v.patience) reason = 'plateau';
  else if (v.step >= R.failAfterStep && v.minValidIia < R.failBelowIia) reason = 'failed to align';
  else if (v.step >= v.maxSteps) reason = 'max steps';
  return { state, reason };
}

/** Shuffled pair order, reshuffled when exhausted (mas.md §6.6). */
class BatchOrder {
  private perm: number[];
  private pos = 0;
  constructor(
    private readonly n: number,
    private readonly rng: Rng,
  ) {
    this.perm = rng.permutation(n);
  }
  next(B: number): number[] {
    const b = Math.min(B, this.n);
    if (this.pos + b > this.n) {
      this.perm = this.rng.permutation(this.n);
      this.pos = 0;
    }
    const out = this.perm.slice(this.pos, this.pos + b);
    this.pos += b;
    return out;
  }
  state(): TrainState['order'] {
    return { perm: [...this.perm], pos: this.pos, rng: this.rng.getState() };
  }
  load(s: TrainState['order']): void {
    this.perm = [...s.perm];
    this.pos = s.pos;
    this.rng.setState(s.rng);
  }
}

function emptyMatrices(vars: readonly string[], n: number): VarMatrices {
  const m: VarMatrices = {};
  for (const v of vars) m[v] = Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
  return m;
}

/** Build the maps of every model (seeded per model); the settings were validated by resolveAlignment. */
export function buildMaps(models: readonly Pick<AlignedModel, 'index' | 'width'>[], s: AlignSettings, zstats: (ZStats | undefined)[] = []): { maps: AlignmentMap[]; blocks: Block[]; fills: (Tensor | null)[] } {
  const nv = s.variables.length;
  const K = s.subspace * nv;
  const minWidth = Math.min(...models.map((m) => m.width));
  const full = s.includeNull || s.learnedFill || s.zscore;
  const root = new Rng(s.seed);
  const maps = models.map((m) =>
    createMap(
      { kind: s.map, d: m.width, k: K, full, param: s.param, family: s.family, identityInit: s.identityInit, ...(zstats[m.index] ? { zscore: zstats[m.index] } : {}) },
      root.fork(`map/${m.index}`),
      `maps.${m.index}`,
    ),
  );
  const { blocks, nullBlock } = blockLayout(new Array<number>(nv).fill(s.subspace), minWidth);
  if (s.includeNull) blocks.push(nullBlock);
  let fills: (Tensor | null)[] = models.map(() => null);
  if (s.learnedFill) {
    const fr = root.fork('fill');
    fills = models.map((m) => Tensor.randn([m.width - s.subspace], fr, 0.01).param(`fills.${m.index}`));
  }
  return { maps, blocks, fills };
}

/** One training-batch row of a tracked tuple. */
interface TrainRow {
  k: TupleKey;
  ce: number;
  tok: number;
  trial: number;
  cl: number;
}

/** Everything a training run holds between steps. */
interface Session {
  plan: AlignmentPlan;
  models: readonly AlignedModel[];
  hooks: TrainHooks;
  data: MasData;
  maps: AlignmentMap[];
  blocks: Block[];
  fills: (Tensor | null)[];
  params: Tensor[];
  named: Map<string, Tensor>;
  adam: Adam;
  order: BatchOrder;
  st: TrainState;
  bestParams: Map<string, Tensor>;
  inT: (k: TupleKey) => boolean;
  inC: (k: TupleKey) => boolean;
  progress: Progress;
  elapsed: () => number;
  trainS: number;
}

/** Init or resume: the data, the maps, the optimizer, and either the checkpoint or the baselines (task accuracy, k = 0 IIA). */
function initTraining(models: readonly AlignedModel[], plan: AlignmentPlan, hooks: TrainHooks): Session {
  const s = plan.settings;
  const n = plan.n;
  const inT = (k: TupleKey): boolean => hasDirection(plan.T, k.src, k.trg);
  const inC = (k: TupleKey): boolean => hasDirection(plan.C, k.src, k.trg);
  const data = new MasData(models, [...plan.tuples], { mode: s.mode, seed: s.seed, objCount: s.objCount, nTrain: s.trainPairs, nValid: s.validPairs, variableOf: (m, v) => (v < s.variables.length ? modelVariable(s, m, v) : 'null'), ...(s.values ? { values: s.values } : {}) }, (k) => inT(k) || inC(k));
  const zstats = s.zscore ? models.map((m) => zscoreStats(m)) : [];
  const { maps, blocks, fills } = buildMaps(models, s, zstats);
  const params: Tensor[] = [...maps.flatMap((m) => m.parameters()), ...fills.filter((f): f is Tensor => f !== null)];
  const adam = new Adam(params, { lr: s.lr });
  const order = new BatchOrder(data.size('train'), new Rng(s.seed).fork('batches'));
  const named = namedParameters(maps, fills);

  let st: TrainState;
  const loaded = hooks.load?.() ?? null;
  if (loaded) {
    st = loaded.state;
    for (const [name, t] of named) {
      const src = loaded.tensors.get(name);
      if (!src || src.size !== t.size) throw new InputError(`checkpoint lacks parameter ${name} (or its size differs); start fresh in a new run folder`);
      t.data.set(src.data);
    }
    const m = params.map((_, i) => loaded.tensors.get(`adam.m.${i}`)!.data);
    const v = params.map((_, i) => loaded.tensors.get(`adam.v.${i}`)!.data);
    adam.loadState({ ...st.adam, steps: Float64Array.from(st.adam.steps), m, v });
    order.load(st.order);
  } else {
    const taskAcc = models.map((m) => taskAccuracy(m));
    const k0 = emptyMatrices(plan.varNames, n);
    const ctx0: SwapContext = { realized: [], blocks, mask: plan.mask, fill: null, identity: true };
    for (const k of plan.tuples) k0[k.variable][k.src][k.trg] = evaluateTuple(data, k, 'valid', ctx0, { lossPositions: s.lossPositions }).iia;
    st = {
      step: 0,
      adam: { lr: s.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, steps: [] },
      order: order.state(),
      bestObjective: Infinity,
      bad: 0,
      best: null,
      last: null,
      lastCorrect: {},
      done: null,
      elapsedS: 0,
      trainS: 0,
      taskAccuracy: taskAcc,
      k0Iia: k0,
    };
  }
  const bestParams = new Map<string, Tensor>();
  if (loaded) for (const [name] of named) bestParams.set(name, loaded.tensors.get(`best.${name}`) ?? named.get(name)!.clone());
  const progress = new Progress({ label: `align ${s.method}`, total: s.steps, quiet: hooks.quiet ?? false });
  const elapsedBase = st.elapsedS;
  const sessionStart = performance.now();
  const elapsed = (): number => elapsedBase + (performance.now() - sessionStart) / 1000;
  return { plan, models, hooks, data, maps, blocks, fills, params, named, adam, order, st, bestParams, inT, inC, progress, elapsed, trainS: st.trainS };
}

/**
 * The forward pass of one step: every tracked tuple on the same batch of pair indices; returns the
 * total objective (a graph to the maps, or null), the rows to log, and the swap context it used.
 */
function trainingStep(ses: Session, idx: number[], isValidation: boolean): { total: Tensor | null; rows: TrainRow[]; ctx: SwapContext } {
  const { plan, data, inT, inC } = ses;
  const s = plan.settings;
  const realized = ses.maps.map((m) => m.realize());
  const ctx: SwapContext = { realized, blocks: ses.blocks, mask: plan.mask, fill: plan.mask === 'zero' ? ses.fills : null };
  let total: Tensor | null = null;
  const rows: TrainRow[] = [];
  for (const k of plan.tracked) {
    if (!inT(k) && !isValidation && !ses.hooks.alwaysRunTargets) {
      // A CL-only direction between validations: only its CL term enters the loss, and its training
      // scores are logged only at validations, so the target model need not run (same gradient).
      if (s.clWeight === 0) continue;
      const cl = tupleClLoss(data, k, 'train', idx, ctx, s.clLoss);
      if (cl !== undefined) {
        const c = scale(cl, s.clWeight / plan.norm);
        total = total ? add(total, c) : c;
        continue;
      }
    }
    const teacherForced = capabilitiesOf(ses.models[k.trg].model).teacherForcedTraining;
    const out = runTuple(data, k, 'train', idx, ctx, { freeRun: !teacherForced, lossPositions: s.lossPositions, clKind: s.clLoss, withCl: s.mode === 'indywise' });
    let term: Tensor | null = null;
    if (inT(k)) term = scale(out.ce, 1 / plan.norm);
    if (inC(k) && s.clWeight > 0 && out.cl) {
      const c = scale(out.cl, s.clWeight / plan.norm);
      term = term ? add(term, c) : c;
    }
    if (term) total = total ? add(total, term) : term;
    rows.push({ k, ce: out.ce.item(), tok: out.scores.tokenAccuracy, trial: out.scores.trialAccuracy, cl: out.cl ? out.cl.item() : NaN });
  }
  return { total, rows, ctx };
}

/** A validation at `step`: score every tuple, log, keep the best maps, and apply the stop rules. */
function validateStep(ses: Session, step: number, ctx: SwapContext, trainRows: readonly TrainRow[]): void {
  const { plan, st } = ses;
  const s = plan.settings;
  const rec = validate(ses.data, plan, ctx, ses.inT, ses.inC);
  rec.record.step = step;
  for (const r of trainRows) rec.record.trainIia[r.k.variable][r.k.src][r.k.trg] = r.trial;
  const minTrain = Math.min(...trainRows.map((r) => r.trial));
  const el = ses.elapsed();
  const rows: MetricRow[] = trainRows.map((r) => ({ step, src: r.k.src, trg: r.k.trg, variable: r.k.variable, split: 'train', loss: r.ce, tok_acc: r.tok, trial_acc: r.trial, cl_loss: r.cl, elapsed_s: el }));
  for (const k of plan.tuples) {
    const m = rec.metrics.get(tupleLabel(k))!;
    rows.push({ step, src: k.src, trg: k.trg, variable: k.variable, split: 'valid', loss: m.loss, tok_acc: m.tokenAccuracy, trial_acc: m.iia, cl_loss: m.clLoss, elapsed_s: el });
  }
  ses.hooks.log?.(rows);
  st.last = rec.record;
  st.lastCorrect = Object.fromEntries([...rec.metrics].map(([l, m]) => [l, m.correct]));
  if (!st.best || rec.record.minTrackedIia >= st.best.minTrackedIia) {
    st.best = rec.record;
    for (const [name, t] of ses.named) ses.bestParams.set(name, t.clone());
  }
  // Stop rules (mas.md §6.6), over tracked tuples.
  const stop = stopReason(
    { bestObjective: st.bestObjective, bad: st.bad },
    { step, maxSteps: s.steps, patience: s.patience, minValidIia: rec.record.minTrackedIia, minTrainIia: minTrain, objective: rec.record.objective },
  );
  st.bestObjective = stop.state.bestObjective;
  st.bad = stop.state.bad;
  st.done = stop.reason;
  ses.progress.update(step, `min IIA ${rec.record.minTrackedIia.toFixed(3)}`);
}

/** Write the checkpoint after `step` (maps, best maps, Adam, batch order, stop-rule state). */
function saveState(ses: Session, step: number): void {
  const { st } = ses;
  st.step = st.done === null ? step + 1 : step;
  st.order = ses.order.state();
  const a = ses.adam.state();
  st.adam = { lr: a.lr, beta1: a.beta1, beta2: a.beta2, eps: a.eps, weightDecay: a.weightDecay, steps: Array.from(a.steps) };
  st.elapsedS = ses.elapsed();
  st.trainS = ses.trainS;
  if (ses.hooks.save) {
    const tensors = new Map<string, Tensor>(ses.named);
    for (const [name, t] of ses.bestParams) tensors.set(`best.${name}`, t);
    a.m.forEach((m, i) => tensors.set(`adam.m.${i}`, new Tensor(m, [m.length])));
    a.v.forEach((v, i) => tensors.set(`adam.v.${i}`, new Tensor(v, [v.length])));
    ses.hooks.save(tensors, st);
  }
}

/** Run MAS training on loaded models with their data (see the module doc), under a resolved plan (settings are resolved first). */
export function trainAlignment(models: AlignedModel[], settings: AlignSettings | AlignmentPlan, hooks: TrainHooks = {}): AlignOutcome {
  const plan = isPlan(settings) ? settings : resolveAlignment(models, settings);
  if (plan.n !== models.length) throw new InputError(`trainAlignment: the plan is for ${plan.n} model(s), got ${models.length}`);
  const s = plan.settings;
  const t0 = performance.now();
  const ses = initTraining(models, plan, hooks);
  const { st } = ses;
  for (let step = st.step; st.done === null; step++) {
    const stepStart = performance.now();
    const idx = ses.order.next(s.batch);
    const isValidation = step % s.validEvery === 0 || step >= s.steps;
    const { total, rows, ctx } = trainingStep(ses, idx, isValidation);
    let validS = 0;
    if (isValidation) {
      const v0 = performance.now();
      validateStep(ses, step, ctx, rows);
      validS = (performance.now() - v0) / 1000;
    }
    if (st.done === null && total) {
      backward(total);
      ses.adam.step();
      ses.adam.zeroGrad();
    }
    // Training time per step excludes validation (and the forward pass of a final, update-free step).
    if (st.done === null) ses.trainS += (performance.now() - stepStart) / 1000 - validS;
    if (isValidation || st.done !== null) {
      saveState(ses, step);
      if (hooks.haltAfterStep !== undefined && step >= hooks.haltAfterStep && st.done === null) {
        throw new InputError(`halted after step ${step} (haltAfterStep)`);
      }
    } else if (step % 10 === 0) ses.progress.update(step);
  }
  ses.progress.done();
  const stepsRun = st.step;
  const wallS = st.elapsedS || (performance.now() - t0) / 1000;
  return {
    settings: s as AlignSettings,
    plan,
    tuples: [...plan.tuples],
    tracked: [...plan.tracked],
    T: [...plan.T],
    C: [...plan.C],
    maps: ses.maps,
    fills: ses.fills,
    bestParams: ses.bestParams,
    final: st.last!,
    best: st.best!,
    finalCorrect: st.lastCorrect,
    taskAccuracy: st.taskAccuracy,
    k0Iia: st.k0Iia,
    stepsRun,
    stopReason: st.done!,
    wallS,
    msPerStep: stepsRun > 0 ? (1000 * st.trainS) / Math.max(1, stepsRun) : 0,
  };
}

function isPlan(x: AlignSettings | AlignmentPlan): x is AlignmentPlan {
  return 'tracked' in x && 'settings' in x;
}

/** Named trainable tensors: `maps.{m}.param.*` and `fills.{m}`. */
export function namedParameters(maps: readonly AlignmentMap[], fills: readonly (Tensor | null)[]): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  maps.forEach((m, i) => {
    const trainable = new Set(m.parameters());
    for (const [name, t] of m.state()) if (trainable.has(t)) out.set(`maps.${i}.${name}`, t);
  });
  fills.forEach((f, i) => {
    if (f) out.set(`fills.${i}`, f);
  });
  return out;
}

function validate(
  data: MasData,
  plan: AlignmentPlan,
  ctx: SwapContext,
  inT: (k: TupleKey) => boolean,
  inC: (k: TupleKey) => boolean,
): { record: ValidationRecord; metrics: Map<string, TupleMetrics> } {
  const s = plan.settings;
  const { tuples, tracked, varNames, n } = plan;
  const metrics = new Map<string, TupleMetrics>();
  const rec: ValidationRecord = {
    step: 0,
    iia: emptyMatrices(varNames, n),
    tokenAccuracy: emptyMatrices(varNames, n),
    loss: emptyMatrices(varNames, n),
    clLoss: emptyMatrices(varNames, n),
    trainIia: emptyMatrices(varNames, n),
    minTrackedIia: Infinity,
    objective: 0,
  };
  for (const k of tuples) {
    const m = evaluateTuple(data, k, 'valid', ctx, { lossPositions: s.lossPositions, clKind: s.clLoss });
    metrics.set(tupleLabel(k), m);
    rec.iia[k.variable][k.src][k.trg] = m.iia;
    rec.tokenAccuracy[k.variable][k.src][k.trg] = m.tokenAccuracy;
    rec.loss[k.variable][k.src][k.trg] = m.loss;
    rec.clLoss[k.variable][k.src][k.trg] = m.clLoss;
  }
  let obj = 0;
  for (const k of tracked) {
    const m = metrics.get(tupleLabel(k))!;
    rec.minTrackedIia = Math.min(rec.minTrackedIia, m.iia);
    if (inT(k)) obj += m.loss;
    if (inC(k) && s.clWeight > 0 && Number.isFinite(m.clLoss)) obj += s.clWeight * m.clLoss;
  }
  rec.objective = obj / tracked.length;
  return { record: rec, metrics };
}
