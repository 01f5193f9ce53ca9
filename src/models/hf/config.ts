/**
 * Hugging Face `config.json` of a causal language model, normalized to one description of a
 * decoder-only transformer. Supported `model_type`s and the keys read (HF defaults where a key is
 * absent, as the configuration classes of transformers define them):
 *
 * - `gpt2`: n_embd, n_layer, n_head, n_inner (null → 4·n_embd), n_positions, vocab_size,
 *   layer_norm_epsilon, activation_function (gelu_new); learned positions, LayerNorm, tied head.
 * - `llama`, `qwen2`: hidden_size, num_hidden_layers, num_attention_heads, num_key_value_heads,
 *   head_dim, intermediate_size, max_position_embeddings, rms_norm_eps, rope_theta, hidden_act
 *   (silu), tie_word_embeddings, attention_bias / mlp_bias (llama; qwen2 always has q/k/v biases).
 * - `gpt_neox`: hidden_size, num_hidden_layers, num_attention_heads, intermediate_size,
 *   max_position_embeddings, layer_norm_eps, rotary_pct, rotary_emb_base, hidden_act (gelu),
 *   use_parallel_residual, attention_bias, tie_word_embeddings.
 */
import { FileFormatError, InputError } from '../../errors.ts';

/** The `model_type`s this loader supports. */
export const HF_MODEL_TYPES = ['gpt2', 'llama', 'qwen2', 'gpt_neox'] as const;
/** One supported `model_type`. */
export type HfModelType = (typeof HF_MODEL_TYPES)[number];

/** Feed-forward nonlinearity. */
export type HfActivation = 'gelu_tanh' | 'gelu' | 'silu' | 'relu';

/** A normalized decoder-only transformer description. */
export interface HfConfig {
  modelType: HfModelType;
  vocabSize: number;
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  intermediate: number;
  maxPositions: number;
  norm: 'layernorm' | 'rmsnorm';
  normEps: number;
  act: HfActivation;
  /** SwiGLU MLP (gate/up/down) instead of fc_in/fc_out. */
  gated: boolean;
  /** Learned absolute position embeddings (GPT-2). */
  learnedPositions: boolean;
  /** Rotary width per head (0 = none) and frequency base. */
  ropeDim: number;
  ropeTheta: number;
  /** x + attn(ln1 x) + mlp(ln2 x) (GPT-NeoX). */
  parallelResidual: boolean;
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  tied: boolean;
}

const ACTS: Record<string, HfActivation> = {
  gelu_new: 'gelu_tanh',
  gelu_pytorch_tanh: 'gelu_tanh',
  gelu: 'gelu',
  silu: 'silu',
  swish: 'silu',
  relu: 'relu',
};

