/**
 * Unwanted exchanges (paper v1: "MAS is more resistant to unwanted exchanges than preexisting causal
 * similarity methods"). Alignments of the single variable `count` (MAS, rank-k stitching, DAS, all at
 * the same k) are evaluated on count-only counterfactual pairs whose source and target positions are in
 * different phases. For each trial the intervened target either follows
 *  - the count-only counterfactual (its own phase, the source's count): `iia`, the wanted exchange, or
 *  - the counterfactual of taking over the source's whole state (phase and count, the `full` set):
 *    `unwanted`, the target's phase was exchanged too;
 * each measured as IIA (mas.md §7: every task position correct, responses free-running) on its own
 * counterfactual sequence, with the same intervention (same pair, same positions, same source vector).
 *
 * The maps are read from each alignment run folder (alignment.json, alignment.safetensors: the final
 * realized orthogonal columns `maps.{m}.Q` or `.U`), and the intervention is formed here from the first k
 * columns: FixedMask h' = h_t (I − U_t U_tᵀ) + h_s U_s U_tᵀ, ZeroMask h' = h_s U_s U_tᵀ (mas.md §4.1).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.ts';
import { writeJsonAtomic } from '../io/atomic.ts';
import { readJson } from '../io/atomic.ts';
import { readSafetensors } from '../io/safetensors.ts';
import { recordStates, gatherStateRows } from '../align/data.ts';
import { loadModel } from '../models/folder.ts';
import type { HookPoint } from '../models/config.ts';
import type { SequenceModel } from '../models/model.ts';
import {
  Vocab,
  buildIndywise,
  getTask,
  makeCounterfactualBatch,
  makeCounterfactualPairs,
  makeMasData,
  modelOf,
  scoreTrials,
  type CounterfactualPair,
  type Trial,
} from '../tasks/index.ts';
import { Tensor, noGrad } from '../tensor/tensor.ts';
import { Rng } from '../util/rng.ts';

/** One evaluated alignment: its run folder and which of its models are source and target. */
export interface UnwantedRun {
  /** Alignment run folder, relative to the experiment folder. */
  run: string;
  /** Index of the source model within the run's models. */
  src: number;
  /** Index of the target model within the run's models. */
  trg: number;
}

/** Arguments of an unwanted-exchanges evaluation job. */
export interface UnwantedJobArgs {
  /** Model folders (relative to the experiment folder): [source model, target model]. */
  models: [string, string];
  /** Method name → run; each run's source and target models must be models[0] and models[1] (DAS: models[1] twice). */
  runs: Record<string, UnwantedRun & { source: 0 | 1 }>;
  /** Subspace size the runs were trained at (checked against each run). */
  k: number;
  /** Evaluation pairs per method. */
  pairs: number;
  seed: number;
}

/** Figures of one method. */
export interface UnwantedFigures {
  /** Fraction of trials that follow the count-only counterfactual. */
  iia: number;
  /** Fraction that instead follow the counterfactual of taking over the source's phase and count. */
  unwanted: number;
  /** Fraction that follow both (possible only where the two counterfactuals agree on every scored token). */
  both: number;
  pairs: number;
  direction: string;
}

/** The first k orthonormal columns of every map of a finished alignment run, and its mask. */
export interface LoadedRun {
  mask: 'fixed' | 'zero';
  k: number;
  /** U per model of the run, [d, k] row-major. */
  U: Float32Array[];
  d: number[];
}

