/**
 * The interface every sequence model implements (GRU, LSTM, Transformer), and the helpers that turn a
 * batch of token ids into the padding and free-running masks of models.md §1.3.
 */
import { InputError, ShapeError, fmtShape } from '../errors.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Rng } from '../util/rng.ts';
import type { HookPoint, ModelConfig } from './config.ts';

/** A batch of input token ids, [batch, steps] row-major, right-padded with `P`. */
export interface ModelInput {
  /** Token ids [B·T]. */
  tokens: Int32Array;
  batch: number;
  steps: number;
  /**
   * Input task mask [B·T] (tasks.md §3): 1 on response-phase inputs. Where it is 1 and free running is
   * on, the model is fed its own argmax prediction made at t−1 instead of the given token.
   */
  inputMask?: Uint8Array;
}

/**
 * Replace the vector at a hook point, for the rows (b·T + t) where `mask` is 1, by the affine map
 * `h' = h A + c` (A [d, d], applied from the right; c one row per masked row, in row-major order of
 * the mask). A null A means the identity (h' = h + c); a null c means zeros. The replacement is used for
 * everything downstream (models.md §1.2). Gradients flow into A and c when they require them, and
 * through h into earlier positions.
 */
export interface Intervention {
  /** Hook point (aliases accepted). */
  point: HookPoint | string;
  /** [B·T], 1 = intervene at that position. */
  mask: Uint8Array;
  /** [d, d] or null (identity). */
  A: Tensor | null;
  /** [count(mask), d] or null (zeros). */
  c: Tensor | null;
}

/** Options of a forward pass. */
export interface ForwardOptions {
  /** `train`: dropout on; `eval`: no dropout. */
  mode: 'train' | 'eval';
  /** Feed the model's own predictions on response-phase inputs (models.md §1.3). */
  freeRun: boolean;
  intervention?: Intervention;
  /** Hook points whose vectors to return (aliases accepted). */
  record?: readonly string[];
  /** Dropout randomness; required in train mode when dropout > 0. */
  rng?: Rng;
  /**
   * 'fed' (RNNs, no gradient): decode only the positions whose prediction is fed back when running
   * free; other logits rows are 0 and their predictions −1. For passes that only record hook vectors.
   * Transformers always decode every position. Default 'all'.
   */
  decode?: 'all' | 'fed';
  /**
   * Which given tokens are padding. 'P-and-E' (default; models.md §1.3): RNNs carry their state
   * over P and E. 'P': E is consumed like any other token, as in the reference's similarity
   * script, whose rows `mas activations` reproduces (models.md §1.3, correction). Transformers
   * compute the row at E either way (E is never a key that a scored position attends to).
   */
  padding?: 'P-and-E' | 'P';
}

/** The result of a forward pass. */
export interface ForwardResult {
  /** [B·T, V] logits; differentiable w.r.t. parameters and intervention tensors. Rows at padding are meaningless. */
  logits: Tensor;
  /** [B·T] argmax of the logits; −1 at padding. */
  predictions: Int32Array;
  /** [B·T] the tokens actually fed (given tokens, with predictions substituted where free-running). */
  fed: Int32Array;
  /** [B·T] 1 = padding (given token P, or E for RNNs): no logits are scored there. */
  pad: Uint8Array;
  /** Recorded hook vectors by canonical point, each [B·T, d] (values after any intervention; no graph). */
  recorded: Map<HookPoint, Tensor>;
  /** The hooked vectors at the intervened rows before the intervention, [count(mask), d] (no graph). */
  preIntervention?: Tensor;
}

/** What a model can do beyond `forward`; align reads these instead of checking classes or `arch`. */
export interface ModelCapabilities {
  /** Alignment training feeds the true counterfactual tokens instead of running free (the reference's transformers). */
  readonly teacherForcedTraining: boolean;
  /** Hook points from whose vector a run can be resumed with `forwardFrom` (RNNs: layer.0); [] if none. */
  readonly resumableAt: readonly HookPoint[];
}

/** A model that can run a batch from a given state at a hook point (the indywise suffix path). */
export interface ResumableModel extends SequenceModel {
  /** Run from `init.state` [B, d] given AT (or BEFORE) position 0, differentiable. */
  forwardFrom(input: ModelInput, opts: ForwardOptions, init: { state: Tensor; at: 'before' | 'at' }): ForwardResult;
}

