/**
 * Fused causal rotary self-attention with a hand-derived backward pass (models.md §5.1–5.2).
 *
 * q, k, v are [B·T, H·dh] row-major (position-major within a sequence; head h owns columns
 * h·dh … (h+1)·dh−1). For every (sequence b, head h):
 *
 *   q̃ = RoPE(q), k̃ = RoPE(k)                      (half-split pairing, positions offset+0 … offset+T−1)
 *   S[t, j] = q̃_t·k̃_j / √dh   for j ≤ t and key j not padding, −∞ otherwise
 *   P = softmax(S) row-wise (max-shifted);  a query row that is itself padding gets P[t, :] = 0
 *   o_t = Σ_j P[t, j] v_j
 *
 * Backward (per block, scale = 1/√dh, G = ∂L/∂o):
 *   dP = G vᵀ;  dS[t, j] = P[t, j] (dP[t, j] − Σ_j' P[t, j'] dP[t, j']) · scale
 *   dq̃ = dS k̃;  dk̃ = dSᵀ q̃;  dv = Pᵀ G;  dq = RoPE⁻¹(dq̃), dk = RoPE⁻¹(dk̃)
 * The forward keeps P and the rotated q̃, k̃ for backward only when a graph is recorded.
 *
 * Two interchangeable ways to run the per-block products (`setAttentionPath`): float64 loops that
 * skip the masked upper triangle, and `getBackend().gemm` on full T×T blocks. `auto` takes gemm on
 * the native OpenBLAS backend and loops on the portable one, the faster of the two on each as
 * measured by `bench attention-fwd-bwd` (which times both).
 *
 * Evaluation runs free position by position (models.md §1.3). Recomputing every prefix would cost
 * Σ_t O(t²·dh) = O(T³·dh); instead `RotaryKVCache` + `attendStep` attend one new query per sequence
 * to the cached rotated keys and values (O(t·dh) per step, O(T²·dh) per sequence), one cache per
 * layer. A hook that replaces a vector at step t changes the k/v that step appends, so later steps
 * see it (models.md §1.2). `attendStep` is inference-only (it refuses inputs that need a gradient).
 */
import { DTypeError, InputError, ShapeError, fmtShape } from '../../errors.ts';
import { getBackend } from '../backend/index.ts';
import { alloc, fromOp, isGradEnabled, maybeCheckFinite, Tensor } from '../tensor.ts';
import type { DType, Storage } from '../tensor.ts';
import { resolveRope, rotateRow, ropeTables } from './rope.ts';
import type { RopeGeometry, RopeOptions, RopeTables } from './rope.ts';

/** Layout and masking options of `causalRotaryAttention`. */
export interface AttentionOptions extends RopeOptions {
  /** [B·T]; 1 = padding: masked as a key, and its own output row is zero (no gradient). */
  keyPad?: Uint8Array;
}

/** How the per-(batch, head) products run: `auto` = gemm on the native and wasm backends, loops on the portable one. */
export type AttentionPath = 'auto' | 'loops' | 'gemm';

let pathSetting: AttentionPath = 'auto';

/** Force the per-block product path (tests and benchmarks); `auto` is the default. */
export function setAttentionPath(p: AttentionPath): void {
  pathSetting = p;
}

/** The path `auto` resolves to with the active backend. */
export function attentionPath(): 'loops' | 'gemm' {
  if (pathSetting !== 'auto') return pathSetting;
  // wasm: gemm is about 4× faster than the loops for forward + backward (bench attention-fwd-bwd).
  return getBackend().name === 'portable' ? 'loops' : 'gemm';
}

/** Everything the backward pass of one call needs. */
interface SavedCommon {
  g: RopeGeometry;
  tables: RopeTables;
  pad: Uint8Array | null;
  v: Storage;
  dtype: DType;
}

/**
 * Saved state: rotated queries and keys [B·H, T, dh] and probabilities [B·H, T, T] (0 where masked).
 * The loop path keeps them in float64 (monomorphic loops); the gemm path in the input dtype.
 */
