/**
 * Fused whole-sequence GRU / LSTM with the MLP decoder (models.md §1.3, §2–§4) and MAS
 * interventions (mas.md §4), with a hand-derived backward pass.
 *
 * Layout: internal buffers are time-major (row r = t·B + b) so that each step's batch is one
 * contiguous block; user-facing arrays are (b, t) row-major (o = b·T + t).
 *
 * Forward:
 *  - the input projection of an embedding row is P[u] = E[u] W_ihᵀ + b_ih, precomputed once for the
 *    whole vocabulary ([V, G·H]); only rows hit by an 'embedding' intervention are projected per step;
 *  - one GEMM per step for h W_hhᵀ over the batch, gate math fused in one loop per row; batch rows
 *    are reordered internally by length, so each step's GEMMs cover only the rows still running;
 *  - the decoder runs per step only for rows whose argmax is fed back at t+1 (free-running), and in
 *    one batched pass over every other non-pad position after the loop. Decoded rows live in
 *    "slots" (decode order), which the backward pass treats as one [N, ·] batch.
 * Backward:
 *  - decoder gradients as batched GEMMs over all slots, then the recurrence backwards in time;
 *  - dW_hh = Σ_t dG_tᵀ h_{t−1} accumulated by one GEMM per step over the running rows;
 *  - bias gradients are ones-row GEMMs;
 *  - input-side gradients are gathered into dP [V, G·H] by fed token (one-hot GEMM), then
 *    dW_ih = dPᵀ E and dE = dP W_ih (tiny GEMMs);
 *  - weight-gradient work is skipped for parameters that do not require grad (frozen MAS models).
 */
import { DTypeError, InputError, ShapeError, fmtShape } from '../../errors.ts';
import type { Rng } from '../../util/rng.ts';
import { getBackend } from '../backend/index.ts';
import { Tensor, alloc, checkFinite, fromOp, isGradEnabled, maybeCheckFinite, type Storage } from '../tensor.ts';
import { gruBackwardRow, gruForwardRow, lstmBackwardRow, lstmForwardRow } from './rnn-cells.ts';
import { geluDropoutRows } from './rnn-gelu.ts';
import { acquire, acquireBytes, release } from './rnn-pool.ts';

/** RNN weights in PyTorch layouts; all the same dtype (float32 or float64). */
export interface RnnParams {
  /** [V, E] */
  embedding: Tensor;
  /** [G·H, E]; G = 3 GRU (r, z, n), G = 4 LSTM (i, f, g, o) */
  weightIh: Tensor;
  /** [G·H, H] */
  weightHh: Tensor;
  /** [G·H] */
  biasIh: Tensor;
  /** [G·H] */
  biasHh: Tensor;
  /** decoder.hidden weight [D, H] */
  dec1W: Tensor;
  /** decoder.hidden bias [D] */
  dec1B: Tensor;
  /** decoder.out weight [V, D] */
  dec2W: Tensor;
  /** decoder.out bias [V] */
  dec2B: Tensor;
}

/** An affine replacement v ↦ v·A + c_j of the hooked vector at the masked positions. */
export interface RnnIntervention {
  /** 'embedding' = input vector fed to the cell; 'state' = layer.0 (GRU h; LSTM [h; c], 2H). */
  point: 'embedding' | 'state';
  /** [B·T] (b, t) row-major; 1 where the vector is replaced. Must be 0 at pad positions. */
  mask: Uint8Array;
  /** [d, d], null = identity; d = E ('embedding') or H (GRU) / 2H (LSTM) ('state'). */
  A: Tensor | null;
  /** [count(mask), d], rows in (b, t) row-major order of the mask; null = zeros. */
  c: Tensor | null;
}

/** Options of one whole-sequence run. */
export interface RnnRunOptions {
  cell: 'gru' | 'lstm';
  /** [B·T] given tokens, (b, t) row-major. */
  tokens: Int32Array;
  batch: number;
  steps: number;
  /** [B·T] 1 = feed argmax(logits at t−1) instead of tokens[b, t] (ignored at t = 0). */
  freeRun?: Uint8Array;
  /** [B·T] 1 = padding: state carried over, logits zero and without gradient, prediction −1. */
  pad?: Uint8Array;
  /** Decoder dropout (train mode); omitted = eval mode. The mask is drawn by `dropoutKeepMask`. */
  dropout?: { p: number; rng: Rng };
  intervention?: RnnIntervention;
  /** Return the layer.0 states after any intervention, [B, T, d]. */
  recordStates?: boolean;
  /** Return the embedding-point vectors after any intervention, [B, T, E]. */
  recordInputs?: boolean;
  /**
   * [B, S] per-row layer.0 state to start from (S = H GRU, 2H LSTM [h; c]); differentiable (its
   * gradient is returned when it requires grad). Omitted = zeros before t = 0.
   */
  initialState?: Tensor;
  /**
   * Where `initialState` sits. 'before' (default): it is the state h₋₁ that the cell updates at t = 0
   * (PyTorch's h0). 'at': it is the state AT t = 0 — the cell does not run at t = 0 (the token there is
   * not consumed), the state is decoded at t = 0, may be replaced by a state intervention there, and
   * drives t ≥ 1. This resumes a run from a known state, e.g. an intervened state (MAS suffixes).
   */
  initialStateAt?: 'before' | 'at';
  /**
   * 'fed': decode only the positions whose prediction is fed back (free-running); the other rows of
   * the logits are 0 and their predictions −1. For runs that only record vectors: the decoder is most
   * of a step's cost. Not allowed when a graph is recorded. Default 'all'.
   */
  decode?: 'all' | 'fed';
}

