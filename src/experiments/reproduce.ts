/**
 * `mas reproduce NAME`: the paper's comparisons (mas.md §11) as stage lists. All reproductions share
 * one experiment folder (default runs/reproduce) so the trained models are reused: models live in
 * `models/`, each reproduction's alignment and similarity runs in `<NAME>/`, and each reproduction
 * writes `<NAME>/report.html` (its section of the results, with the models' training curves).
 */
import * as path from 'node:path';
import { InputError, unknownName } from '../errors.ts';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.ts';
import { parseAlignRecord } from '../io/run-record.ts';
import { lockFolder, removeStaleTemps } from '../io/lock.ts';
import { renderReport } from '../report/html.ts';
import { reportFromRuns } from '../report/fromRuns.ts';
import type { AlignJobArgs } from './align-job.ts';
import { demoSettings, modelId, type DemoSettings } from './demo.ts';
import type { JobSpec, TrainJobArgs } from './jobs.ts';
import { aggregateSeeds, originalOutcomes, replicateSettings, replicateStages, summarizeStages } from './seeds.ts';
import { openExperiment, runStages, type Json, type Stage, type StageOutcome } from './stages.ts';

/** One reproduction. */
export interface Reproduction {
  name: string;
  /** What the paper claims and what this run checks. */
  description: string;
  /** The stages (model stages are shared between reproductions). */
  stages(s: DemoSettings): Stage[];
  /** Headline lines computed from the finished stages' results (first in the report and on stdout). */
  summary?(results: (id: string) => Json | null, s: DemoSettings): string[];
  /** The figures of one run (one model seed set), for `--json` (default: every stage's figures). */
  summarize?(outcomes: Map<string, StageOutcome>, s: DemoSettings): Json;
  /** A self-contained reproduction (no shared stages): runs in DIR/NAME and returns its JSON result and headline lines. */
  standalone?(o: StandaloneOptions): Promise<{ json: Json; summary: string[] }>;
}

/** Options of a standalone reproduction. */
export interface StandaloneOptions {
  /** Its own folder (DIR/NAME). */
  out: string;
  quick: boolean;
  /** --seeds, when given. */
  seeds?: number;
  log: (line: string) => void;
}

const A = 0;
const B = 1;

function trainStage(s: DemoSettings, arch: 'gru' | 'lstm' | 'transformer', seed: number): Stage {
  return { id: modelId(arch, seed), title: `train ${arch.toUpperCase()} seed ${seed}`, job: { kind: 'train', args: { task: s.task, arch, seed, ...s.train } } };
}

function alignStage(s: DemoSettings, name: string, id: string, title: string, method: AlignJobArgs['method'], models: string[], k: number, extra: Partial<AlignJobArgs> = {}): Stage {
  return { id: `${name}/align/${id}`, title, deps: models, job: { kind: 'align', args: { method, models, k, ...s.align, ...extra } } };
}

function simStage(s: DemoSettings, name: string, x: string, y: string, layer: string, measures = s.similarity.measures): Stage {
  return {
    id: `${name}/similarity/${path.basename(x)}_${path.basename(y)}-${layer}`,
    title: `similarity ${path.basename(x)} vs ${path.basename(y)} at ${layer}`,
    deps: [x, y],
    job: { kind: 'similarity', args: { models: [x, y], layer, measures, subsample: s.similarity.subsample, runs: s.similarity.runs, seed: s.similarity.seed, perCount: s.similarity.perCount } },
  };
}

/**
 * Stepwise MAS at the embedding swaps the inputs at every position up to p, and uses the reference
 * configs' default variable set `full` (tasks.md §7.1, Example F).
 */
const EMBEDDING: Partial<AlignJobArgs> = { layer: 'embedding', variable: 'full' };
/** The author's hidden-state protocol: layer.0, indywise for every architecture (mas.md §4.3), the variable set `full`. */
const HIDDEN_INDYWISE: Partial<AlignJobArgs> = { layer: 'layer.0', variable: 'full', mode: 'indywise' };
/** The paper's single "Count" variable (the reference figure of reference-figures.md §4). */
const COUNT: Partial<AlignJobArgs> = { variable: 'count' };
/** Every variable but obj_count (phase and count): what a stitched state can carry. */
const FULL: Partial<AlignJobArgs> = { variable: 'full' };

