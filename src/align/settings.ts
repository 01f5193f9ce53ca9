/**
 * The settings of an alignment run (stored in config.json; its hash guards resumption), their
 * defaults, and the two lookups every stage shares: which directions a run trains and what each model
 * calls a block's variable.
 */
import { methodPreset, type Direction, type Method } from './methods.ts';
import type { ClLossKind, LossPositions } from './losses.ts';
import type { InvertibleFamily, MapKind, OrthoParam } from './maps.ts';
import type { MaskKind } from './swap.ts';
import type { CounterfactualMode, ObjCountMode } from '../tasks/index.ts';

/** Every setting of an alignment run (stored in config.json; its hash guards resumption). */
export interface AlignSettings {
  method: Method;
  /** Hook point (canonical). */
  layer: string;
  /** Swapped variables, each with `subspace` aligned dims. */
  variables: string[];
  includeNull: boolean;
  /** k per variable. */
  subspace: number;
  map: MapKind;
  param: OrthoParam;
  family: InvertibleFamily;
  zscore: boolean;
  identityInit: boolean;
  learnedFill: boolean;
  clWeight: number;
  clLoss: ClLossKind;
  lossPositions: LossPositions;
  objCount: ObjCountMode;
  mode: CounterfactualMode;
  steps: number;
  trainPairs: number;
  validPairs: number;
  batch: number;
  lr: number;
  seed: number;
  validEvery: number;
  patience: number;
  /** Per-model hook points, when they differ between models (`layer` then joins them with commas). */
  layers?: string[];
  /** Per-block, per-model variable names [v][m], when they differ between models (`variables` holds the labels). */
  modelVariables?: string[][];
  /** Value filter: pairs only at positions whose swapped variable lies in [lo, hi] (source and target). */
  values?: [number, number];
  /** Counting causal model of every model's task (tasks/counting.ts, e.g. `count-up-incr` for `incr`); default Count-Up-Down. */
  causalModel?: string;
  /** Directions with the behavioural loss, replacing the method's. */
  T?: Direction[];
  /** Directions with the CL loss, replacing the method's. */
  C?: Direction[];
}

/** The directions a run trains: the settings' own sets, else the method preset's. */
export function trainedDirections(s: Pick<AlignSettings, 'method' | 'T' | 'C'>, n: number): { T: Direction[]; C: Direction[]; mask: MaskKind } {
  const preset = methodPreset(s.method, n);
  return { T: s.T ?? preset.T, C: s.C ?? preset.C, mask: preset.mask };
}

/** The name model m gives block v of a run. */
export function modelVariable(s: Pick<AlignSettings, 'variables' | 'modelVariables'>, m: number, v: number): string {
  return s.modelVariables?.[v]?.[m] ?? s.variables[v];
}

/** Defaults (mas.md §6.6), before the method preset fills k and ε. */
export const DEFAULT_SETTINGS: Omit<AlignSettings, 'method' | 'layer' | 'variables' | 'subspace' | 'clWeight' | 'mode'> = {
  includeNull: false,
  map: 'orthogonal',
  param: 'expm',
  family: 'relaxed-rotation',
  zscore: false,
  identityInit: false,
  learnedFill: false,
  clLoss: 'both',
  lossPositions: 'nonpad',
  objCount: 'target',
  steps: 20_000,
  trainPairs: 10_000,
  validPairs: 1_000,
  batch: 128,
  lr: 1e-3,
  seed: 0,
  validEvery: 100,
  patience: 10,
};
