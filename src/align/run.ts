/**
 * An alignment run folder: validates every input before anything is written, then
 *   config.json             {config_hash, config}: a different config in the same folder is refused;
 *   metrics.csv             long format of mas.md §8 (step, src, trg, variable, split, loss, tok_acc,
 *                           trial_acc, cl_loss, elapsed_s);
 *   checkpoint.json + .safetensors   resumable state written at every validation;
 *   alignment.json + alignment.safetensors   models.md §6.4 (maps.{m}.Q or .U, maps.{m}.param.*, best.*);
 *   result.json             the `--json` output; summary.json  the full report of mas.md §8.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, SettingError } from '../errors.ts';
import { ensureDir, readText, writeFileAtomic, writeJsonAtomic } from '../io/atomic.ts';
import { CsvWriter } from '../io/metrics.ts';
import { lockFolder, removeStaleTemps } from '../io/lock.ts';
import { refuseOutputInsideInputs } from '../io/outputs.ts';
import { hasCheckpoint, loadCheckpoint, openRunDir, saveCheckpoint } from '../io/runs.ts';
import type { AlignRunRecord } from '../io/run-record.ts';
import { writeSafetensors } from '../io/safetensors.ts';
import type { HookPoint } from '../models/config.ts';
import { loadModel } from '../models/folder.ts';
import type { SequenceModel } from '../models/model.ts';
import { Vocab, getTask, makeMasData, withCausalModel } from '../tasks/index.ts';
import { Tensor, noGrad } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import type { AlignedModel } from './data.ts';
import { bootstrapCi } from './iia.ts';
import { methodPreset, type Method } from './methods.ts';
import { resolveAlignment, tupleLabel, type AlignmentPlan } from './plan.ts';
import { DEFAULT_SETTINGS, type AlignSettings } from './settings.ts';
import { trainAlignment, type AlignOutcome, type MetricRow, type TrainState, type VarMatrices } from './train.ts';
import { MAX_PAIRS } from '../limits.ts';

/** Options of runAlign. */
export interface RunAlignOptions {
  modelDirs: string[];
  /** Settings; omitted ones take DEFAULT_SETTINGS and the method preset. */
  settings: Partial<Omit<AlignSettings, 'layer' | 'variables'>> & {
    method?: Method;
    /** One hook point for every model, or one per model. */
    layer: string | readonly string[];
    /** One entry per block of aligned coordinates: a name for every model, or one name per model. */
    variables: readonly (string | readonly string[])[];
    subspace?: number;
  };
  out: string;
  resume?: boolean;
  quiet?: boolean;
  /** Warnings (default stderr). */
  onWarning?: (m: string) => void;
}

/** The `--json` result (result.json): the typed run record of io/run-record.ts, plus the folder. */
export interface AlignResult extends AlignRunRecord {
  method: Method;
  iia_ci: [number, number][][];
  iia_by_variable: VarMatrices;
  out: string;
}

const MASK_SEED = 0x5eed;

