/**
 * `mas reproduce sae-superposition`: toy models of superposition trained from several seeds hold the
 * same sparse features in different arrangements; unit-matching measures between two models' hidden
 * units are low, and replacing the units by sparse-autoencoder latents should raise them
 * ("Superposition disentanglement of neural representations reveals hidden alignment"). For every
 * pair of seeds the measures are computed on the same probe inputs, for neurons and for SAE latents.
 */
import * as path from 'node:path';
import { InputError } from '../errors.ts';
import { ensureDir, writeJsonAtomic } from '../io/atomic.ts';
import { encodeRows, trainSae } from '../models/sae.ts';
import { sparseFeatures, toyHidden, trainToyModel } from '../models/toy-superposition.ts';
import { similarity } from '../similarity/index.ts';
import { mat, type Mat } from '../tensor/linalg.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';

/** The measures compared, by registry id. */
export const SAE_MEASURES = ['semi-match-correlation-sym', 'soft-match-correlation', 'linreg-r2-sym', 'cka-linear'] as const;

/** Sizes of one run. */
export interface SaeSuperpositionSettings {
  features: number;
  hidden: number;
  density: number;
  toySteps: number;
  saeLatents: number;
  saeL1: number;
  saeSteps: number;
  /** Rows the SAE is trained on. */
  saeRows: number;
  /** Probe rows the measures are computed on. */
  probeRows: number;
}

/** The --quick and full settings. */
export function saeSuperpositionSettings(quick: boolean): SaeSuperpositionSettings {
  return quick
    ? { features: 20, hidden: 5, density: 0.05, toySteps: 3000, saeLatents: 40, saeL1: 0.05, saeSteps: 3000, saeRows: 4000, probeRows: 1500 }
    : { features: 40, hidden: 10, density: 0.05, toySteps: 5000, saeLatents: 80, saeL1: 0.05, saeSteps: 5000, saeRows: 16000, probeRows: 4000 };
}

/** The most seeds --quick runs. */
export const QUICK_SEED_CAP = 3;

/** Options of runSaeSuperposition. */
export interface SaeSuperpositionOptions {
  out: string;
  quick?: boolean;
  /** Number of toy-model seeds (≥ 2; every pair is compared); default 2. */
  seeds?: number;
  /** Override sizes (tests). */
  settings?: Partial<SaeSuperpositionSettings>;
  log?: (line: string) => void;
}

/** The result: per measure, the mean over seed pairs for neurons and for SAE latents. */
export interface SaeSuperpositionResult {
  measures: Record<string, { neurons: number; sae: number }>;
  pairs: { seeds: [number, number]; neurons: Record<string, number>; sae: Record<string, number> }[];
  /**
   * Per model: toy loss, SAE statistics, and how well the true features are recovered: the mean over
   * features of the best correlation with one hidden unit (`featureNeurons`) or one SAE latent (`featureSae`).
   */
  models: { seed: number; loss: number; saeFvu: number; saeDead: number; saeL1: number; featureNeurons: number; featureSae: number }[];
  settings: SaeSuperpositionSettings;
}

function toMat(t: Tensor): Mat {
  return mat(t.shape[0], t.shape[1], Float64Array.from(t.data));
}

/** Drop the latents that are zero on every probe row (dead latents carry no signal and have no correlation). */
function liveColumns(m: Mat): Mat {
  const keep: number[] = [];
  for (let j = 0; j < m.cols; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < m.rows; i++) {
      const v = m.data[i * m.cols + j];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    if (hi > lo) keep.push(j);
  }
  const out = mat(m.rows, keep.length);
  for (let i = 0; i < m.rows; i++) for (let k = 0; k < keep.length; k++) out.data[i * keep.length + k] = m.data[i * m.cols + keep[k]];
  return out;
}

function measureAll(x: Mat, y: Mat): Record<string, number> {
  const r: Record<string, number> = {};
  for (const id of SAE_MEASURES) r[id] = similarity(id, x, y).value;
  return r;
}

/** Train the toy models and SAEs, compare every seed pair, write DIR/result.json; returns the result. */
export function runSaeSuperposition(o: SaeSuperpositionOptions): SaeSuperpositionResult {
  const quick = o.quick ?? false;
  const nSeeds = o.seeds ?? 2;
  if (!Number.isInteger(nSeeds) || nSeeds < 2) throw new InputError(`sae-superposition: --seeds must be an integer ≥ 2 (pairs of models are compared), got ${o.seeds}`);
  if (quick && nSeeds > QUICK_SEED_CAP) throw new InputError(`sae-superposition: --quick runs at most ${QUICK_SEED_CAP} seeds, got ${nSeeds}; drop --quick for more`);
  const s = { ...saeSuperpositionSettings(quick), ...o.settings };
  const log = o.log ?? (() => {});
  ensureDir(o.out);
  const probe = sparseFeatures(s.probeRows, s.features, s.density, new Rng(9001));
  const saeData = sparseFeatures(s.saeRows, s.features, s.density, new Rng(9002));
  const neurons: Mat[] = [];
  const latents: Mat[] = [];
  const models: SaeSuperpositionResult['models'] = [];
  for (let seed = 0; seed < nSeeds; seed++) {
    log(`toy model seed ${seed}: ${s.features} features → ${s.hidden} hidden units, ${s.toySteps} steps`);
    const tm = trainToyModel({ features: s.features, hidden: s.hidden, density: s.density, steps: s.toySteps, seed });
    log(`  loss ${tm.loss.toExponential(3)}; SAE with ${s.saeLatents} latents, λ = ${s.saeL1}, ${s.saeSteps} steps`);
    const sae = trainSae(toyHidden(tm, saeData), { latents: s.saeLatents, l1: s.saeL1, steps: s.saeSteps, seed: 1000 + seed });
    log(`  SAE fraction of variance unexplained ${sae.fvu.toFixed(4)}, dead latents ${sae.dead}, mean ‖z‖₁ ${sae.l1.toFixed(4)}`);
    const h = toyHidden(tm, probe);
    neurons.push(toMat(h));
    latents.push(liveColumns(toMat(encodeRows(sae.params, h))));
    const feats = liveColumns(toMat(probe));
    const featureNeurons = similarity('semi-match-correlation', feats, neurons[seed]).value;
    const featureSae = similarity('semi-match-correlation', feats, latents[seed]).value;
    log(`  true features' best correlation with one unit: neurons ${featureNeurons.toFixed(3)}, SAE latents ${featureSae.toFixed(3)}`);
    models.push({ seed, loss: tm.loss, saeFvu: sae.fvu, saeDead: sae.dead, saeL1: sae.l1, featureNeurons, featureSae });
  }
  const pairs: SaeSuperpositionResult['pairs'] = [];
  for (let a = 0; a < nSeeds; a++) {
    for (let b = a + 1; b < nSeeds; b++) {
      pairs.push({ seeds: [a, b], neurons: measureAll(neurons[a], neurons[b]), sae: measureAll(latents[a], latents[b]) });
    }
  }
  const measures: SaeSuperpositionResult['measures'] = {};
  for (const id of SAE_MEASURES) {
    const mean = (k: 'neurons' | 'sae'): number => pairs.reduce((t, p) => t + p[k][id], 0) / pairs.length;
    measures[id] = { neurons: mean('neurons'), sae: mean('sae') };
  }
  const result: SaeSuperpositionResult = { measures, pairs, models, settings: s };
  writeJsonAtomic(path.join(o.out, 'result.json'), result);
  return result;
}
