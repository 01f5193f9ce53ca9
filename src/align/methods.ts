/**
 * Method presets (mas.md §5): which directions get the behavioural loss (T) and the CL loss (C), the
 * mask, the default k and the default CL weight ε. IIA is evaluated in all n² directions for every
 * method.
 */
import { SettingError, unknownName } from '../errors.ts';
import type { MaskKind } from './swap.ts';

/** Alignment methods. */
export type Method = 'mas' | 'das' | 'unidirectional' | 'stitch' | 'clmas' | 'latent-stitch';
export const METHODS: readonly Method[] = ['mas', 'das', 'unidirectional', 'stitch', 'clmas', 'latent-stitch'];

/** A direction [source, target]. */
export type Direction = readonly [number, number];

/** What a method trains. */
export interface MethodPreset {
  method: Method;
  /** Directions with the behavioural loss. */
  T: Direction[];
  /** Directions with the CL loss. */
  C: Direction[];
  mask: MaskKind;
  /** Default CL weight ε. */
  clWeight: number;
  /** Default k at a hook point (width = min_m d_m). */
  defaultK(point: string, width: number): number;
}

/** The preset of a method for n models; throws a SettingError (`method`) when n does not fit the method. */
export function methodPreset(method: string, n: number): MethodPreset {
  if (!(METHODS as readonly string[]).includes(method)) unknownName('method', method, METHODS);
  const m = method as Method;
  const need = (lo: number, hi: number): void => {
    if (n < lo || n > hi) {
      const want = lo === hi ? `exactly ${lo}` : hi === Infinity ? `at least ${lo}` : `${lo} to ${hi}`;
      throw new SettingError('method', `${m} needs ${want} model folder(s), got ${n}`);
    }
  };
  const all: Direction[] = [];
  for (let s = 0; s < n; s++) for (let t = 0; t < n; t++) all.push([s, t]);
  const kMas = (point: string): number => (point === 'embedding' ? 16 : 32);
  switch (m) {
    case 'das':
      need(1, 1);
      return { method: m, T: [[0, 0]], C: [], mask: 'fixed', clWeight: 0, defaultK: () => 16 };
    case 'mas':
      need(1, Infinity);
      return { method: m, T: all, C: [], mask: 'fixed', clWeight: 0, defaultK: kMas };
    case 'unidirectional':
      need(2, 2);
      return { method: m, T: [[0, 1], [1, 1]], C: [], mask: 'fixed', clWeight: 0, defaultK: () => 16 };
    case 'stitch':
      need(2, 2);
      return { method: m, T: [[0, 1]], C: [], mask: 'zero', clWeight: 0, defaultK: (_p, w) => w };
    case 'clmas':
      need(2, 2);
      return { method: m, T: [[1, 0], [0, 0]], C: [[0, 1], [1, 1]], mask: 'fixed', clWeight: 1, defaultK: () => 16 };
    case 'latent-stitch':
      need(2, 2);
      return { method: m, T: [], C: [[0, 1]], mask: 'zero', clWeight: 1, defaultK: (_p, w) => w };
  }
}

/** Whether direction (s, t) is in a list. */
export function hasDirection(list: readonly Direction[], s: number, t: number): boolean {
  return list.some(([a, b]) => a === s && b === t);
}
