/**
 * Recording hooked vectors for similarity measures (tasks.md §5.4): the model runs fully
 * teacher-forced in eval mode with a pad mask of `P` only, as the reference's similarity script
 * does (models.md §1.3, correction): `E` is consumed like any other token, so the row at `E` is
 * the state after `E`, as PyTorch's GRU gives. The vectors at every non-`P` position are stacked in
 * row-major order (sequence by sequence, position by position).
 */
import { FileFormatError, InputError } from '../errors.ts';
import { MAX_SEQUENCE_TOKENS, MAX_SEQUENCES, checkAtMost } from '../limits.ts';
import { Tensor, noGrad } from '../tensor/tensor.ts';
import { Vocab } from '../tasks/vocab.ts';
import type { HookPoint } from './config.ts';
import type { SequenceModel } from './model.ts';

/** Parse sequences given as JSON: an array (or {"sequences": [...]}) of token strings or token arrays. */
export function parseSequencesJson(raw: unknown, where = 'sequences'): string[][] {
  const list = Array.isArray(raw) ? raw : raw !== null && typeof raw === 'object' && Array.isArray((raw as { sequences?: unknown }).sequences) ? (raw as { sequences: unknown[] }).sequences : null;
  if (list === null) throw new FileFormatError(`${where}: expected a JSON array of sequences or {"sequences": [...]}`);
  if (list.length === 0) throw new InputError(`${where}: no sequences`);
  checkAtMost(`${where}: number of sequences`, list.length, MAX_SEQUENCES);
  return list.map((s, i) => {
    const toks = typeof s === 'string' ? s.trim().split(/\s+/).filter((t) => t.length > 0) : Array.isArray(s) && s.every((t) => typeof t === 'string') ? (s as string[]) : null;
    if (toks === null) throw new FileFormatError(`${where}: sequence ${i} is neither a string nor an array of token strings`);
    if (toks.length === 0) throw new InputError(`${where}: sequence ${i} is empty`);
    checkAtMost(`${where}: tokens in sequence ${i}`, toks.length, MAX_SEQUENCE_TOKENS);
    return toks;
  });
}

/**
 * Hooked vectors at `point` for every non-P position of the sequences (teacher-forced, eval mode):
 * a float32 tensor [rows, width]. Unknown tokens raise an InputError naming the token and sequence.
 */
export function recordActivations(model: SequenceModel, sequences: readonly (readonly string[])[], point: string, batchSize = 256): Tensor {
  const hook: HookPoint = model.resolveHook(point);
  const vocab = Vocab.fromList(model.config.vocab);
  const padId = vocab.id('P');
  const ids = sequences.map((s, i) => {
    try {
      return vocab.ids(s);
    } catch (e) {
      throw new InputError(`sequence ${i}: ${(e as Error).message}`);
    }
  });
  const d = model.hookWidth(hook);
  let rows = 0;
  for (const s of ids) for (const t of s) if (t !== padId) rows++;
  const out = new Float32Array(rows * d);
  let o = 0;
  noGrad(() => {
    for (let s0 = 0; s0 < ids.length; s0 += batchSize) {
      const chunk = ids.slice(s0, s0 + batchSize);
      const T = Math.max(...chunk.map((s) => s.length));
      const tokens = new Int32Array(chunk.length * T).fill(padId);
      chunk.forEach((s, b) => tokens.set(s, b * T));
      const res = model.forward({ tokens, batch: chunk.length, steps: T }, { mode: 'eval', freeRun: false, record: [hook], decode: 'fed', padding: 'P' });
      const v = res.recorded.get(hook)!.data;
      chunk.forEach((s, b) => {
        for (let t = 0; t < s.length; t++) {
          if (s[t] === padId) continue;
          const i = b * T + t;
          for (let j = 0; j < d; j++) out[o * d + j] = v[i * d + j];
          o++;
        }
      });
    }
  });
  return new Tensor(out, [rows, d]);
}
