/**
 * Fit / score (netrep's split): a finished `mas align` run folder is a fitted alignment.
 *   loadAlignment(runDir) → Alignment            the learned maps (final parameters) and the run's settings
 *   evaluateAlignment(alignment, modelDirs, {variable?, pairs?, seed?}) → AlignmentScore
 *                                                 IIA (with bootstrap CIs) in every direction on fresh
 *                                                 counterfactual pairs; with the run's own seed and pair
 *                                                 count these are its validation pairs, and the recorded
 *                                                 final IIA comes back exactly.
 * Nothing is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, InputError } from '../errors.ts';
import { readJson } from '../io/atomic.ts';
import { readSafetensors } from '../io/safetensors.ts';
import { noGrad, Tensor } from '../tensor/tensor.ts';
import { MasData } from './data.ts';
import { bootstrapCi, evaluateTuple } from './iia.ts';
import type { AlignmentMap } from './maps.ts';
import type { Direction } from './methods.ts';
import { prepareRun } from './run.ts';
import type { Block, MaskKind } from './swap.ts';
import { allTuples, buildMaps, trainedDirections, type AlignSettings, type VarMatrices } from './train.ts';
import type { SwapContext } from './tuple.ts';

/** A model an alignment was fitted on, as its run folder records it. */
export interface AlignedModelRecord {
  dir: string;
  arch: string;
  task: string;
  seed: number;
}

/** A fitted alignment: the maps of a run folder with the settings they were trained under. */
export interface Alignment {
  runDir: string;
  settings: AlignSettings;
  models: AlignedModelRecord[];
  /** One map per model, holding the final parameters. */
  maps: AlignmentMap[];
  /** ZeroMask learned fills per model (or null). */
  fills: (Tensor | null)[];
  blocks: Block[];
  mask: MaskKind;
  T: Direction[];
  C: Direction[];
  /** The run's recorded final validation IIA [variable][s][t]. */
  recordedIia: VarMatrices;
}

/** IIA of an alignment on a set of counterfactual pairs. */
export interface AlignmentScore {
  variable: string;
  /** iia[s][t] of `variable`. */
  iia: number[][];
  iia_ci: [number, number][][];
  token_accuracy: number[][];
  /** Raw mean CE over the loss positions, and the CL loss (NaN where not available), of `variable`. */
  loss: number[][];
  cl_loss: number[][];
  iia_by_variable: VarMatrices;
  pairs: number;
  seed: number;
}

/** Options of evaluateAlignment. */
export interface EvaluateOptions {
  /** Which variable's matrix `iia` reports (default the first). */
  variable?: string;
  /** Pairs per direction (default: the run's validation pairs). */
  pairs?: number;
  /** Seed of the sequences and pairs (default: the run's seed, i.e. its own validation pairs). */
  seed?: number;
  /** Warnings while loading models. */
  onWarning?: (m: string) => void;
}

const MASK_SEED = 0x5eed;

interface ConfigFile {
  config?: { format?: string; models?: AlignedModelRecord[]; settings?: AlignSettings };
}

/** Load a finished alignment run folder (config.json, alignment.json, alignment.safetensors). */
export function loadAlignment(runDir: string): Alignment {
  const stFile = path.join(runDir, 'alignment.safetensors');
  const cfgFile = path.join(runDir, 'config.json');
  const alFile = path.join(runDir, 'alignment.json');
  if (!fs.existsSync(stFile)) throw new FileFormatError(`${stFile} not found: ${runDir} holds no finished alignment (alignment.safetensors is written when a run ends)`);
  for (const f of [cfgFile, alFile]) if (!fs.existsSync(f)) throw new FileFormatError(`${f} not found: ${runDir} is not a complete alignment run folder`);
  const cfg = readJson(cfgFile) as ConfigFile;
  const settings = cfg.config?.settings;
  const models = cfg.config?.models;
  if (cfg.config?.format !== 'mas-align/1' || !settings || !Array.isArray(models)) throw new FileFormatError(`${cfgFile}: not a mas-align/1 config (no settings or models)`);
  const recorded = readJson(alFile) as { iia?: VarMatrices };
  const { tensors } = readSafetensors(stFile);
  const get = (name: string): { shape: readonly number[]; data: Float32Array } => {
    const t = tensors.get(name);
    if (!t) throw new FileFormatError(`${stFile}: missing tensor '${name}'`);
    return t;
  };
  const n = models.length;
  const widths = models.map((_, i) => {
    const key = [`maps.${i}.Q`, `maps.${i}.U`, `maps.${i}.W`].find((k) => tensors.has(k));
    if (!key) throw new FileFormatError(`${stFile}: no map for model ${i} (maps.${i}.Q, .U or .W)`);
    return get(key).shape[0];
  });
  const zstats = settings.zscore
    ? widths.map((_, i) => ({ mean: Float64Array.from(get(`maps.${i}.zscore.mean`).data), std: Float64Array.from(get(`maps.${i}.zscore.std`).data) }))
    : [];
  const { maps, blocks, fills } = buildMaps(widths.map((width, index) => ({ index, width })), settings, zstats);
  maps.forEach((m, i) => {
    for (const [name, t] of m.state()) setData(t, get(`maps.${i}.${name}`), `${stFile} maps.${i}.${name}`);
  });
  fills.forEach((f, i) => {
    if (f) setData(f, get(`fills.${i}`), `${stFile} fills.${i}`);
  });
  const dirs = trainedDirections(settings, n);
  return { runDir, settings, models, maps, fills, blocks, mask: dirs.mask, T: dirs.T, C: dirs.C, recordedIia: recorded.iia ?? {} };
}