const REF_MEASURES = ['cka-linear', 'rsa-correlation-spearman', 'ref-cka-cos', 'ref-cka-l2', 'ref-rsa-raw-cos-spr', 'ref-rsa-raw-l2-spr', 'ref-rsa-raw-cos-prs', 'ref-rsa-raw-l2-prs', 'ref-rsa-nrm-cos-spr', 'ref-rsa-nrm-l2-spr'];

/** Every reproduction, in `--list` order. */
export const REPRODUCTIONS: Reproduction[] = [
  {
    name: 'seeds',
    description: 'MAS aligns two Multi-Object GRU seeds at the hidden state (k = 32, all four directions): cross-model IIA ≥ 0.9 and within 0.05 of within-model IIA; DAS (k = 16) in each seed for comparison.',
    stages(s) {
      const [a, b] = s.seeds.map((x) => modelId('gru', x));
      return [trainStage(s, 'gru', s.seeds[A]), trainStage(s, 'gru', s.seeds[B]),
        alignStage(s, 'seeds', 'mas-k32', 'MAS GRU ↔ GRU, k = 32, variable count', 'mas', [a, b], 32, COUNT),
        alignStage(s, 'seeds', 'das-a-k16', `DAS in GRU ${s.seeds[A]}, k = 16, variable count`, 'das', [a], 16, COUNT),
        alignStage(s, 'seeds', 'das-b-k16', `DAS in GRU ${s.seeds[B]}, k = 16, variable count`, 'das', [b], 16, COUNT)];
    },
  },
  {
    name: 'k-sweep',
    description: 'GRU behaviour compresses to about 4 dimensions: MAS IIA against k ∈ {1, 2, 4, 8, 16, 32, 64} with the variable set `full`, with DAS at k = 4 and k = 16 beside it, and MAS with the single variable `count` at k = 4 and 32 (which needs more dimensions).',
    stages(s) {
      const [a, b] = s.seeds.map((x) => modelId('gru', x));
      return [trainStage(s, 'gru', s.seeds[A]), trainStage(s, 'gru', s.seeds[B]),
        ...[1, 2, 4, 8, 16, 32, 64].map((k) => alignStage(s, 'k-sweep', `mas-full-k${k}`, `MAS k = ${k}, variable full`, 'mas', [a, b], k, FULL)),
        alignStage(s, 'k-sweep', 'das-full-k4', 'DAS k = 4, variable full', 'das', [a], 4, FULL), alignStage(s, 'k-sweep', 'das-full-k16', 'DAS k = 16, variable full', 'das', [a], 16, FULL),
        ...[4, 32].map((k) => alignStage(s, 'k-sweep', `mas-count-k${k}`, `MAS k = ${k}, variable count`, 'mas', [a, b], k, COUNT))];
    },
  },
  {
    name: 'stitching',
    description: 'Model stitching reaches near-perfect IIA with rank-2 maps between GRUs (it may route through the behavioural null space), while MAS at k = 2 is stricter: stitching at rank 2, 32 and 128 against MAS at k = 2 and 32, all with the `full` variable set (a stitched state replaces the whole target state, so only the full counterfactual is attainable).',
    stages(s) {
      const [a, b] = s.seeds.map((x) => modelId('gru', x));
      const full = FULL;
      return [trainStage(s, 'gru', s.seeds[A]), trainStage(s, 'gru', s.seeds[B]),
        ...[2, 32, 128].map((k) => alignStage(s, 'stitching', `stitch-r${k}`, `stitching rank ${k}`, 'stitch', [a, b], k, { ...full, steps: s.singleDirectionSteps })),
        ...[2, 32].map((k) => alignStage(s, 'stitching', `mas-full-k${k}`, `MAS k = ${k}, variable full`, 'mas', [a, b], k, full))];
    },
  },
  {
    name: 'clmas',
    description: 'CLMAS recovers a causal alignment into a model whose behaviour cannot be used: IIA into model 1 with ε ∈ {1, 8} against ε = 0, at k ∈ {16, 64}.',
    stages(s) {
      const [a, b] = s.seeds.map((x) => modelId('gru', x));
      const out: Stage[] = [trainStage(s, 'gru', s.seeds[A]), trainStage(s, 'gru', s.seeds[B])];
      for (const k of [16, 64]) for (const eps of [0, 1, 8]) out.push(alignStage(s, 'clmas', `clmas-k${k}-eps${eps}`, `CLMAS k = ${k}, ε = ${eps}, variable count`, 'clmas', [a, b], k, { ...COUNT, clEps: eps }));
      return out;
    },
  },
  {
    name: 'embedding',
    description: 'At the embedding layer MAS (stepwise, k = 16) still aligns the seeds, while Spearman RSA on raw data is low (reference ≈ 0.70) and CKA stays ≈ 0.99.',
    stages(s) {
      const [a, b] = s.seeds.map((x) => modelId('gru', x));
      return [trainStage(s, 'gru', s.seeds[A]), trainStage(s, 'gru', s.seeds[B]),
        alignStage(s, 'embedding', 'mas-embedding-k16', 'MAS at the embedding, k = 16, variable full', 'mas', [a, b], 16, EMBEDDING),
        simStage(s, 'embedding', a, b, 'embedding', REF_MEASURES)];
    },
  },
  {
    name: 'gru-transformer',
    description:
      "GRU against 2-layer transformer (the paper: MAS IIA low while RSA and CKA suggest high similarity). The author's hidden-state protocol: MAS between the GRU's layer.0 and the transformer's layer.0, indywise (the transformer's vector at p_t is replaced and later positions read it through attention), k = 32, variable full, reported next to the within-transformer ceiling (DAS in the transformer alone, same layer, mode and k). Beside it: stepwise MAS at the embedding (k = 16) for GRU ↔ transformer and GRU ↔ GRU, and RSA/CKA at both layers.",
    stages(s) {
      const [a, b] = s.seeds.map((x) => modelId('gru', x));
      const tf = modelId('transformer', s.seeds[A]);
      return [trainStage(s, 'gru', s.seeds[A]), trainStage(s, 'gru', s.seeds[B]), trainStage(s, 'transformer', s.seeds[A]),
        alignStage(s, 'gru-transformer', 'mas-gru-transformer-layer0-k32', 'MAS GRU ↔ transformer at layer.0 (indywise), k = 32, variable full', 'mas', [a, tf], 32, HIDDEN_INDYWISE),
        alignStage(s, 'gru-transformer', 'das-transformer-layer0-k32', 'DAS in the transformer at layer.0 (indywise), k = 32, variable full: the within-transformer ceiling', 'das', [tf], 32, HIDDEN_INDYWISE),
        alignStage(s, 'gru-transformer', 'mas-gru-transformer-k16', 'MAS GRU ↔ transformer (embedding), k = 16, variable full', 'mas', [a, tf], 16, EMBEDDING),
        alignStage(s, 'gru-transformer', 'mas-gru-gru-k16', 'MAS GRU ↔ GRU (embedding), k = 16, variable full', 'mas', [a, b], 16, EMBEDDING),
        simStage(s, 'gru-transformer', a, tf, 'embedding'), simStage(s, 'gru-transformer', a, tf, 'layer.0'), simStage(s, 'gru-transformer', a, b, 'embedding')];
    },
    summary(results) {
      const f = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(3));
      const iia = (id: string): number[][] | undefined => {
        const r = results(`gru-transformer/align/${id}`);
        return r === null ? undefined : parseAlignRecord(r, id).iia;
      };
      const mas = iia('mas-gru-transformer-layer0-k32');
      const das = iia('das-transformer-layer0-k32');
      return [
        `Hidden state (layer.0, indywise, k = 32, full): cross-model IIA GRU → transformer ${f(mas?.[0]?.[1])}, transformer → GRU ${f(mas?.[1]?.[0])}; ` +
          `within-model in the MAS run: GRU ${f(mas?.[0]?.[0])}, transformer ${f(mas?.[1]?.[1])}; within-transformer ceiling (DAS in the transformer alone): ${f(das?.[0]?.[0])}.`,
      ];
    },
  },
  {
    name: 'rsa-cka',
    description: 'RSA/CKA between the GRU seeds with the reference measures (reference-figures.md §3) at layer.0 and the embedding, beside MAS IIA at both layers.',
    stages(s) {
      const [a, b] = s.seeds.map((x) => modelId('gru', x));
      return [trainStage(s, 'gru', s.seeds[A]), trainStage(s, 'gru', s.seeds[B]),
        simStage(s, 'rsa-cka', a, b, 'layer.0', REF_MEASURES), simStage(s, 'rsa-cka', a, b, 'embedding', REF_MEASURES),
        alignStage(s, 'rsa-cka', 'mas-k32', 'MAS layer.0, k = 32, variable count', 'mas', [a, b], 32, COUNT),
        alignStage(s, 'rsa-cka', 'mas-embedding-k16', 'MAS embedding, k = 16, variable full', 'mas', [a, b], 16, EMBEDDING)];
    },
  },
  {
    name: 'unwanted-exchanges',
    description:
      "Paper v1: MAS is more resistant to unwanted exchanges than earlier causal similarity methods. The single variable `count` is aligned with MAS (GRU ↔ GRU, all four directions), rank-k stitching (0→1) and DAS (in GRU 1), all at the same k, then evaluated on count-only pairs whose source and target positions are in different phases: `iia` = the trial follows the count-only counterfactual, `unwanted` = it follows the counterfactual of taking over the source's phase and count instead.",
    stages(s) {
      const [a, b] = s.seeds.map((x) => modelId('gru', x));
      const k = unwantedK(s);
      const name = 'unwanted-exchanges';
      const mas = `${name}/align/mas-count-k${k}`;
      const stitch = `${name}/align/stitch-count-r${k}`;
      const das = `${name}/align/das-count-k${k}`;
      return [trainStage(s, 'gru', s.seeds[A]), trainStage(s, 'gru', s.seeds[B]),
        alignStage(s, name, `mas-count-k${k}`, `MAS GRU ↔ GRU, k = ${k}, variable count`, 'mas', [a, b], k, COUNT),
        alignStage(s, name, `stitch-count-r${k}`, `stitching 0→1, rank ${k}, variable count`, 'stitch', [a, b], k, { ...COUNT, steps: s.singleDirectionSteps }),
        alignStage(s, name, `das-count-k${k}`, `DAS in GRU ${s.seeds[B]}, k = ${k}, variable count`, 'das', [b], k, { ...COUNT, steps: s.singleDirectionSteps }),
        {
          id: `${name}/evaluate`,
          title: 'unwanted exchanges: count-only pairs across phases',
          deps: [a, b, mas, stitch, das],
          job: {
            kind: 'unwanted',
            args: {
              models: [a, b],
              runs: { mas: { run: mas, source: 0, src: 0, trg: 1 }, stitch: { run: stitch, source: 0, src: 0, trg: 1 }, das: { run: das, source: 1, src: 0, trg: 0 }, 'mas-within': { run: mas, source: 1, src: 1, trg: 1 } },
              k,
              pairs: s.quick ? 200 : 1000,
              seed: 7,
            },
          },
        }];
    },
    summarize(outcomes) {
      const ev = outcomes.get('unwanted-exchanges/evaluate')?.result as { methods?: Record<string, { iia: number; unwanted: number; both: number; pairs: number; direction: string }>; k?: number } | undefined;
      if (!ev?.methods) {
        const none: Json = { methods: null };
        return none;
      }
      const pick = (m: string) => ({ iia: ev.methods![m].iia, unwanted: ev.methods![m].unwanted });
      const aligned = (id: string) => (outcomes.get(`unwanted-exchanges/align/${id}`)?.result ?? null) as { iia?: number[][] } | null;
      const k = ev.k ?? 0;
      return {
        methods: { mas: pick('mas'), stitch: pick('stitch'), das: pick('das') },
        k,
        details: {
          per_method: ev.methods as unknown as Json,
          validation_iia: { mas: aligned(`mas-count-k${k}`)?.iia ?? null, stitch: aligned(`stitch-count-r${k}`)?.iia ?? null, das: aligned(`das-count-k${k}`)?.iia ?? null } as unknown as Json,
        },
      };
    },
  },
  {
    name: 'cross-task',
    description:
      'Aligning Count (Multi-Object GRU) with Cumu Val (Arithmetic GRU) gives lower IIA than Count with Count (two Multi-Object seeds). The GRUs are trained with the author\'s stopping rule (300 validations without improvement); both alignments are MAS on the value range the two variables share.',
    stages(s) {
      const x = crossTaskSettings(s);
      const name = 'cross-task';
      const [sa, sb] = s.seeds;
      const moA = `models/multi-object-gru-${sa}`;
      const moB = `models/multi-object-gru-${sb}`;
      const ar = `models/arithmetic-gru-${sa}`;
      const train = (id: string, task: string, seed: number, args: Omit<TrainJobArgs, 'arch' | 'seed' | 'task'>): Stage => ({ id, title: `train ${task} GRU seed ${seed} (author's stopping rule)`, job: { kind: 'train', args: { task, arch: 'gru', seed, ...args } } });
      const extra = { values: x.values, ...COUNT };
      return [train(moA, 'multi-object', sa, x.multiObject), train(moB, 'multi-object', sb, x.multiObject), train(ar, 'arithmetic', sa, x.arithmetic),
        alignStage(s, name, `count-count-k${x.k}`, `MAS Count ↔ Count (Multi-Object seeds), k = ${x.k}, values ${x.values.join('-')}`, 'mas', [moA, moB], x.k, extra),
        alignStage(s, name, `count-cumu_val-k${x.k}`, `MAS Count ↔ Cumu Val (Multi-Object ↔ Arithmetic), k = ${x.k}, values ${x.values.join('-')}`, 'mas', [moA, ar], x.k, { ...extra, variables: [['count', 'cumu_val']] })];
    },
    summarize(outcomes, s) {
      const x = crossTaskSettings(s);
      const get = (id: string) => (outcomes.get(`cross-task/align/${id}`)?.result ?? null) as { iia?: number[][]; task_accuracy?: number[]; steps?: number; stop_reason?: string } | null;
      const cc = get(`count-count-k${x.k}`);
      const cv = get(`count-cumu_val-k${x.k}`);
      const cross = (r: typeof cc): number | null => (r?.iia ? (r.iia[0][1] + r.iia[1][0]) / 2 : null);
      const models = (id: string): Json => {
        const m = outcomes.get(id)?.result as { val_trial_acc?: number; steps?: number; stop_reason?: string } | null | undefined;
        return m ? { val_trial_acc: m.val_trial_acc ?? null, steps: m.steps ?? null, stop_reason: m.stop_reason ?? null } : null;
      };
      const [sa, sb] = s.seeds;
      return {
        within_task_iia: cross(cc),
        cross_task_iia: cross(cv),
        k: x.k,
        values: x.values,
        count_count: { iia: (cc?.iia ?? null) as Json, task_accuracy: (cc?.task_accuracy ?? null) as Json, steps: cc?.steps ?? null, stop_reason: cc?.stop_reason ?? null },
        count_cumu_val: { iia: (cv?.iia ?? null) as Json, task_accuracy: (cv?.task_accuracy ?? null) as Json, steps: cv?.steps ?? null, stop_reason: cv?.stop_reason ?? null },
        models: { multi_object_a: models(`models/multi-object-gru-${sa}`), multi_object_b: models(`models/multi-object-gru-${sb}`), arithmetic: models(`models/arithmetic-gru-${sa}`) },
        };
      },
    },
  {
    name: 'sae-superposition',
    description:
      'Toy models of superposition (more sparse features than hidden units) trained from different seeds hold the same features in different arrangements: unit matching (semi-matching, soft matching) and linear regression between their hidden units are low, and sparse-autoencoder latents in place of the units raise them; CKA beside them. Self-contained (no shared models); --seeds N compares every pair of N seeds.',
    stages: () => [],
    async standalone(o) {
      const { runSaeSuperposition } = await import('./sae-superposition.ts');
      const r = runSaeSuperposition({ out: o.out, quick: o.quick, seeds: o.seeds, log: o.log });
      const f = (x: number): string => x.toFixed(3);
      return {
        json: { measures: r.measures },
        summary: Object.entries(r.measures).map(([id, v]) => `${id}: neurons ${f(v.neurons)}, SAE latents ${f(v.sae)}`),
      };
    },
  },
];

