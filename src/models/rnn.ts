/**
 * GRU and LSTM sequence models (models.md §2–§4) over the fused kernel `runRnn`: embedding, one
 * recurrent cell, and the two-layer GELU decoder. RNNs always run free in the response phase when
 * `freeRun` is set (the trainer and every evaluation set it; models.md §1.3), carry their state over
 * `P` and `E` inputs (over `P` only with `padding: 'P'`, for recorded activations), and offer the hook points `embedding` and `layer.0` (alias `hidden`; GRU h,
 * LSTM [h; c]).
 */
import { ShapeError } from '../errors.ts';
import { runRnn, type RnnParams } from '../tensor/kernels/rnn.ts';
import { Tensor } from '../tensor/tensor.ts';
import { hookWidthOf, resolveHookPoint, type HookPoint, type RnnConfig } from './config.ts';
import { checkInput, checkIntervention, freeRunMask, padMask, type ForwardOptions, type ForwardResult, type ModelCapabilities, type ModelInput, type SequenceModel } from './model.ts';

/** A GRU or LSTM model over PyTorch-layout parameters. */
export class RnnModel implements SequenceModel {
  readonly config: RnnConfig;
  /** Runs free in alignment training; resumable from layer.0 (forwardFrom). */
  readonly capabilities: ModelCapabilities = { teacherForcedTraining: false, resumableAt: ['layer.0'] };
  private readonly params: Map<string, Tensor>;
  private readonly kernelParams: RnnParams;
  private readonly padIds: number[];
  private readonly padOnlyP: number[];

  /** Wrap a parameter map (names and shapes of models.md §6.2, checked by the loader). */
  constructor(config: RnnConfig, params: Map<string, Tensor>) {
    this.config = config;
    this.params = params;
    const p = (n: string): Tensor => {
      const t = params.get(n);
      if (!t) throw new ShapeError(`RnnModel: missing tensor '${n}'`);
      return t;
    };
    this.kernelParams = {
      embedding: p('embedding.weight'),
      weightIh: p('cell.weight_ih'),
      weightHh: p('cell.weight_hh'),
      biasIh: p('cell.bias_ih'),
      biasHh: p('cell.bias_hh'),
      dec1W: p('decoder.hidden.weight'),
      dec1B: p('decoder.hidden.bias'),
      dec2W: p('decoder.out.weight'),
      dec2B: p('decoder.out.bias'),
    };
    this.padIds = [config.vocab.indexOf('P'), config.vocab.indexOf('E')];
    this.padOnlyP = [config.vocab.indexOf('P')];
  }

  /** Named parameters (models.md §6.2). */
  parameters(): Map<string, Tensor> {
    return this.params;
  }

  /** Canonical hook point for a name or alias (`hidden` = `layer.0`). */
  resolveHook(point: string): HookPoint {
    return resolveHookPoint(this.config, point);
  }

  /** Width of the vector at a hook point: embedding E; layer.0 H (GRU) or 2H (LSTM). */
  hookWidth(point: string): number {
    return hookWidthOf(this.config, this.resolveHook(point));
  }

  /** Run a batch through the fused kernel. */
  forward(input: ModelInput, opts: ForwardOptions): ForwardResult {
    return this.run(input, opts, null);
  }

  /**
   * Run a batch from given layer.0 states [B, S] (GRU h; LSTM [h; c]), differentiable: `at` = the
   * state AT position 0 (the token there is not consumed; the state is decoded there and drives
   * t ≥ 1), `before` = the state the cell updates at position 0. Used to resume indywise MAS runs
   * from an intervened state without recomputing the unintervened prefix.
   */
  forwardFrom(input: ModelInput, opts: ForwardOptions, init: { state: Tensor; at: 'before' | 'at' }): ForwardResult {
    return this.run(input, opts, init);
  }

  private run(input: ModelInput, opts: ForwardOptions, init: { state: Tensor; at: 'before' | 'at' } | null): ForwardResult {
    const cfg = this.config;
    checkInput(`${cfg.arch}.forward`, input, cfg.vocab.length);
    const { batch: B, steps: T, tokens } = input;
    const record = new Set((opts.record ?? []).map((r) => this.resolveHook(r)));
    const pad = padMask(tokens, opts.padding === 'P' ? this.padOnlyP : this.padIds);
    const free = opts.freeRun ? freeRunMask(input, pad) : undefined;
    const iv = opts.intervention;
    let kernelIv;
    if (iv) {
      const point = this.resolveHook(iv.point);
      checkIntervention(`${cfg.arch}.forward`, iv.mask, iv.A, iv.c, B * T, hookWidthOf(cfg, point));
      for (let i = 0; i < iv.mask.length; i++) {
        if (iv.mask[i] && pad[i]) throw new ShapeError(`${cfg.arch}.forward: intervention at row ${Math.floor(i / T)}, position ${i % T}, which is padding (P or E input)`);
      }
      kernelIv = { point: point === 'embedding' ? ('embedding' as const) : ('state' as const), mask: iv.mask, A: iv.A, c: iv.c };
    }
    const train = opts.mode === 'train' && cfg.dropout > 0;
    if (train && !opts.rng) throw new ShapeError(`${cfg.arch}.forward: train mode needs an rng for dropout`);
    const res = runRnn(this.kernelParams, {
      cell: cfg.arch,
      tokens,
      batch: B,
      steps: T,
      pad,
      ...(free ? { freeRun: free } : {}),
      ...(train && opts.rng ? { dropout: { p: cfg.dropout, rng: opts.rng } } : {}),
      ...(kernelIv ? { intervention: kernelIv } : {}),
      recordStates: record.has('layer.0'),
      recordInputs: record.has('embedding'),
      ...(init ? { initialState: init.state, initialStateAt: init.at } : {}),
      ...(opts.decode ? { decode: opts.decode } : {}),
    });
    const fed = tokens.slice();
    if (free) {
      for (let i = 0; i < fed.length; i++) if (free[i]) fed[i] = res.predictions[i - 1];
    }
    const recorded = new Map<HookPoint, Tensor>();
    if (res.states) recorded.set('layer.0', new Tensor(res.states.data, [B * T, res.states.shape[2]]));
    if (res.inputs) recorded.set('embedding', new Tensor(res.inputs.data, [B * T, res.inputs.shape[2]]));
    const out: ForwardResult = { logits: res.logits, predictions: res.predictions, fed, pad, recorded };
    if (res.preIntervention) out.preIntervention = res.preIntervention;
    return out;
  }
}