/** A model's capabilities (defaults for models that declare none: runs free, not resumable). */
export function capabilitiesOf(model: SequenceModel): ModelCapabilities {
  return model.capabilities ?? { teacherForcedTraining: false, resumableAt: [] };
}

/** Whether a run of `model` can be resumed from its vector at `point`. */
export function canResumeFrom(model: SequenceModel, point: string): model is ResumableModel {
  const caps = capabilitiesOf(model);
  return caps.resumableAt.length > 0 && typeof (model as Partial<ResumableModel>).forwardFrom === 'function' && caps.resumableAt.includes(model.resolveHook(point));
}

/** What every sequence model provides. */
export interface SequenceModel {
  readonly config: ModelConfig;
  /** What the model can do beyond forward (default: capabilitiesOf's). */
  readonly capabilities?: ModelCapabilities;
  /** Run a batch (see ForwardOptions). */
  forward(input: ModelInput, opts: ForwardOptions): ForwardResult;
  /** Named parameter tensors (names of models.md §6.2), in lexicographic order. */
  parameters(): Map<string, Tensor>;
  /** Width of the vector at a hook point (aliases accepted). */
  hookWidth(point: string): number;
  /** Canonical hook point for a name or alias; InputError if the model lacks it. */
  resolveHook(point: string): HookPoint;
}

/** Check the sizes of a ModelInput and that every token id is in the vocabulary. */
export function checkInput(op: string, input: ModelInput, vocabSize: number): void {
  const { tokens, batch, steps } = input;
  if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(steps) || steps < 1) {
    throw new ShapeError(`${op}: batch and steps must be positive integers, got batch ${batch}, steps ${steps}`);
  }
  if (tokens.length !== batch * steps) throw new ShapeError(`${op}: tokens has ${tokens.length} entries, expected batch·steps = ${batch * steps}`);
  if (input.inputMask && input.inputMask.length !== batch * steps) {
    throw new ShapeError(`${op}: inputMask has ${input.inputMask.length} entries, expected ${batch * steps}`);
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!(t >= 0 && t < vocabSize)) throw new InputError(`${op}: token id ${t} at row ${Math.floor(i / steps)}, position ${i % steps} is outside the vocabulary (size ${vocabSize})`);
  }
}

/** [B·T] padding mask: 1 where the given token is one of `padIds`. */
export function padMask(tokens: Int32Array, padIds: readonly number[]): Uint8Array {
  const m = new Uint8Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) if (padIds.includes(tokens[i])) m[i] = 1;
  return m;
}

/** [B·T] free-running mask: the input task mask, never at t = 0, never at padding. */
export function freeRunMask(input: ModelInput, pad: Uint8Array): Uint8Array {
  const m = new Uint8Array(input.tokens.length);
  if (!input.inputMask) return m;
  for (let b = 0; b < input.batch; b++) {
    for (let t = 1; t < input.steps; t++) {
      const i = b * input.steps + t;
      if (input.inputMask[i] !== 0 && pad[i] === 0) m[i] = 1;
    }
  }
  return m;
}

/** Row-wise argmax of a [N, V] tensor (first maximum on ties). */
export function argmaxRows(logits: Tensor): Int32Array {
  const [n, v] = logits.shape;
  const out = new Int32Array(n);
  const d = logits.data;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bv = d[i * v];
    for (let j = 1; j < v; j++) {
      if (d[i * v + j] > bv) {
        bv = d[i * v + j];
        best = j;
      }
    }
    out[i] = best;
  }
  return out;
}

/** Check an intervention's mask and tensors against a batch of `n` rows and width d. */
export function checkIntervention(op: string, mask: Uint8Array, A: Tensor | null, c: Tensor | null, n: number, d: number): void {
  if (mask.length !== n) throw new ShapeError(`${op}: intervention mask has ${mask.length} entries, expected batch·steps = ${n}`);
  let count = 0;
  for (let i = 0; i < n; i++) if (mask[i]) count++;
  if (A && (A.ndim !== 2 || A.shape[0] !== d || A.shape[1] !== d)) throw new ShapeError(`${op}: intervention A ${fmtShape(A.shape)} should be [${d}, ${d}]`);
  if (c && (c.ndim !== 2 || c.shape[0] !== count || c.shape[1] !== d)) {
    throw new ShapeError(`${op}: intervention c ${fmtShape(c.shape)} should be [count(mask), d] = [${count}, ${d}]`);
  }
}

