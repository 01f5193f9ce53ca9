/**
 * Model Alignment Search on Hugging Face language models (mas.md's swap applied to a residual hook
 * point of two causal LMs, possibly the same one).
 *
 * Data: counterfactual rows {base, source, base_position, source_position, label} (JSONL; base,
 * source and label as text or token ids; positions index the base / source tokens, negative from
 * the end, −1 = last). The source model runs on `source`; its vector at `source_position` at the
 * hook point is swapped, through the two learned maps, into the target model's vector at
 * `base_position` while the target runs teacher-forced on base + label[:-1]:
 *
 *   indywise: only at base_position ← source_position;
 *   stepwise: at base_position + j ← source_position + j for every j with both in range.
 *
 * Loss: mean cross-entropy of the label tokens (the target predicts label[j] at position
 * |base| − 1 + j). IIA: the fraction of rows whose every label token is the argmax. Only the maps
 * train (Adam); both models are frozen.
 *
 * `labelsFromSource` implements the author's LLM protocol (make_intrv_data_from_src_data in
 * grantsrb/mas): the label of a row becomes the source model's own greedy continuation of `source`,
 * so the intervened target must reproduce what the source itself would say.
 */
import { InputError } from '../errors.ts';
import type { HfCausalLM } from '../models/hf/model.ts';
import type { HfTokenizer } from '../models/hf/tokenizer.ts';
import { crossEntropy } from '../tensor/ops/loss.ts';
import { Adam } from '../tensor/optim.ts';
import { backward, noGrad, Tensor } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';
import { affineIntervention } from './intervention.ts';
import { createMap, type AlignmentMap } from './maps.ts';

/** One counterfactual row, in token ids, positions resolved to non-negative indices. */
export interface LmCfRow {
  base: number[];
  source: number[];
  basePosition: number;
  sourcePosition: number;
  label: number[];
}

const FIELDS = ['base', 'source', 'base_position', 'source_position', 'label'] as const;

function tokensOf(v: unknown, field: string, where: string, tok: HfTokenizer | null, special: boolean): number[] {
  if (Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && (x as number) >= 0)) return v as number[];
  if (typeof v === 'string') {
    if (!tok) throw new InputError(`${where}: '${field}' is text but the model folder has no tokenizer.json (give token ids)`);
    // The label continues the base: no special tokens are added to it.
    const ids = special ? tok.encode(v) : tok.encodePlain(v);
    if (ids.length === 0) throw new InputError(`${where}: '${field}' encodes to no tokens`);
    return ids;
  }
  throw new InputError(`${where}: '${field}' must be a text or a non-empty array of non-negative integer token ids`);
}

function position(v: unknown, len: number, field: string, where: string): number {
  if (!Number.isInteger(v)) throw new InputError(`${where}: '${field}' must be an integer, got ${JSON.stringify(v)}`);
  const p = (v as number) < 0 ? len + (v as number) : (v as number);
  if (p < 0 || p >= len) throw new InputError(`${where}: '${field}' ${String(v)} is outside the ${len} tokens`);
  return p;
}

/**
 * Parse counterfactual JSONL (one object per line; blank lines skipped); errors name the line. Texts
 * of `base` and `label` are encoded with `tok` (the target's tokenizer), `source` with `sourceTok`.
 */
export function parseLmCounterfactuals(text: string, where: string, tok: HfTokenizer | null, sourceTok: HfTokenizer | null = tok): LmCfRow[] {
  const rows: LmCfRow[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const at = `${where}: line ${i + 1}`;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new InputError(`${at}: not valid JSON (${(e as Error).message})`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new InputError(`${at}: not a JSON object`);
    const r = o as Record<string, unknown>;
    const missing = FIELDS.filter((f) => !(f in r));
    if (missing.length > 0) throw new InputError(`${at}: missing field(s) ${missing.join(', ')}`);
    const base = tokensOf(r.base, 'base', at, tok, true);
    const source = tokensOf(r.source, 'source', at, sourceTok, true);
    rows.push({
      base, source,
      basePosition: position(r.base_position, base.length, 'base_position', at),
      sourcePosition: position(r.source_position, source.length, 'source_position', at),
      label: tokensOf(r.label, 'label', at, tok, false),
    });
  });
  if (rows.length === 0) throw new InputError(`${where}: no rows`);
  return rows;
}

