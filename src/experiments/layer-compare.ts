/**
 * Layer-by-layer comparison of two models (Kornblith et al. 2019, Fig. 1-style): for each measure, the
 * matrix of values between every hook point of model A (rows) and every hook point of model B
 * (columns), on the same inputs and the same row order.
 *
 * Inputs: for Hugging Face folders, token-id sequences (shared by both models) or texts (encoded
 * by each folder's own tokenizer; the row counts must then agree, which `pool` last/mean always
 * gives); for the project's own task models, the reference stimuli of `mas compare` (tasks.md §5.4).
 * Mixing the two kinds has no common input and is refused.
 */
import { InputError } from '../errors.ts';
import { encodeTexts, recordLmActivations, type Pool } from '../models/hf/activations.ts';
import { isHfFolder, loadHfModel } from '../models/hf/folder.ts';
import { loadHfTokenizer } from '../models/hf/tokenizer.ts';
import { hookPoints } from '../models/config.ts';
import { loadModel } from '../models/folder.ts';
import { resolveMeasure, similarity } from '../similarity/index.ts';
import { makeStimuli } from '../tasks/datasets.ts';
import type { Mat } from '../tensor/linalg.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { stimulusActivations } from './compare.ts';

/** Options of compareLayers. */
export interface LayerCompareOptions {
  /** Two model folders (HF or the project's own). */
  models: [string, string];
  /** `all` (every residual hook point) or a list of hook points used for both models. */
  layers: 'all' | string[];
  measures: string[];
  /** HF inputs: token ids shared by both models, or texts encoded by each model's tokenizer. */
  tokenIds?: number[][];
  texts?: string[];
  pool?: Pool;
  /** Rows per subsample (0 = all rows once; default 0) and subsamples averaged. */
  subsample?: number;
  runs?: number;
  seed?: number;
}

/** One measure's layer × layer matrix. */
export interface LayerMatrix {
  name: string;
  id: string;
  kind: string;
  /** values[i][j] between layer i of model A and layer j of model B. */
  values: number[][];
}

/** Result of compareLayers (written as `layer-similarity.json`, format mas-layer-similarity/1). */
export interface LayerCompareResult {
  format: 'mas-layer-similarity/1';
  models: [string, string];
  layers: [string[], string[]];
  rows: number;
  pool: Pool | null;
  subsample: { size: number; runs: number; seed: number } | null;
  measures: LayerMatrix[];
}

function toMat(t: Tensor): Mat {
  return { rows: t.shape[0], cols: t.shape[1], data: Float64Array.from(t.data) };
}

/** Activations of one model at its layers (canonical names, in order). */
function activationsOf(dir: string, o: LayerCompareOptions, stimuli: readonly (readonly string[])[] | null): { layers: string[]; mats: Mat[] } {
  if (stimuli) {
    const model = loadModel(dir);
    const layers = o.layers === 'all' ? hookPoints(model.config) : o.layers.map((l) => model.resolveHook(l));
    return { layers, mats: layers.map((l) => stimulusActivations(model, stimuli, l)) };
  }
  let seqs = o.tokenIds;
  if (!seqs) seqs = encodeTexts(loadHfTokenizer(dir), o.texts as string[], 'texts');
  const model = loadHfModel(dir);
  const layers = o.layers === 'all' ? model.hookPoints().filter((p) => p !== 'logits') : o.layers.map((l) => model.resolveHook(l));
  const rec = recordLmActivations(model, seqs, layers, o.pool ?? 'none');
  return { layers, mats: layers.map((l) => toMat(rec.get(l) as Tensor)) };
}

/** Compute every measure between every layer of model A and every layer of model B. */
export function compareLayers(o: LayerCompareOptions): LayerCompareResult {
  if (o.measures.length === 0) throw new InputError('compare: no measures given');
  const measures = o.measures.map((m) => ({ name: m, id: resolveMeasure(m).meta.id }));
  const hf = o.models.map((m) => isHfFolder(m));
  if (hf[0] !== hf[1]) throw new InputError('compare: cannot compare a Hugging Face model with a task model layer by layer (they share no input); compare two of a kind');
  const seed = o.seed ?? 0;
  if (hf[0] && !o.tokenIds && !o.texts) throw new InputError('compare: Hugging Face models need inputs: --text FILE or --token-ids FILE');
  const stimuli = hf[0] ? null : makeStimuli(seed, 15, 'multi-object').map((t) => t.tokens);
  const a = activationsOf(o.models[0], o, stimuli);
  const b = activationsOf(o.models[1], o, stimuli);
  const rows = a.mats[0].rows;
  if (b.mats[0].rows !== rows) {
    throw new InputError(`compare: the models give different row counts (${rows} vs ${b.mats[0].rows}; their tokenizers split the texts differently): use --pool last or --pool mean, or --token-ids`);
  }
  const size = o.subsample ?? 0;
  const runs = o.runs ?? 10;
  if (!Number.isInteger(size) || size < 0) throw new InputError(`compare: subsample must be an integer ≥ 0, got ${size}`);
  const sub = size > 0 && size < rows ? { size, runs, seed } : null;
  const out: LayerMatrix[] = measures.map((m) => {
    let kind = 'similarity';
    const values = a.mats.map((x) =>
      b.mats.map((y) => {
        const r = similarity(m.id, x, y, { seed, ...(sub ? { subsample: sub } : {}) });
        kind = r.kind;
        return r.value;
      }),
    );
    return { name: m.name, id: m.id, kind, values };
  });
  return { format: 'mas-layer-similarity/1', models: o.models, layers: [a.layers, b.layers], rows, pool: hf[0] ? (o.pool ?? 'none') : null, subsample: sub, measures: out };
}
