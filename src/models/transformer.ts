/**
 * The pre-LayerNorm rotary transformer (models.md §5): token embedding, n_layers blocks of causal
 * rotary self-attention and a GELU feed-forward layer, a final LayerNorm and a linear head.
 *
 * Hook points: `embedding` (the token embedding fed to block 0) and `layer.i` (the residual stream
 * after block i). Padding: `P` inputs are masked as keys and their outputs ignored. `E` is only ever
 * followed by padding, so masking it as a key would change no scored position; its row attends
 * causally like any other, which gives a meaningful hooked vector at `E` for RSA/CKA stimuli.
 *
 * Free running (evaluation, models.md §1.3) is computed as a fixed point: run the whole sequence,
 * substitute the argmax prediction at t−1 into every free-running position t, and rerun the rows
 * whose fed tokens changed, until nothing changes. A causal model makes position t depend only on
 * tokens ≤ t, so the fixed point is unique and equals the position-by-position result; it is reached
 * after at most (number of free positions + 1) passes, and after 2 for a model that answers right.
 */
import { ShapeError } from '../errors.ts';
import { causalRotaryAttention } from '../tensor/kernels/attention.ts';
import { dropout, gelu } from '../tensor/ops/activations.ts';
import { add } from '../tensor/ops/elementwise.ts';
import { linear } from '../tensor/ops/matmul.ts';
import { layerNorm } from '../tensor/ops/norm.ts';
import { noGrad, Tensor } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import { hookPoints, hookWidthOf, resolveHookPoint, type HookPoint, type TransformerConfig } from './config.ts';
import { embedding, maskedAffineRows } from '../tensor/ops/rows.ts';
import { argmaxRows, checkInput, checkIntervention, freeRunMask, padMask, type ForwardOptions, type ForwardResult, type ModelInput, type SequenceModel } from './model.ts';

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

  /** Run a batch: teacher-forced, or free-running by fixed-point iteration (see the file comment). */
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
    // Every pass starts from the same generator state, so all passes draw the same dropout masks and
    // free running in train mode is still a fixed point; the caller's generator ends where one pass leaves it.
    const dropState = dropRng?.getState();
    let lastRng: Rng | undefined;
    const runPass = (tokens: Int32Array, rows: number, rowsPad: Uint8Array, ivc: { mask: Uint8Array; c: Tensor | null } | null): PassResult => {
      lastRng = dropState ? Rng.fromState(dropState) : undefined;
      return this.pass(tokens, rows, T, rowsPad, record, iv && ivc ? { point: ivPoint as HookPoint, mask: ivc.mask, A: iv.A, c: ivc.c } : null, lastRng);
    };
    const finish = (res: PassResult, fed: Int32Array): ForwardResult => {
      if (dropRng && lastRng) dropRng.setState(lastRng.getState());
      const predictions = argmaxRows(res.logits);
      for (let i = 0; i < pad.length; i++) if (pad[i]) predictions[i] = -1;
      const out: ForwardResult = { logits: res.logits, predictions, fed, pad, recorded: res.recorded };
      if (res.pre) out.preIntervention = res.pre;
      return out;
    };
    const full = { mask: iv?.mask ?? new Uint8Array(0), c: iv?.c ?? null };
    const free = opts.freeRun ? freeRunMask(input, pad) : new Uint8Array(B * T);
    const fed = input.tokens.slice();
    if (!free.some((v) => v !== 0)) {
      const res = runPass(fed, B, keyPad, iv ? full : null);
      return finish(res, fed);
    }
    // Fixed-point iteration without a graph, on the rows that still change.
    let active = Array.from({ length: B }, (_, b) => b);
    noGrad(() => {
      while (active.length > 0) {
        const sub = gatherRows(fed, active, T);
        const subPad = gatherRows(keyPad, active, T);
        const subIv = iv ? subsetIntervention(iv.mask, iv.c, active, T, cfg.d_model) : null;
        const res = runPass(sub, active.length, subPad, subIv);
        const p = argmaxRows(res.logits);
        const next: number[] = [];
        active.forEach((b, j) => {
          let changed = false;
          for (let t = 1; t < T; t++) {
            const i = b * T + t;
            if (free[i] && fed[i] !== p[j * T + t - 1]) {
              fed[i] = p[j * T + t - 1];
              changed = true;
            }
          }
          if (changed) next.push(b);
        });
        active = next;
      }
    });
    return finish(runPass(fed, B, keyPad, iv ? full : null), fed);
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
      const a = layerNorm(x, b.ln1w, b.ln1b, cfg.ln_eps);
      const q = linear(a, b.qw, b.qb);
      const k = linear(a, b.kw, b.kb);
      const v = linear(a, b.vw, b.vb);
      const o = linear(causalRotaryAttention(q, k, v, attnOpts), b.ow, b.ob);
      x = add(x, drop(o));
      const m = layerNorm(x, b.ln2w, b.ln2b, cfg.ln_eps);
      const f = drop(gelu(linear(m, b.inw, b.inb)));
      x = add(x, drop(linear(f, b.outw, b.outb)));
      x = hook(`layer.${i}` as HookPoint, x);
    });
    const p = (n: string): Tensor => this.params.get(n) as Tensor;
    const logits = linear(layerNorm(x, p('final_ln.weight'), p('final_ln.bias'), cfg.ln_eps), p('head.weight'), p('head.bias'));
    return pre ? { logits, recorded, pre } : { logits, recorded };
  }

  /** The hook points this model offers. */
  hookPoints(): HookPoint[] {
    return hookPoints(this.config);
  }
}

function gatherRows<T extends Int32Array | Uint8Array>(a: T, rows: number[], T: number): T {
  const out = new (a.constructor as new (n: number) => T)(rows.length * T);
  rows.forEach((b, j) => out.set(a.subarray(b * T, (b + 1) * T), j * T));
  return out;
}

/** The intervention restricted to a subset of batch rows (no graph: used inside noGrad). */
function subsetIntervention(mask: Uint8Array, c: Tensor | null, rows: number[], T: number, d: number): { mask: Uint8Array; c: Tensor | null } {
  // Index of each masked row in c.
  const idx = new Int32Array(mask.length).fill(-1);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx[i] = k++;
  const sub = gatherRows(mask, rows, T);
  if (!c) return { mask: sub, c: null };
  let count = 0;
  for (const v of sub) if (v) count++;
  const data = c.data.constructor === Float64Array ? new Float64Array(count * d) : new Float32Array(count * d);
  let o = 0;
  for (const b of rows) {
    for (let t = 0; t < T; t++) {
      const j = idx[b * T + t];
      if (j >= 0) {
        data.set(c.data.subarray(j * d, (j + 1) * d), o * d);
        o++;
      }
    }
  }
  return { mask: sub, c: new Tensor(data, [count, d]) };
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
