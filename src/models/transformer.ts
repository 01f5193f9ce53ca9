/**
 * The pre-LayerNorm rotary transformer (models.md §5): token embedding, n_layers blocks of causal
 * rotary self-attention and a GELU feed-forward layer, a final LayerNorm and a linear head.
 *
 * Hook points: `embedding` (the token embedding fed to block 0) and `layer.i` (the residual stream
 * after block i). Padding: `P` inputs are masked as keys and their outputs ignored. `E` is only ever
 * followed by padding, so masking it as a key would change no scored position; its row attends
 * causally like any other, which gives a meaningful hooked vector at `E` for RSA/CKA stimuli.
 *
 * Free running (evaluation, models.md §1.3) decodes position by position with a rotary key/value
 * cache: at each t the fed token is the given one, or the argmax at t−1 on response-phase inputs.
 * When a gradient is needed (an intervention's A or c, or trainable parameters), one differentiable
 * whole-sequence pass over the fed tokens follows; otherwise the cached pass is the result.
 * Transformers are teacher-forced in training, so free running in train mode is refused.
 */
import { InputError, ShapeError } from '../errors.ts';
import { attendStep, causalRotaryAttention, RotaryKVCache } from '../tensor/kernels/attention.ts';
import { dropout, gelu } from '../tensor/ops/activations.ts';
import { add } from '../tensor/ops/elementwise.ts';
import { linear } from '../tensor/ops/matmul.ts';
import { layerNorm } from '../tensor/ops/norm.ts';
import { isGradEnabled, noGrad, Tensor } from '../tensor/tensor.ts';
import type { Rng } from '../util/rng.ts';
import { hookPoints, hookWidthOf, resolveHookPoint, type HookPoint, type TransformerConfig } from './config.ts';
import { embedding, maskedAffineRows } from '../tensor/ops/rows.ts';
import { argmaxRows, checkInput, checkIntervention, freeRunMask, padMask, type ForwardOptions, type ForwardResult, type ModelCapabilities, type ModelInput, type SequenceModel } from './model.ts';

/** The tensors of one block. */
interface BlockParams {
  ln1w: Tensor;
  ln1b: Tensor;
  qw: Tensor;
  qb: Tensor;
  kw: Tensor;
  kb: Tensor;
  vw: Tensor;
  vb: Tensor;
  ow: Tensor;
  ob: Tensor;
  ln2w: Tensor;
  ln2b: Tensor;
  inw: Tensor;
  inb: Tensor;
  outw: Tensor;
  outb: Tensor;
}

/** One pass over fixed fed tokens: what it returns. */
interface PassResult {
  logits: Tensor;
  recorded: Map<HookPoint, Tensor>;
  pre?: Tensor;
}

/** A pre-LN rotary transformer over PyTorch-layout parameters. */
export class TransformerModel implements SequenceModel {
  readonly config: TransformerConfig;
  /** Teacher-forced in alignment training (the reference); no resumable state. */
  readonly capabilities: ModelCapabilities = { teacherForcedTraining: true, resumableAt: [] };
  private readonly params: Map<string, Tensor>;
  private readonly blocks: BlockParams[];
  private readonly padId: number;

  /** Wrap a parameter map (names and shapes of models.md §6.2, checked by the loader). */
  constructor(config: TransformerConfig, params: Map<string, Tensor>) {
    this.config = config;
    this.params = params;
    const p = (n: string): Tensor => {
      const t = params.get(n);
      if (!t) throw new ShapeError(`TransformerModel: missing tensor '${n}'`);
      return t;
    };
    this.blocks = Array.from({ length: config.n_layers }, (_, i) => {
      const q = `layers.${i}.`;
      return {
        ln1w: p(`${q}ln1.weight`), ln1b: p(`${q}ln1.bias`),
        qw: p(`${q}attn.q.weight`), qb: p(`${q}attn.q.bias`),
        kw: p(`${q}attn.k.weight`), kb: p(`${q}attn.k.bias`),
        vw: p(`${q}attn.v.weight`), vb: p(`${q}attn.v.bias`),
        ow: p(`${q}attn.o.weight`), ob: p(`${q}attn.o.bias`),
        ln2w: p(`${q}ln2.weight`), ln2b: p(`${q}ln2.bias`),
        inw: p(`${q}ff.in.weight`), inb: p(`${q}ff.in.bias`),
        outw: p(`${q}ff.out.weight`), outb: p(`${q}ff.out.bias`),
      };
    });
    this.padId = config.vocab.indexOf('P');
  }

  /** Named parameters (models.md §6.2). */
  parameters(): Map<string, Tensor> {
    return this.params;
  }

  /** Canonical hook point for a name or alias. */
  resolveHook(point: string): HookPoint {
    return resolveHookPoint(this.config, point);
  }

  /** Width of the vector at a hook point (d_model everywhere). */
  hookWidth(point: string): number {
    return hookWidthOf(this.config, this.resolveHook(point));
  }

