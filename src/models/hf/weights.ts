/**
 * Reading the weights of a Hugging Face model folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json` (`weight_map`: tensor name → shard file). Tensors may be F32, F16
 * or BF16 (or F64) and are converted to float32; any other dtype of a needed tensor is an error.
 *
 * Names are matched with or without the base-model prefix (`transformer.` for gpt2, `model.` for
 * llama/qwen2, `gpt_neox.` for gpt_neox), as checkpoints differ (openai-community/gpt2 has no
 * prefix). Non-persistent buffers saved by old checkpoints (`attn.bias`, `attn.masked_bias`,
 * `rotary_emb.inv_freq`) are ignored; any other unexpected tensor is reported as a warning.
 * Every expected tensor must be present with the shape the config implies.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FileFormatError, fmtShape } from '../../errors.ts';
import { readBytes, readJson } from '../../io/atomic.ts';
import { decodeSafetensorsEntry, parseSafetensorsLayout } from '../../io/safetensors.ts';
import type { HfConfig } from './config.ts';

/** A float32 tensor as read, by canonical (prefix-free) name. */
export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

const PREFIX: Record<HfConfig['modelType'], string> = { gpt2: 'transformer.', llama: 'model.', qwen2: 'model.', gpt_neox: 'gpt_neox.' };
const BUFFERS = [/\.attn\.bias$/, /\.attn\.masked_bias$/, /\.attention\.bias$/, /\.attention\.masked_bias$/, /rotary_emb\.inv_freq$/];

/** The canonical names and shapes of every tensor a config needs (prefix-free; head last). */
export function expectedTensors(cfg: HfConfig): [string, number[]][] {
  const { hidden: d, vocabSize: V, intermediate: f, heads, kvHeads, headDim: dh } = cfg;
  const out: [string, number[]][] = [];
  const add = (n: string, s: number[]): void => void out.push([n, s]);
  if (cfg.modelType === 'gpt2') {
    add('wte.weight', [V, d]);
    add('wpe.weight', [cfg.maxPositions, d]);
    for (let i = 0; i < cfg.layers; i++) {
      const p = `h.${i}.`;
      for (const ln of ['ln_1', 'ln_2']) {
        add(`${p}${ln}.weight`, [d]);
        add(`${p}${ln}.bias`, [d]);
      }
      add(`${p}attn.c_attn.weight`, [d, 3 * d]);
      add(`${p}attn.c_attn.bias`, [3 * d]);
      add(`${p}attn.c_proj.weight`, [d, d]);
      add(`${p}attn.c_proj.bias`, [d]);
      add(`${p}mlp.c_fc.weight`, [d, f]);
      add(`${p}mlp.c_fc.bias`, [f]);
      add(`${p}mlp.c_proj.weight`, [f, d]);
      add(`${p}mlp.c_proj.bias`, [d]);
    }
    add('ln_f.weight', [d]);
    add('ln_f.bias', [d]);
    if (!cfg.tied) add('lm_head.weight', [V, d]);
  } else if (cfg.modelType === 'gpt_neox') {
    add('embed_in.weight', [V, d]);
    for (let i = 0; i < cfg.layers; i++) {
      const p = `layers.${i}.`;
      for (const ln of ['input_layernorm', 'post_attention_layernorm']) {
        add(`${p}${ln}.weight`, [d]);
        add(`${p}${ln}.bias`, [d]);
      }
      add(`${p}attention.query_key_value.weight`, [3 * d, d]);
      if (cfg.qkvBias) add(`${p}attention.query_key_value.bias`, [3 * d]);
      add(`${p}attention.dense.weight`, [d, d]);
      if (cfg.oBias) add(`${p}attention.dense.bias`, [d]);
      add(`${p}mlp.dense_h_to_4h.weight`, [f, d]);
      add(`${p}mlp.dense_h_to_4h.bias`, [f]);
      add(`${p}mlp.dense_4h_to_h.weight`, [d, f]);
      add(`${p}mlp.dense_4h_to_h.bias`, [d]);
    }
    add('final_layer_norm.weight', [d]);
    add('final_layer_norm.bias', [d]);
    if (!cfg.tied) add('embed_out.weight', [V, d]);
  } else {
    add('embed_tokens.weight', [V, d]);
    for (let i = 0; i < cfg.layers; i++) {
      const p = `layers.${i}.`;
      add(`${p}input_layernorm.weight`, [d]);
      add(`${p}post_attention_layernorm.weight`, [d]);
      const proj: [string, number, number, boolean][] = [
        ['q_proj', heads * dh, d, cfg.qkvBias],
        ['k_proj', kvHeads * dh, d, cfg.qkvBias],
        ['v_proj', kvHeads * dh, d, cfg.qkvBias],
        ['o_proj', d, heads * dh, cfg.oBias],
      ];
      for (const [n, o, i2, b] of proj) {
        add(`${p}self_attn.${n}.weight`, [o, i2]);
        if (b) add(`${p}self_attn.${n}.bias`, [o]);
      }
      for (const [n, o, i2] of [['gate_proj', f, d], ['up_proj', f, d], ['down_proj', d, f]] as const) {
        add(`${p}mlp.${n}.weight`, [o, i2]);
        if (cfg.mlpBias) add(`${p}mlp.${n}.bias`, [o]);
      }
    }
    add('norm.weight', [d]);
    if (!cfg.tied) add('lm_head.weight', [V, d]);
  }
  return out;
}

