/**
 * The indywise suffix trick for RNN targets at `layer.0` (mas.md §4.3, §6.1). Everything the target
 * computes before the swap position p_t is its own unintervened run (the counterfactual's prefix is
 * the target's prefix, free-running responses included), so it does not depend on the maps. It is
 * computed once per pair when the data set is built (eval mode, no gradient): the state at p_t, the
 * predictions before p_t and the CE of the label positions before p_t. Each step then runs the RNN
 * only on the suffix p_t … end, left-aligned (suffix position j = sequence position p_t + j), from
 * the intervened state h' given AT suffix position 0 (the kernel's `initialStateAt: 'at'`): h' is
 * decoded there (its argmax is what a free-running p_t + 1 is fed) and drives the recurrence. The
 * reported loss, predictions, IIA and gradients equal those of the full-sequence run.
 */
import { InputError } from '../errors.ts';
import type { HookPoint } from '../models/config.ts';
import { canResumeFrom, type ModelInput, type ResumableModel, type SequenceModel } from '../models/model.ts';
import { makeCounterfactualBatch, PAD, type CounterfactualBatch, type CounterfactualPair, type Vocab } from '../tasks/index.ts';
import { Tensor, alloc, noGrad, type DType } from '../tensor/tensor.ts';
import { rowCrossEntropy } from './losses.ts';

/** The unintervened prefix of every pair of one tuple split. */
export interface PrefixStore {
  /** Width S of the state (GRU H, LSTM 2H). */
  d: number;
  dtype: DType;
  /** [n, S] the target's layer.0 state at p_t (before any intervention), per pair. */
  state: Float32Array | Float64Array;
  /** Predictions at positions 0 … p_t − 1, packed: pair i's start at offsets[i] (p_t entries). */
  predictions: Int32Array;
  offsets: Int32Array;
  /** Per pair: CE summed over label positions < p_t with label ≠ P ('nonpad'), and their number. */
  ceNonpad: Float64Array;
  nNonpad: Int32Array;
  /** Per pair: CE summed over label positions < p_t with task mask 1 ('task'), and their number. */
  ceTask: Float64Array;
  nTask: Int32Array;
}

/** Whether the suffix trick applies: indywise, and a target that can resume from its vector at the hook (RNNs at layer.0). */
export function suffixApplies(model: SequenceModel, point: HookPoint | string, mode: string): model is ResumableModel {
  return mode === 'indywise' && canResumeFrom(model, point);
}

/**
 * Run the target on the prefixes x_0 … x_{p_t} of the counterfactual sequences of `pairs` (eval
 * mode, free-running, no intervention, no gradient) and keep what the suffix runs need.
 */
export function computePrefix(model: ResumableModel, vocab: Vocab, pairs: readonly CounterfactualPair[], batchSize = 256): PrefixStore {
  const n = pairs.length;
  const S = model.hookWidth('layer.0');
  const padId = vocab.id(PAD);
  const offsets = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    offsets[i] = total;
    total += pairs[i].targetPos;
  }
  const predictions = new Int32Array(total);
  const ceNonpad = new Float64Array(n);
  const nNonpad = new Int32Array(n);
  const ceTask = new Float64Array(n);
  const nTask = new Int32Array(n);
  let state: Float32Array | Float64Array | null = null;
  let dtype: DType = 'float32';
  noGrad(() => {
    for (let s0 = 0; s0 < n; s0 += batchSize) {
      const part = pairs.slice(s0, s0 + batchSize);
      const cb = makeCounterfactualBatch(part, vocab);
      const B = cb.batch;
      const T = cb.steps;
      let Tp = 0;
      for (let b = 0; b < B; b++) Tp = Math.max(Tp, cb.targetPos[b] + 1);
      // Positions after p_t become padding, so the kernel skips them.
      const tokens = new Int32Array(B * Tp).fill(padId);
      const inputMask = new Uint8Array(B * Tp);
      for (let b = 0; b < B; b++) {
        const p = cb.targetPos[b];
        if (cb.pad[b * T + p]) throw new InputError(`computePrefix: pair ${s0 + b}'s swap position ${p} is padding`);
        tokens.set(cb.tokens.subarray(b * T, b * T + p + 1), b * Tp);
        inputMask.set(cb.inputMask.subarray(b * T, b * T + p + 1), b * Tp);
      }
      const res = model.forward({ tokens, inputMask, batch: B, steps: Tp }, { mode: 'eval', freeRun: true, record: ['layer.0'] });
      const rec = res.recorded.get('layer.0')!;
      dtype = rec.dtype;
      state ??= alloc(dtype, n * S);
      const z = res.logits.data;
      const V = res.logits.shape[1];
      for (let b = 0; b < B; b++) {
        const i = s0 + b;
        const p = cb.targetPos[b];
        state.set(rec.data.subarray((b * Tp + p) * S, (b * Tp + p + 1) * S), i * S);
        predictions.set(res.predictions.subarray(b * Tp, b * Tp + p), offsets[i]);
        for (let t = 0; t < p; t++) {
          const o = b * T + t;
          if (!cb.labelValid[o] && !cb.labelMask[o]) continue;
          const l = rowCrossEntropy(z, (b * Tp + t) * V, V, cb.labels[o]);
          if (cb.labelValid[o]) {
            ceNonpad[i] += l;
            nNonpad[i]++;
          }
          if (cb.labelMask[o]) {
            ceTask[i] += l;
            nTask[i]++;
          }
        }
      }
    }
  });
  return { d: S, dtype, state: state ?? alloc(dtype, 0), predictions, offsets, ceNonpad, nNonpad, ceTask, nTask };
}