/** k of the unwanted-exchanges alignments (the same for MAS, stitching and DAS). */
function unwantedK(s: DemoSettings): number {
  return s.quick ? 4 : 16;
}

/**
 * Cross-task settings: the author's stopping rule (training ends after 300 validations without
 * improvement, tasks and models otherwise at their defaults; the quick run uses the demo's tiny models),
 * the shared value range of Count (0..max_count) and Cumu Val (0..max_value), and k.
 */
export function crossTaskSettings(s: DemoSettings): { multiObject: Omit<TrainJobArgs, 'arch' | 'seed' | 'task'>; arithmetic: Omit<TrainJobArgs, 'arch' | 'seed' | 'task'>; values: [number, number]; k: number } {
  if (s.quick) {
    const maxCount = s.train.taskConfig?.max_count ?? 6;
    return {
      multiObject: s.train,
      arithmetic: { ...s.train, taskConfig: { min_count: 1, max_count: 3, hold_outs: [], max_value: maxCount } },
      values: [0, maxCount],
      k: 4,
    };
  }
  return { multiObject: { validateEvery: 5, patience: 300 }, arithmetic: { validateEvery: 5, patience: 300 }, values: [0, 20], k: 32 };
}

/** The reproduction called `name` (InputError with suggestions otherwise). */
export function getReproduction(name: string): Reproduction {
  const r = REPRODUCTIONS.find((x) => x.name === name);
  if (!r) unknownName('reproduction', name, REPRODUCTIONS.map((x) => x.name));
  return r;
}