/** The shard files of a folder and, for a sharded one, which file holds each stored name. */
function locate(dir: string): { files: string[]; map: Map<string, string> | null } {
  const single = path.join(dir, 'model.safetensors');
  const index = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(index)) {
    const raw = readJson(index) as { weight_map?: unknown };
    const wm = raw?.weight_map;
    if (wm === null || typeof wm !== 'object' || Array.isArray(wm)) throw new FileFormatError(`${index}: missing "weight_map" object`);
    const map = new Map<string, string>();
    for (const [k, v] of Object.entries(wm as Record<string, unknown>)) {
      if (typeof v !== 'string' || v.includes('/') || v.includes('\\')) throw new FileFormatError(`${index}: weight_map entry '${k}' is not a file name`);
      map.set(k, v);
    }
    const files = [...new Set(map.values())].sort();
    for (const f of files) if (!fs.existsSync(path.join(dir, f))) throw new FileFormatError(`${dir}: missing shard ${f} (listed in model.safetensors.index.json)`);
    return { files, map };
  }
  if (fs.existsSync(single)) return { files: ['model.safetensors'], map: null };
  const bins = fs.readdirSync(dir).filter((f) => f.endsWith('.bin') || f.endsWith('.pt'));
  const hint = bins.length > 0 ? ` (found ${bins[0]}: PyTorch pickles are not read; convert the folder to safetensors)` : '';
  throw new FileFormatError(`model folder ${dir} has neither model.safetensors nor model.safetensors.index.json${hint}`);
}

/**
 * Read every expected tensor of `cfg` from the folder as float32 (see the file comment).
 * `onWarning` receives one message about unexpected tensors, if any.
 */
export function readHfWeights(dir: string, cfg: HfConfig, onWarning: (m: string) => void): Map<string, RawTensor> {
  const expected = new Map(expectedTensors(cfg));
  const prefix = PREFIX[cfg.modelType];
  const canonical = (name: string): string => (name.startsWith(prefix) ? name.slice(prefix.length) : name);
  const { files, map } = locate(dir);
  const out = new Map<string, RawTensor>();
  const extra: string[] = [];
  for (const file of files) {
    const full = path.join(dir, file);
    const bytes = readBytes(full);
    for (const e of parseSafetensorsLayout(bytes, full).entries) {
      const name = e.name;
      if (map && map.get(name) !== undefined && map.get(name) !== file) continue; // listed in another shard
      const c = canonical(name);
      const shape = expected.get(c);
      if (!shape) {
        // A tied head saved anyway duplicates the embedding: not needed.
        const tiedHead = cfg.tied && (c === 'lm_head.weight' || c === 'embed_out.weight');
        if (!tiedHead && !BUFFERS.some((re) => re.test(c))) extra.push(name);
        continue;
      }
      if (e.shape.length !== shape.length || e.shape.some((s, i) => s !== shape[i])) {
        throw new FileFormatError(`${full}: tensor '${name}' has shape ${fmtShape(e.shape)} but config.json implies ${fmtShape(shape)}`);
      }
      out.set(c, { shape: e.shape, data: decodeSafetensorsEntry(bytes, e, false, full) as Float32Array });
    }
  }
  for (const [name, shape] of expected) {
    if (!out.has(name)) {
      const where = map ? 'in the shards of model.safetensors.index.json' : 'in model.safetensors';
      throw new FileFormatError(`${dir}: missing tensor '${prefix}${name}' ${where} (expected shape ${fmtShape(shape)} for this ${cfg.modelType} config)`);
    }
  }
  if (extra.length > 0) onWarning(`${dir}: ignoring ${extra.length} unexpected tensor(s): ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  return out;
}