/** The author's protocol: each row's label becomes the source model's greedy continuation of `source` (n tokens). */
export function labelsFromSource(sourceModel: HfCausalLM, rows: readonly LmCfRow[], n: number): LmCfRow[] {
  return rows.map((r) => ({ ...r, label: sourceModel.generate(r.source, n) }));
}

/** Options of trainLmMas. */
export interface LmMasOptions {
  layer: string;
  /** Aligned dimensions (1 … d). */
  k: number;
  mode?: 'indywise' | 'stepwise';
  steps?: number;
  batch?: number;
  lr?: number;
  seed?: number;
  /** Evaluate on `valid` every this many steps (and at the end). */
  validEvery?: number;
  /** Stop once the validation IIA reaches this (default 1). */
  stopIia?: number;
}

/** Result of trainLmMas. */
export interface LmMasResult {
  /** Validation IIA of the returned maps (the last validation: the first reaching stopIia, or the end). */
  iia: number;
  /** Highest validation IIA seen. */
  bestIia: number;
  steps: number;
  /** Validation IIA by step, with the last training-batch loss before it (null at step 0). */
  curve: { step: number; iia: number; loss: number | null }[];
  sourceMap: AlignmentMap;
  targetMap: AlignmentMap;
}

/** (base position, source position) pairs intervened for one row. */
function pairsOf(r: LmCfRow, mode: 'indywise' | 'stepwise'): [number, number][] {
  if (mode === 'indywise') return [[r.basePosition, r.sourcePosition]];
  const out: [number, number][] = [];
  for (let j = 0; r.basePosition + j < r.base.length && r.sourcePosition + j < r.source.length; j++) out.push([r.basePosition + j, r.sourcePosition + j]);
  return out;
}

/** A prepared batch: target tokens, the intervention mask, source rows, and the label targets. */
interface Prepared {
  tokens: Int32Array;
  lengths: Int32Array;
  B: number;
  T: number;
  mask: Uint8Array;
  hs: Tensor;
  targets: Int32Array;
  scored: Uint8Array;
}

function prepare(target: HfCausalLM, source: HfCausalLM, layer: string, rows: readonly LmCfRow[], mode: 'indywise' | 'stepwise'): Prepared {
  const seqs = rows.map((r) => [...r.base, ...r.label.slice(0, -1)]);
  const B = rows.length;
  const T = Math.max(...seqs.map((s) => s.length));
  if (T > target.config.maxPositions) throw new InputError(`a base + label of ${T} tokens is longer than the target's ${target.config.maxPositions} positions`);
  const tokens = new Int32Array(B * T);
  seqs.forEach((s, b) => tokens.set(s, b * T));
  const lengths = Int32Array.from(seqs.map((s) => s.length));
  const mask = new Uint8Array(B * T);
  const targets = new Int32Array(B * T);
  const scored = new Uint8Array(B * T);
  const srcRows: [number, number][] = []; // (row, source position), in (b, t) row-major order of the mask
  rows.forEach((r, b) => {
    const pairs = pairsOf(r, mode).sort((x, y) => x[0] - y[0]);
    for (const [bp, sp] of pairs) {
      mask[b * T + bp] = 1;
      srcRows.push([b, sp]);
    }
    r.label.forEach((id, j) => {
      const i = b * T + r.base.length - 1 + j;
      targets[i] = id;
      scored[i] = 1;
    });
  });
  // Source vectors: one forward of the source model per distinct source sequence batch.
  const d = source.config.hidden;
  const S = Math.max(...rows.map((r) => r.source.length));
  const st = new Int32Array(B * S);
  rows.forEach((r, b) => st.set(r.source, b * S));
  const rec = noGrad(() => source.forward({ tokens: st, batch: B, steps: S, lengths: Int32Array.from(rows.map((r) => r.source.length)) }, { record: [layer], logits: false }));
  const H = rec.recorded.get(source.resolveHook(layer))!.data;
  const hs = new Float32Array(srcRows.length * d);
  srcRows.forEach(([b, sp], j) => hs.set(H.subarray((b * S + sp) * d, (b * S + sp + 1) * d), j * d));
  return { tokens, lengths, B, T, mask, hs: new Tensor(hs, [srcRows.length, d]), targets, scored };
}