function getter(raw: Record<string, unknown>, where: string) {
  const num = (key: string, dflt?: number, integer = true): number => {
    const v = raw[key];
    if (v === undefined || v === null) {
      if (dflt === undefined) throw new FileFormatError(`${where}: missing '${key}'`);
      return dflt;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && (!Number.isInteger(v) || v < 1)) || v < 0) {
      throw new FileFormatError(`${where}: '${key}' must be a ${integer ? 'positive integer' : 'non-negative number'}, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const bool = (key: string, dflt: boolean): boolean => {
    const v = raw[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'boolean') throw new FileFormatError(`${where}: '${key}' must be true or false, got ${JSON.stringify(v)}`);
    return v;
  };
  const act = (key: string, dflt: string): HfActivation => {
    const v = raw[key] ?? dflt;
    if (typeof v !== 'string' || !(v in ACTS)) {
      throw new FileFormatError(`${where}: unsupported ${key} ${JSON.stringify(v)} (supported: ${Object.keys(ACTS).join(', ')})`);
    }
    return ACTS[v];
  };
  return { num, bool, act };
}

/** Parse a config.json object (`where` names the file in errors). */
export function parseHfConfig(raw: unknown, where: string): HfConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new FileFormatError(`${where}: not a JSON object`);
  const r = raw as Record<string, unknown>;
  const mt = r.model_type;
  if (typeof mt !== 'string' || !(HF_MODEL_TYPES as readonly string[]).includes(mt)) {
    throw new InputError(`${where}: unsupported model_type ${JSON.stringify(mt ?? null)} (supported: ${HF_MODEL_TYPES.join(', ')})`);
  }
  const modelType = mt as HfModelType;
  const { num, bool, act } = getter(r, where);
  const rs = r.rope_scaling;
  if (rs !== undefined && rs !== null) {
    const type = typeof rs === 'object' ? ((rs as Record<string, unknown>).rope_type ?? (rs as Record<string, unknown>).type) : rs;
    if (type !== 'default') throw new InputError(`${where}: rope_scaling ${JSON.stringify(type)} is not supported (only unscaled rotary embeddings)`);
  }
  let cfg: HfConfig;
  if (modelType === 'gpt2') {
    const hidden = num('n_embd', 768);
    const heads = num('n_head', 12);
    cfg = {
      modelType, vocabSize: num('vocab_size', 50257), hidden, layers: num('n_layer', 12), heads, kvHeads: heads, headDim: hidden / heads,
      intermediate: num('n_inner', 4 * hidden), maxPositions: num('n_positions', 1024), norm: 'layernorm',
      normEps: num('layer_norm_epsilon', 1e-5, false), act: act('activation_function', 'gelu_new'), gated: false, learnedPositions: true,
      ropeDim: 0, ropeTheta: 10000, parallelResidual: false, qkvBias: true, oBias: true, mlpBias: true, tied: bool('tie_word_embeddings', true),
    };
    if (bool('scale_attn_by_inverse_layer_idx', false) || bool('reorder_and_upcast_attn', false) || !bool('scale_attn_weights', true)) {
      throw new InputError(`${where}: gpt2 options scale_attn_by_inverse_layer_idx / reorder_and_upcast_attn / scale_attn_weights=false are not supported`);
    }
  } else if (modelType === 'gpt_neox') {
    const hidden = num('hidden_size', 6144);
    const heads = num('num_attention_heads', 64);
    const headDim = hidden / heads;
    const pct = num('rotary_pct', 0.25, false);
    let ropeDim = Math.floor(headDim * pct);
    if (ropeDim % 2 === 1) ropeDim -= 1;
    const bias = bool('attention_bias', true);
    cfg = {
      modelType, vocabSize: num('vocab_size', 50432), hidden, layers: num('num_hidden_layers', 44), heads, kvHeads: heads, headDim,
      intermediate: num('intermediate_size', 24576), maxPositions: num('max_position_embeddings', 2048), norm: 'layernorm',
      normEps: num('layer_norm_eps', 1e-5, false), act: act('hidden_act', 'gelu'), gated: false, learnedPositions: false,
      ropeDim, ropeTheta: num('rotary_emb_base', num('rope_theta', 10000, false), false), parallelResidual: bool('use_parallel_residual', true),
      qkvBias: bias, oBias: bias, mlpBias: true, tied: bool('tie_word_embeddings', false),
    };
  } else {
    const hidden = num('hidden_size', 4096);
    const heads = num('num_attention_heads', 32);
    const kvHeads = num('num_key_value_heads', heads);
    const headDim = num('head_dim', hidden / heads);
    const llama = modelType === 'llama';
    const attnBias = llama ? bool('attention_bias', false) : true;
    cfg = {
      modelType, vocabSize: num('vocab_size', llama ? 32000 : 151936), hidden, layers: num('num_hidden_layers', 32), heads, kvHeads, headDim,
      intermediate: num('intermediate_size', llama ? 11008 : 22016), maxPositions: num('max_position_embeddings', llama ? 2048 : 32768),
      norm: 'rmsnorm', normEps: num('rms_norm_eps', 1e-6, false), act: act('hidden_act', 'silu'), gated: true, learnedPositions: false,
      ropeDim: headDim, ropeTheta: num('rope_theta', 10000, false), parallelResidual: false, qkvBias: attnBias, oBias: llama ? attnBias : false,
      mlpBias: llama ? bool('mlp_bias', false) : false, tied: bool('tie_word_embeddings', !llama),
    };
    if (!llama && bool('use_sliding_window', false)) throw new InputError(`${where}: qwen2 use_sliding_window=true is not supported`);
    if (heads % kvHeads !== 0) throw new FileFormatError(`${where}: num_attention_heads ${heads} is not a multiple of num_key_value_heads ${kvHeads}`);
  }
  if (!Number.isInteger(cfg.headDim) || cfg.headDim < 1) throw new FileFormatError(`${where}: hidden size ${cfg.hidden} is not divisible by ${cfg.heads} heads`);
  if (cfg.ropeDim % 2 !== 0) throw new FileFormatError(`${where}: rotary width ${cfg.ropeDim} per head must be even`);
  return cfg;
}