type Saved =
  | (SavedCommon & { gemm: false; qr: Float64Array; kr: Float64Array; p: Float64Array })
  | (SavedCommon & { gemm: true; qr: Storage; kr: Storage; p: Storage });

/** Σ_c a[ao+c]·b[bo+c] for c < n, four partial sums. */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let c = 0;
  for (; c + 3 < n; c += 4) {
    s0 += a[ao + c] * b[bo + c];
    s1 += a[ao + c + 1] * b[bo + c + 1];
    s2 += a[ao + c + 2] * b[bo + c + 2];
    s3 += a[ao + c + 3] * b[bo + c + 3];
  }
  for (; c < n; c++) s0 += a[ao + c] * b[bo + c];
  return s0 + s1 + (s2 + s3);
}

/** Copy the T rows of head h of sequence b from x (stride H·dh) into a packed [T, dh] block. */
function gatherBlock(x: Storage, g: RopeGeometry, b: number, h: number, dst: Float64Array): void {
  const { steps, dh } = g;
  const width = g.heads * dh;
  for (let t = 0; t < steps; t++) {
    const o = (b * steps + t) * width + h * dh;
    for (let c = 0; c < dh; c++) dst[t * dh + c] = x[o + c];
  }
}

/** Write a packed [T, dh] block into the rows of head h of sequence b of x. */
function scatterBlock(src: Float64Array, g: RopeGeometry, b: number, h: number, x: Storage): void {
  const { steps, dh } = g;
  const width = g.heads * dh;
  for (let t = 0; t < steps; t++) {
    const o = (b * steps + t) * width + h * dh;
    for (let c = 0; c < dh; c++) x[o + c] = src[t * dh + c];
  }
}

function checkInputs(op: string, q: Tensor, k: Tensor, v: Tensor): void {
  if (q.dtype !== k.dtype || q.dtype !== v.dtype) {
    throw new DTypeError(`${op}: q, k, v must share one dtype; got ${q.dtype}, ${k.dtype}, ${v.dtype}`);
  }
  const same = (a: Tensor): boolean => a.shape.length === q.shape.length && a.shape.every((s, i) => s === q.shape[i]);
  if (!same(k) || !same(v)) {
    throw new ShapeError(
      `${op}: q, k, v must share one shape; got q ${fmtShape(q.shape)}, k ${fmtShape(k.shape)}, v ${fmtShape(v.shape)}`,
    );
  }
}

/** Rotate the T rows of head h of sequence b from x (stride H·dh) into a packed [T, dh] block. */
function rotateBlockIn(x: Storage, g: RopeGeometry, tables: RopeTables, b: number, h: number, dst: Storage): void {
  const { steps, dh } = g;
  const width = g.heads * dh;
  for (let t = 0; t < steps; t++) rotateRow(x, (b * steps + t) * width + h * dh, dst, t * dh, dh, tables, t, 1);
}

/** Inverse-rotate a packed [T, dh] gradient block into rows of head h of sequence b of dx. */
function rotateBlockOut(src: ArrayLike<number>, g: RopeGeometry, tables: RopeTables, b: number, h: number, dx: Storage): void {
  const { steps, dh } = g;
  const width = g.heads * dh;
  for (let t = 0; t < steps; t++) rotateRow(src, t * dh, dx, (b * steps + t) * width + h * dh, dh, tables, t, -1);
}

/**
 * Masked, max-shifted softmax of row t of a [T, T] block whose entries j ≤ t hold scores.
 * Entries with j > t or a padded key become 0; a padded query gives an all-zero row.
 */
function softmaxCausalRow(p: Storage, row: number, t: number, T: number, pad: Uint8Array | null, padOff: number): void {
  if (pad !== null && pad[padOff + t] !== 0) {
    p.fill(0, row, row + T);
    return;
  }
  let max = -Infinity;
  for (let j = 0; j <= t; j++) if ((pad === null || pad[padOff + j] === 0) && p[row + j] > max) max = p[row + j];
  let sum = 0;
  for (let j = 0; j <= t; j++) {
    if (pad !== null && pad[padOff + j] !== 0) p[row + j] = 0;
    else {
      const e = Math.exp(p[row + j] - max);
      p[row + j] = e;
      sum += e;
    }
  }
  const inv = 1 / sum;
  for (let j = 0; j <= t; j++) p[row + j] *= inv;
  p.fill(0, row + t + 1, row + T);
}