/** The `mas` command line equivalent to one stage (run from the experiment folder). */
export function stageCommand(job: JobSpec, dir: string): string {
  switch (job.kind) {
    case 'train': {
      const a = job.args;
      const parts = [`mas train --task ${a.task} --arch ${a.arch} --seed ${a.seed} --out ${dir}`];
      if (a.epochs !== undefined) parts.push(`--epochs ${a.epochs}`);
      if (a.steps !== undefined) parts.push(`--steps ${a.steps}`);
      if (a.validateEvery !== undefined) parts.push(`--validate-every ${a.validateEvery}`);
      if (a.solvedPatience !== undefined) parts.push(`--solved-patience ${a.solvedPatience}`);
      return parts.join(' ');
    }
    case 'align': {
      const a = job.args;
      const variable = a.variables ? a.variables.map((v) => (typeof v === 'string' ? v : v.join(','))).join(' ') : a.variable;
      const parts = [`mas align --method ${a.method} --models ${a.models.join(' ')} --layer ${a.layers ? a.layers.join(',') : a.layer} --variable ${variable} --subspace ${a.k} --steps ${a.steps}`];
      if (a.values !== undefined) parts.push(`--values ${a.values[0]}-${a.values[1]}`);
      if (a.batchSize !== undefined) parts.push(`--batch ${a.batchSize}`);
      if (a.lr !== undefined) parts.push(`--lr ${a.lr}`);
      if (a.nTrain !== undefined) parts.push(`--train-pairs ${a.nTrain}`);
      if (a.nValid !== undefined) parts.push(`--valid-pairs ${a.nValid}`);
      if (a.validateEvery !== undefined) parts.push(`--valid-every ${a.validateEvery}`);
      if (a.clEps !== undefined) parts.push(`--cl-weight ${a.clEps}`);
      if (a.lossPositions !== undefined) parts.push(`--loss-positions ${a.lossPositions}`);
      if (a.mode !== undefined) parts.push(`--mode ${a.mode}`);
      parts.push(`--seed ${a.seed} --out ${dir}`);
      return parts.join(' ');
    }
    case 'similarity': {
      const a = job.args;
      return `mas compare --models ${a.models.join(' ')} --layer ${a.layer} --measures ${a.measures.join(',')} --subsample ${a.subsample} --runs ${a.runs} --seed ${a.seed} --per-count ${a.perCount} --out ${dir}`;
    }
    case 'unwanted': {
      const a = job.args;
      return `(in-process) evaluate ${Object.entries(a.runs).map(([m, r]) => `${m}=${r.run}`).join(' ')} on ${a.pairs} count-only pairs across phases (k = ${a.k}, seed ${a.seed}) → ${dir}/unwanted.json`;
    }
  }
}

