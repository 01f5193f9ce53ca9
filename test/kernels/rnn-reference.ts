/**
 * An independent, unfused float64 reference of the RNN forward pass for the kernel tests: plain
 * loops, one position at a time, written straight from models.md §1.3–§4 and mas.md §4.
 */
import { erf } from '../../src/tensor/erf.ts';
import assert from 'node:assert/strict';
import { Tensor, noGrad } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import type { RnnParams } from '../../src/tensor/kernels/rnn.ts';

/** Plain nested-array weights. */
export interface RefParams {
  emb: number[][];
  wih: number[][];
  whh: number[][];
  bih: number[];
  bhh: number[];
  w1: number[][];
  b1: number[];
  w2: number[][];
  b2: number[];
}

/** Options of a reference run; mirrors RnnRunOptions with an explicit dropout keep-mask. */
export interface RefOptions {
  cell: 'gru' | 'lstm';
  tokens: number[][];
  freeRun?: number[][];
  pad?: number[][];
  /** keep[b][t][k] ∈ {0,1} and p */
  dropout?: { p: number; keep: Uint8Array };
  intervention?: { point: 'embedding' | 'state'; mask: number[][]; A: number[][] | null; c: number[][] | null };
  /** Per-row initial state [B][S] (LSTM [h; c]): before t = 0, or AT t = 0 (no cell update there). */
  init?: { state: number[][]; at: 'before' | 'at' };
}

/** Reference outputs. */
export interface RefResult {
  logits: number[][][];
  preds: number[][];
  states: number[][][];
  inputs: number[][][];
}

const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const geluRef = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));
const matvecT = (x: number[], W: number[][], b: number[]): number[] => W.map((row, i) => row.reduce((s, w, k) => s + w * x[k], b[i]));
const vecMat = (x: number[], A: number[][]): number[] => A[0].map((_, j) => x.reduce((s, xi, i) => s + xi * A[i][j], 0));

/** Run the reference model. */
export function refRun(p: RefParams, o: RefOptions): RefResult {
  const B = o.tokens.length;
  const T = o.tokens[0].length;
  const H = p.whh[0].length;
  const D = p.w1.length;
  const lstm = o.cell === 'lstm';
  const logits: number[][][] = [];
  const preds: number[][] = [];
  const states: number[][][] = [];
  const inputs: number[][][] = [];
  let j = 0; // intervention row counter, (b, t) row-major
  for (let b = 0; b < B; b++) {
    let h = o.init ? o.init.state[b].slice(0, H) : new Array<number>(H).fill(0);
    let c = o.init && lstm ? o.init.state[b].slice(H) : new Array<number>(H).fill(0);
    logits.push([]);
    preds.push([]);
    states.push([]);
    inputs.push([]);
    for (let t = 0; t < T; t++) {
      const isPad = o.pad?.[b][t] === 1;
      let u = o.tokens[b][t];
      if (!isPad && t > 0 && o.freeRun?.[b][t] === 1) u = preds[b][t - 1];
      let x = [...p.emb[u]];
      const masked = o.intervention?.mask[b][t] === 1;
      const iv = o.intervention;
      const affine = (v: number[]): number[] => {
        const w = iv!.A ? vecMat(v, iv!.A) : [...v];
        return iv!.c ? w.map((y, k) => y + iv!.c![j][k]) : w;
      };
      if (masked && iv!.point === 'embedding') x = affine(x);
      inputs[b].push(x);
      if (isPad) {
        logits[b].push(new Array<number>(p.w2.length).fill(0));
        preds[b].push(-1);
        states[b].push(lstm ? [...h, ...c] : [...h]);
        if (masked) j++;
        continue;
      }
      const a = matvecT(x, p.wih, p.bih);
      const g = matvecT(h, p.whh, p.bhh);
      if (t === 0 && o.init?.at === 'at') {
        // The state at t = 0 is given: no cell update.
      } else if (!lstm) {
        const hn = new Array<number>(H);
        for (let k = 0; k < H; k++) {
          const r = sig(a[k] + g[k]);
          const z = sig(a[H + k] + g[H + k]);
          const n = Math.tanh(a[2 * H + k] + r * g[2 * H + k]);
          hn[k] = (1 - z) * n + z * h[k];
        }
        h = hn;
      } else {
        const hn = new Array<number>(H);
        const cn = new Array<number>(H);
        for (let k = 0; k < H; k++) {
          const i = sig(a[k] + g[k]);
          const f = sig(a[H + k] + g[H + k]);
          const gg = Math.tanh(a[2 * H + k] + g[2 * H + k]);
          const og = sig(a[3 * H + k] + g[3 * H + k]);
          cn[k] = f * c[k] + i * gg;
          hn[k] = og * Math.tanh(cn[k]);
        }
        h = hn;
        c = cn;
      }
      if (masked && iv!.point === 'state') {
        const s = affine(lstm ? [...h, ...c] : h);
        h = s.slice(0, H);
        if (lstm) c = s.slice(H);
      }
      if (masked) j++;
      states[b].push(lstm ? [...h, ...c] : [...h]);
      let uh = matvecT(h, p.w1, p.b1).map(geluRef);
      if (o.dropout) {
        const keep = o.dropout.keep;
        const scale = 1 / (1 - o.dropout.p);
        uh = uh.map((v, k) => (keep[(b * T + t) * D + k] ? v * scale : 0));
      }
      const z = matvecT(uh, p.w2, p.b2);
      logits[b].push(z);
      let best = 0;
      for (let k = 1; k < z.length; k++) if (z[k] > z[best]) best = k;
      preds[b].push(best);
    }
  }
  return { logits, preds, states, inputs };
}

