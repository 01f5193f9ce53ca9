/**
 * Training a sequence model on a task (models.md §7), resumable and deterministic.
 *
 * - Data: 1,000 training sequences generated once from the seed (counts A, unk_p 0 for RNNs and 0.2
 *   for transformers), a fixed 500-sequence validation set, hold-out and per-count report sets.
 * - Loop: Adam (β 0.9/0.999, ε 1e-8), lr(k) = lr_max·min(k/100, (100/k)^0.25) at optimizer step k,
 *   batches of 128 reshuffled every epoch (last partial batch kept), loss = mean CE over non-P labels.
 *   RNNs run free in the response phase; transformers are teacher-forced.
 * - Validation after epochs 0, 5, 10, … and after the last (eval mode, free-running): loss, task token
 *   accuracy, trial accuracy. Best checkpoint and stopping rules: see schedule.ts.
 * - Every validation writes one resumable checkpoint `<out>/checkpoint/state.safetensors` atomically
 *   (parameters, Adam moments, best parameters, and in its metadata: RNG state, epoch, step, selection
 *   state, metric rows). Rerunning the same command after a crash resumes from it and produces
 *   bit-identical weights to an uninterrupted run.
 * - Outputs in `<out>`: the model folder (best checkpoint by default), `training.csv`, `report.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, InputError } from '../errors.ts';
import { ensureDir, writeFileAtomic, writeJsonAtomic } from '../io/atomic.ts';
import { lockFolder, removeStaleTemps, userEntries } from '../io/lock.ts';
import { readSafetensors, writeSafetensors } from '../io/safetensors.ts';
import { makeTrainingData, type TrainingSizes } from '../tasks/datasets.ts';
import { makeBatch, scoreTrials } from '../tasks/sequences.ts';
import { getTask, taskConfigJSON, type Task } from '../tasks/task.ts';
import { Adam } from '../tensor/optim.ts';
import { crossEntropy } from '../tensor/ops/loss.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Progress } from '../util/progress.ts';
import { Rng, type RngState } from '../util/rng.ts';
import { defaultConfig, parameterCount, type Arch, type DefaultConfigOptions, type ModelConfig, type TaskConfig } from './config.ts';
import { evaluateTrials, type EvalResult } from './evaluate.ts';
import { createModel, saveModel, setTrainable } from './folder.ts';
import type { SequenceModel } from './model.ts';
import { initialSelection, learningRate, updateSelection, type SelectionState, type StopRules } from './schedule.ts';
import { MAX_BATCH, MAX_STEPS, checkAtMost } from '../limits.ts';

/** Options of trainModel. */
export interface TrainOptions {
  task: string;
  arch: Arch;
  seed: number;
  /** Output folder. */
  out: string;
  /** Epoch limit (default 2,500). */
  epochs?: number;
  /** Optimizer-step limit (default none). */
  steps?: number;
  /** Validate after every n-th epoch (default 5). */
  validateEvery?: number;
  /** Sequences per batch (default 128). */
  batchSize?: number;
  /** Peak learning rate (default 5e-4). */
  lrMax?: number;
  /** Warm-up steps (default 100). */
  warmup?: number;
  /** Early stopping: validations without improvement (default 300). */
  patience?: number;
  /** Stop after n validations with train and val trial accuracy 1.0 (default 0 = off). */
  solvedPatience?: number;
  /** Which accuracies the quick stop requires at 1.0: 'train+val' (default, the spec) or 'val'. */
  solvedOn?: 'train+val' | 'val';
  /** Data-set sizes (defaults of tasks.md §5.2). */
  dataSizes?: Partial<TrainingSizes>;
  /** Model sizes other than the paper's (tests). */
  modelSizes?: DefaultConfigOptions['sizes'];
  /** Task configuration overrides (default: counts 1–20, hold-outs {4, 9, 14, 17}, unk_p by arch). */
  taskConfig?: Partial<TaskConfig>;
  /** Which parameters the model folder gets: the best checkpoint (default) or the last. */
  keep?: 'best' | 'last';
  /** No progress output. */
  quiet?: boolean;
  /** Test hook: called after each checkpoint with the epoch just saved. */
  onCheckpoint?: (epoch: number) => void;
}