  /** Run a batch: teacher-forced in one pass, or free-running with a key/value cache (see the file comment). */
  forward(input: ModelInput, opts: ForwardOptions): ForwardResult {
    const cfg = this.config;
    checkInput('transformer.forward', input, cfg.vocab.length);
    const { batch: B, steps: T } = input;
    const record = [...new Set((opts.record ?? []).map((r) => this.resolveHook(r)))];
    const iv = opts.intervention;
    const ivPoint = iv ? this.resolveHook(iv.point) : null;
    if (iv) checkIntervention('transformer.forward', iv.mask, iv.A, iv.c, B * T, cfg.d_model);
    const keyPad = padMask(input.tokens, [this.padId]);
    // Padding for scoring follows the RNN convention (P or E given): nothing is predicted after E.
    const pad = padMask(input.tokens, [this.padId, cfg.vocab.indexOf('E')]);
    const dropRng = opts.mode === 'train' && cfg.dropout > 0 ? opts.rng : undefined;
    if (opts.mode === 'train' && cfg.dropout > 0 && !dropRng) throw new ShapeError('transformer.forward: train mode needs an rng for dropout');
    const ivFull = iv && ivPoint ? { point: ivPoint, mask: iv.mask, A: iv.A, c: iv.c } : null;
    const finish = (res: PassResult, fed: Int32Array): ForwardResult => {
      const predictions = argmaxRows(res.logits);
      for (let i = 0; i < pad.length; i++) if (pad[i]) predictions[i] = -1;
      const out: ForwardResult = { logits: res.logits, predictions, fed, pad, recorded: res.recorded };
      if (res.pre) out.preIntervention = res.pre;
      return out;
    };
    const free = opts.freeRun ? freeRunMask(input, pad) : new Uint8Array(B * T);
    if (!free.some((v) => v !== 0)) return finish(this.pass(input.tokens, B, T, keyPad, record, ivFull, dropRng), input.tokens.slice());
    if (dropRng) throw new InputError('transformer.forward: free running is an evaluation procedure; transformers are teacher-forced in training (models.md §1.3)');
    // Free running: decode position by position with a key/value cache (no graph) to find the fed
    // tokens; when a gradient is needed, one differentiable pass over those tokens follows.
    const cached = noGrad(() => this.decodeCached(input.tokens, free, B, T, keyPad, record, ivFull));
    const needGrad = isGradEnabled() && ([...this.params.values()].some((t) => t.requiresGrad) || Boolean(iv?.A?.requiresGrad) || Boolean(iv?.c?.requiresGrad));
    if (needGrad) return finish(this.pass(cached.fed, B, T, keyPad, record, ivFull, undefined), cached.fed);
    return finish(cached.res, cached.fed);
  }