/** The prefix rows of a batch of pairs `indices`. */
export interface PrefixBatch {
  /** [B, S] states at p_t (constants). */
  state: Tensor;
  store: PrefixStore;
  indices: Int32Array;
}

/** Gather the prefix rows of pairs `indices`. */
export function gatherPrefix(store: PrefixStore, indices: ArrayLike<number>): PrefixBatch {
  const B = indices.length;
  const S = store.d;
  const st = alloc(store.dtype, B * S);
  for (let b = 0; b < B; b++) st.set(store.state.subarray(indices[b] * S, (indices[b] + 1) * S), b * S);
  return { state: new Tensor(st, [B, S]), store, indices: Int32Array.from(indices) };
}

/** A batch's suffixes, left-aligned: suffix position j of row b is sequence position p_t + j. */
export interface SuffixBatch {
  input: ModelInput;
  /** [B·T'] labels at the suffix positions. */
  labels: Int32Array;
  /** [B·T'] the loss positions at the suffix positions. */
  lossMask: Uint8Array;
  /** CE summed over the prefix loss positions of the batch, and their number (constants). */
  baseSum: number;
  baseCount: number;
}

/** Cut the suffixes out of a counterfactual batch; `lossMask` is the full [B·T] mask of the loss positions. */
export function suffixBatch(cb: CounterfactualBatch, prefix: PrefixBatch, lossMask: Uint8Array, positions: 'nonpad' | 'post' | 'task', padId: number): SuffixBatch {
  const { batch: B, steps: T } = cb;
  let Ts = 1;
  for (let b = 0; b < B; b++) Ts = Math.max(Ts, cb.lengths[b] - 1 - cb.targetPos[b]);
  const tokens = new Int32Array(B * Ts).fill(padId);
  const inputMask = new Uint8Array(B * Ts);
  const labels = new Int32Array(B * Ts).fill(padId);
  const mask = new Uint8Array(B * Ts);
  const { store, indices } = prefix;
  let baseSum = 0;
  let baseCount = 0;
  for (let b = 0; b < B; b++) {
    const p = cb.targetPos[b];
    const len = Math.min(Ts, T - p);
    const src = b * T + p;
    const dst = b * Ts;
    tokens.set(cb.tokens.subarray(src, src + len), dst);
    inputMask.set(cb.inputMask.subarray(src, src + len), dst);
    labels.set(cb.labels.subarray(src, src + len), dst);
    mask.set(lossMask.subarray(src, src + len), dst);
    const i = indices[b];
    if (positions === 'nonpad') {
      baseSum += store.ceNonpad[i];
      baseCount += store.nNonpad[i];
    } else if (positions === 'task') {
      baseSum += store.ceTask[i];
      baseCount += store.nTask[i];
    }
  }
  return { input: { tokens, inputMask, batch: B, steps: Ts }, labels, lossMask: mask, baseSum, baseCount };
}

/** Full-length [B·T] predictions: the stored prefix before p_t, the suffix run's from p_t on. */
export function assemblePredictions(cb: CounterfactualBatch, prefix: PrefixBatch, suffixPreds: Int32Array, Ts: number): Int32Array {
  const { batch: B, steps: T } = cb;
  const out = new Int32Array(B * T).fill(-1);
  const { store, indices } = prefix;
  for (let b = 0; b < B; b++) {
    const p = cb.targetPos[b];
    const o = store.offsets[indices[b]];
    out.set(store.predictions.subarray(o, o + p), b * T);
    const len = Math.min(Ts, T - p);
    out.set(suffixPreds.subarray(b * Ts, b * Ts + len), b * T + p);
  }
  return out;
}
