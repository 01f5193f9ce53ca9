/**
 * Upper bounds on every size read from a model config and every count option of the CLI, checked before
 * anything is allocated (docs/limits.md lists them with their reasons). A value above its bound is an
 * InputError (a FileFormatError for config files) naming the field, the bound and the value.
 */
import { FileFormatError, InputError } from './errors.ts';

/** Largest count a task may use (max_count, hold-out counts, mod, round_to, max_value). */
export const MAX_COUNT = 1000;
/** Largest model width (d_model, hidden, decoder_hidden, ff_hidden). */
export const MAX_WIDTH = 16384;
/** Most transformer layers. */
export const MAX_LAYERS = 64;
/** Most attention heads. */
export const MAX_HEADS = 256;
/** Most vocabulary entries. */
export const MAX_VOCAB = 100_000;
/** Most parameters a config may imply (2^28 float32 = 1 GiB). */
export const MAX_PARAMETERS = 2 ** 28;
/** Most sequences `mas eval --samples` draws. */
export const MAX_SAMPLES = 1_000_000;
/** Most counterfactual pairs per split of `mas align` (--train-pairs, --valid-pairs, `mas iia --pairs`). */
export const MAX_PAIRS = 200_000;
/** Most optimizer steps or epochs of one run. */
export const MAX_STEPS = 100_000_000;
/** Largest batch. */
export const MAX_BATCH = 65_536;
/** Most resamples, permutations, subsample runs or rows per count of the similarity commands. */
export const MAX_RESAMPLES = 100_000;
/** Most sequences given to `mas activations`. */
export const MAX_SEQUENCES = 1_000_000;
/** Most tokens in one given sequence. */
export const MAX_SEQUENCE_TOKENS = 100_000;

/** Throw an InputError when `value` exceeds `max` (`name` is the option, e.g. '--samples'). */
export function checkAtMost(name: string, value: number, max: number): number {
  if (value > max) throw new InputError(`${name} ${value} is over the limit of ${max.toLocaleString('en-US')} (docs/limits.md)`);
  return value;
}

/** Throw a FileFormatError when a config field exceeds `max` (`where` names the file). */
export function checkConfigAtMost(where: string, key: string, value: number, max: number): number {
  if (value > max) throw new FileFormatError(`${where}: '${key}' ${value} is over the limit of ${max.toLocaleString('en-US')} (docs/limits.md)`);
  return value;
}
