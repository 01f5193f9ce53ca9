/**
 * `mas reproduce NAME --seeds N`: N independent model seed sets. Replicate i trains its models from
 * the reproduction's seeds shifted by i (model stages are shared by every reproduction, so their ids
 * `models/<arch>-<seed>` already differ), and puts its other stages under `NAME/seed<i>/…` (replicate 0
 * keeps the plain ids, so a one-seed run and the first replicate are the same folders). Each replicate
 * is summarized to a JSON tree of figures; aggregateSeeds reports mean, sample sd and the per-seed
 * values of every numeric leaf.
 */
import { InputError } from '../errors.ts';
import type { DemoSettings } from './demo.ts';
import type { Json, Stage, StageOutcome } from './stages.ts';

/** The settings of replicate i: both model seeds shifted by i. */
export function replicateSettings(s: DemoSettings, i: number): DemoSettings {
  if (!Number.isInteger(i) || i < 0) throw new InputError(`replicate index must be an integer ≥ 0, got ${i}`);
  return { ...s, seeds: [s.seeds[0] + i, s.seeds[1] + i] };
}

function renameStrings(v: Json, ids: Map<string, string>): Json {
  if (typeof v === 'string') return ids.get(v) ?? v;
  if (Array.isArray(v)) return v.map((x) => renameStrings(x, ids));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renameStrings(x, ids)]));
  return v;
}

/**
 * Stages of replicate i of reproduction `name`: ids under `name/` move to `name/seed<i>/`, and so do
 * dependencies and job arguments naming them. Returns the stages and the map new id → original id.
 */
export function replicateStages(stages: readonly Stage[], name: string, i: number): { stages: Stage[]; original: Map<string, string> } {
  const ids = new Map<string, string>();
  if (i > 0) for (const st of stages) if (st.id.startsWith(`${name}/`)) ids.set(st.id, `${name}/seed${i}/${st.id.slice(name.length + 1)}`);
  const out = stages.map((st) => ({
    ...st,
    id: ids.get(st.id) ?? st.id,
    deps: st.deps?.map((d) => ids.get(d) ?? d),
    job: renameStrings(st.job as unknown as Json, ids) as unknown as Stage['job'],
  }));
  const original = new Map<string, string>(out.map((st, k) => [st.id, stages[k].id]));
  return { stages: out, original };
}

/** Outcomes keyed by the original stage ids (for a reproduction's summarize). */
export function originalOutcomes(outcomes: Map<string, StageOutcome>, original: Map<string, string>): Map<string, StageOutcome> {
  const out = new Map<string, StageOutcome>();
  for (const [id, o] of outcomes) out.set(original.get(id) ?? id, o);
  return out;
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The default figures of a reproduction: per alignment its IIA matrix and mean cross/within IIA; per similarity run its values. */
export function summarizeStages(outcomes: Map<string, StageOutcome>, name: string): Json {
  const out: Record<string, Json> = {};
  for (const [id, o] of outcomes) {
    if (!id.startsWith(`${name}/`) || o.result === null) continue;
    const label = id.slice(name.length + 1);
    const r = o.result as Record<string, Json>;
    if (o.stage.job.kind === 'align' && Array.isArray(r.iia)) {
      const m = r.iia as number[][];
      const cross: number[] = [];
      const within: number[] = [];
      m.forEach((row, s) => row.forEach((x, t) => (s === t ? within : cross).push(x)));
      out[label] = { iia: m, cross_iia: cross.length ? round(mean(cross)) : null, within_iia: within.length ? round(mean(within)) : null, steps: r.steps ?? null };
    } else if (o.stage.job.kind === 'similarity' && r.values && typeof r.values === 'object') {
      out[label] = Object.fromEntries(Object.entries(r.values as Record<string, { value: number }>).map(([k, v]) => [k, v.value]));
    } else {
      out[label] = r;
    }
  }
  return out;
}

/** Mean and sample sd of every numeric leaf over replicates (element-wise for arrays); other leaves are kept when equal. */
export function aggregateSeeds(summaries: readonly Json[], seeds: readonly (readonly number[])[]): Json {
  if (summaries.length === 0) throw new InputError('aggregateSeeds: no replicates');
  if (summaries.length === 1) return summaries[0];
  const walk = (vals: readonly Json[], stat: 'mean' | 'sd'): Json => {
    const first = vals[0];
    if (typeof first === 'number' || (first === null && vals.some((v) => typeof v === 'number'))) {
      const xs = vals.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
      if (xs.length === 0) return null;
      const m = mean(xs);
      if (stat === 'mean') return round(m);
      return xs.length > 1 ? round(Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1))) : null;
    }
    if (Array.isArray(first)) return first.map((_, i) => walk(vals.map((v) => (Array.isArray(v) ? (v[i] ?? null) : null)), stat));
    if (first && typeof first === 'object') {
      return Object.fromEntries(Object.keys(first).map((k) => [k, walk(vals.map((v) => (v && typeof v === 'object' && !Array.isArray(v) ? (v[k] ?? null) : null)), stat)]));
    }
    return stat === 'mean' && vals.every((v) => JSON.stringify(v) === JSON.stringify(first)) ? first : null;
  };
  const meanTree = walk(summaries, 'mean') as Record<string, Json>;
  return { ...meanTree, sd: walk(summaries, 'sd'), per_seed: [...summaries], seeds: seeds.map((x) => [...x]), n_seeds: summaries.length };
}
