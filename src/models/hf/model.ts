/**
 * A Hugging Face decoder-only language model (gpt2, llama, qwen2, gpt_neox) computed in float32 from
 * autograd ops, so that a forward pass is differentiable with respect to activations and to
 * intervention maps (weights are frozen leaves).
 *
 * The forward follows HF's modeling code (transformers: models/gpt2/modeling_gpt2.py,
 * models/llama/modeling_llama.py, models/qwen2/modeling_qwen2.py, models/gpt_neox/modeling_gpt_neox.py):
 *
 * - gpt2: x = wte[ids] + wpe[pos]; per block x += c_proj(attn(ln_1 x)); x += mlp(ln_2 x) with
 *   GELU-tanh; ln_f; logits = x wteᵀ. Conv1D weights are stored [in, out] and transposed on load.
 * - llama/qwen2: x = embed[ids]; x += o(attn(RMSNorm x)) with rotary (rotate-half, rope_theta) on q, k
 *   and grouped-query key/value heads; x += down(silu(gate h) ⊙ up h), h = RMSNorm x; final RMSNorm.
 * - gpt_neox: fused query_key_value rows laid out per head as [q | k | v] (each head_dim wide);
 *   rotary on the first rotary_pct·head_dim dims of each head; parallel residual
 *   x + attn(ln1 x) + mlp(ln2 x) (or sequential when use_parallel_residual is false).
 *
 * Hook points: `embedding` (HF hidden_states[0]), `layer.N` (residual stream after block N, i.e.
 * hidden_states[N+1] except that HF's last entry is taken after the final norm), `final` (after the
 * final norm: HF's last hidden state), `logits`.
 *
 * Sequences of a batch are right-padded: padding rows are masked as keys, and since attention is
 * causal no real row ever sees them; positions start at 0 in every sequence.
 */
import { InputError, ShapeError } from '../../errors.ts';
import { attendStep, causalRotaryAttention, RotaryKVCache } from '../../tensor/kernels/attention.ts';
import { gelu, relu } from '../../tensor/ops/activations.ts';
import { add, mul } from '../../tensor/ops/elementwise.ts';
import { geluTanh, repeatKvHeads, rmsNorm, silu, swiglu } from '../../tensor/ops/lm.ts';
import { linear } from '../../tensor/ops/matmul.ts';
import { layerNorm } from '../../tensor/ops/norm.ts';
import { embedding, maskedAffineRows } from '../../tensor/ops/rows.ts';
import { noGrad, Tensor } from '../../tensor/tensor.ts';
import { argmaxRows } from '../model.ts';
import type { HfConfig } from './config.ts';
import type { RawTensor } from './weights.ts';

/** A linear map y = x Wᵀ + b (W [out, in]). */
interface Lin {
  w: Tensor;
  b: Tensor | null;
}

/** A LayerNorm (with bias) or an RMSNorm (b null). */
interface Norm {
  w: Tensor;
  b: Tensor | null;
}

/** The tensors of one block, in a layout common to every architecture. */
interface Block {
  ln1: Norm;
  ln2: Norm;
  q: Lin;
  k: Lin;
  v: Lin;
  o: Lin;
  /** fc_in/fc_out (gpt2, gpt_neox) or gate/up/down (llama, qwen2). */
  up: Lin;
  down: Lin;
  gate: Lin | null;
}

/** A batch of token ids [batch·steps], right-padded; `lengths` gives each sequence's real length. */
export interface LmInput {
  tokens: Int32Array;
  batch: number;
  steps: number;
  /** Real length of each sequence (default: all `steps`). */
  lengths?: Int32Array;
}

/**
 * Replace the vector at a residual hook point on the rows (b·steps + t) where `mask` is 1 by h A + c
 * (A [d, d] or null = identity; c one row per masked row in row-major order, or null = zeros).
 */
export interface LmIntervention {
  point: string;
  mask: Uint8Array;
  A: Tensor | null;
  c: Tensor | null;
}

/** Options of a forward pass. */
export interface LmForwardOptions {
  /** Hook points to record (each [batch·steps, width], no graph). */
  record?: readonly string[];
  intervention?: LmIntervention;
  /** Compute the logits (default true; false stops after the last needed hook point). */
  logits?: boolean;
}