/** Read a finished alignment run folder (alignment.json, config.json, alignment.safetensors) at subspace k. */
export function loadRun(dir: string, k: number): LoadedRun {
  const aj = path.join(dir, 'alignment.json');
  if (!fs.existsSync(aj)) throw new InputError(`unwanted exchanges: ${dir} has no alignment.json (the alignment stage has not finished)`);
  const meta = readJson(aj) as { k: number; mask: 'fixed' | 'zero'; map: string; models: unknown[] };
  if (meta.k !== k) throw new InputError(`unwanted exchanges: ${dir} was trained at k = ${meta.k}, not ${k}`);
  if (meta.map === 'invertible') throw new InputError(`unwanted exchanges: ${dir} uses invertible maps; only orthonormal maps are supported`);
  const cfg = readJson(path.join(dir, 'config.json')) as { config?: { settings?: { zscore?: boolean } } };
  if (cfg.config?.settings?.zscore) throw new InputError(`unwanted exchanges: ${dir} z-scores the states; not supported`);
  const st = readSafetensors(path.join(dir, 'alignment.safetensors'), { onWarning: () => {} });
  const U: Float32Array[] = [];
  const d: number[] = [];
  for (let m = 0; m < meta.models.length; m++) {
    const t = st.tensors.get(`maps.${m}.Q`) ?? st.tensors.get(`maps.${m}.U`);
    if (!t) throw new InputError(`unwanted exchanges: ${dir}/alignment.safetensors has no maps.${m}.Q or maps.${m}.U`);
    const [rows, cols] = t.shape;
    if (cols < k) throw new InputError(`unwanted exchanges: maps.${m} of ${dir} has ${cols} columns, fewer than k = ${k}`);
    const u = new Float32Array(rows * k);
    for (let i = 0; i < rows; i++) for (let j = 0; j < k; j++) u[i * k + j] = t.data[i * cols + j];
    U.push(u);
    d.push(rows);
  }
  return { mask: meta.mask, k, U, d };
}

/** The model-level intervention for source rows Hs [n, d_s]: A [d_t, d_t] and c [n, d_t]. */
export function swapAffine(Us: Float32Array, Ut: Float32Array, ds: number, dt: number, k: number, Hs: Float32Array, n: number, mask: 'fixed' | 'zero'): { A: Tensor; c: Tensor } {
  const A = new Float32Array(dt * dt);
  if (mask === 'fixed') {
    for (let i = 0; i < dt; i++) {
      for (let j = 0; j < dt; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += Ut[i * k + q] * Ut[j * k + q];
        A[i * dt + j] = (i === j ? 1 : 0) - s;
      }
    }
  }
  const c = new Float32Array(n * dt);
  const z = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    z.fill(0);
    for (let i = 0; i < ds; i++) {
      const h = Hs[r * ds + i];
      for (let q = 0; q < k; q++) z[q] += h * Us[i * k + q];
    }
    for (let j = 0; j < dt; j++) {
      let s = 0;
      for (let q = 0; q < k; q++) s += z[q] * Ut[j * k + q];
      c[r * dt + j] = s;
    }
  }
  return { A: new Tensor(A, [dt, dt]), c: new Tensor(c, [n, dt]) };
}

/** Per-trial correctness of the target model on pairs' counterfactuals with the intervention of one run. */
export function correctness(target: SequenceModel, vocab: Vocab, point: HookPoint, pairs: readonly CounterfactualPair[], Hs: Float32Array, ds: number, run: LoadedRun, src: number, trg: number): boolean[] {
  const out: boolean[] = [];
  const dt = run.d[trg];
  const bs = 250;
  noGrad(() => {
    for (let s = 0; s < pairs.length; s += bs) {
      const part = pairs.slice(s, s + bs);
      const batch = makeCounterfactualBatch(part, vocab);
      const { A, c } = swapAffine(run.U[src], run.U[trg], ds, dt, run.k, Hs.subarray(s * ds, (s + part.length) * ds), part.length, run.mask);
      const res = target.forward(batch, { mode: 'eval', freeRun: true, intervention: { point, mask: batch.interventionMask, A, c } });
      out.push(...scoreTrials(res.predictions, batch).trialCorrect);
    }
  });
  return out;
}

