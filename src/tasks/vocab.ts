/**
 * Vocabularies (tasks.md §2): token strings ↔ integer ids.
 *
 * Rule: `P` → 0, `B` → 1, `E` → 2, then every other token of the task sorted in ascending code-point
 * order and numbered from 3. A model's config.json stores its vocabulary as an array whose index is the
 * id; `Vocab.fromList` builds one from such an array, and every component must tokenize with the
 * vocabulary of the model it feeds.
 */

import { InputError } from '../errors.ts';

/** Pad token: right-padding, and what the causal model emits after the end. */
export const PAD = 'P';
/** Start token, always at position 0. */
export const BOS = 'B';
/** End token. */
export const EOS = 'E';
/** Trigger token that ends the demo phase. */
export const TRIGGER = 'T';
/** Void token, present only when unk_p > 0. */
export const VOID = 'U';

/** The three special tokens with fixed ids 0, 1, 2. */
export const SPECIAL_TOKENS: readonly string[] = [PAD, BOS, EOS];

/** Ascending code-point comparison (plain string sort, independent of locale). */
function codePointCompare(a: string, b: string): number {
  const ca = Array.from(a, (c) => c.codePointAt(0) as number);
  const cb = Array.from(b, (c) => c.codePointAt(0) as number);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) if (ca[i] !== cb[i]) return ca[i] - cb[i];
  return ca.length - cb.length;
}

/** An immutable token ↔ id map; index = id. */
export class Vocab {
  /** Token strings in id order. */
  readonly list: readonly string[];
  private readonly map: Map<string, number>;

  /** Build from an array whose index is the id (e.g. config.json `vocab`). */
  constructor(list: readonly string[]) {
    if (!Array.isArray(list) || list.length === 0) throw new InputError('Vocab: the token list is empty');
    const map = new Map<string, number>();
    list.forEach((t, i) => {
      if (typeof t !== 'string' || t.length === 0) throw new InputError(`Vocab: entry ${i} is not a non-empty string`);
      if (map.has(t)) throw new InputError(`Vocab: token '${t}' appears twice (ids ${map.get(t)} and ${i})`);
      map.set(t, i);
    });
    this.list = Object.freeze([...list]);
    this.map = map;
  }

  /** Build from a config.json `vocab` array (index = id). */
  static fromList(list: readonly string[]): Vocab {
    return new Vocab(list);
  }

  /** Build by the tasks.md §2 rule from the task's non-special tokens (any order, duplicates removed). */
  static fromTaskTokens(tokens: readonly string[]): Vocab {
    const rest = [...new Set(tokens)].filter((t) => !SPECIAL_TOKENS.includes(t)).sort(codePointCompare);
    return new Vocab([...SPECIAL_TOKENS, ...rest]);
  }

  /** Number of tokens. */
  get size(): number {
    return this.list.length;
  }

  /** Whether the token is in the vocabulary. */
  has(token: string): boolean {
    return this.map.has(token);
  }

  /** Id of one token; InputError naming the token if it is unknown. */
  id(token: string): number {
    const i = this.map.get(token);
    if (i === undefined) {
      throw new InputError(`Vocab: unknown token '${token}' (vocabulary: ${this.list.join(' ')})`);
    }
    return i;
  }

  /** Ids of a token sequence; InputError naming the first unknown token and its position. */
  ids(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) {
      const id = this.map.get(tokens[i]);
      if (id === undefined) {
        throw new InputError(
          `Vocab.ids: unknown token '${tokens[i]}' at position ${i} (vocabulary: ${this.list.join(' ')})`,
        );
      }
      out[i] = id;
    }
    return out;
  }

  /** Token strings of an id sequence; InputError for an id out of range. */
  tokens(ids: ArrayLike<number>): string[] {
    const out = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.list.length) {
        throw new InputError(`Vocab.tokens: id ${id} at position ${i} is outside [0, ${this.list.length})`);
      }
      out[i] = this.list[id];
    }
    return out;
  }

  /** Whether two vocabularies map every token to the same id. */
  equals(other: Vocab): boolean {
    return this.list.length === other.list.length && this.list.every((t, i) => other.list[i] === t);
  }

  /** The token list (index = id), for config.json. */
  toJSON(): string[] {
    return [...this.list];
  }
}