/** What a forward pass returns. */
export interface LmForwardResult {
  /** [batch·steps, vocab] (differentiable), or null when not requested. */
  logits: Tensor | null;
  recorded: Map<string, Tensor>;
  /** The vectors at the intervened rows before the intervention (no graph). */
  preIntervention?: Tensor;
}

function t(raw: RawTensor): Tensor {
  return new Tensor(raw.data, raw.shape);
}

/** [r, c] → [c, r] (a Conv1D weight [in, out] to the linear layout [out, in]). */
function transposed(raw: RawTensor): Tensor {
  const [r, c] = raw.shape;
  const out = new Float32Array(r * c);
  const x = raw.data;
  const B = 32; // tiles keep both sides in cache
  for (let i0 = 0; i0 < r; i0 += B) {
    for (let j0 = 0; j0 < c; j0 += B) {
      const i1 = Math.min(r, i0 + B);
      const j1 = Math.min(c, j0 + B);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * r + i] = x[i * c + j];
    }
  }
  return new Tensor(out, [c, r]);
}

/** Rows [from, from + n) of a [rows, cols] weight, or entries of a bias. */
function rows(x: Tensor, pick: (i: number) => number, n: number): Tensor {
  const cols = x.ndim === 2 ? x.shape[1] : 1;
  const out = new Float32Array(n * cols);
  for (let i = 0; i < n; i++) out.set(x.data.subarray(pick(i) * cols, (pick(i) + 1) * cols), i * cols);
  return new Tensor(out, x.ndim === 2 ? [n, cols] : [n]);
}

/** A loaded Hugging Face causal language model. */
export class HfCausalLM {
  readonly config: HfConfig;
  private readonly embed: Tensor;
  private readonly pos: Tensor | null;
  private readonly blocks: Block[];
  private readonly lnf: Norm;
  private readonly head: Tensor;