function setData(t: Tensor, src: { shape: readonly number[]; data: Float32Array }, what: string): void {
  if (src.data.length !== t.size) throw new FileFormatError(`${what}: ${src.data.length} values, the settings need ${t.size}`);
  t.data.set(src.data);
}

/** The run's settings in the form runAlign takes (per-model names and hook points restored). */
function asInput(s: AlignSettings): Parameters<typeof prepareRun>[0]['settings'] {
  const { layer, layers, variables, modelVariables, ...rest } = s;
  return { ...rest, layer: layers ?? layer, variables: modelVariables ?? variables };
}

/**
 * Score a fitted alignment on fresh counterfactual pairs between `modelDirs` (one per map, in the
 * fitted order): IIA, its bootstrap CI and token accuracy in every direction. InputError when the
 * models do not fit the maps (count, hooked width) or their tasks lack the variables.
 */
export function evaluateAlignment(alignment: Alignment, modelDirs: readonly string[], o: EvaluateOptions = {}): AlignmentScore {
  const s = alignment.settings;
  const n = alignment.maps.length;
  if (modelDirs.length !== n) throw new InputError(`the alignment in ${alignment.runDir} has ${n} map(s), but ${modelDirs.length} model(s) were given`);
  const pairs = o.pairs ?? s.validPairs;
  const seed = o.seed ?? s.seed;
  if (!Number.isInteger(pairs) || pairs < 1) throw new InputError(`pairs must be a positive integer, got ${pairs}`);
  if (!Number.isInteger(seed)) throw new InputError(`seed must be an integer, got ${seed}`);
  const variable = o.variable ?? s.variables[0];
  if (!s.variables.includes(variable) && !(s.includeNull && variable === 'null')) {
    throw new InputError(`the alignment has no variable '${variable}' (has: ${s.variables.join(', ')}${s.includeNull ? ', null' : ''})`);
  }
  const { models } = prepareRun({ modelDirs: [...modelDirs], settings: { ...asInput(s), validPairs: pairs, seed }, out: '' }, o.onWarning ?? (() => {}));
  models.forEach((m, i) => {
    const d = alignment.maps[i].d;
    if (m.width !== d) throw new InputError(`model ${i} (${modelDirs[i]}) is ${m.width} wide at ${m.point}, but map ${i} of ${path.join(alignment.runDir, 'alignment.safetensors')} is ${d} wide`);
  });
  const tuples = allTuples(n, s.variables, s.includeNull);
  const data = new MasData(models, tuples, { mode: s.mode, seed, objCount: s.objCount, nTrain: s.trainPairs, nValid: pairs, variableOf: (m, v) => (v < s.variables.length ? (s.modelVariables?.[v]?.[m] ?? s.variables[v]) : 'null'), ...(s.values ? { values: s.values } : {}) }, () => false);
  const realized = noGrad(() => alignment.maps.map((m) => m.realize()));
  const ctx: SwapContext = { realized, blocks: alignment.blocks, mask: alignment.mask, fill: alignment.mask === 'zero' ? alignment.fills : null };
  const vars = s.includeNull ? [...s.variables, 'null'] : [...s.variables];
  const nan = (): number[][] => Array.from({ length: n }, () => new Array<number>(n).fill(NaN));
  const byVar: VarMatrices = Object.fromEntries(vars.map((v) => [v, nan()]));
  const tok: VarMatrices = Object.fromEntries(vars.map((v) => [v, nan()]));
  const loss = nan();
  const cl = nan();
  const ci: [number, number][][] = Array.from({ length: n }, () => Array.from({ length: n }, () => [NaN, NaN] as [number, number]));
  for (const k of tuples) {
    const m = evaluateTuple(data, k, 'valid', ctx, { lossPositions: s.lossPositions, clKind: s.clLoss });
    byVar[k.variable][k.src][k.trg] = m.iia;
    tok[k.variable][k.src][k.trg] = m.tokenAccuracy;
    if (k.variable !== variable) continue;
    ci[k.src][k.trg] = bootstrapCi(m.correct, seed ^ MASK_SEED ^ (k.src * 131 + k.trg));
    loss[k.src][k.trg] = m.loss;
    cl[k.src][k.trg] = m.clLoss;
  }
  return { variable, iia: byVar[variable], iia_ci: ci, token_accuracy: tok[variable], loss, cl_loss: cl, iia_by_variable: byVar, pairs, seed };
}
