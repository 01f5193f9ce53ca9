/**
 * MAS data (mas.md §4.4, §6.4; tasks.md §5.3, §7): per model its MAS train/valid sequences; per
 * (split, direction, variable) tuple its counterfactual pairs; source hooked vectors recorded once,
 * before training, with the source model frozen in eval mode and running free in its response phase;
 * CL vectors recorded once from fully teacher-forced natural runs of the target model; for indywise
 * RNN targets at layer.0, each pair's unintervened prefix (prefix.ts), so steps run only the suffix.
 */
import { InputError } from '../errors.ts';
import type { HookPoint } from '../models/config.ts';
import type { SequenceModel } from '../models/model.ts';
import {
  Vocab,
  makeBatch,
  makeCounterfactualBatch,
  makeCounterfactualPairs,
  modelOf,
  pairStream,
  type CausalModel,
  type CausalState,
  type CounterfactualOptions,
  type CounterfactualBatch,
  type CounterfactualMode,
  type CounterfactualPair,
  type ObjCountMode,
  type Task,
  type Trial,
} from '../tasks/index.ts';
import { Tensor, noGrad, type DType } from '../tensor/tensor.ts';
import { computePrefix, gatherPrefix, suffixApplies, type PrefixBatch, type PrefixStore } from './prefix.ts';

/** One aligned model with its data. */
export interface AlignedModel {
  index: number;
  model: SequenceModel;
  /** The MAS task of the model (unk_p 0, no hold-outs). */
  task: Task;
  vocab: Vocab;
  point: HookPoint;
  /** Width d_m of the hooked vector. */
  width: number;
  train: readonly Trial[];
  valid: readonly Trial[];
}

/** Which split. */
export type Split = 'train' | 'valid';

/** Hooked vectors at every input position of every sequence of a split, packed row by row. */
export interface StateStore {
  d: number;
  /** First row of sequence j. */
  offsets: Int32Array;
  /** Number of stored positions of sequence j (= its length − 1). */
  lengths: Int32Array;
  data: Float32Array | Float64Array;
}

/**
 * Record the vectors at `point` for every input position of `trials` (eval mode, no gradient).
 * freeRun: responses fed back from the model's own predictions (source states) or teacher-forced
 * (CL vectors).
 */
export function recordStates(model: SequenceModel, trials: readonly Trial[], point: HookPoint, freeRun: boolean, batchSize = 256): StateStore {
  const vocab = Vocab.fromList(model.config.vocab);
  const d = model.hookWidth(point);
  const n = trials.length;
  const offsets = new Int32Array(n);
  const lengths = new Int32Array(n);
  let rows = 0;
  for (let j = 0; j < n; j++) {
    offsets[j] = rows;
    lengths[j] = trials[j].tokens.length - 1;
    rows += lengths[j];
  }
  let data: Float32Array | Float64Array | null = null;
  noGrad(() => {
    for (let s = 0; s < n; s += batchSize) {
      const part = trials.slice(s, s + batchSize);
      const batch = makeBatch(part, vocab);
      // Only the vectors are kept: decode just the positions whose prediction is fed back.
      const res = model.forward(batch, { mode: 'eval', freeRun, record: [point], decode: 'fed' });
      const rec = res.recorded.get(point);
      if (!rec) throw new InputError(`recordStates: the model did not record hook point ${point}`);
      data ??= rec.dtype === 'float64' ? new Float64Array(rows * d) : new Float32Array(rows * d);
      for (let b = 0; b < part.length; b++) {
        const j = s + b;
        const src = rec.data.subarray(b * batch.steps * d, (b * batch.steps + lengths[j]) * d);
        data.set(src, offsets[j] * d);
      }
    }
  });
  return { d, offsets, lengths, data: data ?? new Float32Array(0) };
}

/** Rows (seq[i], pos[i]) of a store, packed [n, d]. */
export function gatherStateRows(store: StateStore, seq: ArrayLike<number>, pos: ArrayLike<number>): Float32Array | Float64Array {
  const { d } = store;
  const out = store.data instanceof Float64Array ? new Float64Array(seq.length * d) : new Float32Array(seq.length * d);
  for (let i = 0; i < seq.length; i++) {
    const j = seq[i];
    const p = pos[i];
    if (p < 0 || p >= store.lengths[j]) throw new InputError(`gatherStateRows: position ${p} outside sequence ${j} (length ${store.lengths[j] + 1})`);
    const r = store.offsets[j] + p;
    out.set(store.data.subarray(r * d, (r + 1) * d), i * d);
  }
  return out;
}

/** One (direction, variable) tuple. */
export interface TupleKey {
  src: number;
  trg: number;
  /** Variable name (`count`, `phase`, `full`, `null`, …). */
  variable: string;
  /** Index of the variable's block. */
  v: number;
}

