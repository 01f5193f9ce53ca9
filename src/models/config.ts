/**
 * The `config.json` of a model folder (models.md §6.1): types, defaults, validation, and the exact
 * tensor names and shapes (§6.2) a config implies.
 */
import { FileFormatError, InputError, unknownName } from '../errors.ts';
import { MAX_COUNT, MAX_HEADS, MAX_LAYERS, MAX_PARAMETERS, MAX_VOCAB, MAX_WIDTH, checkConfigAtMost } from '../limits.ts';

/** The format tag written by this library; loaders accept major version 1 only. */
export const MODEL_FORMAT = 'mas-model/1';

/** The three architectures. */
export type Arch = 'gru' | 'lstm' | 'transformer';
/** Every architecture, in documentation order. */
export const ARCHS: readonly Arch[] = ['gru', 'lstm', 'transformer'];

/** The data a model was trained on (tasks.md §5). */
export interface TaskConfig {
  min_count: number;
  max_count: number;
  hold_outs: number[];
  unk_p: number;
  mod?: number;
  round_to?: number;
  max_value?: number;
}

/** Fields shared by every architecture. */
interface BaseConfig {
  format: string;
  task: string;
  task_config: TaskConfig;
  /** Token strings; the index is the id. */
  vocab: string[];
  d_model: number;
  dropout: number;
  seed: number | null;
  dtype: 'float32';
  /** Optional training summary (epochs, steps, best epoch, accuracies, wall time). */
  training?: Record<string, unknown>;
}

/** GRU or LSTM configuration. */
export interface RnnConfig extends BaseConfig {
  arch: 'gru' | 'lstm';
  /** Recurrent cell size H. */
  hidden: number;
  /** Width of the decoder's hidden layer (512). */
  decoder_hidden: number;
}

/** Transformer configuration. */
export interface TransformerConfig extends BaseConfig {
  arch: 'transformer';
  n_layers: number;
  n_heads: number;
  ff_hidden: number;
  rope_base: number;
  rope_dim: number;
  ln_eps: number;
  block: 'pre-ln';
}

/** A validated model configuration. */
export type ModelConfig = RnnConfig | TransformerConfig;

/** The default data settings for an architecture (tasks.md §5.2; transformers use void tokens). */
export function defaultTaskConfig(arch: Arch): TaskConfig {
  return { min_count: 1, max_count: 20, hold_outs: [4, 9, 14, 17], unk_p: arch === 'transformer' ? 0.2 : 0 };
}

/** Options for building a default configuration. */
export interface DefaultConfigOptions {
  arch: Arch;
  task: string;
  vocab: string[];
  seed?: number | null;
  taskConfig?: TaskConfig;
  /** Override any size (tests build tiny models this way). */
  sizes?: Partial<{
    d_model: number;
    hidden: number;
    decoder_hidden: number;
    n_layers: number;
    n_heads: number;
    ff_hidden: number;
    rope_dim: number;
    dropout: number;
  }>;
}