  /** Build from the tensors of `readHfWeights` (canonical names, shapes already checked). */
  constructor(config: HfConfig, w: Map<string, RawTensor>) {
    this.config = config;
    const g = (n: string): RawTensor => {
      const x = w.get(n);
      if (!x) throw new ShapeError(`HfCausalLM: missing tensor '${n}'`);
      return x;
    };
    const opt = (n: string): Tensor | null => (w.has(n) ? t(g(n)) : null);
    const d = config.hidden;
    const dh = config.headDim;
    this.blocks = [];
    if (config.modelType === 'gpt2') {
      this.embed = t(g('wte.weight'));
      this.pos = t(g('wpe.weight'));
      for (let i = 0; i < config.layers; i++) {
        const p = `h.${i}.`;
        const qkv = transposed(g(`${p}attn.c_attn.weight`));
        const qkvb = t(g(`${p}attn.c_attn.bias`));
        const part = (k: number): Lin => ({ w: rows(qkv, (r) => k * d + r, d), b: rows(qkvb, (r) => k * d + r, d) });
        this.blocks.push({
          ln1: { w: t(g(`${p}ln_1.weight`)), b: t(g(`${p}ln_1.bias`)) },
          ln2: { w: t(g(`${p}ln_2.weight`)), b: t(g(`${p}ln_2.bias`)) },
          q: part(0), k: part(1), v: part(2),
          o: { w: transposed(g(`${p}attn.c_proj.weight`)), b: t(g(`${p}attn.c_proj.bias`)) },
          up: { w: transposed(g(`${p}mlp.c_fc.weight`)), b: t(g(`${p}mlp.c_fc.bias`)) },
          down: { w: transposed(g(`${p}mlp.c_proj.weight`)), b: t(g(`${p}mlp.c_proj.bias`)) },
          gate: null,
        });
      }
      this.lnf = { w: t(g('ln_f.weight')), b: t(g('ln_f.bias')) };
      this.head = config.tied ? this.embed : t(g('lm_head.weight'));
    } else if (config.modelType === 'gpt_neox') {
      this.embed = t(g('embed_in.weight'));
      this.pos = null;
      const H = config.heads;
      for (let i = 0; i < config.layers; i++) {
        const p = `layers.${i}.`;
        const qkv = t(g(`${p}attention.query_key_value.weight`));
        const qkvb = opt(`${p}attention.query_key_value.bias`);
        // Row (h·3 + k)·dh + j of the fused projection is part k (q, k, v) of head h, dim j.
        const pick = (k: number) => (r: number): number => (Math.floor(r / dh) * 3 + k) * dh + (r % dh);
        const part = (k: number): Lin => ({ w: rows(qkv, pick(k), H * dh), b: qkvb ? rows(qkvb, pick(k), H * dh) : null });
        this.blocks.push({
          ln1: { w: t(g(`${p}input_layernorm.weight`)), b: t(g(`${p}input_layernorm.bias`)) },
          ln2: { w: t(g(`${p}post_attention_layernorm.weight`)), b: t(g(`${p}post_attention_layernorm.bias`)) },
          q: part(0), k: part(1), v: part(2),
          o: { w: t(g(`${p}attention.dense.weight`)), b: opt(`${p}attention.dense.bias`) },
          up: { w: t(g(`${p}mlp.dense_h_to_4h.weight`)), b: t(g(`${p}mlp.dense_h_to_4h.bias`)) },
          down: { w: t(g(`${p}mlp.dense_4h_to_h.weight`)), b: t(g(`${p}mlp.dense_4h_to_h.bias`)) },
          gate: null,
        });
      }
      this.lnf = { w: t(g('final_layer_norm.weight')), b: t(g('final_layer_norm.bias')) };
      this.head = config.tied ? this.embed : t(g('embed_out.weight'));
    } else {
      this.embed = t(g('embed_tokens.weight'));
      this.pos = null;
      const lin = (n: string): Lin => ({ w: t(g(`${n}.weight`)), b: opt(`${n}.bias`) });
      for (let i = 0; i < config.layers; i++) {
        const p = `layers.${i}.`;
        this.blocks.push({
          ln1: { w: t(g(`${p}input_layernorm.weight`)), b: null },
          ln2: { w: t(g(`${p}post_attention_layernorm.weight`)), b: null },
          q: lin(`${p}self_attn.q_proj`), k: lin(`${p}self_attn.k_proj`), v: lin(`${p}self_attn.v_proj`), o: lin(`${p}self_attn.o_proj`),
          up: lin(`${p}mlp.up_proj`), down: lin(`${p}mlp.down_proj`), gate: lin(`${p}mlp.gate_proj`),
        });
      }
      this.lnf = { w: t(g('norm.weight')), b: null };
      this.head = config.tied ? this.embed : t(g('lm_head.weight'));
    }
  }

  /** Every hook point, in order: embedding, layer.0 … layer.{L−1}, final, logits. */
  hookPoints(): string[] {
    return ['embedding', ...Array.from({ length: this.config.layers }, (_, i) => `layer.${i}`), 'final', 'logits'];
  }

  /** Canonical name of a hook point (`hidden_states.N` = HF's index N is accepted); InputError otherwise. */
  resolveHook(point: string): string {
    const L = this.config.layers;
    const m = /^hidden_states\.(\d+)$/.exec(point);
    if (m) {
      const i = Number(m[1]);
      if (i === 0) return 'embedding';
      if (i >= 1 && i < L) return `layer.${i - 1}`;
      if (i === L) return 'final';
    }
    if (this.hookPoints().includes(point)) return point;
    throw new InputError(`unknown hook point '${point}' for this ${this.config.modelType} model (valid: embedding, layer.0 … layer.${L - 1}, final, logits, or hidden_states.0 … hidden_states.${L})`);
  }

  /** Width of the vector at a hook point (vocabulary size for logits, hidden size otherwise). */
  hookWidth(point: string): number {
    return this.resolveHook(point) === 'logits' ? this.config.vocabSize : this.config.hidden;
  }

