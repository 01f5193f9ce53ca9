/**
 * SAE folders: DIR/sae.safetensors (W_enc [d, M], b_enc [M], W_dec [M, d], b_dec [d], float64) and
 * DIR/config.json ({format, d, latents, l1, steps, seed, stats}); each file is written atomically,
 * the config last, so a folder with a config.json is complete.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError } from '../errors.ts';
import { ensureDir, readJson, writeJsonAtomic } from '../io/atomic.ts';
import { readSafetensorsExact, writeSafetensors } from '../io/safetensors.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { SaeParams } from './sae.ts';

/** The format tag of an SAE folder's config.json. */
export const SAE_FORMAT = 'mas-sae/1';

/** What config.json records besides the format. */
export interface SaeConfig {
  d: number;
  latents: number;
  l1: number;
  steps: number;
  seed: number;
  /** Free-form training statistics (mse, fvu, dead latents, source file). */
  stats?: Record<string, number | string>;
}

const NAMES = { wEnc: 'W_enc', bEnc: 'b_enc', wDec: 'W_dec', bDec: 'b_dec' } as const;

/** Write an SAE folder (weights first, then config.json). */
export function saveSae(dir: string, p: SaeParams, config: SaeConfig): void {
  ensureDir(dir);
  const tensors: Record<string, { data: Float64Array; shape: number[] }> = {};
  for (const [k, name] of Object.entries(NAMES) as [keyof SaeParams, string][]) {
    tensors[name] = { data: Float64Array.from(p[k].data), shape: [...p[k].shape] };
  }
  writeSafetensors(path.join(dir, 'sae.safetensors'), tensors, { format: SAE_FORMAT });
  writeJsonAtomic(path.join(dir, 'config.json'), { format: SAE_FORMAT, ...config });
}

/** Read an SAE folder written by saveSae (FileFormatError naming what is missing or inconsistent). */
export function loadSae(dir: string): { params: SaeParams; config: SaeConfig } {
  const cfgFile = path.join(dir, 'config.json');
  const wFile = path.join(dir, 'sae.safetensors');
  if (!fs.existsSync(cfgFile) || !fs.existsSync(wFile)) throw new FileFormatError(`${dir}: not an SAE folder (needs config.json and sae.safetensors; make one with mas sae train)`);
  const cfg = readJson(cfgFile) as Partial<SaeConfig> & { format?: unknown };
  if (cfg.format !== SAE_FORMAT) throw new FileFormatError(`${cfgFile}: format is ${JSON.stringify(cfg.format)}, expected '${SAE_FORMAT}'`);
  const d = cfg.d;
  const m = cfg.latents;
  if (!Number.isInteger(d) || !Number.isInteger(m)) throw new FileFormatError(`${cfgFile}: d and latents must be integers`);
  const f = readSafetensorsExact(wFile);
  const want: Record<keyof SaeParams, number[]> = { wEnc: [d!, m!], bEnc: [m!], wDec: [m!, d!], bDec: [d!] };
  const out: Partial<SaeParams> = {};
  for (const [k, name] of Object.entries(NAMES) as [keyof SaeParams, string][]) {
    const t = f.tensors.get(name);
    if (!t || t.shape.join(',') !== want[k].join(',')) {
      throw new FileFormatError(`${wFile}: tensor ${name} ${t ? `has shape [${t.shape.join(', ')}]` : 'is missing'}; expected [${want[k].join(', ')}] for d = ${d}, latents = ${m}`);
    }
    out[k] = new Tensor(Float64Array.from(t.data), t.shape);
  }
  return { params: out as SaeParams, config: cfg as SaeConfig };
}