/** One row of training.csv. */
export interface MetricRow {
  epoch: number;
  step: number;
  lr: number;
  train_loss: number;
  train_trial_acc: number;
  val_loss: number;
  val_token_acc: number;
  val_trial_acc: number;
  best: number;
}

/** What trainModel returns. */
export interface TrainResult {
  model: SequenceModel;
  config: ModelConfig;
  rows: MetricRow[];
  epochsRun: number;
  steps: number;
  bestEpoch: number | null;
  stopReason: 'epochs' | 'steps' | 'plateau' | 'solved';
  wallSeconds: number;
  resumed: boolean;
  report: Record<string, unknown>;
}

/** Everything a checkpoint stores besides tensors (JSON in the safetensors metadata). */
interface LoopState {
  version: 1;
  identity: Record<string, unknown>;
  nextEpoch: number;
  step: number;
  rng: RngState;
  adamSteps: number[];
  adamLr: number;
  selection: SelectionState;
  rows: MetricRow[];
  hasBest: boolean;
  finished: null | TrainResult['stopReason'];
  wallSeconds: number;
}

const CSV_COLUMNS: (keyof MetricRow)[] = ['epoch', 'step', 'lr', 'train_loss', 'train_trial_acc', 'val_loss', 'val_token_acc', 'val_trial_acc', 'best'];

/** The task a model of `arch` trains on: transformers get void tokens (unk_p 0.2) unless overridden. */
export function trainingTask(taskId: string, arch: Arch, overrides: Partial<TaskConfig> = {}): Task {
  return getTask(taskId, { unk_p: arch === 'transformer' ? 0.2 : 0, ...overrides });
}

/** training.csv text for metric rows. */
export function metricsCsv(rows: readonly MetricRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push(CSV_COLUMNS.map((c) => String(r[c])).join(','));
  return lines.join('\n') + '\n';
}

function checkpointPath(out: string): string {
  return path.join(out, 'checkpoint', 'state.safetensors');
}

/**
 * Train a model (see the file comment); resumes from `<out>/checkpoint` when one exists. The output folder
 * is locked for the run (src/io/lock.ts); temp files of a killed earlier run are removed first.
 */
export function trainModel(o: TrainOptions): TrainResult {
  validateTrainOptions(o);
  const release = lockFolder(o.out, 'train: --out');
  try {
    removeStaleTemps(o.out);
    return trainModelLocked(o);
  } finally {
    release();
  }
}

function validateTrainOptions(o: TrainOptions): void {
  for (const [k, v] of Object.entries({ epochs: o.epochs ?? 1, validateEvery: o.validateEvery ?? 1, batchSize: o.batchSize ?? 1, warmup: o.warmup ?? 1 })) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`train: ${k} must be a positive integer, got ${v}`);
    checkAtMost(`train: ${k}`, v, k === 'batchSize' ? MAX_BATCH : MAX_STEPS);
  }
  if (o.steps !== undefined && (!Number.isInteger(o.steps) || o.steps < 1)) throw new InputError(`train: steps must be a positive integer, got ${o.steps}`);
  if (o.steps !== undefined) checkAtMost('train: steps', o.steps, MAX_STEPS);
  if (!Number.isSafeInteger(o.seed)) throw new InputError(`train: seed must be an integer, got ${o.seed}`);
  if (fs.existsSync(o.out) && !fs.statSync(o.out).isDirectory()) throw new InputError(`train: --out ${o.out} is a file, not a folder`);
}

/** Whether `out` holds only what a run killed before its first checkpoint leaves: an empty checkpoint/ folder. */
function interruptedBeforeFirstCheckpoint(out: string): boolean {
  const entries = userEntries(out);
  return entries.every((e) => e === 'checkpoint') && userEntries(path.join(out, 'checkpoint')).length === 0;
}

