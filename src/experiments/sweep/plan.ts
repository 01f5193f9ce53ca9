/**
 * A sweep spec expanded into jobs: one train job per (group, seed), one align job per (entry, model set,
 * grid point), one compare job per (entry, model pair, grid point). Every name the library must know is
 * checked here, before anything is submitted: the task, each model reference, the method's model count,
 * the layer (against each model's configuration), the variable (against the task's causal model), the
 * measures and the subspace size. Jobs are experiment stages (stages.ts), so they are config-hashed and
 * skipped when finished; their ids are the job names (`train/gru-1`, `align/mas/gru-1_gru-2-k4`).
 */
import * as path from 'node:path';
import { InputError, MasError, unknownName } from '../../errors.ts';
import { methodPreset } from '../../align/methods.ts';
import { defaultConfig, hookWidthOf, resolveHookPoint, type ModelConfig, type TaskConfig } from '../../models/config.ts';
import { trainingTask } from '../../models/train.ts';
import { resolveMeasure } from '../../similarity/registry.ts';
import { variableKeys } from '../../tasks/counterfactual.ts';
import { modelOf } from '../../tasks/sequences.ts';
import { getTask, taskConfigJSON } from '../../tasks/task.ts';
import type { AlignJobArgs } from '../align-job.ts';
import type { SimilarityJobArgs, TrainJobArgs } from '../jobs.ts';
import type { Json, Stage } from '../stages.ts';
import { AlignOptionsSchema, CompareOptionsSchema, jsonPath, type ModelsSelector, type Resources, type SweepSpec } from './spec.ts';

/** The three stages of a sweep, in the order they run. */
export const SWEEP_KINDS = ['train', 'align', 'compare'] as const;
/** A sweep stage. */
export type SweepKind = (typeof SWEEP_KINDS)[number];

/** One job of a sweep: an experiment stage with its sweep stage. */
export interface SweepJob extends Stage {
  kind: SweepKind;
}

/** A spec expanded into jobs. */
export interface SweepPlan {
  name: string;
  jobs: SweepJob[];
  retries: number;
  /** Slurm resources per stage (the spec's `default` merged under each). */
  resources: Record<SweepKind, Resources>;
}

interface ModelInfo {
  name: string;
  id: string;
  group: string;
  arch: string;
  task: string;
  cfg: ModelConfig;
}

/** Run `fn`; a MasError it throws becomes an InputError prefixed with the JSON path. */
function at<T>(where: readonly PropertyKey[], fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof MasError) throw new InputError(`${jsonPath(where)}: ${err.message}`);
    throw err;
  }
}

/** The cartesian product of a grid (keys in spec order); one empty point when there is no grid. */
export function gridPoints(grid: Record<string, unknown[]> | undefined): Record<string, unknown>[] {
  let points: Record<string, unknown>[] = [{}];
  for (const [k, values] of Object.entries(grid ?? {})) {
    if (values === undefined) continue;
    points = points.flatMap((p) => values.map((v) => ({ ...p, [k]: v })));
  }
  return points;
}

/** The name suffix of a grid point: `k4`, `embedding`, `clEps0.5`. */
function pointSuffix(p: Record<string, unknown>): string {
  return Object.entries(p)
    .map(([k, v]) => (typeof v === 'number' ? `${k}${v}` : Array.isArray(v) ? `${k}${v.length}` : String(v)))
    .join('-');
}

/** Expand a model selector into model sets (lists of model names). */
function modelSets(sel: ModelsSelector, models: Map<string, ModelInfo>, groups: Map<string, ModelInfo[]>, where: PropertyKey[]): ModelInfo[][] {
  const byName = (n: string, w: PropertyKey[]): ModelInfo => {
    const m = models.get(n);
    if (!m) return at(w, () => unknownName('model', n, [...models.keys()]));
    return m;
  };
  if (Array.isArray(sel)) return [sel.map((n, i) => byName(n, [...where, i]))];
  if ('sets' in sel) return sel.sets.map((set, i) => set.map((n, j) => byName(n, [...where, 'sets', i, j])));
  const gs = sel.from.map((g, i) => {
    const list = groups.get(g);
    if (!list) return at([...where, 'from', i], () => unknownName('train group', g, [...groups.keys()]));
    return list;
  });
  const w = [...where, 'pairing'];
  switch (sel.pairing) {
    case 'each':
      if (gs.length !== 1) throw new InputError(`${jsonPath(w)}: 'each' takes one group in "from", got ${gs.length}`);
      return gs[0].map((m) => [m]);
    case 'pairs': {
      const [a, b] = gs.length === 1 ? [gs[0], gs[0]] : gs;
      const out: ModelInfo[][] = [];
      if (a === b) for (let i = 0; i < a.length; i++) for (let j = i + 1; j < a.length; j++) out.push([a[i], a[j]]);
      else for (const x of a) for (const y of b) out.push([x, y]);
      if (out.length === 0) throw new InputError(`${jsonPath(w)}: 'pairs' of one group needs at least 2 seeds`);
      return out;
    }
    case 'zip': {
      if (gs.length !== 2) throw new InputError(`${jsonPath(w)}: 'zip' takes two groups in "from", got ${gs.length}`);
      if (gs[0].length !== gs[1].length) throw new InputError(`${jsonPath(w)}: 'zip' needs groups of equal size (${sel.from[0]}: ${gs[0].length}, ${sel.from[1]}: ${gs[1].length} seeds)`);
      return gs[0].map((m, i) => [m, gs[1][i]]);
    }
  }
}

