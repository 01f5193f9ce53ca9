/**
 * One forward pass of a (direction, variable) tuple: the target model on a batch of counterfactual
 * sequences with the intervention built from the realized maps and the precomputed source rows
 * (mas.md §4.3, §6.1), plus its behavioural loss, CL loss and trial scores.
 *
 * Indywise RNN targets at layer.0 take the suffix path (prefix.ts): h' is formed from the stored
 * state at p_t by the swap kernel (low-rank form of §4.2 for orthonormal maps) and only p_t … end
 * is run; the outputs equal the full-sequence run's (`fullSequence` forces that path).
 */
import { InputError } from '../errors.ts';
import { canResumeFrom } from '../models/model.ts';
import { PAD, scoreTrials, type CounterfactualBatch, type TrialScores } from '../tasks/index.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { MasData, Split, TupleBatch, TupleKey } from './data.ts';
import { applyAffine, modelIntervention } from './intervention.ts';
import { behaviouralLoss, clLoss, crossEntropyWithBase, lossMask, type ClLossKind, type LossPositions } from './losses.ts';
import { assemblePredictions, suffixBatch, type PrefixBatch } from './prefix.ts';
import { RotatedSwap, type SwapContext } from './rotated.ts';

export type { SwapContext } from './rotated.ts';

/** Options of runTuple. */
export interface RunTupleOptions {
  /** Feed predictions back in the response phase (RNNs always; transformers only when evaluating). */
  freeRun: boolean;
  lossPositions: LossPositions;
  clKind: ClLossKind;
  /** Compute the CL loss (indywise only). */
  withCl: boolean;
  /** Run the whole counterfactual sequence even where the suffix path applies (reference, tests). */
  fullSequence?: boolean;
}

/** Outputs of runTuple. */
export interface TupleOutput {
  batch: CounterfactualBatch;
  /** Mean CE over the loss positions (graph to the maps when grad mode is on). */
  ce: Tensor;
  /** Mean CL loss over successful lookups, or null. */
  cl: Tensor | null;
  scores: TrialScores;
}

/** Run the target model of `key` on pairs `indices` of a split with the intervention of `ctx`. */
export function runTuple(data: MasData, key: TupleKey, split: Split, indices: ArrayLike<number>, ctx: SwapContext, o: RunTupleOptions): TupleOutput {
  const tb = data.batch(key, split, indices);
  if (tb.prefix && o.freeRun && !o.fullSequence) return runSuffix(data, key, tb, tb.prefix, ctx, o);
  const target = data.models[key.trg];
  const { batch } = tb;
  const iv = RotatedSwap.of(ctx, key)?.affine(tb.Hs) ?? null;
  const res = target.model.forward(batch, {
    mode: 'eval',
    freeRun: o.freeRun,
    intervention: modelIntervention(target.point, batch.interventionMask, iv),
  });
  const ce = behaviouralLoss(res.logits, batch, o.lossPositions);
  // CL loss: h' = h_t·A + c at p_t (indywise); without an intervention the forward pass returns no
  // pre-intervention vectors, and the CL loss is not reported (null).
  const cl = o.withCl && tb.cl && res.preIntervention ? clLoss(applyAffine(res.preIntervention, iv), tb.cl, tb.clOk, o.clKind) : null;
  // Stepwise batches carry task mask 0 on the prefix, so scoring counts only predictions at positions ≥ p.
  return { batch, ce, cl, scores: scoreTrials(res.predictions, batch) };
}

/**
 * The CL loss of a tuple alone, without running the target model: h' is formed from the stored state
 * at p_t, exactly as in the suffix path. For directions trained only through their latents (CLMAS,
 * latent stitching), whose behaviour enters no loss between validations. Returns undefined where the
 * suffix path does not apply or no CL vectors were recorded (the caller then runs runTuple).
 */
export function tupleClLoss(data: MasData, key: TupleKey, split: Split, indices: ArrayLike<number>, ctx: SwapContext, clKind: ClLossKind): Tensor | undefined {
  const tb = data.batch(key, split, indices);
  const hp = tb.prefix ? intervenedState(tb, tb.prefix, key, ctx) : null;
  if (!hp || !tb.cl) return undefined;
  return clLoss(hp, tb.cl, tb.clOk, clKind);
}

/**
 * h' at p_t from the stored prefix state (the swap kernel, low-rank for orthonormal maps), or null
 * when the intervention is the identity (k = 0 baseline, or an empty FixedMask block).
 */
function intervenedState(tb: TupleBatch, prefix: PrefixBatch, key: TupleKey, ctx: SwapContext): Tensor | null {
  return RotatedSwap.of(ctx, key)?.apply(prefix.state, tb.Hs) ?? null;
}

/** The suffix path: h' from the stored state at p_t, then the RNN from p_t on (prefix.ts). */
function runSuffix(data: MasData, key: TupleKey, tb: TupleBatch, prefix: PrefixBatch, ctx: SwapContext, o: RunTupleOptions): TupleOutput {
  const target = data.models[key.trg];
  const model = target.model;
  if (!canResumeFrom(model, target.point)) throw new InputError(`runTuple: the suffix path needs a target resumable at ${target.point}, model ${key.trg} is a ${model.config.arch}`);
  const { batch } = tb;
  // Without an intervention h' = h_t, and there is no CL loss (as in the full path).
  const swapped = intervenedState(tb, prefix, key, ctx);
  const hp = swapped ?? prefix.state;
  const positions = o.lossPositions;
  const sfx = suffixBatch(batch, prefix, lossMask(batch, positions), positions, target.vocab.id(PAD));
  const res = model.forwardFrom(sfx.input, { mode: 'eval', freeRun: true }, { state: hp, at: 'at' });
  const ce = crossEntropyWithBase(res.logits, sfx.labels, sfx.lossMask, sfx.baseSum, sfx.baseCount);
  const cl = o.withCl && tb.cl && swapped ? clLoss(swapped, tb.cl, tb.clOk, o.clKind) : null;
  const predictions = assemblePredictions(batch, prefix, res.predictions, sfx.input.steps);
  return { batch, ce, cl, scores: scoreTrials(predictions, batch) };
}