function trainModelLocked(o: TrainOptions): TrainResult {
  const epochs = o.epochs ?? 2500;
  const validateEvery = o.validateEvery ?? 5;
  const batchSize = o.batchSize ?? 128;
  const lrMax = o.lrMax ?? 5e-4;
  const warmup = o.warmup ?? 100;
  const rules: StopRules = { patience: o.patience ?? 300, minDelta: 5e-5, solvedPatience: o.solvedPatience ?? 0, solvedOn: o.solvedOn ?? 'train+val' };
  for (const [k, v] of Object.entries({ epochs, validateEvery, batchSize, warmup })) {
    if (!Number.isInteger(v) || v < 1) throw new InputError(`train: ${k} must be a positive integer, got ${v}`);
    checkAtMost(`train: ${k}`, v, k === 'batchSize' ? MAX_BATCH : MAX_STEPS);
  }
  if (o.steps !== undefined) checkAtMost('train: steps', o.steps, MAX_STEPS);
  if (o.steps !== undefined && (!Number.isInteger(o.steps) || o.steps < 1)) throw new InputError(`train: steps must be a positive integer, got ${o.steps}`);
  if (!Number.isSafeInteger(o.seed)) throw new InputError(`train: seed must be an integer, got ${o.seed}`);

  const task = trainingTask(o.task, o.arch, o.taskConfig);
  const cfg0 = defaultConfig({ arch: o.arch, task: task.id, vocab: [...task.vocab.list], seed: o.seed, taskConfig: taskConfigJSON(task) as unknown as TaskConfig, sizes: o.modelSizes });
  const data = makeTrainingData(task, o.seed, o.dataSizes);
  const root = new Rng(o.seed);
  const model = createModel(cfg0, root.fork('init'));
  setTrainable(model, true);
  const named = [...model.parameters().entries()];
  const params = named.map(([, t]) => t);
  const adam = new Adam(params, { lr: lrMax, betas: [0.9, 0.999], eps: 1e-8 });
  const identity = { task: task.id, task_config: taskConfigJSON(task), arch: o.arch, seed: o.seed, sizes: o.modelSizes ?? null, data: o.dataSizes ?? null, batchSize, lrMax, warmup, validateEvery };

  let st: LoopState = {
    version: 1, identity, nextEpoch: 0, step: 0, rng: root.fork('train-loop').getState(), adamSteps: [], adamLr: lrMax,
    selection: initialSelection(), rows: [], hasBest: false, finished: null, wallSeconds: 0,
  };
  let best: Map<string, Float32Array> | null = null;
  const ckpt = checkpointPath(o.out);
  let resumed = false;
  if (fs.existsSync(ckpt)) {
    const loaded = loadCheckpoint(ckpt, identity, named, adam);
    st = loaded.state;
    best = loaded.best;
    resumed = true;
  } else if (fs.existsSync(o.out) && !interruptedBeforeFirstCheckpoint(o.out)) {
    throw new InputError(`train: output folder ${o.out} exists and is not empty (and holds no checkpoint to resume); choose another --out`);
  }
  ensureDir(path.join(o.out, 'checkpoint'));

  const loopRng = Rng.fromState(st.rng);
  const nTrain = data.train.length;
  const stepsPerEpoch = Math.ceil(nTrain / batchSize);
  const totalSteps = Math.min(o.steps ?? Infinity, epochs * stepsPerEpoch);
  // A finished run rerun with larger limits continues; with the same limits it only rewrites outputs.
  if ((st.finished === 'epochs' || st.finished === 'steps') && st.nextEpoch < epochs && st.step < totalSteps) st.finished = null;
  const progress = new Progress({ label: `train ${o.arch} seed ${o.seed}`, total: totalSteps, quiet: o.quiet });
  const t0 = performance.now();
  const wallBefore = st.wallSeconds;
  const teacherForced = o.arch === 'transformer';
  let stop: TrainResult['stopReason'] | null = st.finished;
  let lastVal: EvalResult | null = null;

  for (let epoch = st.nextEpoch; stop === null && epoch < epochs; epoch++) {
    const order = loopRng.permutation(nTrain);
    let accSum = 0;
    let lossSum = 0;
    let nBatches = 0;
    let hitSteps = false;
    for (let s = 0; s < nTrain; s += batchSize) {
      if (st.step >= totalSteps) {
        hitSteps = true;
        break;
      }
      const batch = makeBatch(order.slice(s, s + batchSize).map((i) => data.train[i]), task.vocab);
      st.step++;
      const res = model.forward(batch, { mode: 'train', freeRun: !teacherForced, rng: loopRng });
      const loss = crossEntropy(res.logits, batch.labels, { mask: batch.labelValid });
      adam.zeroGrad();
      loss.backward();
      adam.step(learningRate(st.step, lrMax, warmup));
      lossSum += loss.item();
      accSum += scoreTrials(res.predictions, batch).trialAccuracy;
      nBatches++;
      progress.update(st.step, `epoch ${epoch}${lastVal ? ` val ${lastVal.trialAccuracy.toFixed(3)}` : ''}`);
    }
    const atLimit = hitSteps || st.step >= totalSteps || epoch === epochs - 1;
    if (nBatches > 0 && (epoch % validateEvery === 0 || atLimit)) {
      const val = evaluateTrials(model, data.valid);
      lastVal = val;
      const trainAcc = accSum / nBatches;
      const [sel, dec] = updateSelection(st.selection, epoch, trainAcc, val.trialAccuracy, rules);
      st.selection = sel;
      if (dec.isBest) {
        best = new Map(named.map(([n, t]) => [n, Float32Array.from(t.data)]));
        st.hasBest = true;
      }
      st.rows.push({
        epoch, step: st.step, lr: learningRate(Math.max(1, st.step), lrMax, warmup), train_loss: round(lossSum / nBatches),
        train_trial_acc: round(trainAcc), val_loss: round(val.loss), val_token_acc: round(val.tokenAccuracy), val_trial_acc: round(val.trialAccuracy), best: dec.isBest ? 1 : 0,
      });
      if (dec.stop) stop = dec.stop;
      else if (atLimit) stop = o.steps !== undefined && st.step >= o.steps ? 'steps' : 'epochs';
      st.nextEpoch = epoch + 1;
      st.finished = stop;
      st.rng = loopRng.getState();
      st.wallSeconds = wallBefore + (performance.now() - t0) / 1000;
      saveCheckpoint(ckpt, st, named, adam, best);
      writeFileAtomic(path.join(o.out, 'training.csv'), metricsCsv(st.rows));
      o.onCheckpoint?.(epoch);
    } else if (nBatches === 0) {
      stop = 'steps';
    }
  }
  if (stop === null) stop = 'epochs';

  // Final model: the best checkpoint (or the last parameters), then the report.
  if ((o.keep ?? 'best') === 'best' && best) {
    for (const [n, t] of named) t.data.set(best.get(n)!);
  }
  setTrainable(model, false);
  const report = {
    per_count: countReport(evaluateTrials(model, data.perCount)),
    hold_out: holdOutReport(evaluateTrials(model, data.holdOut), task.config.hold_outs),
  };
  const bestRow = st.rows.find((r) => r.epoch === st.selection.bestEpoch);
  const lastRow = st.rows[st.rows.length - 1];
  const wall = st.wallSeconds;
  const config: ModelConfig = {
    ...cfg0,
    training: {
      epochs_run: lastRow ? lastRow.epoch + 1 : 0,
      optimizer_steps: st.step,
      best_epoch: st.selection.bestEpoch,
      kept: (o.keep ?? 'best') === 'best' && best ? 'best' : 'last',
      stop_reason: stop,
      train_trial_accuracy: (bestRow ?? lastRow)?.train_trial_acc ?? null,
      val_trial_accuracy: (bestRow ?? lastRow)?.val_trial_acc ?? null,
      hold_out_trial_accuracy: (report.hold_out as { trial_accuracy: number | null }).trial_accuracy,
      parameters: parameterCount(cfg0),
      wall_seconds: round(wall, 1),
    },
  };
  saveModel(o.out, model, config);
  writeJsonAtomic(path.join(o.out, 'report.json'), { task: task.id, arch: o.arch, seed: o.seed, ...report });
  writeFileAtomic(path.join(o.out, 'training.csv'), metricsCsv(st.rows));
  const first = st.rows.find((r) => r.val_trial_acc >= 0.99);
  progress.done(
    `trained ${o.arch} seed ${o.seed}: ${st.step} steps, ${lastRow ? lastRow.epoch + 1 : 0} epochs (${stop}), best epoch ${st.selection.bestEpoch ?? '-'} ` +
      `val trial acc ${fmt((bestRow ?? lastRow)?.val_trial_acc)}, hold-out ${fmt((report.hold_out as { trial_accuracy: number | null }).trial_accuracy)}, ` +
      `first ≥0.99 at step ${first ? first.step : '-'}, ${wall.toFixed(1)} s → ${o.out}`,
  );
  return { model, config, rows: st.rows, epochsRun: lastRow ? lastRow.epoch + 1 : 0, steps: st.step, bestEpoch: st.selection.bestEpoch, stopReason: stop, wallSeconds: wall, resumed, report };
}