/** Forward of one (b, h) block with loops over the causal triangle; writes the block's output rows. */
function forwardBlockLoops(
  g: RopeGeometry, qr: Float64Array, kr: Float64Array, p: Float64Array, v: Storage, out: Storage,
  b: number, h: number, pad: Uint8Array | null, scratch: { vb: Float64Array; ob: Float64Array },
): void {
  const { steps: T, dh } = g;
  const scale = 1 / Math.sqrt(dh);
  const padOff = b * T;
  const { vb, ob } = scratch;
  gatherBlock(v, g, b, h, vb);
  ob.fill(0);
  for (let t = 0; t < T; t++) {
    const row = t * T;
    const qpad = pad !== null && pad[padOff + t] !== 0;
    if (!qpad) {
      for (let j = 0; j <= t; j++) {
        if (pad === null || pad[padOff + j] === 0) p[row + j] = dot(qr, t * dh, kr, j * dh, dh) * scale;
      }
    }
    softmaxCausalRow(p, row, t, T, pad, padOff);
    if (qpad) continue; // output row stays zero
    const oo = t * dh;
    for (let j = 0; j <= t; j++) {
      const pj = p[row + j];
      if (pj === 0) continue;
      const vo = j * dh;
      for (let c = 0; c < dh; c++) ob[oo + c] += pj * vb[vo + c];
    }
  }
  scatterBlock(ob, g, b, h, out);
}

/** Forward of one (b, h) block with backend GEMMs on the full T×T block. */
function forwardBlockGemm(
  g: RopeGeometry, qr: Storage, kr: Storage, p: Storage, v: Storage, out: Storage,
  b: number, h: number, pad: Uint8Array | null,
): void {
  const { steps: T, dh } = g;
  const width = g.heads * dh;
  const be = getBackend();
  be.gemm(false, true, T, T, dh, 1 / Math.sqrt(dh), qr, kr, 0, p);
  for (let t = 0; t < T; t++) softmaxCausalRow(p, t * T, t, T, pad, b * T);
  const base = b * T * width + h * dh;
  be.gemm(false, false, T, dh, T, 1, p, v.subarray(base), 0, out.subarray(base), T, width, width);
}

/** Scratch blocks of the loop backward pass. */
interface LoopScratch {
  gb: Float64Array;
  vb: Float64Array;
  dqr: Float64Array;
  dkr: Float64Array;
  dvb: Float64Array;
  dp: Float64Array;
}

/** Backward of one (b, h) block with loops; writes only the block's rows of dq, dk, dv. */
function backwardBlockLoops(
  s: Extract<Saved, { gemm: false }>, gOut: Storage, dq: Storage, dk: Storage, dv: Storage, b: number, h: number,
  scratch: LoopScratch,
): void {
  const { g, pad } = s;
  const { steps: T, dh } = g;
  const scale = 1 / Math.sqrt(dh);
  const blk = b * g.heads + h;
  const qr = s.qr.subarray(blk * T * dh, (blk + 1) * T * dh);
  const kr = s.kr.subarray(blk * T * dh, (blk + 1) * T * dh);
  const p = s.p.subarray(blk * T * T, (blk + 1) * T * T);
  const { gb, vb, dqr, dkr, dvb, dp } = scratch;
  gatherBlock(gOut, g, b, h, gb);
  gatherBlock(s.v, g, b, h, vb);
  dqr.fill(0);
  dkr.fill(0);
  dvb.fill(0);
  for (let t = 0; t < T; t++) {
    if (pad !== null && pad[b * T + t] !== 0) continue;
    const row = t * T;
    const to = t * dh;
    let rowDot = 0;
    for (let j = 0; j <= t; j++) {
      const pj = p[row + j];
      if (pj === 0) continue;
      const d = dot(gb, to, vb, j * dh, dh);
      dp[j] = d;
      rowDot += pj * d;
    }
    for (let j = 0; j <= t; j++) {
      const pj = p[row + j];
      if (pj === 0) continue;
      const ds = pj * (dp[j] - rowDot) * scale;
      const jo = j * dh;
      for (let c = 0; c < dh; c++) {
        dqr[to + c] += ds * kr[jo + c];
        dkr[jo + c] += ds * qr[to + c];
        dvb[jo + c] += pj * gb[to + c];
      }
    }
  }
  rotateBlockOut(dqr, g, s.tables, b, h, dq);
  rotateBlockOut(dkr, g, s.tables, b, h, dk);
  scatterBlock(dvb, g, b, h, dv);
}