/** Load models, fill the defaults, and resolve the plan (every check, once); nothing is written. */
export function prepareRun(o: RunAlignOptions, warn: (m: string) => void): { models: AlignedModel[]; settings: AlignSettings; loaded: SequenceModel[]; plan: AlignmentPlan } {
  if (o.modelDirs.length === 0) throw new SettingError('modelDirs', 'needs at least one model folder');
  const loaded = o.modelDirs.map((d) => loadModel(d, { onWarning: warn }));
  const n = loaded.length;
  const method = (o.settings.method ?? 'mas') as Method;
  const preset = methodPreset(method, n);
  const layerIn = typeof o.settings.layer === 'string' ? [o.settings.layer] : [...o.settings.layer];
  if (layerIn.length !== 1 && layerIn.length !== n) throw new SettingError('layer', `names ${layerIn.length} hook points for ${n} model(s): give one for all, or one per model`);
  const points = loaded.map((m, i) => m.resolveHook(layerIn.length === 1 ? layerIn[0] : layerIn[i]));
  const point = points[0];
  const perModelLayer = points.some((p) => p !== point);
  if (perModelLayer && layerIn.length === 1) throw new SettingError('layer', `${layerIn[0]} resolves to different points per model: ${points.join(', ')}; give one hook point per model`);
  const widths = loaded.map((m, i) => m.hookWidth(points[i]));
  const minWidth = Math.min(...widths);
  const causal = o.settings.causalModel;
  const tasks = loaded.map((m) => {
    const t = getTask(m.config.task, { ...m.config.task_config });
    return causal === undefined ? t : withCausalModel(t, causal);
  });
  const { labels: variables, perModel } = resolveVariables(o.settings.variables, n);
  if (preset.mask === 'zero' && !variables.every((v) => v === 'full')) {
    // ZeroMask replaces the target's whole state, while a single-variable counterfactual keeps the
    // target's other variables (e.g. its phase): only the source can supply them, so IIA is capped.
    warn(`--method ${method} zeroes the target's own coordinates, but --variable ${variables.join(',')} keeps the target's other causal variables in the counterfactual; the stitched state cannot carry them (use --variable full, as the reference's stitching does)`);
  }
  const kPoint = points.includes('embedding') ? 'embedding' : point;
  let k = o.settings.subspace ?? preset.defaultK(kPoint, minWidth);
  if (Number.isInteger(k) && k * variables.length > minWidth && variables.length === 1 && !o.settings.includeNull) {
    warn(`--subspace ${k} exceeds the hooked width ${minWidth}; clipped to ${minWidth} (mas.md §3.4)`);
    k = minWidth;
  }
  // mas.md §4.3: indywise at layer.N for every architecture (the author's GRU ↔ transformer runs), stepwise at the embedding.
  const stepwise = points.includes('embedding');
  const { variables: _v, layer: _l, ...rest } = o.settings;
  const settings: AlignSettings = {
    ...DEFAULT_SETTINGS,
    ...stripUndefined(rest),
    method,
    layer: perModelLayer ? points.join(',') : point,
    variables,
    subspace: k,
    clWeight: o.settings.clWeight ?? preset.clWeight,
    mode: o.settings.mode ?? (stepwise ? 'stepwise' : 'indywise'),
  };
  if (perModelLayer) settings.layers = points;
  if (perModel) settings.modelVariables = perModel;
  // Pair counts are bounded before the pairs are made (resolveAlignment checks the rest afterwards).
  for (const [name, v] of [['trainPairs', settings.trainPairs], ['validPairs', settings.validPairs]] as const) {
    if (Number.isInteger(v) && v > MAX_PAIRS) throw new SettingError(name, `${v} is over the limit of ${MAX_PAIRS.toLocaleString('en-US')} (docs/limits.md)`);
  }
  const root = new Rng(settings.seed);
  const models: AlignedModel[] = loaded.map((model, index) => {
    const d = makeMasData(tasks[index], { seed: root.fork(`data/${index}`).nextU32(), nTrain: settings.trainPairs, nValid: settings.validPairs });
    return { index, model, task: d.task, vocab: Vocab.fromList(model.config.vocab), point: points[index] as HookPoint, width: widths[index], train: d.train, valid: d.valid };
  });
  const plan = resolveAlignment(models, settings);
  if (plan.C.length > 0 && plan.settings.clWeight === 0 && o.settings.C) warn(`--cl-directions given with --cl-weight 0: the CL loss is only reported`);
  return { models, settings: plan.settings as AlignSettings, loaded, plan };
}

/**
 * Blocks of aligned coordinates and their per-model names. Each entry is one block: a name shared by
 * every model, or one name per model. Labels are the shared name, or the names joined by `|`.
 */
