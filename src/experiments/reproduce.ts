/**
 * `mas reproduce NAME`: the paper's comparisons (mas.md §11) as stage lists. All reproductions share
 * one experiment folder (default runs/reproduce) so the trained models are reused: models live in
 * `models/`, each reproduction's alignment and similarity runs in `<NAME>/`, and each reproduction
 * writes `<NAME>/report.html` (its section of the results, with the models' training curves).
 */
import * as path from 'node:path';
import { InputError, unknownName } from '../errors.ts';
import { writeFileAtomic } from '../io/atomic.ts';
import { parseAlignRecord } from '../io/run-record.ts';
import { lockFolder, removeStaleTemps } from '../io/lock.ts';
import { renderReport } from '../report/html.ts';
import { reportFromRuns } from '../report/fromRuns.ts';
import type { AlignJobArgs } from './align-job.ts';
import { demoSettings, modelId, type DemoSettings } from './demo.ts';
import type { JobSpec } from './jobs.ts';
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
];

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
      const parts = [`mas align --method ${a.method} --models ${a.models.join(' ')} --layer ${a.layer} --variable ${a.variable} --subspace ${a.k} --steps ${a.steps}`];
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
  }
}

/** Options of runReproduction. */
export interface ReproduceOptions {
  out: string;
  quick?: boolean;
  fresh?: boolean;
  jobs?: number;
  quiet?: boolean;
  log?: (line: string) => void;
}

/** Run (or resume) one reproduction; returns the path of its report. */
export async function runReproduction(name: string, o: ReproduceOptions): Promise<{ report: string; outcomes: Map<string, StageOutcome>; summary: string[] }> {
  const r = getReproduction(name);
  const s = demoSettings(o.quick ?? false);
  const stages = r.stages(s);
  if (stages.length === 0) throw new InputError(`reproduction ${name} has no stages`);
  const release = lockFolder(o.out, 'reproduce: --out');
  try {
    openExperiment(o.out, 'reproduce', s as unknown as Json, { fresh: o.fresh, outputs: [...stages.map((x) => x.id), `${name}/report.html`] });
    removeStaleTemps(o.out);
    return await finishReproduction(name, r, s, stages, o);
  } finally {
    release();
  }
}

async function finishReproduction(name: string, r: Reproduction, s: DemoSettings, stages: Stage[], o: ReproduceOptions): Promise<{ report: string; outcomes: Map<string, StageOutcome>; summary: string[] }> {
  const outcomes = await runStages(stages, { out: o.out, jobs: o.jobs, quiet: o.quiet, log: o.log });
  const modelDirs = [...new Set(stages.filter((x) => x.job.kind === 'train').map((x) => path.join(o.out, x.id)))];
  const doc = reportFromRuns([...modelDirs, path.join(o.out, name)], { title: `Reproduction: ${name}` });
  const results = (id: string): Json | null => {
    const oc = outcomes.get(id);
    return oc && oc.status !== 'left-out' ? oc.result : null;
  };
  const headline = r.summary ? r.summary(results, s) : [];
  doc.summary = [r.description, ...headline, ...doc.summary];
  const report = path.join(o.out, name, 'report.html');
  writeFileAtomic(report, await renderReport(doc));
  return { report, outcomes, summary: headline };
}
