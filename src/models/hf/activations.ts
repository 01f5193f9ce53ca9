/**
 * Recording hook vectors of a Hugging Face language model: one row per token (sequence after
 * sequence, position after position) or one per sequence (`last` token, or `mean` over tokens).
 * Sequences are batched right-padded (positions restart at 0 in each; padding never reaches a
 * real row, see model.ts), in order.
 */
import * as fs from 'node:fs';
import { FileFormatError, InputError } from '../../errors.ts';
import { noGrad, Tensor } from '../../tensor/tensor.ts';
import type { HfCausalLM } from './model.ts';
import type { HfTokenizer } from './tokenizer.ts';

/** How rows are pooled: every token, the last token of each sequence, or the mean over its tokens. */
export type Pool = 'none' | 'last' | 'mean';

/** Parse `--token-ids` JSON: an array of non-empty arrays of non-negative integer ids. */
export function parseTokenIds(raw: unknown, where: string): number[][] {
  if (!Array.isArray(raw)) throw new FileFormatError(`${where}: expected a JSON array of token-id arrays`);
  if (raw.length === 0) throw new InputError(`${where}: no sequences`);
  return raw.map((s, i) => {
    if (!Array.isArray(s) || !s.every((t) => Number.isInteger(t) && (t as number) >= 0)) {
      throw new FileFormatError(`${where}: sequence ${i} is not an array of non-negative integer token ids`);
    }
    if (s.length === 0) throw new InputError(`${where}: sequence ${i} is empty`);
    return s as number[];
  });
}

/** Read `--text`: one text per line (a final newline is allowed; empty lines are errors). */
export function readTextLines(file: string): string[] {
  if (!fs.existsSync(file)) throw new FileFormatError(`cannot read ${file}: no such file`);
  const lines = fs.readFileSync(file, 'utf8').replace(/\r\n/g, '\n').split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new InputError(`${file}: no texts`);
  lines.forEach((l, i) => {
    if (l.length === 0) throw new InputError(`${file}: line ${i + 1} is empty`);
  });
  return lines;
}

/** Token ids of each text, special tokens included (as HF's tokenizer(text)). */
export function encodeTexts(tok: HfTokenizer, texts: readonly string[], where: string): number[][] {
  return texts.map((t, i) => {
    const ids = tok.encode(t);
    if (ids.length === 0) throw new InputError(`${where}: line ${i + 1} encodes to no tokens`);
    return ids;
  });
}

/** Check lengths and ids of every sequence before running anything (InputError naming the sequence). */
export function checkSequences(model: HfCausalLM, seqs: readonly (readonly number[])[]): void {
  const { maxPositions, vocabSize } = model.config;
  seqs.forEach((s, i) => {
    if (s.length > maxPositions) throw new InputError(`sequence ${i} has ${s.length} tokens, longer than the model's ${maxPositions} positions`);
    s.forEach((id, t) => {
      if (!(id >= 0 && id < vocabSize)) throw new InputError(`sequence ${i}: token id ${id} at position ${t} is outside the vocabulary (size ${vocabSize})`);
    });
  });
}

/**
 * Hook vectors at each of `points` for the sequences: [rows, width] per point, rows per token
 * (`none`) or per sequence (`last`, `mean`). One forward pass per batch records every point.
 */
export function recordLmActivations(
  model: HfCausalLM,
  seqs: readonly (readonly number[])[],
  points: readonly string[],
  pool: Pool = 'none',
  maxBatchTokens = 4096,
): Map<string, Tensor> {
  checkSequences(model, seqs);
  const pts = [...new Set(points.map((p) => model.resolveHook(p)))];
  const widths = pts.map((p) => model.hookWidth(p));
  const total = pool === 'none' ? seqs.reduce((n, s) => n + s.length, 0) : seqs.length;
  const outs = pts.map((_, k) => new Float32Array(total * widths[k]));
  const needLogits = pts.includes('logits');
  let row = 0;
  let s0 = 0;
  noGrad(() => {
    while (s0 < seqs.length) {
      let s1 = s0 + 1;
      let T = seqs[s0].length;
      while (s1 < seqs.length && Math.max(T, seqs[s1].length) * (s1 - s0 + 1) <= maxBatchTokens) T = Math.max(T, seqs[s1++].length);
      const chunk = seqs.slice(s0, s1);
      const B = chunk.length;
      const tokens = new Int32Array(B * T);
      chunk.forEach((s, b) => tokens.set(s, b * T));
      const res = model.forward({ tokens, batch: B, steps: T, lengths: Int32Array.from(chunk.map((s) => s.length)) }, { record: pts, logits: needLogits });
      pts.forEach((p, k) => {
        const w = widths[k];
        const v = res.recorded.get(p)!.data;
        const o = outs[k];
        let r = row;
        chunk.forEach((s, b) => {
          const base = b * T * w;
          if (pool === 'none') {
            o.set(v.subarray(base, base + s.length * w), r * w);
            r += s.length;
          } else if (pool === 'last') {
            o.set(v.subarray(base + (s.length - 1) * w, base + s.length * w), r * w);
            r++;
          } else {
            for (let t = 0; t < s.length; t++) for (let j = 0; j < w; j++) o[r * w + j] += v[base + t * w + j] / s.length;
            r++;
          }
        });
      });
      row += pool === 'none' ? chunk.reduce((n, s) => n + s.length, 0) : B;
      s0 = s1;
    }
  });
  return new Map(pts.map((p, k) => [p, new Tensor(outs[k], [total, widths[k]])]));
}