/** Options of runReproduction. */
export interface ReproduceOptions {
  out: string;
  quick?: boolean;
  fresh?: boolean;
  jobs?: number;
  quiet?: boolean;
  /** Independent model seed sets (default 1). */
  seeds?: number;
  log?: (line: string) => void;
}

/**
 * Run (or resume) one reproduction, `seeds` times with independent model seeds (seeds.ts); writes
 * `<out>/NAME/report.html`, `<out>/NAME/result.json` (the figures: one seed's, or mean, sd and per-seed
 * values) and `<out>/NAME/config.json` (settings, seeds and the stage commands).
 */
export async function runReproduction(name: string, o: ReproduceOptions): Promise<{ report: string; outcomes: Map<string, StageOutcome>; summary: string[]; result: Json }> {
  const r = getReproduction(name);
  const n = o.seeds ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new InputError(`--seeds must be a positive integer, got ${n}`);
  const s0 = demoSettings(o.quick ?? false);
  const all: Stage[] = [];
  const reps: Replicate[] = [];
  for (let i = 0; i < n; i++) {
    const s = replicateSettings(s0, i);
    const rep = replicateStages(r.stages(s), name, i);
    reps.push({ ...rep, s });
    for (const st of rep.stages) if (!all.some((x) => x.id === st.id)) all.push(st);
  }
  if (all.length === 0) throw new InputError(`reproduction ${name} has no stages`);
  const release = lockFolder(o.out, 'reproduce: --out');
  try {
    const outputs = [...all.map((x) => x.id), `${name}/report.html`, `${name}/result.json`, `${name}/config.json`];
    openExperiment(o.out, 'reproduce', s0 as unknown as Json, { fresh: o.fresh, outputs });
    removeStaleTemps(o.out);
    return await finishReproduction(name, r, s0, all, reps, o);
  } finally {
    release();
  }
}