  /**
   * Incremental evaluation: at each position t, feed the given token or (free-running positions) the
   * argmax at t−1, run every block on that one row per sequence against cached rotated keys/values.
   */
  private decodeCached(
    tokens: Int32Array,
    free: Uint8Array,
    B: number,
    T: number,
    keyPad: Uint8Array,
    record: HookPoint[],
    iv: { point: HookPoint; mask: Uint8Array; A: Tensor | null; c: Tensor | null } | null,
  ): { fed: Int32Array; res: PassResult } {
    const cfg = this.config;
    const d = cfg.d_model;
    const V = cfg.vocab.length;
    const dtype = (this.params.get('embedding.weight') as Tensor).dtype;
    const caches = this.blocks.map(
      () => new RotaryKVCache({ batch: B, heads: cfg.n_heads, headDim: d / cfg.n_heads, maxSteps: T, dtype, ropeDim: cfg.rope_dim, ropeBase: cfg.rope_base }),
    );
    const fed = tokens.slice();
    const logits = Tensor.zeros([B * T, V], dtype);
    const recorded = new Map<HookPoint, Tensor>(record.map((p) => [p, Tensor.zeros([B * T, d], dtype)]));
    // Row of c for each intervened (b, t), in (b, t) row-major order.
    const cRow = new Int32Array(B * T).fill(-1);
    if (iv) {
      let k = 0;
      for (let i = 0; i < B * T; i++) if (iv.mask[i]) cRow[i] = k++;
    }
    const pre = iv ? Tensor.zeros([cRow.reduce((n, j) => (j >= 0 ? n + 1 : n), 0), d], dtype) : undefined;
    const stepIds = new Int32Array(B);
    const stepPad = new Uint8Array(B);
    const stepMask = new Uint8Array(B);
    const hook = (point: HookPoint, x: Tensor, t: number): Tensor => {
      let y = x;
      if (iv && iv.point === point) {
        const rows: number[] = [];
        for (let b = 0; b < B; b++) {
          stepMask[b] = iv.mask[b * T + t];
          if (stepMask[b]) rows.push(b);
        }
        if (rows.length > 0) {
          const c = Tensor.zeros([rows.length, d], dtype);
          rows.forEach((b, r) => {
            const j = cRow[b * T + t];
            pre!.data.set(x.data.subarray(b * d, (b + 1) * d), j * d);
            if (iv.c) c.data.set(iv.c.data.subarray(j * d, (j + 1) * d), r * d);
          });
          y = maskedAffineRows(x, stepMask, iv.A, c);
        }
      }
      const rec = recorded.get(point);
      if (rec) for (let b = 0; b < B; b++) rec.data.set(y.data.subarray(b * d, (b + 1) * d), (b * T + t) * d);
      return y;
    };
    const emb = this.params.get('embedding.weight') as Tensor;
    let prev: Int32Array = new Int32Array(B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const i = b * T + t;
        if (free[i]) fed[i] = prev[b];
        stepIds[b] = fed[i];
        stepPad[b] = keyPad[i];
      }
      let x = hook('embedding', embedding(emb, stepIds), t);
      this.blocks.forEach((blk, li) => {
        x = hook(`layer.${li}` as HookPoint, this.block(x, blk, (q, k, v) => attendStep(q, k, v, caches[li], stepPad), (y) => y), t);
      });
      const lg = this.readout(x);
      for (let b = 0; b < B; b++) logits.data.set(lg.data.subarray(b * V, (b + 1) * V), (b * T + t) * V);
      prev = argmaxRows(lg);
    }
    return { fed, res: pre ? { logits, recorded, pre } : { logits, recorded } };
  }

  /** One teacher-forced pass over fixed tokens [rows·T]. */
  private pass(
    tokens: Int32Array,
    rows: number,
    T: number,
    keyPad: Uint8Array,
    record: HookPoint[],
    iv: { point: HookPoint; mask: Uint8Array; A: Tensor | null; c: Tensor | null } | null,
    rng: Rng | undefined,
  ): PassResult {
    const cfg = this.config;
    const recorded = new Map<HookPoint, Tensor>();
    let pre: Tensor | undefined;
    const hook = (point: HookPoint, x: Tensor): Tensor => {
      let y = x;
      if (iv && iv.point === point) {
        pre = gatherMasked(x, iv.mask);
        y = maskedAffineRows(x, iv.mask, iv.A, iv.c ?? Tensor.zeros([pre.shape[0], pre.shape[1]], x.dtype));
      }
      if (record.includes(point)) recorded.set(point, y.detach().clone());
      return y;
    };
    const drop = (x: Tensor): Tensor => (rng ? dropout(x, cfg.dropout, rng, true) : x);
    let x = hook('embedding', embedding(this.params.get('embedding.weight') as Tensor, tokens));
    const attnOpts = { batch: rows, steps: T, heads: cfg.n_heads, keyPad, ropeDim: cfg.rope_dim, ropeBase: cfg.rope_base };
    this.blocks.forEach((b, i) => {
      x = hook(`layer.${i}` as HookPoint, this.block(x, b, (q, k, v) => causalRotaryAttention(q, k, v, attnOpts), drop));
    });
    const logits = this.readout(x);
    return pre ? { logits, recorded, pre } : { logits, recorded };
  }

  /** One pre-LN block on rows x: x + attn(LN1 x), then + FF(LN2 x), dropout where models.md §5.1 puts it. */
  private block(x: Tensor, b: BlockParams, attend: (q: Tensor, k: Tensor, v: Tensor) => Tensor, drop: (y: Tensor) => Tensor): Tensor {
    const eps = this.config.ln_eps;
    const a = layerNorm(x, b.ln1w, b.ln1b, eps);
    const o = linear(attend(linear(a, b.qw, b.qb), linear(a, b.kw, b.kb), linear(a, b.vw, b.vb)), b.ow, b.ob);
    const h = add(x, drop(o));
    const m = layerNorm(h, b.ln2w, b.ln2b, eps);
    const f = drop(gelu(linear(m, b.inw, b.inb)));
    return add(h, drop(linear(f, b.outw, b.outb)));
  }

  /** logits = LN_f(x) W_headᵀ + b_head. */
  private readout(x: Tensor): Tensor {
    const p = (n: string): Tensor => this.params.get(n) as Tensor;
    return linear(layerNorm(x, p('final_ln.weight'), p('final_ln.bias'), this.config.ln_eps), p('head.weight'), p('head.bias'));
  }

  /** The hook points this model offers. */
  hookPoints(): HookPoint[] {
    return hookPoints(this.config);
  }
}

/** The masked rows of x [N, d] as a new tensor [count, d] (no graph). */
export function gatherMasked(x: Tensor, mask: Uint8Array): Tensor {
  const d = x.shape[1];
  let count = 0;
  for (const v of mask) if (v) count++;
  const out = new Tensor(x.dtype === 'float32' ? new Float32Array(count * d) : new Float64Array(count * d), [count, d]);
  let o = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) {
      out.data.set(x.data.subarray(i * d, (i + 1) * d), o * d);
      o++;
    }
  }
  return out;
}