/** Outputs of `runRnn`. */
export interface RnnRunResult {
  /** [B·T, V] logits, differentiable w.r.t. every parameter with requiresGrad, A and c. */
  logits: Tensor;
  /** [B·T] argmax of the logits (ties → lowest id), −1 at pad positions. */
  predictions: Int32Array;
  /** [B, T, d] layer.0 states (after interventions; carried over at pad positions), constants. */
  states?: Tensor;
  /** [B, T, E] embedding-point vectors fed (after interventions; the given token's row at pad positions), constants. */
  inputs?: Tensor;
  /** [count(mask), d] the hooked vectors just before the intervention, constants. */
  preIntervention?: Tensor;
}

/**
 * The dropout keep-mask used by `runRnn` for `n` decoder activations: 1 = keep (scaled by 1/(1−p)).
 * It takes four 32-bit words from `rng` as the seed of a local xoshiro128** stream (so the cost does
 * not depend on Rng's per-call overhead) and draws the entries from that stream in order: when p·2^k
 * is an integer for some k ≤ 16 (p = 0.5: k = 1) each entry uses k bits of a 32-bit word, otherwise
 * one word per entry (keep when word ≥ p·2³²).
 */
export function dropoutKeepMask(rng: Rng, n: number, p: number, out: Uint8Array = new Uint8Array(n)): Uint8Array {
  if (!(p >= 0 && p < 1)) throw new InputError(`rnn dropout: p must be in [0, 1), got ${p}`);
  if (p === 0) {
    out.fill(1, 0, n);
    return out;
  }
  const seed = new Int32Array([rng.nextU32(), rng.nextU32(), rng.nextU32(), rng.nextU32()]);
  if ((seed[0] | seed[1] | seed[2] | seed[3]) === 0) seed[0] = 1;
  let k = 1;
  while (k <= 16 && !Number.isInteger(p * 2 ** k)) k++;
  if (k > 16) fillWords(seed, out, n, 1, 32, 0, p * 4294967296);
  else fillWords(seed, out, n, Math.floor(32 / k), k, (1 << k) - 1, p * (1 << k));
  return out;
}