function fmt(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : x.toFixed(3);
}

function round(x: number, d = 6): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

/** report.json's per-count section: accuracy by count over all counts. */
export function countReport(e: EvalResult): Record<string, unknown> {
  return {
    n: e.n,
    trial_accuracy: round(e.trialAccuracy),
    token_accuracy: round(e.tokenAccuracy),
    by_count: Object.fromEntries(e.byCount.map((c) => [String(c.count), round(c.accuracy)])),
  };
}

/** report.json's hold-out section (null accuracies when the task has no hold-outs). */
export function holdOutReport(e: EvalResult, counts: readonly number[]): Record<string, unknown> {
  if (e.n === 0) return { counts: [...counts], n: 0, trial_accuracy: null, token_accuracy: null, by_count: {} };
  return { counts: [...counts], ...countReport(e) };
}

function saveCheckpoint(file: string, st: LoopState, named: [string, Tensor][], adam: Adam, best: Map<string, Float32Array> | null): void {
  const a = adam.state();
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  named.forEach(([n, t], i) => {
    tensors.set(`param.${n}`, { shape: t.shape, data: t.data as Float32Array });
    tensors.set(`adam.m.${n}`, { shape: t.shape, data: a.m[i] as Float32Array });
    tensors.set(`adam.v.${n}`, { shape: t.shape, data: a.v[i] as Float32Array });
    if (best) tensors.set(`best.${n}`, { shape: t.shape, data: best.get(n)! });
  });
  const state: LoopState = { ...st, adamSteps: Array.from(a.steps), adamLr: a.lr };
  writeSafetensors(file, tensors, { state: JSON.stringify(state) });
}