/** The data of one tuple on one split. */
export interface TupleSplit {
  key: TupleKey;
  split: Split;
  pairs: CounterfactualPair[];
  /** Indywise: the source vector of each pair [n, d_s]; stepwise: null (read from the source store). */
  sourceRows: Float32Array | Float64Array | null;
  /** Indywise CL vectors [n, d_t] (zeros at failures) and their validity; null in stepwise mode. */
  clRows: Float32Array | Float64Array | null;
  clOk: Uint8Array | null;
  /** Indywise RNN targets at layer.0: the unintervened prefix of every pair (prefix.ts), else null. */
  prefix: PrefixStore | null;
}

/** Options of buildTupleData. */
export interface DataOptions {
  mode: CounterfactualMode;
  seed: number;
  objCount?: ObjCountMode;
  nTrain: number;
  nValid: number;
  /** The name model m gives block v (default: the tuple's variable label). */
  variableOf?: (model: number, v: number) => string;
  /** Keep only positions whose swapped variable lies in [lo, hi], in the source and the target. */
  values?: readonly [number, number];
}

/** Keys of a variable in a causal model: `full` → its fullKeys, `null` → none, else the name. */
export function variableKeyList(model: CausalModel, variable: string): string[] {
  if (variable === 'full') return [...model.fullKeys];
  if (variable === 'null') return [];
  return [variable];
}

/** How one tuple's pairs are drawn: the target's variable, the source keys, the value filter. */
export function tuplePairSpec(
  models: readonly AlignedModel[],
  key: TupleKey,
  o: Pick<DataOptions, 'variableOf' | 'values'>,
): Pick<CounterfactualOptions, 'variable' | 'sourceKeys' | 'keep'> {
  const tName = o.variableOf?.(key.trg, key.v) ?? key.variable;
  const sName = o.variableOf?.(key.src, key.v) ?? key.variable;
  const spec: { variable: string; sourceKeys?: string[]; keep?: CounterfactualOptions['keep'] } = { variable: tName };
  if (sName !== tName) spec.sourceKeys = variableKeyList(modelOf(models[key.src].task), sName);
  if (o.values && tName !== 'null') {
    const [lo, hi] = o.values;
    const inRange = (name: string) => (st: CausalState) => st[name] >= lo && st[name] <= hi;
    spec.keep = { source: inRange(sName), target: inRange(tName) };
  }
  return spec;
}

/** A tuple's batch: the counterfactual batch, the source rows in mask order, the CL targets. */
export interface TupleBatch {
  batch: CounterfactualBatch;
  /** [count(mask), d_s] source vectors, in (b, t) row-major order of batch.interventionMask. */
  Hs: Tensor;
  /** [B, d_t] CL vectors (indywise), with clOk[b] = 0 at failures. */
  cl: Tensor | null;
  clOk: Uint8Array | null;
  /** The pairs' unintervened prefixes (suffix runs), or null. */
  prefix: PrefixBatch | null;
}

/** Every tuple's pairs and precomputed vectors for both splits. */
export class MasData {
  readonly models: readonly AlignedModel[];
  readonly mode: CounterfactualMode;
  readonly tuples: TupleKey[];
  private readonly splits = new Map<string, TupleSplit>();
  private readonly stores = new Map<string, StateStore>();
  readonly dtype: DType;

  /**
   * Build pairs for every tuple and record source/CL vectors (once, before training). Validation data
   * is built for every tuple; training data only for the tuples `trained` accepts (default all).
   */
  constructor(models: readonly AlignedModel[], tuples: TupleKey[], o: DataOptions, trained: (k: TupleKey) => boolean = () => true) {
    this.models = models;
    this.mode = o.mode;
    this.tuples = tuples;
    this.dtype = 'float32';
    const clStores = new Map<string, StateStore>();
    for (const split of ['train', 'valid'] as const) {
      for (const key of split === 'train' ? tuples.filter(trained) : tuples) {
        const S = models[key.src];
        const T = models[key.trg];
        const n = split === 'train' ? o.nTrain : o.nValid;
        const pairs = makeCounterfactualPairs({
          target: { task: T.task, trials: T[split] },
          source: { task: S.task, trials: S[split] },
          ...tuplePairSpec(models, key, o),
          mode: o.mode,
          n,
          seed: o.seed,
          stream: pairStream(split, key.src, key.trg, key.variable),
          objCount: o.objCount ?? 'target',
          clLookup: o.mode === 'indywise',
        });
        const srcStore = this.store(S, split, true);
        let sourceRows: Float32Array | Float64Array | null = null;
        let clRows: Float32Array | Float64Array | null = null;
        let clOk: Uint8Array | null = null;
        if (o.mode === 'indywise') {
          sourceRows = gatherStateRows(
            srcStore,
            pairs.map((p) => p.sourceIndex),
            pairs.map((p) => p.sourcePos),
          );
          const ck = `${key.trg}/${split}`;
          let cs = clStores.get(ck);
          if (!cs) {
            cs = recordStates(T.model, T[split], T.point, false);
            clStores.set(ck, cs);
          }
          clOk = Uint8Array.from(pairs, (p) => (p.cl ? 1 : 0));
          clRows = gatherStateRows(
            cs,
            pairs.map((p) => p.cl?.seq ?? 0),
            pairs.map((p) => p.cl?.pos ?? 0),
          );
          for (let i = 0; i < pairs.length; i++) if (!clOk[i]) clRows.fill(0, i * cs.d, (i + 1) * cs.d);
        }
        const prefix = suffixApplies(T.model, T.point, o.mode) ? computePrefix(T.model, T.vocab, pairs) : null;
        this.splits.set(`${split}/${key.src}/${key.trg}/${key.v}`, { key, split, pairs, sourceRows, clRows, clOk, prefix });
      }
      // Indywise runs only need the gathered rows: drop the full stores of this split.
      clStores.clear();
      if (o.mode === 'indywise') this.stores.clear();
    }
  }