export function resolveVariables(input: readonly (string | readonly string[])[], n: number): { labels: string[]; perModel: string[][] | null } {
  if (input.length === 0) throw new SettingError('variables', 'needs at least one variable');
  let differs = false;
  const names = input.map((b) => {
    if (typeof b === 'string') return new Array<string>(n).fill(b);
    if (b.length === 1) return new Array<string>(n).fill(b[0]);
    if (b.length !== n) throw new SettingError('variables', `names ${b.length} variables for ${n} model(s): give one for all, or one per model`);
    if (b.some((x) => x !== b[0])) differs = true;
    return [...b];
  });
  for (const b of names) for (const x of b) if (x.length === 0) throw new SettingError('variables', 'has an empty name');
  return { labels: names.map((b) => (b.every((x) => x === b[0]) ? b[0] : b.join('|'))), perModel: differs ? names : null };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const COLUMNS = ['step', 'src', 'trg', 'variable', 'split', 'loss', 'tok_acc', 'trial_acc', 'cl_loss', 'elapsed_s'];

/**
 * Run (or resume) an alignment into a run folder and write every output. The folder is locked for the
 * run (src/io/lock.ts) and temp files of a killed earlier run are removed; a folder holding this run's
 * config but no checkpoint and no result (killed before its first checkpoint) restarts without --resume.
 */
export function runAlign(o: RunAlignOptions): AlignResult {
  const warn = o.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const prepared = prepareRun(o, warn);
  refuseOutputInsideInputs(o.out, o.modelDirs);
  if (fs.existsSync(o.out) && !fs.statSync(o.out).isDirectory()) throw new InputError(`--out ${o.out} is a file, not a folder`);
  const release = lockFolder(o.out, 'align: --out');
  try {
    removeStaleTemps(o.out, 0);
    return runAlignLocked(o, prepared);
  } finally {
    release();
  }
}

function runAlignLocked(o: RunAlignOptions, { models, settings, loaded, plan }: ReturnType<typeof prepareRun>): AlignResult {
  const config = {
    format: 'mas-align/1',
    models: o.modelDirs.map((d, i) => ({ dir: path.resolve(d), arch: loaded[i].config.arch, task: loaded[i].config.task, seed: loaded[i].config.seed })),
    settings,
  };
  let run;
  try {
    const restartable = !hasCheckpoint(o.out, 'checkpoint') && !fs.existsSync(path.join(o.out, 'result.json'));
    run = openRunDir(o.out, config, { resume: (o.resume ?? false) || restartable, configFile: 'config.json' });
  } catch (e) {
    if (e instanceof InputError && /different config/.test(e.message)) {
      throw new InputError(`${e.message.replace(/; pass a fresh --out or delete the folder$/, '')}; to start fresh, pass a new --out or delete ${o.out}`);
    }
    throw e;
  }
  const metricsPath = run.path('metrics.csv');
  let resumeState: { tensors: Map<string, Tensor>; state: TrainState } | null = null;
  if (run.resumed && hasCheckpoint(o.out, 'checkpoint')) {
    const ck = loadCheckpoint<TrainState>(o.out, 'checkpoint');
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of Object.entries(ck.tensors)) tensors.set(name, new Tensor(t.data, t.shape));
    resumeState = { tensors, state: ck.state };
    trimMetrics(metricsPath, ck.state.step, ck.state.done !== null);
  } else if (fs.existsSync(metricsPath)) {
    fs.unlinkSync(metricsPath);
  }
  const csv = new CsvWriter(metricsPath, COLUMNS);
  let outcome: AlignOutcome;
  try {
    outcome = trainAlignment(models, plan, {
      quiet: o.quiet ?? false,
      load: () => resumeState,
      log: (rows: MetricRow[]) => {
        for (const r of rows) csv.write(r as unknown as Record<string, unknown>);
      },
      save: (tensors, state) => {
        const rec: Record<string, { shape: readonly number[]; data: Float32Array | Float64Array }> = {};
        for (const [name, t] of tensors) rec[name] = { shape: t.shape, data: t.data };
        saveCheckpoint(o.out, 'checkpoint', { tensors: rec, state });
      },
    });
  } finally {
    csv.close();
  }
  return writeOutputs(o, outcome, config);
}

/** Keep the metrics rows written before the checkpoint's next step (rows of a redone validation go). */
function trimMetrics(file: string, nextStep: number, done: boolean): void {
  if (!fs.existsSync(file)) return;
  const lines = readText(file).split('\n').filter((l) => l.length > 0);
  const keep = lines.filter((l, i) => i === 0 || done || Number(l.split(',', 1)[0]) < nextStep);
  writeFileAtomic(file, keep.join('\n') + '\n');
}

function first(m: VarMatrices, v: string): number[][] {
  return m[v].map((r) => r.map((x) => (Number.isFinite(x) ? x : NaN)));
}