/** The paper's configuration for an architecture (models.md §2–§5), optionally with other sizes. */
export function defaultConfig(o: DefaultConfigOptions): ModelConfig {
  const s = o.sizes ?? {};
  const base = {
    format: MODEL_FORMAT,
    task: o.task,
    task_config: o.taskConfig ?? defaultTaskConfig(o.arch),
    vocab: [...o.vocab],
    d_model: s.d_model ?? 128,
    dropout: s.dropout ?? 0.5,
    seed: o.seed ?? null,
    dtype: 'float32' as const,
  };
  if (o.arch === 'transformer') {
    const nHeads = s.n_heads ?? 1;
    const cfg: TransformerConfig = {
      ...base,
      arch: 'transformer',
      n_layers: s.n_layers ?? 2,
      n_heads: nHeads,
      ff_hidden: s.ff_hidden ?? 4 * base.d_model,
      rope_base: 10000,
      rope_dim: s.rope_dim ?? base.d_model / nHeads,
      ln_eps: 1e-5,
      block: 'pre-ln',
    };
    return validateConfig(cfg);
  }
  const cfg: RnnConfig = {
    ...base,
    arch: o.arch,
    hidden: s.hidden ?? (o.arch === 'gru' ? base.d_model : base.d_model / 2),
    decoder_hidden: s.decoder_hidden ?? 512,
  };
  return validateConfig(cfg);
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function posInt(where: string, key: string, v: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new FileFormatError(`${where}: '${key}' must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return checkConfigAtMost(where, key, v, max);
}

/** The config after a check that the parameters it implies fit MAX_PARAMETERS (before any allocation). */
function checkedSize<C extends ModelConfig>(cfg: C, where: string): C {
  checkConfigAtMost(where, 'parameters implied by the config', parameterCount(cfg), MAX_PARAMETERS);
  return cfg;
}

function num(where: string, key: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
    throw new FileFormatError(`${where}: '${key}' must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function required(where: string, raw: Record<string, unknown>, key: string): unknown {
  if (!(key in raw) || raw[key] === undefined || raw[key] === null) throw new FileFormatError(`${where}: missing required field '${key}'`);
  return raw[key];
}

/**
 * Validate a parsed `config.json` and fill defaults for optional fields (models.md §6.1). `where`
 * names the file in messages. Throws FileFormatError naming the field for anything invalid.
 */
export function parseConfig(raw: unknown, where = 'config.json'): ModelConfig {
  if (!isObj(raw)) throw new FileFormatError(`${where}: expected a JSON object`);
  const format = required(where, raw, 'format');
  if (typeof format !== 'string' || !/^mas-model\/\d+(\.\d+)*$/.test(format)) {
    throw new FileFormatError(`${where}: 'format' must look like "mas-model/1", got ${JSON.stringify(format)}`);
  }
  const major = Number(format.slice('mas-model/'.length).split('.')[0]);
  if (major !== 1) throw new FileFormatError(`${where}: unsupported format major version ${major} ('${format}'); this library reads mas-model/1`);
  const arch = required(where, raw, 'arch');
  if (typeof arch !== 'string' || !(ARCHS as readonly string[]).includes(arch)) {
    try {
      unknownName('arch', String(arch), ARCHS);
    } catch (e) {
      throw new FileFormatError(`${where}: ${(e as Error).message}`);
    }
  }
  const task = required(where, raw, 'task');
  if (typeof task !== 'string' || task.length === 0) throw new FileFormatError(`${where}: 'task' must be a non-empty string`);
  const vocab = required(where, raw, 'vocab');
  if (!Array.isArray(vocab) || vocab.length === 0 || !vocab.every((t) => typeof t === 'string' && t.length > 0)) {
    throw new FileFormatError(`${where}: 'vocab' must be a non-empty array of token strings`);
  }
  checkConfigAtMost(where, 'vocab size', vocab.length, MAX_VOCAB);
  const seen = new Set<string>();
  for (const t of vocab as string[]) {
    if (seen.has(t)) throw new FileFormatError(`${where}: 'vocab' lists token '${t}' twice`);
    seen.add(t);
  }
  for (const t of ['P', 'B', 'E']) {
    if (!seen.has(t)) throw new FileFormatError(`${where}: 'vocab' lacks the special token '${t}'`);
  }
  const a = arch as Arch;
  const tcRaw = raw.task_config;
  const tcDef = defaultTaskConfig(a);
  if (tcRaw !== undefined && !isObj(tcRaw)) throw new FileFormatError(`${where}: 'task_config' must be an object`);
  const tc: TaskConfig = { ...tcDef, ...(tcRaw ?? {}) } as TaskConfig;
  if (!Array.isArray(tc.hold_outs) || !tc.hold_outs.every((h) => Number.isInteger(h))) {
    throw new FileFormatError(`${where}: 'task_config.hold_outs' must be an array of integers`);
  }
  posInt(where, 'task_config.min_count', tc.min_count, MAX_COUNT);
  posInt(where, 'task_config.max_count', tc.max_count, MAX_COUNT);
  for (const h of tc.hold_outs) checkConfigAtMost(where, 'task_config.hold_outs entry', h, MAX_COUNT);
  num(where, 'task_config.unk_p', tc.unk_p, 0, 0.999);
  const dtype = raw.dtype ?? 'float32';
  if (dtype !== 'float32') throw new FileFormatError(`${where}: 'dtype' must be "float32", got ${JSON.stringify(dtype)}`);
  const seed = raw.seed ?? null;
  if (seed !== null && !Number.isSafeInteger(seed)) throw new FileFormatError(`${where}: 'seed' must be an integer`);
  const training = raw.training;
  if (training !== undefined && !isObj(training)) throw new FileFormatError(`${where}: 'training' must be an object`);
  const base = {
    format,
    task,
    task_config: tc,
    vocab: [...(vocab as string[])],
    d_model: posInt(where, 'd_model', required(where, raw, 'd_model'), MAX_WIDTH),
    dropout: num(where, 'dropout', raw.dropout ?? 0.5, 0, 0.999),
    seed: seed as number | null,
    dtype: 'float32' as const,
    ...(training !== undefined ? { training } : {}),
  };
  if (a === 'transformer') {
    const block = raw.block ?? 'pre-ln';
    if (block !== 'pre-ln') {
      throw new FileFormatError(`${where}: transformer 'block' ${JSON.stringify(block)} is not supported (only "pre-ln"; reference configs with llama: false use a different block)`);
    }
    const nHeads = posInt(where, 'n_heads', required(where, raw, 'n_heads'), MAX_HEADS);
    if (base.d_model % nHeads !== 0) throw new FileFormatError(`${where}: d_model ${base.d_model} is not divisible by n_heads ${nHeads}`);
    const dh = base.d_model / nHeads;
    const ropeDim = posInt(where, 'rope_dim', raw.rope_dim ?? dh);
    if (ropeDim > dh || ropeDim % 2 !== 0) throw new FileFormatError(`${where}: 'rope_dim' ${ropeDim} must be even and ≤ the head width ${dh}`);
    const cfg: TransformerConfig = {
      ...base,
      arch: 'transformer',
      n_layers: posInt(where, 'n_layers', required(where, raw, 'n_layers'), MAX_LAYERS),
      n_heads: nHeads,
      ff_hidden: posInt(where, 'ff_hidden', required(where, raw, 'ff_hidden'), MAX_WIDTH),
      rope_base: num(where, 'rope_base', raw.rope_base ?? 10000, 1e-6, 1e12),
      rope_dim: ropeDim,
      ln_eps: num(where, 'ln_eps', raw.ln_eps ?? 1e-5, 0, 1),
      block: 'pre-ln',
    };
    return checkedSize(cfg, where);
  }
  const cfg: RnnConfig = {
    ...base,
    arch: a,
    hidden: posInt(where, 'hidden', required(where, raw, 'hidden'), MAX_WIDTH),
    decoder_hidden: posInt(where, 'decoder_hidden', required(where, raw, 'decoder_hidden'), MAX_WIDTH),
  };
  return checkedSize(cfg, where);
}

/** Validate an in-memory config (same rules as a loaded one); returns it normalized. */
export function validateConfig<C extends ModelConfig>(cfg: C): C {
  return parseConfig(JSON.parse(JSON.stringify(cfg)), 'model config') as C;
}

/** The config as written to `config.json`: stable key order, training summary last. */
export function configToJson(cfg: ModelConfig): Record<string, unknown> {
  const { training, ...rest } = cfg;
  return training === undefined ? { ...rest } : { ...rest, training };
}

/** Gates per cell: GRU 3 (r, z, n), LSTM 4 (i, f, g, o). */
export function gateCount(arch: 'gru' | 'lstm'): number {
  return arch === 'gru' ? 3 : 4;
}

/** Every tensor of a model with its shape, in lexicographic name order (models.md §6.2). */
export function parameterShapes(cfg: ModelConfig): [string, number[]][] {
  const V = cfg.vocab.length;
  const d = cfg.d_model;
  const out: [string, number[]][] = [['embedding.weight', [V, d]]];
  if (cfg.arch === 'transformer') {
    for (let i = 0; i < cfg.n_layers; i++) {
      const p = `layers.${i}.`;
      out.push([`${p}ln1.weight`, [d]], [`${p}ln1.bias`, [d]]);
      for (const m of ['q', 'k', 'v', 'o']) out.push([`${p}attn.${m}.weight`, [d, d]], [`${p}attn.${m}.bias`, [d]]);
      out.push([`${p}ln2.weight`, [d]], [`${p}ln2.bias`, [d]]);
      out.push([`${p}ff.in.weight`, [cfg.ff_hidden, d]], [`${p}ff.in.bias`, [cfg.ff_hidden]]);
      out.push([`${p}ff.out.weight`, [d, cfg.ff_hidden]], [`${p}ff.out.bias`, [d]]);
    }
    out.push(['final_ln.weight', [d]], ['final_ln.bias', [d]], ['head.weight', [V, d]], ['head.bias', [V]]);
  } else {
    const H = cfg.hidden;
    const GH = gateCount(cfg.arch) * H;
    out.push(['cell.weight_ih', [GH, d]], ['cell.weight_hh', [GH, H]], ['cell.bias_ih', [GH]], ['cell.bias_hh', [GH]]);
    out.push(['decoder.hidden.weight', [cfg.decoder_hidden, H]], ['decoder.hidden.bias', [cfg.decoder_hidden]]);
    out.push(['decoder.out.weight', [V, cfg.decoder_hidden]], ['decoder.out.bias', [V]]);
  }
  return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

/** Total number of parameters a config implies (GRU 170,248; LSTM 88,072; transformer 399,113). */
export function parameterCount(cfg: ModelConfig): number {
  let n = 0;
  for (const [, s] of parameterShapes(cfg)) n += s.reduce((a, b) => a * b, 1);
  return n;
}

/** Width of the vector at a hook point: embedding d_model; layer.0 H (GRU), 2H (LSTM), d (transformer). */
export function hookWidthOf(cfg: ModelConfig, point: HookPoint): number {
  if (point === 'embedding') return cfg.d_model;
  if (cfg.arch === 'gru') return cfg.hidden;
  if (cfg.arch === 'lstm') return 2 * cfg.hidden;
  return cfg.d_model;
}

/** A canonical hook point: `embedding` or `layer.N`. */
export type HookPoint = 'embedding' | `layer.${number}`;

/** The canonical hook points a config offers, in order. */
export function hookPoints(cfg: ModelConfig): HookPoint[] {
  const n = cfg.arch === 'transformer' ? cfg.n_layers : 1;
  return ['embedding', ...Array.from({ length: n }, (_, i) => `layer.${i}` as HookPoint)];
}

/**
 * Resolve a user-given hook name to a canonical point (models.md §1.2): `embedding`, `layer.N`, the
 * reference names `inpt_identity` and `identities.N`, and `hidden` for an RNN's `layer.0`. Throws
 * InputError naming the valid points when the model lacks it.
 */
export function resolveHookPoint(cfg: ModelConfig, name: string): HookPoint {
  const points = hookPoints(cfg);
  const n = name.trim();
  let canon: string = n;
  if (n === 'inpt_identity') canon = 'embedding';
  else if (/^identities\.\d+$/.test(n)) canon = `layer.${n.slice('identities.'.length)}`;
  else if (n === 'hidden' && cfg.arch !== 'transformer') canon = 'layer.0';
  if ((points as string[]).includes(canon)) return canon as HookPoint;
  const aliases = cfg.arch === 'transformer' ? ['inpt_identity', ...points.slice(1).map((p) => p.replace('layer.', 'identities.'))] : ['inpt_identity', 'identities.0', 'hidden'];
  const choices = [...points, ...aliases];
  if (n === 'hidden') throw new InputError(`hook point 'hidden' is an RNN alias of layer.0; a ${cfg.arch} model has: ${choices.join(', ')}`);
  return unknownName(`hook point for a ${cfg.arch} model`, n, choices);
}