  private store(m: AlignedModel, split: Split, freeRun: boolean): StateStore {
    const k = `${m.index}/${split}`;
    let s = this.stores.get(k);
    if (!s) {
      s = recordStates(m.model, m[split], m.point, freeRun);
      this.stores.set(k, s);
    }
    return s;
  }

  /** The data of a tuple on a split. */
  get(key: TupleKey, split: Split): TupleSplit {
    const s = this.splits.get(`${split}/${key.src}/${key.trg}/${key.v}`);
    if (!s) throw new InputError(`MasData: no data for tuple ${key.src}->${key.trg}/${key.variable} (${split})`);
    return s;
  }

  /** Number of pairs of a split (the same for every tuple). */
  size(split: Split): number {
    for (const t of this.tuples) {
      const s = this.splits.get(`${split}/${t.src}/${t.trg}/${t.v}`);
      if (s) return s.pairs.length;
    }
    return 0;
  }

  /** The batch of pairs `indices` of a tuple. */
  batch(key: TupleKey, split: Split, indices: ArrayLike<number>): TupleBatch {
    const td = this.get(key, split);
    const S = this.models[key.src];
    const T = this.models[key.trg];
    const pairs = Array.from(indices, (i) => td.pairs[i]);
    const batch = makeCounterfactualBatch(pairs, T.vocab);
    const ds = S.width;
    const B = pairs.length;
    let Hs: Tensor;
    let cl: Tensor | null = null;
    let clOk: Uint8Array | null = null;
    if (td.sourceRows) {
      const src = td.sourceRows;
      const rows = src instanceof Float64Array ? new Float64Array(B * ds) : new Float32Array(B * ds);
      for (let b = 0; b < B; b++) rows.set(src.subarray(indices[b] * ds, (indices[b] + 1) * ds), b * ds);
      Hs = new Tensor(rows, [B, ds]);
      if (td.clRows && td.clOk) {
        const dt = T.width;
        const c = td.clRows instanceof Float64Array ? new Float64Array(B * dt) : new Float32Array(B * dt);
        clOk = new Uint8Array(B);
        for (let b = 0; b < B; b++) {
          c.set(td.clRows.subarray(indices[b] * dt, (indices[b] + 1) * dt), b * dt);
          clOk[b] = td.clOk[indices[b]];
        }
        cl = new Tensor(c, [B, dt]);
      }
    } else {
      const store = this.stores.get(`${S.index}/${split}`)!;
      const seq: number[] = [];
      const pos: number[] = [];
      for (let b = 0; b < B; b++) {
        for (let t = 0; t <= batch.targetPos[b]; t++) {
          seq.push(batch.sourceIndex[b]);
          pos.push(t);
        }
      }
      Hs = new Tensor(gatherStateRows(store, seq, pos), [seq.length, ds]);
    }
    return { batch, Hs, cl, clOk, prefix: td.prefix ? gatherPrefix(td.prefix, indices) : null };
  }
}

/** Per-unit mean and standard deviation of a model's hooked vectors over its MAS training sequences (eligible positions). */
export function zscoreStats(m: AlignedModel): { mean: Float64Array; std: Float64Array } {
  const store = recordStates(m.model, m.train, m.point, true);
  const d = store.d;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  let n = 0;
  m.train.forEach((tr, j) => {
    for (let p = 0; p < store.lengths[j]; p++) {
      const tok = tr.tokens[p];
      if (tok === 'P' || tok === 'B' || tok === 'E' || tok === 'T') continue;
      const r = (store.offsets[j] + p) * d;
      for (let i = 0; i < d; i++) {
        const x = store.data[r + i];
        mean[i] += x;
        sq[i] += x * x;
      }
      n++;
    }
  });
  if (n === 0) throw new InputError('zscoreStats: no eligible positions');
  const std = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    mean[i] /= n;
    std[i] = Math.sqrt(Math.max(sq[i] / n - mean[i] * mean[i], 0));
    if (!(std[i] > 1e-8)) std[i] = 1;
  }
  return { mean, std };
}