  /** Check token ids and lengths of an input (InputError naming the sequence and position). */
  checkInput(input: LmInput): void {
    const { tokens, batch, steps } = input;
    if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(steps) || steps < 1 || tokens.length !== batch * steps) {
      throw new ShapeError(`HfCausalLM.forward: tokens has ${tokens.length} entries for batch ${batch} × steps ${steps}`);
    }
    if (steps > this.config.maxPositions) {
      throw new InputError(`sequence of ${steps} tokens is longer than the model's ${this.config.maxPositions} positions`);
    }
    const V = this.config.vocabSize;
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i];
      const b = Math.floor(i / steps);
      if (input.lengths && i % steps >= input.lengths[b]) continue;
      if (!(Number.isInteger(id) && id >= 0 && id < V)) {
        throw new InputError(`token id ${id} in sequence ${b}, position ${i % steps} is outside the vocabulary (size ${V})`);
      }
    }
  }

  /** Run a batch (see LmForwardOptions); differentiable in intervention maps and activations. */
  forward(input: LmInput, opts: LmForwardOptions = {}): LmForwardResult {
    this.checkInput(input);
    const cfg = this.config;
    const { batch: B, steps: T } = input;
    const N = B * T;
    const record = new Set((opts.record ?? []).map((p) => this.resolveHook(p)));
    const iv = opts.intervention;
    const ivPoint = iv ? this.resolveHook(iv.point) : null;
    if (ivPoint === 'logits') throw new InputError('interventions act on the residual stream (embedding, layer.N, final), not on logits');
    if (iv && iv.mask.length !== N) throw new ShapeError(`HfCausalLM.forward: intervention mask has ${iv.mask.length} entries, expected ${N}`);
    const keyPad = new Uint8Array(N);
    const ids = input.tokens.slice();
    if (input.lengths) {
      for (let b = 0; b < B; b++) {
        for (let s = input.lengths[b]; s < T; s++) {
          keyPad[b * T + s] = 1;
          ids[b * T + s] = 0;
        }
      }
    }
    const recorded = new Map<string, Tensor>();
    let pre: Tensor | undefined;
    const hook = (point: string, x: Tensor): Tensor => {
      let y = x;
      if (iv && ivPoint === point) {
        const d = x.shape[1];
        let count = 0;
        for (const m of iv.mask) if (m) count++;
        const p = new Float32Array(count * d);
        let o = 0;
        for (let i = 0; i < N; i++) if (iv.mask[i]) p.set(x.data.subarray(i * d, (i + 1) * d), d * o++);
        pre = new Tensor(p, [count, d]);
        y = maskedAffineRows(x, iv.mask, iv.A, iv.c ?? Tensor.zeros([count, d]));
      }
      if (record.has(point)) recorded.set(point, y.requiresGrad ? y.detach().clone() : y);
      return y;
    };
    const needLogits = opts.logits ?? true;
    let last = -1; // last block needed
    if (needLogits || record.has('final') || record.has('logits') || ivPoint === 'final') last = cfg.layers - 1;
    else for (const p of [...record, ivPoint]) if (p && p.startsWith('layer.')) last = Math.max(last, Number(p.slice(6)));
    let x = embedding(this.embed, ids);
    if (this.pos) {
      const posIds = new Int32Array(N);
      for (let i = 0; i < N; i++) posIds[i] = i % T;
      x = add(x, embedding(this.pos, posIds));
    }
    x = hook('embedding', x);
    const attnOpts = { batch: B, steps: T, heads: cfg.heads, keyPad, ropeDim: cfg.ropeDim, ropeBase: cfg.ropeTheta };
    for (let i = 0; i <= last; i++) x = hook(`layer.${i}`, this.block(x, this.blocks[i], (q, k, v) => causalRotaryAttention(q, k, v, attnOpts)));
    let logits: Tensor | null = null;
    if (last === cfg.layers - 1) {
      const f = hook('final', this.norm(x, this.lnf));
      if (needLogits || record.has('logits')) {
        logits = linear(f, this.head);
        if (record.has('logits')) recorded.set('logits', logits.requiresGrad ? logits.detach().clone() : logits);
      }
    }
    const res: LmForwardResult = { logits: needLogits ? logits : null, recorded };
    if (pre) res.preIntervention = pre;
    return res;
  }

  private norm(x: Tensor, n: Norm): Tensor {
    return n.b ? layerNorm(x, n.w, n.b, this.config.normEps) : rmsNorm(x, n.w, this.config.normEps);
  }

  private act(x: Tensor): Tensor {
    switch (this.config.act) {
      case 'gelu_tanh':
        return geluTanh(x);
      case 'gelu':
        return gelu(x);
      case 'relu':
        return relu(x);
      default:
        return silu(x);
    }
  }

  private mlp(h: Tensor, b: Block): Tensor {
    if (b.gate) {
      const g = linear(h, b.gate.w, b.gate.b);
      const u = linear(h, b.up.w, b.up.b);
      return linear(this.config.act === 'silu' ? swiglu(g, u) : mul(this.act(g), u), b.down.w, b.down.b);
    }
    return linear(this.act(linear(h, b.up.w, b.up.b)), b.down.w, b.down.b);
  }

  private attention(h: Tensor, b: Block, attend: Attend): Tensor {
    const cfg = this.config;
    const groups = cfg.heads / cfg.kvHeads;
    const q = linear(h, b.q.w, b.q.b);
    const k = repeatKvHeads(linear(h, b.k.w, b.k.b), cfg.kvHeads, groups);
    const v = repeatKvHeads(linear(h, b.v.w, b.v.b), cfg.kvHeads, groups);
    return linear(attend(q, k, v), b.o.w, b.o.b);
  }

  private block(x: Tensor, b: Block, attend: Attend): Tensor {
    const a = this.attention(this.norm(x, b.ln1), b, attend);
    if (this.config.parallelResidual) return add(add(x, a), this.mlp(this.norm(x, b.ln2), b));
    const h = add(x, a);
    return add(h, this.mlp(this.norm(h, b.ln2), b));
  }

  /**
   * Greedy continuation of a prompt by `n` tokens (argmax of the last position, ties to the lowest
   * id); returns the new tokens only. Decodes incrementally with a rotated key/value cache per layer
   * (each new token costs one row through every block), or, with `cache: false`, by recomputing the
   * whole prefix at every step.
   */
  generate(prompt: readonly number[], n: number, opts: { cache?: boolean } = {}): number[] {
    const total = prompt.length + n;
    this.checkInput({ tokens: Int32Array.from(prompt), batch: 1, steps: Math.max(1, prompt.length) });
    if (prompt.length === 0) throw new InputError('generate: the prompt is empty');
    if (total > this.config.maxPositions) throw new InputError(`generate: prompt + ${n} new tokens = ${total} is longer than the model's ${this.config.maxPositions} positions`);
    const V = this.config.vocabSize;
    const out: number[] = [];
    noGrad(() => {
      if (opts.cache === false) {
        const seq = [...prompt];
        for (let s = 0; s < n; s++) {
          const T = seq.length;
          const { logits } = this.forward({ tokens: Int32Array.from(seq), batch: 1, steps: T });
          const next = argmaxRows(new Tensor((logits as Tensor).data.subarray((T - 1) * V, T * V), [1, V]))[0];
          seq.push(next);
          out.push(next);
        }
        return;
      }
      const cfg = this.config;
      const caches = this.blocks.map(() => new RotaryKVCache({ batch: 1, heads: cfg.heads, headDim: cfg.headDim, maxSteps: total, ropeDim: cfg.ropeDim, ropeBase: cfg.ropeTheta }));
      let t = 0;
      let next = -1;
      const feed = (id: number): void => {
        let x = embedding(this.embed, Int32Array.of(id));
        if (this.pos) x = add(x, embedding(this.pos, Int32Array.of(t)));
        this.blocks.forEach((b, i) => {
          x = this.block(x, b, (q, k, v) => attendStep(q, k, v, caches[i]));
        });
        t++;
        next = argmaxRows(linear(this.norm(x, this.lnf), this.head))[0];
      };
      for (const id of prompt) feed(id);
      for (let s = 0; s < n; s++) {
        out.push(next);
        if (s < n - 1) feed(next);
      }
    });
    return out;
  }
}

/** An attention over q, k, v rows (whole sequences, or one cached step). */
type Attend = (q: Tensor, k: Tensor, v: Tensor) => Tensor;
