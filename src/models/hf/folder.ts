/**
 * Hugging Face model folders: `config.json` plus `model.safetensors` (or sharded safetensors with
 * `model.safetensors.index.json`), optionally `tokenizer.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError } from '../../errors.ts';
import { readJson } from '../../io/atomic.ts';
import { parseHfConfig, type HfConfig } from './config.ts';
import { HfCausalLM } from './model.ts';
import { readHfWeights } from './weights.ts';

/** Options of loadHfModel. */
export interface HfLoadOptions {
  /** Receives warnings (unexpected tensors); default: printed to stderr. */
  onWarning?: (message: string) => void;
}

/** Whether `dir` looks like a Hugging Face folder: its config.json has a `model_type`. */
export function isHfFolder(dir: string): boolean {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return false;
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    return raw !== null && typeof raw === 'object' && 'model_type' in raw;
  } catch {
    return false;
  }
}

/** Read and normalize `<dir>/config.json`. */
export function loadHfConfig(dir: string): HfConfig {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new FileFormatError(`model folder ${dir} does not exist or is not a folder`);
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) throw new FileFormatError(`model folder ${dir} has no config.json`);
  return parseHfConfig(readJson(file), file);
}

/** Load a Hugging Face causal LM folder (weights converted to float32, frozen). */
export function loadHfModel(dir: string, opts: HfLoadOptions = {}): HfCausalLM {
  const warn = opts.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const cfg = loadHfConfig(dir);
  return new HfCausalLM(cfg, readHfWeights(dir, cfg, warn));
}
