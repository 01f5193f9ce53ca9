/**
 * Model folders (models.md §6): `config.json` + `model.safetensors`. Loading validates the config,
 * checks every tensor's name and shape against it (a missing tensor or a shape mismatch is an error
 * naming the tensor and both shapes; extra tensors are ignored with a warning), and builds the model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, NonFiniteError, fmtShape } from '../errors.ts';
import { ensureDir, readJson, writeJsonAtomic } from '../io/atomic.ts';
import { readSafetensors, writeSafetensors } from '../io/safetensors.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Rng } from '../util/rng.ts';
import { configToJson, parameterShapes, parseConfig, type ModelConfig } from './config.ts';
import { initParameters } from './init.ts';
import type { SequenceModel } from './model.ts';
import { RnnModel } from './rnn.ts';
import { TransformerModel } from './transformer.ts';

/** Build a model from a config and a complete, checked parameter map. */
export function buildModel(cfg: ModelConfig, params: Map<string, Tensor>): SequenceModel {
  checkParameters(cfg, params, 'buildModel');
  return cfg.arch === 'transformer' ? new TransformerModel(cfg, params) : new RnnModel(cfg, params);
}

/** A freshly initialized model (PyTorch-default distributions, models.md §7). */
export function createModel(cfg: ModelConfig, rng: Rng): SequenceModel {
  return buildModel(cfg, initParameters(cfg, rng));
}

/**
 * Check a parameter map against a config: every expected tensor present with the expected shape.
 * Returns the names of extra tensors.
 */
export function checkParameters(cfg: ModelConfig, params: ReadonlyMap<string, { shape: readonly number[] }>, where: string): string[] {
  const expected = parameterShapes(cfg);
  for (const [name, shape] of expected) {
    const t = params.get(name);
    if (!t) throw new FileFormatError(`${where}: missing tensor '${name}' (expected shape ${fmtShape(shape)} for this ${cfg.arch} config)`);
    if (t.shape.length !== shape.length || t.shape.some((s, i) => s !== shape[i])) {
      throw new FileFormatError(`${where}: tensor '${name}' has shape ${fmtShape(t.shape)} but config.json implies ${fmtShape(shape)}`);
    }
  }
  const names = new Set(expected.map(([n]) => n));
  return [...params.keys()].filter((n) => !names.has(n));
}

/** Options of loadModel. */
export interface LoadOptions {
  /** Receives warnings (extra tensors, converted dtypes); default: printed to stderr. */
  onWarning?: (message: string) => void;
}

/** Read and validate `<dir>/config.json` only. */
export function loadConfig(dir: string): ModelConfig {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(dir)) throw new FileFormatError(`model folder ${dir} does not exist`);
  if (!fs.statSync(dir).isDirectory()) throw new FileFormatError(`model folder ${dir} is not a folder`);
  if (!fs.existsSync(file)) throw new FileFormatError(`model folder ${dir} has no config.json`);
  return parseConfig(readJson(file), file);
}

/** Load a model folder (parameters are frozen leaves: requiresGrad false). */
export function loadModel(dir: string, opts: LoadOptions = {}): SequenceModel {
  const warn = opts.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const cfg = loadConfig(dir);
  const file = path.join(dir, 'model.safetensors');
  if (!fs.existsSync(file)) throw new FileFormatError(`model folder ${dir} has no model.safetensors`);
  // Only the config's parameters are decoded: extras of any dtype (e.g. PyTorch's int64
  // num_batches_tracked) are validated, then ignored with a warning.
  const st = readSafetensors(file, { onWarning: warn, only: parameterShapes(cfg).map(([n]) => n) });
  const extra = [...(st.skipped ?? []), ...checkParameters(cfg, st.tensors, file)];
  if (extra.length > 0) warn(`${file}: ignoring ${extra.length} extra tensor(s): ${extra.join(', ')}`);
  const params = new Map<string, Tensor>();
  for (const [name] of parameterShapes(cfg)) {
    const t = st.tensors.get(name)!;
    const bad = t.data.findIndex((x) => !Number.isFinite(x));
    if (bad >= 0) throw new NonFiniteError(`${file}: tensor '${name}' holds ${t.data[bad]} at flat index ${bad}; the weights are unusable`);
    const tensor = new Tensor(t.data, t.shape);
    tensor.name = name;
    params.set(name, tensor);
  }
  return buildModel(cfg, params);
}

/** Mark every parameter of a model as trainable (requiresGrad) or frozen. */
export function setTrainable(model: SequenceModel, trainable: boolean): void {
  for (const t of model.parameters().values()) t.requiresGrad = trainable;
}

/** Write `config.json` and `model.safetensors` into `dir` (created if needed), both atomically. */
export function saveModel(dir: string, model: SequenceModel, config: ModelConfig = model.config): void {
  ensureDir(dir);
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, t] of model.parameters()) {
    const data = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
    tensors.set(name, { shape: t.shape, data });
  }
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  writeJsonAtomic(path.join(dir, 'config.json'), configToJson(config));
}