/** Expand a xoshiro128** stream from `seed` into keep flags, `per` flags of `k` bits per word. */
function fillWords(seed: Int32Array, out: Uint8Array, n: number, per: number, k: number, lowMask: number, thr: number): void {
  let s0 = seed[0];
  let s1 = seed[1];
  let s2 = seed[2];
  let s3 = seed[3];
  let i = 0;
  while (i < n) {
    const x = Math.imul(s1, 5);
    const word = Math.imul((x << 7) | (x >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = (s3 << 11) | (s3 >>> 21);
    if (k === 32) {
      out[i++] = word >>> 0 >= thr ? 1 : 0;
      continue;
    }
    let w = word;
    const end = i + per < n ? i + per : n;
    for (; i < end; i++) {
      out[i] = 1 - (((w & lowMask) - thr) >>> 31); // branch-free (w & lowMask) >= thr
      w >>>= k;
    }
  }
}

interface Dims {
  lstm: boolean;
  G: number;
  V: number;
  E: number;
  H: number;
  D: number;
  Vout: number;
  B: number;
  T: number;
  /** width of the layer.0 state: H (GRU) or 2H (LSTM) */
  S: number;
}

function shapeIs(t: Tensor, shape: readonly number[]): boolean {
  return t.shape.length === shape.length && t.shape.every((s, i) => s === shape[i]);
}

function checkInputs(params: RnnParams, opts: RnnRunOptions): Dims {
  const op = `rnn.${opts.cell}`;
  if (opts.cell !== 'gru' && opts.cell !== 'lstm') throw new InputError(`rnn: cell must be 'gru' or 'lstm', got '${String(opts.cell)}'`);
  const lstm = opts.cell === 'lstm';
  const G = lstm ? 4 : 3;
  const { embedding, weightIh, weightHh, biasIh, biasHh, dec1W, dec1B, dec2W, dec2B } = params;
  if (embedding.ndim !== 2) throw new ShapeError(`${op}: embedding must be [V, E], got ${fmtShape(embedding.shape)}`);
  const [V, E] = embedding.shape;
  if (weightHh.ndim !== 2 || weightHh.shape[0] % G !== 0) {
    throw new ShapeError(`${op}: weightHh must be [${G}·H, H], got ${fmtShape(weightHh.shape)}`);
  }
  const H = weightHh.shape[1];
  const GH = G * H;
  if (dec1W.ndim !== 2 || dec2W.ndim !== 2) {
    throw new ShapeError(`${op}: decoder weights must be 2-D, got ${fmtShape(dec1W.shape)} and ${fmtShape(dec2W.shape)}`);
  }
  const D = dec1W.shape[0];
  const Vout = dec2W.shape[0];
  const expect: [string, Tensor, number[]][] = [
    ['weightIh', weightIh, [GH, E]],
    ['weightHh', weightHh, [GH, H]],
    ['biasIh', biasIh, [GH]],
    ['biasHh', biasHh, [GH]],
    ['dec1W', dec1W, [D, H]],
    ['dec1B', dec1B, [D]],
    ['dec2W', dec2W, [Vout, D]],
    ['dec2B', dec2B, [Vout]],
  ];
  for (const [name, t, shape] of expect) {
    if (!shapeIs(t, shape)) throw new ShapeError(`${op}: ${name} must be ${fmtShape(shape)} (E=${E}, H=${H}, D=${D}), got ${fmtShape(t.shape)}`);
    if (t.dtype !== embedding.dtype) throw new DTypeError(`${op}: ${name} is ${t.dtype} but embedding is ${embedding.dtype}`);
  }
  const B = opts.batch;
  const T = opts.steps;
  if (!Number.isInteger(B) || B < 1 || !Number.isInteger(T) || T < 1) throw new InputError(`${op}: batch and steps must be positive integers, got ${B}, ${T}`);
  const n = B * T;
  if (opts.tokens.length !== n) throw new ShapeError(`${op}: tokens has ${opts.tokens.length} entries, expected batch·steps = ${B}·${T} = ${n}`);
  if (opts.freeRun && opts.freeRun.length !== n) throw new ShapeError(`${op}: freeRun has ${opts.freeRun.length} entries, expected ${n}`);
  if (opts.pad && opts.pad.length !== n) throw new ShapeError(`${op}: pad has ${opts.pad.length} entries, expected ${n}`);
  for (let i = 0; i < n; i++) {
    const u = opts.tokens[i];
    if (!(u >= 0 && u < V)) throw new InputError(`${op}: token ${u} at (b=${Math.floor(i / T)}, t=${i % T}) is outside the vocabulary [0, ${V})`);
  }
  const S = lstm ? 2 * H : H;
  const iv = opts.intervention;
  if (iv) {
    const d = iv.point === 'embedding' ? E : iv.point === 'state' ? S : -1;
    if (d < 0) throw new InputError(`${op}: intervention point must be 'embedding' or 'state', got '${String(iv.point)}'`);
    if (iv.mask.length !== n) throw new ShapeError(`${op}: intervention mask has ${iv.mask.length} entries, expected ${n}`);
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (!iv.mask[i]) continue;
      count++;
      if (opts.pad?.[i]) throw new InputError(`${op}: intervention mask is set at pad position (b=${Math.floor(i / T)}, t=${i % T})`);
    }
    if (iv.A && (!shapeIs(iv.A, [d, d]) || iv.A.dtype !== embedding.dtype)) {
      throw new ShapeError(`${op}: intervention A must be ${embedding.dtype} [${d}, ${d}], got ${iv.A.dtype} ${fmtShape(iv.A.shape)}`);
    }
    if (iv.c && (!shapeIs(iv.c, [count, d]) || iv.c.dtype !== embedding.dtype)) {
      throw new ShapeError(`${op}: intervention c must be ${embedding.dtype} [count(mask)=${count}, ${d}], got ${iv.c.dtype} ${fmtShape(iv.c.shape)}`);
    }
  }
  const init = opts.initialState;
  if (opts.initialStateAt !== undefined && opts.initialStateAt !== 'before' && opts.initialStateAt !== 'at') {
    throw new InputError(`${op}: initialStateAt must be 'before' or 'at', got '${String(opts.initialStateAt)}'`);
  }
  if (opts.initialStateAt !== undefined && !init) throw new InputError(`${op}: initialStateAt is set but initialState is missing`);
  if (init && (!shapeIs(init, [B, S]) || init.dtype !== embedding.dtype)) {
    throw new ShapeError(`${op}: initialState must be ${embedding.dtype} [batch, S] = [${B}, ${S}], got ${init.dtype} ${fmtShape(init.shape)}`);
  }
  if (init && opts.initialStateAt === 'at' && iv?.point === 'embedding') {
    for (let b = 0; b < B; b++) {
      if (iv.mask[b * T]) throw new InputError(`${op}: embedding intervention at (b=${b}, t=0), where initialStateAt 'at' consumes no input`);
    }
  }
  if (checkFinite) {
    for (const [name, t] of Object.entries(params) as [string, Tensor][]) maybeCheckFinite(`${op}: parameter ${name}`, t.data);
    if (iv?.A) maybeCheckFinite(`${op}: intervention A`, iv.A.data);
    if (iv?.c) maybeCheckFinite(`${op}: intervention c`, iv.c.data);
    if (init) maybeCheckFinite(`${op}: initialState`, init.data);
  }
  return { lstm, G, V, E, H, D, Vout, B, T, S };
}

/** Index of the largest of n values at off (ties → lowest index). */
function argmax(a: Storage, off: number, n: number): number {
  let best = 0;
  let bv = a[off];
  for (let k = 1; k < n; k++) {
    const v = a[off + k];
    if (v > bv) {
      bv = v;
      best = k;
    }
  }
  return best;
}

/** Run a GRU or LSTM with its decoder over a batch of sequences (see the module doc and RnnRunOptions). */
export function runRnn(params: RnnParams, opts: RnnRunOptions): RnnRunResult {
  const dims = checkInputs(params, opts);
  const { lstm, G, V, E, H, D, Vout, B, T, S } = dims;
  const op = `rnn.${opts.cell}`;
  const GH = G * H;
  const N0 = B * T;
  const dtype = params.embedding.dtype;
  const be = getBackend();
  const iv = opts.intervention ?? null;
  const ivEmb = iv !== null && iv.point === 'embedding';
  const ivState = iv !== null && iv.point === 'state';
  const ivA = iv?.A ?? null;
  const ivC = iv?.c ?? null;
  const ivD = ivEmb ? E : S;

  const inputsList: Tensor[] = [
    params.embedding, params.weightIh, params.weightHh, params.biasIh, params.biasHh,
    params.dec1W, params.dec1B, params.dec2W, params.dec2B,
  ];
  if (ivA) inputsList.push(ivA);
  if (ivC) inputsList.push(ivC);
  const init = opts.initialState ?? null;
  // 'at': rows at t = 0 take the given state without running the cell (like padding, but decoded).
  const startAt = init !== null && opts.initialStateAt === 'at';
  // Whether the cell reads a state at t = 0 that is not zero.
  const initBefore = init !== null && !startAt;
  if (init) inputsList.push(init);
  const needGraph = isGradEnabled() && inputsList.some((t) => t.requiresGrad);
  if (needGraph && opts.decode === 'fed') throw new InputError(`${op}: decode 'fed' leaves logits out and cannot record a graph; run it under noGrad`);
  // Without weight gradients (frozen MAS models, no-grad runs) and without recorded states, rows whose
  // sequence has ended (after their last non-pad position) and that lie outside the step's GEMM rows
  // [0, active[t]) are skipped entirely: nothing reads their carried state or their (zero) gradients.
  const weightGrads = isGradEnabled() && inputsList.slice(0, 9).some((t) => t.requiresGrad);
  const skipDead = !weightGrads && !opts.recordStates;

  const emb = params.embedding.data;
  const Wih = params.weightIh.data;
  const Whh = params.weightHh.data;
  const bih = params.biasIh.data;
  const bhh = params.biasHh.data;
  const W1 = params.dec1W.data;
  const b1 = params.dec1B.data;
  const W2 = params.dec2W.data;
  const b2 = params.dec2B.data;

  // ---- per-position plan ----
  // Internal batch order: rows sorted by descending number of non-pad positions (stable), so that
  // with trailing padding the rows still running at step t form a prefix [0, active[t]) and the
  // per-step GEMMs skip the finished ones. Internal row b' is batch row perm[b']; r = t·B + b'.
  const len = new Int32Array(B);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) if (!opts.pad?.[b * T + t]) len[b]++;
  const perm = Int32Array.from(Array.from({ length: B }, (_, b) => b).sort((x, y) => len[y] - len[x] || x - y));
  const inv = new Int32Array(B);
  for (let i = 0; i < B; i++) inv[perm[i]] = i;
  const active = new Int32Array(T); // 1 + the last internal row that is not padding at t
  const padTM = new Uint8Array(N0);
  const lastT = new Int32Array(B).fill(-1); // last non-pad position of each internal row
  const maskJ = new Int32Array(N0).fill(-1); // intervention row index j, in (b, t) order
  const rowOfJ: number[] = [];
  let nonPad = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const o = b * T + t;
      const r = t * B + inv[b];
      if (opts.pad?.[o]) padTM[r] = 1;
      else {
        nonPad++;
        active[t] = Math.max(active[t], inv[b] + 1);
        lastT[inv[b]] = t;
      }
      if (iv?.mask[o]) {
        maskJ[r] = rowOfJ.length;
        rowOfJ.push(r);
      }
    }
  }
  const count = rowOfJ.length;
  const maskSteps: number[][] = Array.from({ length: T }, () => []); // j's per step
  for (let j = 0; j < count; j++) maskSteps[Math.floor(rowOfJ[j] / B)].push(j);

  // ---- buffers ----
  const P = acquire(dtype, V * GH);
  be.gemm(false, true, V, GH, E, 1, emb, Wih, 0, P);
  for (let u = 0; u < V; u++) for (let k = 0; k < GH; k++) P[u * GH + k] += bih[k];
  const hs = acquire(dtype, N0 * H);
  const cs = lstm ? acquire(dtype, N0 * H) : null;
  const gates = acquire(dtype, N0 * GH);
  const aux = acquire(dtype, N0 * H); // GRU: W_hn h + b_hn; LSTM: tanh(c') before the hook
  const gh = acquire(dtype, B * GH);
  // The state before t = 0 (or at t = 0 with 'at'), in internal row order; zeros by default.
  const h0 = alloc(dtype, B * H);
  const c0 = lstm ? alloc(dtype, B * H) : null;
  if (init) {
    const d0 = init.data;
    for (let b = 0; b < B; b++) {
      const so = perm[b] * S;
      h0.set(d0.subarray(so, so + H), b * H);
      if (lstm) c0!.set(d0.subarray(so + H, so + S), b * H);
    }
  }
  const fed = new Int32Array(N0);
  const predictions = new Int32Array(N0).fill(-1);
  // Embedding intervention: the vectors before / after, by j; per-step projected rows.
  const xPre = ivEmb ? alloc(dtype, count * E) : null;
  const xPost = ivEmb ? alloc(dtype, count * E) : null;
  const ainM = ivEmb ? acquire(dtype, B * GH) : null;
  const ivScratchIn = iv ? acquire(dtype, B * ivD) : null;
  const ivScratchOut = iv ? acquire(dtype, B * ivD) : null;
  const preState = ivState ? alloc(dtype, count * S) : null;
  // Decoder slots.
  const N = nonPad;
  const slotOut = new Int32Array(N); // (b, t) index of each slot
  const slotKeep = new Int32Array(N); // offset of its dropout mask row
  const slotOfRow = new Int32Array(N0).fill(-1); // slot of each time-major row (−1: pad)
  const NS = Math.max(N, 1); // slot buffers hold the non-pad rows only
  const decH = acquire(dtype, NS * H);
  const decPre = acquire(dtype, NS * D); // pre-activation, then GELU′ (when recording)
  const decU = acquire(dtype, NS * D); // GELU output after dropout
  const decZ = acquire(dtype, NS * Vout);
  const drop = opts.dropout && opts.dropout.p > 0 ? opts.dropout : null;
  const keep = drop ? dropoutKeepMask(drop.rng, N0 * D, drop.p, acquireBytes(N0 * D)) : null;
  const keepScale = drop ? 1 / (1 - drop.p) : 1;
  let nSlots = 0;
  const mIdx = new Int32Array(B).fill(-1); // batch row → row of ainM at the current step

  const decodeSlots = (s0: number, s1: number): void => {
    const n = s1 - s0;
    if (n === 0) return;
    be.gemm(false, true, n, D, H, 1, decH.subarray(s0 * H, s1 * H), W1, 0, decPre.subarray(s0 * D, s1 * D));
    geluDropoutRows(decPre, decU, needGraph ? decPre : null, s0, s1, D, b1, keep, slotKeep, keepScale);
    be.gemm(false, true, n, Vout, D, 1, decU.subarray(s0 * D, s1 * D), W2, 0, decZ.subarray(s0 * Vout, s1 * Vout));
    for (let s = s0; s < s1; s++) {
      const zo = s * Vout;
      for (let k = 0; k < Vout; k++) decZ[zo + k] += b2[k];
      predictions[slotOut[s]] = argmax(decZ, zo, Vout);
    }
  };
  const addSlot = (r: number, hRow: Storage, off: number): void => {
    slotOfRow[r] = nSlots;
    slotOut[nSlots] = perm[r % B] * T + Math.floor(r / B);
    slotKeep[nSlots] = slotOut[nSlots] * D;
    decH.set(hRow.subarray(off, off + H), nSlots * H);
    nSlots++;
  };

  // ---- forward in time ----
  for (let t = 0; t < T; t++) {
    const rb = t * B;
    const hPrev = t === 0 ? h0 : hs.subarray((t - 1) * B * H, t * B * H);
    const cPrev = !lstm ? null : t === 0 ? c0! : cs!.subarray((t - 1) * B * H, t * B * H);
    const carryAll = startAt && t === 0;
    const hCur = hs.subarray(rb * H, (rb + B) * H);
    const cCur = lstm ? cs!.subarray(rb * H, (rb + B) * H) : null;
    // Tokens fed.
    for (let b = 0; b < B; b++) {
      const o = perm[b] * T + t;
      let u = opts.tokens[o];
      if (t > 0 && opts.freeRun?.[o] && !padTM[rb + b]) {
        u = predictions[o - 1];
        if (u < 0) throw new InputError(`${op}: freeRun at (b=${perm[b]}, t=${t}) follows a pad position`);
      }
      fed[rb + b] = u;
    }
    // Recurrent projection h W_hhᵀ + b_hh for the whole batch.
    const m = active[t];
    for (let b = 0; b < m; b++) gh.set(bhh, b * GH);
    if ((t > 0 || initBefore) && m > 0) be.gemm(false, true, m, GH, H, 1, hPrev, Whh, 1, gh);
    // Embedding intervention: x̃ = x A + c_j, projected through W_ih for the masked rows.
    const js = maskSteps[t];
    if (ivEmb) mIdx.fill(-1);
    if (ivEmb && js.length > 0) {
      const m = js.length;
      for (let q = 0; q < m; q++) {
        const j = js[q];
        const u = fed[rowOfJ[j]];
        ivScratchIn!.set(emb.subarray(u * E, (u + 1) * E), q * E);
        xPre!.set(emb.subarray(u * E, (u + 1) * E), j * E);
        mIdx[rowOfJ[j] - rb] = q;
      }
      applyAffine(ivScratchIn!, ivScratchOut!, m, E, ivA, ivC, js);
      for (let q = 0; q < m; q++) xPost!.set(ivScratchOut!.subarray(q * E, (q + 1) * E), js[q] * E);
      be.gemm(false, true, m, GH, E, 1, ivScratchOut!, Wih, 0, ainM!);
      for (let q = 0; q < m; q++) for (let k = 0; k < GH; k++) ainM![q * GH + k] += bih[k];
    }
    // Fused gate math, one row at a time.
    for (let b = 0; b < B; b++) {
      if (skipDead && t > lastT[b] && b >= m) continue;
      const r = rb + b;
      const ho = b * H;
      if (padTM[r] || carryAll) {
        for (let k = 0; k < H; k++) hCur[ho + k] = hPrev[ho + k];
        if (lstm) for (let k = 0; k < H; k++) cCur![ho + k] = cPrev![ho + k];
        continue;
      }
      const q = mIdx[b];
      const ain = q >= 0 ? ainM! : P;
      const ia = q >= 0 ? q * GH : fed[r] * GH;
      if (!lstm) gruForwardRow(H, ain, ia, gh, b * GH, hPrev, hCur, ho, gates, r * GH, aux, r * H);
      else lstmForwardRow(H, ain, ia, gh, b * GH, cPrev!, hCur, cCur!, ho, gates, r * GH, aux, r * H);
    }
    // State intervention: s̃ = s A + c_j (LSTM s = [h; c]).
    if (ivState && js.length > 0) {
      const m = js.length;
      for (let q = 0; q < m; q++) {
        const ho = (rowOfJ[js[q]] - rb) * H;
        ivScratchIn!.set(hCur.subarray(ho, ho + H), q * S);
        if (lstm) ivScratchIn!.set(cCur!.subarray(ho, ho + H), q * S + H);
        preState!.set(ivScratchIn!.subarray(q * S, (q + 1) * S), js[q] * S);
      }
      applyAffine(ivScratchIn!, ivScratchOut!, m, S, ivA, ivC, js);
      for (let q = 0; q < m; q++) {
        const ho = (rowOfJ[js[q]] - rb) * H;
        hCur.set(ivScratchOut!.subarray(q * S, q * S + H), ho);
        if (lstm) cCur!.set(ivScratchOut!.subarray(q * S + H, (q + 1) * S), ho);
      }
    }
    // Decode now the rows whose prediction is fed back at t+1.
    if (t + 1 < T && opts.freeRun) {
      const s0 = nSlots;
      for (let b = 0; b < B; b++) {
        const o = perm[b] * T + t + 1;
        if (!opts.freeRun[o] || opts.pad?.[o]) continue;
        if (padTM[rb + b]) throw new InputError(`${op}: freeRun at (b=${perm[b]}, t=${t + 1}) follows a pad position`);
        addSlot(rb + b, hCur, b * H);
      }
      decodeSlots(s0, nSlots);
    }
  }
  // Decode every remaining non-pad position in one batch (unless only the fed ones were asked for).
  if (opts.decode !== 'fed') {
    const sRest = nSlots;
    for (let r = 0; r < N0; r++) if (!padTM[r] && slotOfRow[r] < 0) addSlot(r, hs, r * H);
    decodeSlots(sRest, nSlots);
  }

  // ---- outputs ----
  const logitsData = alloc(dtype, N0 * Vout);
  for (let s = 0; s < nSlots; s++) {
    const o = slotOut[s];
    logitsData.set(decZ.subarray(s * Vout, (s + 1) * Vout), o * Vout);
  }
  const extras: Omit<RnnRunResult, 'logits' | 'predictions'> = {};
  if (opts.recordStates) {
    const st = alloc(dtype, N0 * S);
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const src = (t * B + inv[b]) * H;
        const dst = (b * T + t) * S;
        st.set(hs.subarray(src, src + H), dst);
        if (lstm) st.set(cs!.subarray(src, src + H), dst + H);
      }
    }
    extras.states = new Tensor(st, [B, T, S]);
  }
  if (opts.recordInputs) {
    const xi = alloc(dtype, N0 * E);
    for (let r = 0; r < N0; r++) {
      const o = perm[r % B] * T + Math.floor(r / B);
      const j = maskJ[r];
      if (ivEmb && j >= 0) xi.set(xPost!.subarray(j * E, (j + 1) * E), o * E);
      else xi.set(emb.subarray(fed[r] * E, (fed[r] + 1) * E), o * E);
    }
    extras.inputs = new Tensor(xi, [B, T, E]);
  }
  if (iv) extras.preIntervention = new Tensor(ivEmb ? xPre!.slice() : preState!.slice(), [count, ivD]);

  const scratch = [P, gh, ainM, ivScratchIn, ivScratchOut];
  const forBackward = [hs, cs, gates, aux, decH, decPre, decU, decZ, keep];
  release(...scratch);
  if (!needGraph) {
    release(...forBackward);
    return { logits: fromOp(op, logitsData, [N0, Vout], [], () => []), predictions, ...extras };
  }

  let consumed = false;
  const backwardFn = (gradOut: Tensor): (Tensor | null)[] => {
    if (consumed) throw new InputError(`${op}: backward through the same run twice (its buffers were released); run the forward again`);
    consumed = true;
    const gd = gradOut.data;
    const need = inputsList.map((t) => t.requiresGrad);
    const [gEmb, gWih, gWhh, gBih, gBhh, gW1, gB1, gW2, gB2] = need;
    const gA = ivA ? need[9] : false;
    const gC = ivC ? need[ivA ? 10 : 9] : false;
    const gInit = init ? need[need.length - 1] : false;
    const out = {
      emb: gEmb ? alloc(dtype, V * E) : null,
      wih: gWih ? alloc(dtype, GH * E) : null,
      whh: gWhh ? alloc(dtype, GH * H) : null,
      bih: gBih ? alloc(dtype, GH) : null,
      bhh: gBhh ? alloc(dtype, GH) : null,
      w1: gW1 ? alloc(dtype, D * H) : null,
      b1: gB1 ? alloc(dtype, D) : null,
      w2: gW2 ? alloc(dtype, Vout * D) : null,
      b2: gB2 ? alloc(dtype, Vout) : null,
      A: gA ? alloc(dtype, ivD * ivD) : null,
      c: gC ? alloc(dtype, count * ivD) : null,
      init: gInit ? alloc(dtype, B * S) : null,
    };

    // -- decoder, batched over all slots --
    const dZ = acquire(dtype, NS * Vout);
    for (let s = 0; s < N; s++) {
      const o = slotOut[s];
      dZ.set(gd.subarray(o * Vout, (o + 1) * Vout), s * Vout);
    }
    const ones = acquire(dtype, Math.max(N0, 1));
    ones.fill(1);
    // Column sums as [1 × rows] GEMMs with a ones row: out[0:cols] = Σ_rows src[row, 0:cols] (ld = row stride).
    const colSum = (src: Storage, rows: number, cols: number, ld: number, dst: Storage): void => {
      if (rows > 0) be.gemm(false, false, 1, cols, rows, 1, ones, src, 0, dst, rows, ld, cols);
    };
    if (out.b2) colSum(dZ, N, Vout, Vout, out.b2);
    if (out.w2 && N > 0) be.gemm(true, false, Vout, D, N, 1, dZ, decU, 0, out.w2);
    const dU = acquire(dtype, NS * D);
    if (N > 0) be.gemm(false, false, N, D, Vout, 1, dZ, W2, 0, dU);
    geluBackwardRows(dU, decPre, N, D, keep, slotKeep, keepScale);
    if (out.b1) colSum(dU, N, D, D, out.b1);
    if (out.w1 && N > 0) be.gemm(true, false, D, H, N, 1, dU, decH, 0, out.w1);
    const dDecH = acquire(dtype, NS * H);
    if (N > 0) be.gemm(false, false, N, H, D, 1, dU, W1, 0, dDecH);
    release(dZ, dU);

    // -- recurrence, backwards in time --
    const dG = acquire(dtype, N0 * GH); // ∂L/∂(h W_hhᵀ + b_hh), per row; zero at pad rows
    const dAn = lstm ? null : acquire(dtype, N0 * H); // GRU: ∂L/∂(x W_inᵀ + b_in)
    let dh = acquire(dtype, B * H);
    let dhNew = acquire(dtype, B * H);
    let dc = lstm ? acquire(dtype, B * H) : null;
    dh.fill(0);
    dc?.fill(0);
    if (skipDead) dhNew.fill(0);
    const ivIn = ivState ? acquire(dtype, B * S) : null;
    const ivOut = ivState ? acquire(dtype, B * S) : null;
    const ivPre = ivState && out.A ? acquire(dtype, B * S) : null;
    for (let t = T - 1; t >= 0; t--) {
      const rb = t * B;
      for (let b = 0; b < B; b++) {
        const sl = slotOfRow[rb + b]; // ∂L/∂h_t from the decoder
        if (sl < 0) continue;
        for (let k = 0, ho = b * H, so = sl * H; k < H; k++) dh[ho + k] += dDecH[so + k];
      }
      // Through the state intervention: ∂/∂s = ∂/∂s̃ Aᵀ; ∂A += sᵀ ∂s̃; ∂c_j = ∂s̃.
      const js = maskSteps[t];
      if (ivState && js.length > 0) {
        const m = js.length;
        for (let q = 0; q < m; q++) {
          const j = js[q];
          const ho = (rowOfJ[j] - rb) * H;
          ivIn!.set(dh.subarray(ho, ho + H), q * S);
          if (lstm) ivIn!.set(dc!.subarray(ho, ho + H), q * S + H);
          if (out.c) out.c.set(ivIn!.subarray(q * S, (q + 1) * S), j * S);
          if (ivPre) ivPre.set(preState!.subarray(j * S, (j + 1) * S), q * S);
        }
        if (ivPre) be.gemm(true, false, S, S, m, 1, ivPre, ivIn!, 1, out.A!);
        if (ivA) be.gemm(false, true, m, S, S, 1, ivIn!, ivA.data, 0, ivOut!);
        else ivOut!.set(ivIn!.subarray(0, m * S));
        for (let q = 0; q < m; q++) {
          const ho = (rowOfJ[js[q]] - rb) * H;
          dh.set(ivOut!.subarray(q * S, q * S + H), ho);
          if (lstm) dc!.set(ivOut!.subarray(q * S + H, (q + 1) * S), ho);
        }
      }
      const hPrev = t === 0 ? h0 : hs.subarray((t - 1) * B * H, t * B * H);
      const cPrev = !lstm ? null : t === 0 ? c0! : cs!.subarray((t - 1) * B * H, t * B * H);
      const carryAll = startAt && t === 0;
      for (let b = 0; b < B; b++) {
        // An ended row outside the step's GEMM rows: dh = 0 there in both buffers, nothing to write.
        if (skipDead && t > lastT[b] && b >= active[t]) continue;
        const r = rb + b;
        const ho = b * H;
        const so = r * GH;
        if (padTM[r] || carryAll) {
          for (let k = 0; k < GH; k++) dG[so + k] = 0;
          if (dAn) for (let k = 0; k < H; k++) dAn[r * H + k] = 0;
          for (let k = 0; k < H; k++) dhNew[ho + k] = dh[ho + k];
          continue; // LSTM: dc passes through unchanged
        }
        if (!lstm) gruBackwardRow(H, dh, ho, hPrev, gates, so, aux, r * H, dG, dAn!, dhNew);
        else lstmBackwardRow(H, dh, dc!, ho, cPrev!, gates, so, aux, r * H, dG, dhNew);
      }
      if ((t > 0 || initBefore) && active[t] > 0) be.gemm(false, false, active[t], H, GH, 1, dG.subarray(rb * GH, (rb + B) * GH), Whh, 1, dhNew);
      const tmp = dh;
      dh = dhNew;
      dhNew = tmp;
    }
    // dh (and dc) now hold ∂L/∂ of the state before t = 0 ('before') or at t = 0 ('at').
    if (out.init) {
      for (let b = 0; b < B; b++) {
        const so = perm[b] * S;
        out.init.set(dh.subarray(b * H, (b + 1) * H), so);
        if (lstm) out.init.set(dc!.subarray(b * H, (b + 1) * H), so + H);
      }
    }
    release(dh, dhNew, dc, ivIn, ivOut, ivPre, dDecH);

    // -- recurrent weights: dW_hh = Σ_t dG_tᵀ h_{t−1} over the running rows of each step (h_{−1} = 0) --
    if (out.whh) {
      if (initBefore && active[0] > 0) be.gemm(true, false, GH, H, active[0], 1, dG, h0, 1, out.whh, GH, H, H);
      for (let t = 1; t < T; t++) {
        const m = active[t];
        if (m > 0) be.gemm(true, false, GH, H, m, 1, dG.subarray(t * B * GH), hs.subarray((t - 1) * B * H), 1, out.whh, GH, H, H);
      }
    }
    if (out.bhh) colSum(dG, N0, GH, GH, out.bhh);
    // -- input side: ∂L/∂(x W_ihᵀ + b_ih) per row is dG, except the GRU n block (dAn) --
    const needInput = out.emb || out.wih || out.bih || (ivEmb && (out.A || out.c));
    if (needInput) {
      // dP = Fᵀ dAin with F the one-hot [N0, V] of the fed tokens (zero rows: pad, or embedding-intervened).
      const nz = dAn ? 2 * H : GH; // GRU: the n block's input-side gradient is dAn, not r·dAn
      const M = ivEmb ? count : 0;
      // dP feeds only the embedding and W_ih gradients (and with them dG is written at every row).
      const needP = out.emb !== null || out.wih !== null;
      const F = needP ? acquire(dtype, N0 * V) : null;
      const dP = needP ? acquire(dtype, V * GH) : null;
      if (F && dP) {
        F.fill(0);
        for (let r = startAt ? B : 0; r < N0; r++) if (!padTM[r] && !(ivEmb && maskJ[r] >= 0)) F[r * V + fed[r]] = 1;
        be.gemm(true, false, V, nz, N0, 1, F, dG, 0, dP, V, GH, GH);
        if (dAn) be.gemm(true, false, V, H, N0, 1, F, dAn, 0, dP.subarray(2 * H), V, H, GH);
      }
      const dAinM = M > 0 ? acquire(dtype, M * GH) : null;
      for (let j = 0; j < M; j++) {
        const r = rowOfJ[j];
        dAinM!.set(dG.subarray(r * GH, r * GH + nz), j * GH);
        if (dAn) dAinM!.set(dAn.subarray(r * H, (r + 1) * H), j * GH + 2 * H);
      }
      if (out.bih) {
        colSum(dG, N0, nz, GH, out.bih);
        if (dAn) colSum(dAn, N0, H, H, out.bih.subarray(2 * H));
      }
      if (out.wih) {
        be.gemm(true, false, GH, E, V, 1, dP!, emb, 0, out.wih);
        if (M > 0) be.gemm(true, false, GH, E, M, 1, dAinM!, xPost!, 1, out.wih);
      }
      if (out.emb) be.gemm(false, false, V, E, GH, 1, dP!, Wih, 0, out.emb);
      if (M > 0) {
        // x̃ = x A + c: ∂x̃ = ∂a W_ih; ∂c = ∂x̃; ∂A = xᵀ ∂x̃; ∂x = ∂x̃ Aᵀ → embedding rows.
        const dX = acquire(dtype, M * E);
        be.gemm(false, false, M, E, GH, 1, dAinM!, Wih, 0, dX);
        if (out.c) out.c.set(dX);
        if (out.A) be.gemm(true, false, E, E, M, 1, xPre!, dX, 0, out.A);
        if (out.emb) {
          let dx = dX;
          if (ivA) {
            dx = acquire(dtype, M * E);
            be.gemm(false, true, M, E, E, 1, dX, ivA.data, 0, dx);
          }
          for (let j = 0; j < M; j++) {
            const u = fed[rowOfJ[j]];
            for (let k = 0; k < E; k++) out.emb[u * E + k] += dx[j * E + k];
          }
          if (dx !== dX) release(dx);
        }
        release(dX);
      }
      release(dP, dAinM, F);
    }
    release(dG, dAn, ones, ...forBackward);

    const flat = [out.emb, out.wih, out.whh, out.bih, out.bhh, out.w1, out.b1, out.w2, out.b2];
    if (ivA) flat.push(out.A);
    if (ivC) flat.push(out.c);
    if (init) flat.push(out.init);
    return flat.map((g, i) => {
      if (g === null) return null;
      maybeCheckFinite(`${op}.backward: gradient of ${paramName(i, ivA !== null, ivC !== null)}`, g);
      return new Tensor(g, inputsList[i].shape);
    });
  };
  return { logits: fromOp(op, logitsData, [N0, Vout], inputsList, backwardFn), predictions, ...extras };
}