function writeOutputs(o: RunAlignOptions, out: AlignOutcome, config: unknown): AlignResult {
  const s = out.settings;
  const v0 = s.variables[0];
  const n = out.maps.length;
  const ci: [number, number][][] = Array.from({ length: n }, (_, si) =>
    Array.from({ length: n }, (_, ti) => {
      const c = out.finalCorrect[`${si}->${ti}/${v0}`];
      return c ? bootstrapCi(c, s.seed ^ MASK_SEED ^ (si * 131 + ti)) : [NaN, NaN];
    }),
  );
  const result: AlignResult = {
    method: s.method,
    subspace: s.subspace,
    layer: s.layer,
    variables: s.variables,
    iia: first(out.final.iia, v0),
    iia_ci: ci,
    token_accuracy: first(out.final.tokenAccuracy, v0),
    iia_by_variable: out.final.iia,
    best_iia: first(out.best.iia, v0),
    best_step: out.best.step,
    task_accuracy: out.taskAccuracy,
    k0_iia: first(out.k0Iia, v0),
    steps: out.stepsRun,
    stop_reason: out.stopReason,
    wall_s: round(out.wallS, 3),
    ms_per_step: round(out.msPerStep, 1),
    out: o.out,
  };
  ensureDir(o.out);
  // alignment.safetensors: realized maps (final), raw parameters, best parameters, fills.
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const f32 = (t: Tensor): { shape: readonly number[]; data: Float32Array } => ({ shape: t.shape, data: t.data instanceof Float32Array ? t.data : Float32Array.from(t.data) });
  const conds: number[] = [];
  noGrad(() => {
    out.maps.forEach((m, i) => {
      const r = m.realize();
      if (r.Q) tensors.set(m.kind === 'gram-schmidt' ? `maps.${i}.U` : `maps.${i}.Q`, f32(r.Q));
      else {
        tensors.set(`maps.${i}.W`, f32(r.F));
        tensors.set(`maps.${i}.Winv`, f32(r.G));
      }
      for (const [name, t] of m.state()) tensors.set(`maps.${i}.${name}`, f32(t));
      conds.push(m.condition());
    });
  });
  out.fills.forEach((f, i) => {
    if (f) tensors.set(`fills.${i}`, f32(f));
  });
  for (const [name, t] of out.bestParams) tensors.set(`best.${name}`, f32(t));
  writeSafetensors(path.join(o.out, 'alignment.safetensors'), tensors, { kind: 'mas-alignment' });
  const settingsRecord = {
    k: s.subspace,
    hook_point: s.layer,
    variables: s.variables,
    include_null: s.includeNull,
    map: s.map,
    param: s.map === 'invertible' ? s.family : s.param,
    mask: out.plan.mask,
    mode: s.mode,
    ...(s.layers ? { hook_points: s.layers } : {}),
    ...(s.modelVariables ? { model_variables: s.modelVariables } : {}),
    ...(s.values ? { values: s.values } : {}),
    T: out.T,
    C: out.C,
    cl_weight: s.clWeight,
    loss_positions: s.lossPositions,
    obj_count: s.objCount,
    seed: s.seed,
  };
  writeJsonAtomic(path.join(o.out, 'alignment.json'), {
    format: 'mas-alignment/1',
    models: (config as { models: unknown }).models,
    ...settingsRecord,
    directions: out.tuples.map((k) => tupleLabel(k)),
    steps: out.stepsRun,
    stop_reason: out.stopReason,
    iia: out.final.iia,
    best_step: out.best.step,
    best_iia: out.best.iia,
    condition_numbers: conds,
  }, { nonFinite: 'string' });
  writeJsonAtomic(path.join(o.out, 'result.json'), result, { nonFinite: 'string' });
  writeJsonAtomic(path.join(o.out, 'summary.json'), {
    settings: settingsRecord,
    final: { step: out.final.step, valid: { iia: out.final.iia, token_accuracy: out.final.tokenAccuracy, loss: out.final.loss, cl_loss: out.final.clLoss }, train: { iia: out.final.trainIia } },
    best: { step: out.best.step, valid: { iia: out.best.iia, token_accuracy: out.best.tokenAccuracy, loss: out.best.loss, cl_loss: out.best.clLoss }, train: { iia: out.best.trainIia } },
    baselines: { task_accuracy: out.taskAccuracy, k0_iia: out.k0Iia },
    iia_ci: ci,
    steps_run: out.stepsRun,
    stop_reason: out.stopReason,
    wall_s: result.wall_s,
    ms_per_step: result.ms_per_step,
    condition_numbers: conds,
  }, { nonFinite: 'string' });
  return result;
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