/** Backward of one (b, h) block with backend GEMMs. */
function backwardBlockGemm(
  s: Extract<Saved, { gemm: true }>, gOut: Storage, dq: Storage, dk: Storage, dv: Storage, b: number, h: number,
  scratch: { ds: Storage; dqr: Storage; dkr: Storage },
): void {
  const { g, pad, v } = s;
  const { steps: T, dh } = g;
  const width = g.heads * dh;
  const scale = 1 / Math.sqrt(dh);
  const blk = b * g.heads + h;
  const qr = s.qr.subarray(blk * T * dh, (blk + 1) * T * dh);
  const kr = s.kr.subarray(blk * T * dh, (blk + 1) * T * dh);
  const p = s.p.subarray(blk * T * T, (blk + 1) * T * T);
  const { ds, dqr, dkr } = scratch;
  const be = getBackend();
  const base = b * T * width + h * dh;
  const gBlk = gOut.subarray(base);
  be.gemm(false, true, T, T, dh, 1, gBlk, v.subarray(base), 0, ds, width, width, T); // ds ← dP = G vᵀ
  for (let t = 0; t < T; t++) {
    const row = t * T;
    if (pad !== null && pad[b * T + t] !== 0) {
      ds.fill(0, row, row + T);
      continue;
    }
    let rowDot = 0;
    for (let j = 0; j <= t; j++) rowDot += p[row + j] * ds[row + j];
    for (let j = 0; j < T; j++) ds[row + j] = p[row + j] * (ds[row + j] - rowDot) * scale;
  }
  be.gemm(false, false, T, dh, T, 1, ds, kr, 0, dqr);
  be.gemm(true, false, T, dh, T, 1, ds, qr, 0, dkr);
  be.gemm(true, false, T, dh, T, 1, p, gBlk, 0, dv.subarray(base), T, width, width);
  rotateBlockOut(dqr, g, s.tables, b, h, dq);
  rotateBlockOut(dkr, g, s.tables, b, h, dk);
}

function attentionBackward(s: Saved, gOut: Tensor, shape: readonly number[]): Tensor[] {
  const { g, dtype } = s;
  const { batch, heads, steps: T, dh } = g;
  const n = batch * T * heads * dh;
  const dq = alloc(dtype, n);
  const dk = alloc(dtype, n);
  const dv = alloc(dtype, n);
  const go = gOut.data;
  if (s.gemm) {
    const scratch = { ds: alloc(dtype, T * T), dqr: alloc(dtype, T * dh), dkr: alloc(dtype, T * dh) };
    for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) backwardBlockGemm(s, go, dq, dk, dv, b, h, scratch);
  } else {
    const f = (): Float64Array => new Float64Array(T * dh);
    const scratch: LoopScratch = { gb: f(), vb: f(), dqr: f(), dkr: f(), dvb: f(), dp: new Float64Array(T) };
    for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) backwardBlockLoops(s, go, dq, dk, dv, b, h, scratch);
  }
  return [new Tensor(dq, shape), new Tensor(dk, shape), new Tensor(dv, shape)];
}