/** Check that `layer` is a hook point of every model; returns the canonical point. */
function checkLayer(layer: string, set: ModelInfo[], where: PropertyKey[]): string {
  const points = set.map((m) => at(where, () => resolveHookPoint(m.cfg, layer)));
  if (points.some((p) => p !== points[0])) throw new InputError(`${jsonPath(where)}: layer '${layer}' resolves to different points per model: ${points.join(', ')}`);
  return points[0];
}

/** Expand and check a validated spec. Throws InputError naming the JSON path of the first problem. */
export function planSweep(spec: SweepSpec): SweepPlan {
  const jobs: SweepJob[] = [];
  const models = new Map<string, ModelInfo>();
  const groups = new Map<string, ModelInfo[]>();
  const ids = new Map<string, string>();
  const add = (job: SweepJob, where: PropertyKey[]): void => {
    const prev = ids.get(job.id);
    if (prev !== undefined) throw new InputError(`${jsonPath(where)}: job name ${job.id} is also made by ${prev}; give the entries different names`);
    ids.set(job.id, jsonPath(where));
    jobs.push(job);
  };

  spec.train.forEach((g, gi) => {
    const where = ['train', gi];
    const gname = g.name ?? g.arch;
    if (groups.has(gname)) throw new InputError(`${jsonPath([...where, 'name'])}: train group '${gname}' is defined twice; give one a "name"`);
    const taskId = g.task ?? spec.task;
    const o = g.options ?? {};
    at(g.task !== undefined ? [...where, 'task'] : ['task'], () => getTask(taskId));
    const task = at([...where, 'options', 'taskConfig'], () => trainingTask(taskId, g.arch, o.taskConfig as Partial<TaskConfig> | undefined));
    const cfg = at([...where, 'options', 'modelSizes'], () => defaultConfig({ arch: g.arch, task: task.id, vocab: [...task.vocab.list], seed: 0, taskConfig: taskConfigJSON(task) as unknown as TaskConfig, sizes: o.modelSizes }));
    const list: ModelInfo[] = [];
    g.seeds.forEach((seed, si) => {
      const mname = `${gname}-${seed}`;
      if (models.has(mname)) throw new InputError(`${jsonPath([...where, 'seeds', si])}: model ${mname} appears twice`);
      const info: ModelInfo = { name: mname, id: `train/${mname}`, group: gname, arch: g.arch, task: taskId, cfg };
      models.set(mname, info);
      list.push(info);
      const args: TrainJobArgs = { task: taskId, arch: g.arch, seed, ...(o as Omit<TrainJobArgs, 'task' | 'arch' | 'seed'>) };
      add({ id: info.id, kind: 'train', title: `train ${g.arch.toUpperCase()} seed ${seed}`, job: { kind: 'train', args } }, [...where, 'seeds', si]);
    });
    groups.set(gname, list);
  });

  spec.align.forEach((e, ei) => {
    const where = ['align', ei];
    const sets = modelSets(e.models, models, groups, [...where, 'models']);
    for (const point of gridPoints(e.grid)) {
      const merged = AlignOptionsSchema.safeParse({ ...(e.options ?? {}), ...point });
      if (!merged.success) {
        const i = merged.error.issues[0];
        const missing = i.code === 'invalid_type' && i.message.includes('received undefined');
        throw new InputError(`${jsonPath([...where, 'options', ...i.path])}: ${missing ? `required (set it in options or grid)` : i.message}`);
      }
      const o = merged.data;
      for (const set of sets) {
        at([...where, 'models'], () => methodPreset(e.method, set.length));
        const layer = checkLayer(o.layer, set, [...where, 'options', 'layer']);
        const width = Math.min(...set.map((m) => hookWidthOf(m.cfg, layer as Parameters<typeof hookWidthOf>[1])));
        if (o.k > width) throw new InputError(`${jsonPath([...where, 'options', 'k'])}: k = ${o.k} exceeds the width ${width} of ${layer} in ${set.map((m) => m.name).join(', ')}`);
        for (const m of set) {
          at([...where, 'options', 'variable'], () => {
            const cm = modelOf(trainingTask(m.task, m.arch as 'gru', m.cfg.task_config));
            variableKeys(cm, cm, o.variable);
          });
        }
        const suffix = pointSuffix(point);
        const id = `align/${e.name}/${set.map((m) => m.name).join('_')}${suffix ? `-${suffix}` : ''}`;
        const args: AlignJobArgs = { method: e.method, models: set.map((m) => m.id), ...o };
        const title = `${e.method.toUpperCase()} ${set.map((m) => m.name).join(' ↔ ')}, ${layer}, k = ${o.k}, variable ${o.variable}`;
        add({ id, kind: 'align', title, deps: set.map((m) => m.id), job: { kind: 'align', args } }, where);
      }
    }
  });

  spec.compare.forEach((e, ei) => {
    const where = ['compare', ei];
    const sets = modelSets(e.models, models, groups, [...where, 'models']);
    for (const point of gridPoints(e.grid)) {
      const merged = CompareOptionsSchema.safeParse({ ...(e.options ?? {}), ...point });
      if (!merged.success) {
        const i = merged.error.issues[0];
        const missing = i.code === 'invalid_type' && i.message.includes('received undefined');
        throw new InputError(`${jsonPath([...where, 'options', ...i.path])}: ${missing ? 'required (set it in options or grid)' : i.message}`);
      }
      const o = merged.data;
      o.measures.forEach((m, mi) => at([...where, 'options', 'measures', mi], () => resolveMeasure(m)));
      for (const set of sets) {
        if (set.length !== 2) throw new InputError(`${jsonPath([...where, 'models'])}: compare needs model pairs, got a set of ${set.length}`);
        const layer = checkLayer(o.layer, set, [...where, 'options', 'layer']);
        const suffix = pointSuffix(point);
        const id = `compare/${e.name}/${set.map((m) => m.name).join('_')}${suffix ? `-${suffix}` : ''}`;
        const args: SimilarityJobArgs = { models: [set[0].id, set[1].id], layer: o.layer, measures: o.measures, subsample: o.subsample, runs: o.runs, seed: o.seed, perCount: o.perCount };
        add({ id, kind: 'compare', title: `compare ${set[0].name} vs ${set[1].name} at ${layer}`, deps: set.map((m) => m.id), job: { kind: 'similarity', args } }, where);
      }
    }
  });

  const r = spec.resources;
  const resources = Object.fromEntries(SWEEP_KINDS.map((k) => [k, { ...(r.default ?? {}), ...(r[k] ?? {}) }])) as Record<SweepKind, Resources>;
  return { name: spec.name, jobs, retries: spec.retries, resources };
}