/** IIA (the fraction of rows whose every label token is the argmax) of the maps on rows. */
export function lmIia(target: HfCausalLM, source: HfCausalLM, layer: string, rows: readonly LmCfRow[], tm: Pick<AlignmentMap, 'realize'>, sm: Pick<AlignmentMap, 'realize'>, k: number, mode: 'indywise' | 'stepwise' = 'indywise'): number {
  const c = lmCorrect(target, source, layer, rows, tm, sm, k, mode);
  return c.filter((x) => x).length / c.length;
}

/** Per row: whether every label token is the argmax under the maps' intervention. */
export function lmCorrect(target: HfCausalLM, source: HfCausalLM, layer: string, rows: readonly LmCfRow[], tm: Pick<AlignmentMap, 'realize'>, sm: Pick<AlignmentMap, 'realize'>, k: number, mode: 'indywise' | 'stepwise' = 'indywise'): boolean[] {
  const out: boolean[] = [];
  for (let r0 = 0; r0 < rows.length; r0 += 64) out.push(...correctChunk(target, source, layer, rows.slice(r0, r0 + 64), tm, sm, k, mode));
  return out;
}

function correctChunk(target: HfCausalLM, source: HfCausalLM, layer: string, rows: readonly LmCfRow[], tm: Pick<AlignmentMap, 'realize'>, sm: Pick<AlignmentMap, 'realize'>, k: number, mode: 'indywise' | 'stepwise'): boolean[] {
  return noGrad(() => {
    const p = prepare(target, source, layer, rows, mode);
    const iv = affineIntervention(tm.realize(), sm.realize(), { start: 0, end: k }, p.hs);
    const res = target.forward({ tokens: p.tokens, batch: p.B, steps: p.T, lengths: p.lengths }, iv ? { intervention: { point: layer, mask: p.mask, A: iv.A, c: iv.c } } : {});
    const lg = res.logits as Tensor;
    const V = target.config.vocabSize;
    const ok: boolean[] = [];
    for (let b = 0; b < p.B; b++) {
      let all = true;
      for (let t = 0; t < p.T && all; t++) {
        const i = b * p.T + t;
        if (!p.scored[i]) continue;
        let best = 0;
        for (let v = 1; v < V; v++) if (lg.data[i * V + v] > lg.data[i * V + best]) best = v;
        if (best !== p.targets[i]) all = false;
      }
      ok.push(all);
    }
    return ok;
  });
}

/**
 * Train orthogonal maps for the source and target models (one shared map when they are the same
 * object) so that swapping the first k aligned dims reproduces the labels; see the file comment.
 */
