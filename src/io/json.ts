/**
 * JSON serialization with explicit handling of what `JSON.stringify` gets silently wrong for numeric code:
 * NaN/±Infinity (which it turns into null), typed arrays (which it turns into objects) and key order.
 */
import { InputError, NonFiniteError } from '../errors.ts';

/**
 * What to do with a non-finite number: 'error' throws a NonFiniteError naming its JSON path; 'string' writes
 * "NaN", "Infinity" or "-Infinity"; 'tagged' writes {"$num": "NaN"} etc., which `reviveNonFinite` turns back.
 */
export type NonFinitePolicy = 'error' | 'string' | 'tagged';

/** Options for `toJson`. */
export interface ToJsonOptions {
  /** Spaces per indentation level; 0 (default) = compact. Arrays of scalars stay on one line. */
  indent?: number;
  /** Sort object keys by code unit (default false). */
  sortKeys?: boolean;
  /** Non-finite numbers (default 'error'). */
  nonFinite?: NonFinitePolicy;
}

const TAG = '$num';

function isTypedArray(v: unknown): v is ArrayLike<number> {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Serialize `value` as JSON; see ToJsonOptions. Undefined/function members are skipped as in JSON.stringify. */
export function toJson(value: unknown, opts: ToJsonOptions = {}): string {
  const indent = opts.indent ?? 0;
  const policy = opts.nonFinite ?? 'error';
  const sortKeys = opts.sortKeys ?? false;

  const num = (x: number, where: string): string => {
    if (Number.isFinite(x)) return JSON.stringify(x);
    const s = Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
    if (policy === 'error') throw new NonFiniteError(`cannot write ${s} to JSON at ${where || '(root)'}`);
    return policy === 'string' ? `"${s}"` : `{"${TAG}":"${s}"}`;
  };

  const ser = (v: unknown, where: string, depth: number): string | undefined => {
    if (v === null) return 'null';
    if (v !== undefined && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON: () => unknown }).toJSON();
    }
    switch (typeof v) {
      case 'number':
        return num(v, where);
      case 'string':
        return JSON.stringify(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
      case 'bigint':
        throw new InputError(`cannot write a bigint to JSON at ${where || '(root)'}; convert it to a number or string`);
    }
    const pad = indent > 0 ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
    const close = indent > 0 ? '\n' + ' '.repeat(indent * depth) : '';
    if (Array.isArray(v) || isTypedArray(v)) {
      const arr = v as ArrayLike<unknown>;
      if (arr.length === 0) return '[]';
      const parts: string[] = [];
      let scalars = true;
      for (let i = 0; i < arr.length; i++) {
        const x = arr[i];
        if (x !== null && typeof x === 'object') scalars = false;
        parts.push(ser(x, `${where}[${i}]`, depth + 1) ?? 'null');
      }
      if (indent === 0) return `[${parts.join(',')}]`;
      if (scalars) return `[${parts.join(', ')}]`;
      return `[${pad}${parts.join(',' + pad)}${close}]`;
    }
    const obj = v as Record<string, unknown>;
    let keys = Object.keys(obj);
    if (sortKeys) keys = keys.sort();
    const parts: string[] = [];
    for (const k of keys) {
      const s = ser(obj[k], where ? `${where}.${k}` : k, depth + 1);
      if (s !== undefined) parts.push(JSON.stringify(k) + (indent > 0 ? ': ' : ':') + s);
    }
    if (parts.length === 0) return '{}';
    return indent === 0 ? `{${parts.join(',')}}` : `{${pad}${parts.join(',' + pad)}${close}}`;
  };

  return ser(value, '', 0) ?? 'null';
}

/** Canonical JSON: sorted keys, compact, non-finite numbers rejected. Equal values give equal strings. */
export function stableStringify(value: unknown): string {
  return toJson(value, { sortKeys: true, nonFinite: 'error' });
}

/** Undo the 'tagged' policy: replace every {"$num": "NaN" | "Infinity" | "-Infinity"} by the number. */
export function reviveNonFinite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reviveNonFinite);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1 && keys[0] === TAG) {
      const s = obj[TAG];
      if (s === 'NaN') return NaN;
      if (s === 'Infinity') return Infinity;
      if (s === '-Infinity') return -Infinity;
    }
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = reviveNonFinite(obj[k]);
    return out;
  }
  return value;
}