function paramName(i: number, hasA: boolean, hasC: boolean): string {
  const names = ['embedding', 'weightIh', 'weightHh', 'biasIh', 'biasHh', 'dec1W', 'dec1B', 'dec2W', 'dec2B'];
  if (hasA) names.push('intervention A');
  if (hasC) names.push('intervention c');
  names.push('initialState');
  return names[i];
}

/** out[q] = in[q] A + c[js[q]] for q < m rows of width d (A null = identity, c null = zeros). */
function applyAffine(inp: Storage, out: Storage, m: number, d: number, A: Tensor | null, c: Tensor | null, js: readonly number[]): void {
  if (A) getBackend().gemm(false, false, m, d, d, 1, inp, A.data, 0, out);
  else out.set(inp.subarray(0, m * d));
  if (c) {
    const cd = c.data;
    for (let q = 0; q < m; q++) {
      const co = js[q] * d;
      const oo = q * d;
      for (let k = 0; k < d; k++) out[oo + k] += cd[co + k];
    }
  }
}

/**
 * ∂L/∂(pre-activation) of the decoder's hidden layer, in place: dU[s, k] *= GELU′[s, k] (· keep·scale
 * under dropout) for the first n slot rows of width D. A small function of its own, so that V8
 * optimizes it independently of the large backward closure.
 */
function geluBackwardRows(dU: Storage, deriv: Storage, n: number, D: number, keep: Uint8Array | null, keepRow: Int32Array, scale: number): void {
  if (!keep) {
    const m = n * D;
    for (let i = 0; i < m; i++) dU[i] *= deriv[i];
    return;
  }
  for (let s = 0; s < n; s++) {
    const so = s * D;
    const mo = keepRow[s];
    for (let k = 0; k < D; k++) dU[so + k] *= keep[mo + k] * scale * deriv[so + k];
  }
}