/** planSweep with the spec file named in its errors. */
export function planSweepFile(spec: SweepSpec, file: string): SweepPlan {
  try {
    return planSweep(spec);
  } catch (err) {
    if (err instanceof InputError) throw new InputError(`${file}: ${err.message}`);
    throw err;
  }
}

/** The jobs `name` needs, transitively, followed by the job itself (dependency order). */
export function withDeps(jobs: SweepJob[], name: string): SweepJob[] {
  const byId = new Map(jobs.map((j) => [j.id, j]));
  const seen = new Set<string>();
  const out: SweepJob[] = [];
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    const j = byId.get(id);
    if (!j) throw new InputError(`sweep: no job named ${id} in this sweep`);
    for (const d of j.deps ?? []) visit(d);
    out.push(j);
  };
  visit(name);
  return out;
}

/** The file-system-safe form of a job name (for log files): `align/mas/a_b-k4` → `align__mas__a_b-k4`. */
export function logName(name: string): string {
  return name.split('/').join('__');
}

/** The folder of a job inside the sweep folder. */
export function jobDir(out: string, name: string): string {
  return path.join(out, name);
}

/** The JSON form of a plan's jobs (what plan.json holds). */
export function planJson(plan: SweepPlan): Json {
  return JSON.parse(JSON.stringify(plan)) as Json;
}