/** The count-only pairs (different phases) and, for the same draws, the full-state counterfactuals. */
export function unwantedPairs(targetTask: ReturnType<typeof getTask>, targets: readonly Trial[], sourceTask: ReturnType<typeof getTask>, sources: readonly Trial[], n: number, seed: number): { count: CounterfactualPair[]; full: CounterfactualPair[] } {
  const count = makeCounterfactualPairs({
    target: { task: targetTask, trials: targets },
    source: { task: sourceTask, trials: sources },
    variable: 'count',
    n,
    seed,
    stream: 'unwanted/count',
    clLookup: false,
    accept: (s, t) => s.phase !== t.phase,
  });
  const tm = modelOf(targetTask);
  const rng = new Rng(seed).fork('unwanted/full');
  const fullKeys = tm.fullKeys.map((k) => [k, k] as const);
  const full = count.map((p) => {
    const b = buildIndywise(tm, targets[p.targetIndex], p.targetPos, p.sourceState, fullKeys, rng);
    if (!b.cf) throw new InputError(`unwanted exchanges: no full-state counterfactual for pair ${p.targetIndex}`);
    return { ...p, variable: 'full', keys: fullKeys, intervened: b.cf.intervened, counterfactual: { tokens: b.cf.tokens, taskMask: b.cf.taskMask, count: targets[p.targetIndex].count } };
  });
  return { count, full };
}

/** What runUnwantedJob writes and returns (`unwanted.json`). */
export interface UnwantedResult {
  format: 'mas-unwanted/1';
  models: [string, string];
  k: number;
  layer: string;
  pairs: number;
  seed: number;
  methods: Record<string, UnwantedFigures>;
  wall_s: number;
}

/** Evaluate every run on the same pairs; writes `unwanted.json` into the stage folder (ctx: the job's stage and experiment folders). */
export function runUnwantedJob(a: UnwantedJobArgs, ctx: { dir: string; root: string }): UnwantedResult {
  const dirs = a.models.map((m) => path.join(ctx.root, m));
  const models = dirs.map((d) => loadModel(d, { onWarning: () => {} }));
  const point: HookPoint = 'layer.0';
  const tasks = models.map((m) => getTask(m.config.task, { ...m.config.task_config }));
  const data = tasks.map((t, i) => makeMasData(t, { seed: new Rng(a.seed).fork(`unwanted/data/${i}`).nextU32(), nTrain: 1, nValid: Math.max(a.pairs, 200) }));
  const t0 = performance.now();
  const methods: Record<string, UnwantedFigures> = {};
  for (const [name, r] of Object.entries(a.runs)) {
    const run = loadRun(path.join(ctx.root, r.run), a.k);
    const sIdx = r.source;
    const S = data[sIdx];
    const T = data[1];
    const { count, full } = unwantedPairs(T.task, T.valid, S.task, S.valid, a.pairs, a.seed);
    const store = recordStates(models[sIdx], S.valid, point, true);
    const Hs = gatherStateRows(store, count.map((p) => p.sourceIndex), count.map((p) => p.sourcePos));
    const hs = Hs instanceof Float32Array ? Hs : Float32Array.from(Hs);
    const vocab = Vocab.fromList(models[1].config.vocab);
    const ds = store.d;
    const okCount = correctness(models[1], vocab, point, count, hs, ds, run, r.src, r.trg);
    const okFull = correctness(models[1], vocab, point, full, hs, ds, run, r.src, r.trg);
    const n = okCount.length;
    let c = 0;
    let f = 0;
    let b = 0;
    for (let i = 0; i < n; i++) {
      if (okCount[i]) c++;
      if (okFull[i]) f++;
      if (okCount[i] && okFull[i]) b++;
    }
    methods[name] = { iia: c / n, unwanted: f / n, both: b / n, pairs: n, direction: `${sIdx}->1` };
  }
  const doc: UnwantedResult = { format: 'mas-unwanted/1', models: a.models, k: a.k, layer: point, pairs: a.pairs, seed: a.seed, methods, wall_s: Math.round((performance.now() - t0) / 100) / 10 };
  fs.mkdirSync(ctx.dir, { recursive: true });
  writeJsonAtomic(path.join(ctx.dir, 'unwanted.json'), doc);
  return doc;
}
