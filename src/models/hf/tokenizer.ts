/**
 * Text → token ids with a folder's `tokenizer.json` (and `tokenizer_config.json` when present),
 * through @huggingface/tokenizers (tokenizers.js: the pure-JS tokenizer of transformers.js, no
 * dependencies). Encoding adds special tokens as HF's `tokenizer(text)` does (e.g. Llama's BOS via
 * the TemplateProcessing post-processor; nothing for GPT-2).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { FileFormatError, InputError } from '../../errors.ts';
import { readJson } from '../../io/atomic.ts';

/** A loaded tokenizer. */
export interface HfTokenizer {
  /** Token ids of one text, special tokens included. */
  encode(text: string): number[];
  /** Token ids of one text without special tokens (for continuations). */
  encodePlain(text: string): number[];
  /** Text of token ids (special tokens kept). */
  decode(ids: readonly number[]): string;
}

/** Load `<dir>/tokenizer.json`; InputError when the folder has none. */
export function loadHfTokenizer(dir: string): HfTokenizer {
  const file = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(file)) throw new InputError(`${dir} has no tokenizer.json, so --text cannot be encoded (give token ids with --token-ids instead)`);
  const cfgFile = path.join(dir, 'tokenizer_config.json');
  const json = readJson(file);
  const config = fs.existsSync(cfgFile) ? readJson(cfgFile) : {};
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json as object, config as object);
  } catch (e) {
    throw new FileFormatError(`${file}: not a tokenizer this library can read (${(e as Error).message})`);
  }
  return {
    encode: (text) => tok.encode(text, { add_special_tokens: true }).ids,
    encodePlain: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: (ids) => tok.decode([...ids], { skip_special_tokens: false }),
  };
}