export function trainLmMas(target: HfCausalLM, source: HfCausalLM, train: readonly LmCfRow[], valid: readonly LmCfRow[], o: LmMasOptions): LmMasResult {
  const layer = target.resolveHook(o.layer);
  source.resolveHook(o.layer);
  if (layer === 'logits') throw new InputError('MAS swaps residual-stream vectors: choose embedding, layer.N or final, not logits');
  const d = target.config.hidden;
  if (source.config.hidden !== d) throw new InputError(`MAS on language models needs equal widths here (source ${source.config.hidden}, target ${d})`);
  if (!Number.isInteger(o.k) || o.k < 1 || o.k > d) throw new InputError(`k must be an integer in [1, ${d}], got ${o.k}`);
  const mode = o.mode ?? 'indywise';
  const steps = o.steps ?? 1000;
  const batch = Math.min(o.batch ?? 32, train.length);
  const validEvery = o.validEvery ?? 50;
  const stopIia = o.stopIia ?? 1;
  const rng = new Rng(o.seed ?? 0);
  const tm = createMap({ kind: 'orthogonal', d, k: o.k, full: false, param: 'expm' }, rng, 'target');
  const sm = source === target ? tm : createMap({ kind: 'orthogonal', d, k: o.k, full: false, param: 'expm' }, rng, 'source');
  const params = source === target ? tm.parameters() : [...tm.parameters(), ...sm.parameters()];
  const opt = new Adam(params, { lr: o.lr ?? 1e-2 });
  const curve: LmMasResult['curve'] = [];
  let best = -1;
  let step = 0;
  let lastLoss: number | null = null;
  const order = train.map((_, i) => i);
  let cursor = order.length;
  for (; step <= steps; step++) {
    if (step % validEvery === 0 || step === steps) {
      const iia = lmIia(target, source, layer, valid, tm, sm, o.k, mode);
      curve.push({ step, iia, loss: lastLoss });
      if (iia > best) best = iia;
      if (iia >= stopIia || step === steps) break;
    }
    if (cursor + batch > order.length) {
      rng.shuffle(order);
      cursor = 0;
    }
    const rows = order.slice(cursor, cursor + batch).map((i) => train[i]);
    cursor += batch;
    const p = prepare(target, source, layer, rows, mode);
    opt.zeroGrad();
    const iv = affineIntervention(tm.realize(), sm.realize(), { start: 0, end: o.k }, p.hs);
    const res = target.forward({ tokens: p.tokens, batch: p.B, steps: p.T, lengths: p.lengths }, iv ? { intervention: { point: layer, mask: p.mask, A: iv.A, c: iv.c } } : {});
    const loss = crossEntropy(res.logits as Tensor, p.targets, { mask: p.scored });
    lastLoss = loss.item();
    backward(loss);
    opt.step();
  }
  return { iia: curve[curve.length - 1].iia, bestIia: best, steps: step, curve, sourceMap: sm, targetMap: tm };
}

/**
 * Ground-truth labels of a full interchange inside one model: the greedy continuation (n tokens) of
 * `base` when the model's vector at `layer`, base_position (indywise) is replaced by its own vector
 * at source_position on `source`. Used to make counterfactual data whose labels a perfect alignment
 * between two functionally equal models reproduces.
 */
export function interchangeLabels(model: HfCausalLM, rows: readonly LmCfRow[], layer: string, n: number): LmCfRow[] {
  const point = model.resolveHook(layer);
  const d = model.config.hidden;
  return noGrad(() =>
    rows.map((r) => {
      const src = model.forward({ tokens: Int32Array.from(r.source), batch: 1, steps: r.source.length }, { record: [point], logits: false });
      const hs = new Tensor(src.recorded.get(point)!.data.slice(r.sourcePosition * d, (r.sourcePosition + 1) * d), [1, d]);
      const seq = [...r.base];
      const label: number[] = [];
      for (let s = 0; s < n; s++) {
        const mask = new Uint8Array(seq.length);
        mask[r.basePosition] = 1;
        const res = model.forward({ tokens: Int32Array.from(seq), batch: 1, steps: seq.length }, { intervention: { point, mask, A: Tensor.zeros([d, d]), c: hs } });
        const V = model.config.vocabSize;
        const lg = (res.logits as Tensor).data.subarray((seq.length - 1) * V, seq.length * V);
        let best = 0;
        for (let v = 1; v < V; v++) if (lg[v] > lg[best]) best = v;
        seq.push(best);
        label.push(best);
      }
      return { ...r, label };
    }),
  );
}