/** Random float64 parameters for a tiny model, as kernel tensors and as plain arrays. */
export function randomParams(
  seed: number,
  cell: 'gru' | 'lstm',
  V: number,
  E: number,
  H: number,
  D: number,
  scale = 0.5,
): { params: RnnParams; ref: RefParams } {
  const rng = new Rng(seed);
  const G = cell === 'gru' ? 3 : 4;
  const mk = (shape: number[], s: number): Tensor => Tensor.uniform(shape, rng, -s, s, 'float64');
  const params: RnnParams = {
    embedding: Tensor.randn([V, E], rng, 1, 'float64'),
    weightIh: mk([G * H, E], scale),
    weightHh: mk([G * H, H], scale),
    biasIh: mk([G * H], scale),
    biasHh: mk([G * H], scale),
    dec1W: mk([D, H], 1),
    dec1B: mk([D], 0.5),
    dec2W: mk([V, D], 1),
    dec2B: mk([V], 0.5),
  };
  return { params, ref: toRef(params) };
}

/** Plain arrays of kernel parameters. */
export function toRef(p: RnnParams): RefParams {
  const m = (t: Tensor): number[][] => t.toArray() as number[][];
  const v = (t: Tensor): number[] => Array.from(t.data);
  return { emb: m(p.embedding), wih: m(p.weightIh), whh: m(p.weightHh), bih: v(p.biasIh), bhh: v(p.biasHh), w1: m(p.dec1W), b1: v(p.dec1B), w2: m(p.dec2W), b2: v(p.dec2B) };
}

/** Flatten a [B][T] number grid to a typed array. */
export function flat2<T extends Int32Array | Uint8Array>(g: number[][], ctor: new (n: number) => T): T {
  const B = g.length;
  const T = g[0].length;
  const out = new ctor(B * T);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[b * T + t] = g[b][t];
  return out;
}

/**
 * Finite-difference check of a run's gradients (float64): backpropagate the weighted sum Σ z·W of the
 * logits z = run(), then compare each tensor's gradient with central differences (h = 1e-6) at every
 * entry, or at `samples` entries drawn from `rng` when it is larger. Tolerance 1e-6·(1 + |fd|) plus
 * 1e-7 of the largest gradient entry checked.
 */
export function assertRunGradients(tensors: [string, Tensor][], run: () => Tensor, W: Tensor, rng: Rng, samples: number, label: string): void {
  const loss = (): number => {
    const z = noGrad(run).data;
    let sum = 0;
    for (let i = 0; i < z.length; i++) sum += z[i] * W.data[i];
    return sum;
  };
  run().backward(W);
  for (const [name, t] of tensors) {
    assert.ok(t.grad, `${label}: ${name} has a gradient`);
    const idx = t.size <= samples ? Array.from({ length: t.size }, (_, i) => i) : Array.from({ length: samples }, () => rng.int(t.size));
    let maxAbs = 0;
    for (const i of idx) maxAbs = Math.max(maxAbs, Math.abs(t.grad.data[i]));
    for (const i of idx) {
      const v = t.data[i];
      const h = 1e-6;
      t.data[i] = v + h;
      const lp = loss();
      t.data[i] = v - h;
      const lm = loss();
      t.data[i] = v;
      const fd = (lp - lm) / (2 * h);
      const g = t.grad.data[i];
      assert.ok(Math.abs(fd - g) <= 1e-6 * (1 + Math.abs(fd)) + 1e-7 * maxAbs, `${label}: d/d${name}[${i}] analytic ${g} vs fd ${fd}`);
    }
  }
}