type Replicate = { stages: Stage[]; original: Map<string, string>; s: DemoSettings };

async function finishReproduction(
  name: string,
  r: Reproduction,
  s0: DemoSettings,
  all: Stage[],
  reps: Replicate[],
  o: ReproduceOptions,
): Promise<{ report: string; outcomes: Map<string, StageOutcome>; summary: string[]; result: Json }> {
  const outcomes = await runStages(all, { out: o.out, jobs: o.jobs, quiet: o.quiet, log: o.log });
  const summaries = reps.map((rep) => {
    const view = originalOutcomes(new Map(rep.stages.map((st) => [st.id, outcomes.get(st.id)!])), rep.original);
    return r.summarize ? r.summarize(view, rep.s) : summarizeStages(view, name);
  });
  const result = aggregateSeeds(summaries, reps.map((rep) => rep.s.seeds));
  const modelDirs = [...new Set(all.filter((x) => x.job.kind === 'train').map((x) => path.join(o.out, x.id)))];
  const doc = reportFromRuns([...modelDirs, path.join(o.out, name)], { title: `Reproduction: ${name}` });
  // Headline lines: the first replicate's stages, under their original ids.
  const first = originalOutcomes(new Map(reps[0].stages.map((st) => [st.id, outcomes.get(st.id)!])), reps[0].original);
  const results = (id: string): Json | null => {
    const oc = first.get(id);
    return oc && oc.status !== 'left-out' ? oc.result : null;
  };
  const headline = r.summary ? r.summary(results, reps[0].s) : [];
  doc.summary = [r.description, ...headline, ...doc.summary];
  const report = path.join(o.out, name, 'report.html');
  writeFileAtomic(report, await renderReport(doc));
  writeJsonAtomic(path.join(o.out, name, 'result.json'), result, { nonFinite: 'string' });
  writeJsonAtomic(path.join(o.out, name, 'config.json'), {
    format: 'mas-reproduction/1',
    name,
    description: r.description,
    quick: o.quick ?? false,
    seeds: reps.map((rep) => rep.s.seeds),
    settings: s0 as unknown as Json,
    commands: all.map((st) => stageCommand(st.job, st.id)),
  });
  return { report, outcomes, summary: headline, result };
}