/** Causal self-attention with RoPE applied to q and k: out = softmax(RoPE(q)RoPE(k)ᵀ/√dh + causal/pad mask) v. */
export function causalRotaryAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): Tensor {
  const op = 'causalRotaryAttention';
  checkInputs(op, q, k, v);
  const g = resolveRope(op, q.shape, opts);
  const pad = opts.keyPad ?? null;
  if (pad !== null && pad.length !== g.batch * g.steps) {
    throw new ShapeError(`${op}: keyPad has ${pad.length} entries but q ${fmtShape(q.shape)} has batch·steps = ${g.batch * g.steps} rows`);
  }
  const { batch, heads, steps: T, dh } = g;
  const dtype = q.dtype;
  const tables = ropeTables(g.r, g.base, g.offset, T);
  const record = isGradEnabled() && (q.requiresGrad || k.requiresGrad || v.requiresGrad);
  const nBlk = record ? batch * heads : 1; // without a graph one block of scratch is reused
  const gemm = attentionPath() === 'gemm';
  const work: DType = gemm ? dtype : 'float64';
  const qr = alloc(work, nBlk * T * dh);
  const kr = alloc(work, nBlk * T * dh);
  const p = alloc(work, nBlk * T * T);
  const out = alloc(dtype, q.size);
  const scratch = { vb: new Float64Array(T * dh), ob: new Float64Array(T * dh) };
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const blk = record ? b * heads + h : 0;
      const qb = qr.subarray(blk * T * dh, (blk + 1) * T * dh);
      const kb = kr.subarray(blk * T * dh, (blk + 1) * T * dh);
      const pb = p.subarray(blk * T * T, (blk + 1) * T * T);
      rotateBlockIn(q.data, g, tables, b, h, qb);
      rotateBlockIn(k.data, g, tables, b, h, kb);
      if (gemm) forwardBlockGemm(g, qb, kb, pb, v.data, out, b, h, pad);
      else forwardBlockLoops(g, qb as Float64Array, kb as Float64Array, pb as Float64Array, v.data, out, b, h, pad, scratch);
    }
  }
  const common: SavedCommon = { g, tables, pad: pad === null ? null : pad.slice(), v: v.data, dtype };
  const saved: Saved = gemm
    ? { ...common, gemm: true, qr, kr, p }
    : { ...common, gemm: false, qr: qr as Float64Array, kr: kr as Float64Array, p: p as Float64Array };
  return fromOp(op, out, q.shape, [q, k, v], (gOut) => attentionBackward(saved, gOut, q.shape));
}

/** Options of a key/value cache for incremental decoding. */
export interface KVCacheOptions {
  batch: number;
  heads: number;
  headDim: number;
  /** Most positions the cache can hold. */
  maxSteps: number;
  dtype?: DType;
  ropeDim?: number;
  ropeBase?: number;
  /** RoPE position of the first cached step; default 0. */
  positionOffset?: number;
}

/** Rotated keys and values of the positions attended so far, for one attention layer. */
export class RotaryKVCache {
  /** Layout (steps = maxSteps), rotated width, base and offset. */
  readonly g: RopeGeometry;
  readonly maxSteps: number;
  readonly dtype: DType;
  /** [B, H, maxSteps, dh] rotated keys (float64 whatever the dtype, for monomorphic loops) */
  readonly keys: Float64Array;
  /** [B, H, maxSteps, dh] values (float64) */
  readonly values: Float64Array;
  /** [B, maxSteps] 1 = that cached position is padding */
  readonly pad: Uint8Array;
  /** Number of positions cached; the next `attendStep` is at RoPE position positionOffset + length. */
  length = 0;
  /** cos/sin of every cacheable position (row t = RoPE position positionOffset + t) */
  readonly tables: RopeTables;

  /** An empty cache; validates the RoPE options like causalRotaryAttention. */
  constructor(o: KVCacheOptions) {
    if (!Number.isInteger(o.maxSteps) || o.maxSteps < 1) throw new InputError(`RotaryKVCache: maxSteps must be a positive integer, got ${o.maxSteps}`);
    if (!Number.isInteger(o.headDim) || o.headDim < 1) throw new InputError(`RotaryKVCache: headDim must be a positive integer, got ${o.headDim}`);
    const g = resolveRope('RotaryKVCache', [o.batch, o.heads * o.headDim], { ...o, steps: 1 });
    this.g = { ...g, steps: o.maxSteps };
    this.maxSteps = o.maxSteps;
    this.dtype = o.dtype ?? 'float32';
    const n = o.batch * o.heads * o.maxSteps * o.headDim;
    this.keys = new Float64Array(n);
    this.values = new Float64Array(n);
    this.pad = new Uint8Array(o.batch * o.maxSteps);
    this.tables = ropeTables(this.g.r, this.g.base, this.g.offset, o.maxSteps);
  }