function loadCheckpoint(file: string, identity: Record<string, unknown>, named: [string, Tensor][], adam: Adam): { state: LoopState; best: Map<string, Float32Array> | null } {
  const st = readSafetensors(file);
  let state: LoopState;
  try {
    state = JSON.parse(st.metadata.state ?? '') as LoopState;
  } catch {
    throw new FileFormatError(`${file}: checkpoint metadata is missing or not valid JSON`);
  }
  if (state.version !== 1) throw new FileFormatError(`${file}: unknown checkpoint version ${String(state.version)}`);
  if (JSON.stringify(state.identity) !== JSON.stringify(identity)) {
    throw new InputError(
      `train: ${path.dirname(path.dirname(file))} holds a checkpoint of a different run (${JSON.stringify(state.identity)}); ` +
        'rerun with the same task, arch, seed and sizes, or choose another --out',
    );
  }
  const get = (n: string): Float32Array => {
    const t = st.tensors.get(n);
    if (!t) throw new FileFormatError(`${file}: checkpoint lacks tensor '${n}'`);
    return t.data;
  };
  const a = adam.state();
  named.forEach(([n, t], i) => {
    t.data.set(get(`param.${n}`));
    a.m[i] = get(`adam.m.${n}`);
    a.v[i] = get(`adam.v.${n}`);
  });
  a.steps = Float64Array.from(state.adamSteps);
  a.lr = state.adamLr;
  adam.loadState(a);
  const best = state.hasBest ? new Map(named.map(([n]) => [n, get(`best.${n}`)])) : null;
  return { state, best };
}