  /** Forget every cached position. */
  reset(): void {
    this.length = 0;
  }
}

/**
 * One step of incremental causal rotary attention: q, k, v are [B, H·dh] rows of the new position
 * t = cache.length; k̃_t and v_t are appended to the cache, and every query attends to the cached
 * positions 0 … t (padded keys masked). Returns [B, H·dh]; a padded query gives a zero row.
 * Equals row t of `causalRotaryAttention` on the whole prefix. Inference only: records no graph.
 */
export function attendStep(q: Tensor, k: Tensor, v: Tensor, cache: RotaryKVCache, keyPad?: Uint8Array): Tensor {
  const op = 'attendStep';
  checkInputs(op, q, k, v);
  const { batch, heads, dh } = cache.g;
  const width = heads * dh;
  if (q.shape.length !== 2 || q.shape[0] !== batch || q.shape[1] !== width) {
    throw new ShapeError(`${op}: expected q, k, v of shape [batch, heads·dh] = [${batch}, ${width}] for this cache, got ${fmtShape(q.shape)}`);
  }
  if (q.dtype !== cache.dtype) throw new DTypeError(`${op}: inputs are ${q.dtype} but the cache holds ${cache.dtype}`);
  if (keyPad !== undefined && keyPad.length !== batch) {
    throw new ShapeError(`${op}: keyPad has ${keyPad.length} entries for a batch of ${batch}`);
  }
  if (cache.length >= cache.maxSteps) throw new InputError(`${op}: the cache is full (${cache.maxSteps} steps)`);
  if (isGradEnabled() && (q.requiresGrad || k.requiresGrad || v.requiresGrad)) {
    throw new InputError(`${op}: inference only (no gradient); wrap the call in noGrad, or use causalRotaryAttention for training`);
  }
  const t = cache.length;
  const S = cache.maxSteps;
  const tables = cache.tables;
  const scale = 1 / Math.sqrt(dh);
  const out = alloc(q.dtype, q.size);
  const qt = new Float64Array(dh);
  const sc = new Float64Array(t + 1);
  const acc = new Float64Array(dh);
  const { keys, values, pad } = cache;
  const gemm = attentionPath() === 'gemm';
  const be = getBackend();
  for (let b = 0; b < batch; b++) pad[b * S + t] = keyPad !== undefined && keyPad[b] !== 0 ? 1 : 0;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const blk = (b * heads + h) * S * dh;
      const col = b * width + h * dh;
      rotateRow(k.data, col, keys, blk + t * dh, dh, tables, t, 1);
      for (let c = 0; c < dh; c++) values[blk + t * dh + c] = v.data[col + c];
      if (pad[b * S + t] !== 0) continue;
      rotateRow(q.data, col, qt, 0, dh, tables, t, 1);
      if (gemm) {
        be.gemm(false, true, 1, t + 1, dh, scale, qt, keys.subarray(blk), 0, sc);
        softmaxCausalRow(sc, 0, t, t + 1, pad, b * S);
        be.gemm(false, false, 1, dh, t + 1, 1, sc, values.subarray(blk), 0, acc);
      } else {
        for (let j = 0; j <= t; j++) if (pad[b * S + j] === 0) sc[j] = dot(qt, 0, keys, blk + j * dh, dh) * scale;
        softmaxCausalRow(sc, 0, t, t + 1, pad, b * S);
        acc.fill(0);
        for (let j = 0; j <= t; j++) {
          const w = sc[j];
          if (w === 0) continue;
          const vo = blk + j * dh;
          for (let c = 0; c < dh; c++) acc[c] += w * values[vo + c];
        }
      }
      for (let c = 0; c < dh; c++) out[col + c] = acc[c];
    }
  }
  cache.length = t + 1;
  maybeCheckFinite(op, out);
  return new Tensor(out, q.shape);
}
