/**
 * Build a ReportDoc from run folders: model folders (config.json, training.csv, report.json), alignment
 * runs (config.json of format mas-align/1, result.json, metrics.csv), similarity results
 * (similarity.json) and experiment folders (experiment.json, summary.json). Folders are searched
 * recursively, so `mas report runs/demo` finds every stage of the demo.
 */
import { readAlignRecord } from '../io/run-record.ts';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileFormatError, InputError } from '../errors.ts';
import { iiaHeatmap, iiaVsK, lineChart, measureBars, type CurvePoint, type IiaCell, type KPoint, type MeasureBar } from './charts.ts';
import type { Block, ReportDoc, Section } from './html.ts';
import { plottingVersions } from './render.ts';
import { layerSection, readLayerSimilarity, type LayerSimilarityRun } from './layers.ts';

/** A model folder found under the given paths. */
export interface ModelRun {
  dir: string;
  label: string;
  arch: string;
  seed: number | null;
  config: Record<string, unknown>;
  training: Record<string, string>[];
  report: Record<string, unknown> | null;
}

/** An alignment run folder. */
export interface AlignRun {
  dir: string;
  label: string;
  method: string;
  k: number;
  layer: string;
  /** The swapped causal variable(s), e.g. "count" or "full". */
  variables: string;
  /** Labels of the aligned models (arch-seed), in model order. */
  models: string[];
  iia: number[][];
  ci: [number, number][][] | null;
  taskAccuracy: number[];
  k0: number[][] | null;
  steps: number;
  stopReason: string;
  wallS: number;
  msPerStep: number;
  settings: Record<string, unknown>;
  /** Validation trial accuracy (IIA) by step and direction. */
  curves: CurvePoint[];
}

/** A similarity result (similarity.json of `mas compare --out` or a demo stage). */
export interface SimilarityRun {
  dir: string;
  models: string[];
  layer: string;
  rows: number;
  values: Record<string, { value: number; std: number; kind?: string }>;
  subsample: unknown;
  /** The stimuli as recorded by `mas compare` (task, perCount, sequences, counts), when present. */
  stimuli: Record<string, unknown> | null;
}

/** Everything found under the report's input paths. */
export interface RunSet {
  experiments: { dir: string; name: string; configHash: string; config: unknown; summary: string[]; wallS: number | null }[];
  models: ModelRun[];
  aligns: AlignRun[];
  similarities: SimilarityRun[];
  /** layer-similarity.json results (mas compare --layers). */
  layerSims?: LayerSimilarityRun[];
}

function readJsonFile(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FileFormatError(`report: cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Parse a simple CSV (no quoted fields) into records of strings. */
export function parseSimpleCsv(text: string): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const head = lines[0].split(',');
  return lines.slice(1).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(head.map((h, i) => [h, cells[i] ?? '']));
  });
}

function numOr(x: unknown, d: number): number {
  return typeof x === 'number' && Number.isFinite(x) ? x : d;
}

function modelLabel(cfg: { arch?: unknown; seed?: unknown }): string {
  return `${String(cfg.arch)}-${cfg.seed === null || cfg.seed === undefined ? 'x' : String(cfg.seed)}`;
}

function readModel(dir: string, cfg: Record<string, unknown>): ModelRun {
  const csv = path.join(dir, 'training.csv');
  const rep = path.join(dir, 'report.json');
  return {
    dir,
    label: modelLabel(cfg),
    arch: String(cfg.arch),
    seed: typeof cfg.seed === 'number' ? cfg.seed : null,
    config: cfg,
    training: fs.existsSync(csv) ? parseSimpleCsv(fs.readFileSync(csv, 'utf8')) : [],
    report: fs.existsSync(rep) ? (readJsonFile(rep) as Record<string, unknown>) : null,
  };
}

function readAlign(dir: string, cfg: Record<string, unknown>): AlignRun | null {
  const r = readAlignRecord(dir);
  if (!r) return null; // unfinished run
  const models = Array.isArray(cfg.models) ? (cfg.models as Record<string, unknown>[]).map(modelLabel) : [];
  const curves: CurvePoint[] = [];
  const metrics = path.join(dir, 'metrics.csv');
  if (fs.existsSync(metrics)) {
    for (const row of parseSimpleCsv(fs.readFileSync(metrics, 'utf8'))) {
      if (row.split !== 'valid' || row.variable === 'null') continue;
      const v = Number(row.trial_acc);
      if (Number.isFinite(v)) curves.push({ step: Number(row.step), value: v, series: `${row.src}→${row.trg}` });
    }
  }
  return {
    dir,
    label: path.basename(dir),
    method: r.method,
    k: r.subspace,
    layer: r.layer,
    variables: r.variables.join(','),
    models,
    iia: r.iia,
    ci: r.iia_ci,
    taskAccuracy: r.task_accuracy,
    k0: r.k0_iia.length ? r.k0_iia : null,
    steps: Number.isFinite(r.steps) ? r.steps : 0,
    stopReason: r.stop_reason,
    wallS: r.wall_s,
    msPerStep: r.ms_per_step,
    settings: (cfg.settings as Record<string, unknown>) ?? {},
    curves,
  };
}

/** Search the paths (recursively, depth ≤ 5) for run folders of every kind. */
export function collectRuns(paths: string[]): RunSet {
  const set: RunSet = { experiments: [], models: [], aligns: [], similarities: [] };
  const visit = (dir: string, depth: number): void => {
    const has = (f: string): boolean => fs.existsSync(path.join(dir, f));
    if (has('experiment.json')) {
      const e = readJsonFile(path.join(dir, 'experiment.json')) as Record<string, unknown>;
      const s = has('summary.json') ? (readJsonFile(path.join(dir, 'summary.json')) as { summary?: string[]; wall_s?: number }) : {};
      set.experiments.push({ dir, name: String(e.name), configHash: String(e.config_hash), config: e.config, summary: s.summary ?? [], wallS: s.wall_s ?? null });
    }
    if (has('config.json')) {
      const raw = readJsonFile(path.join(dir, 'config.json')) as Record<string, unknown>;
      if (raw.format === 'mas-model/1') set.models.push(readModel(dir, raw));
      const inner = raw.config as Record<string, unknown> | undefined;
      if (inner && inner.format === 'mas-align/1') {
        const a = readAlign(dir, inner);
        if (a) set.aligns.push(a);
      }
    }
    if (has('similarity.json')) {
      const s = readJsonFile(path.join(dir, 'similarity.json')) as Record<string, unknown>;
      if (s.format === 'mas-similarity/1') {
        set.similarities.push({
          dir,
          models: (s.models as string[]).map((m) => path.basename(m)),
          layer: String(s.layer),
          rows: numOr(s.rows, 0),
          values: s.values as SimilarityRun['values'],
          subsample: s.subsample,
          stimuli: s.stimuli !== null && typeof s.stimuli === 'object' ? (s.stimuli as Record<string, unknown>) : null,
        });
      }
    }
    if (has('layer-similarity.json')) {
      const l = readLayerSimilarity(dir, readJsonFile(path.join(dir, 'layer-similarity.json')));
      if (l) (set.layerSims ??= []).push(l);
    }
    if (depth >= 5) return;
    for (const name of fs.readdirSync(dir).sort()) {
      if (name === 'checkpoint' || name.startsWith('.')) continue;
      const p = path.join(dir, name);
      if (fs.statSync(p).isDirectory()) visit(p, depth + 1);
    }
  };
  for (const p of paths) {
    if (!fs.existsSync(p)) throw new InputError(`report: ${p} does not exist`);
    if (!fs.statSync(p).isDirectory()) throw new InputError(`report: ${p} is not a folder (pass run folders: model folders, mas align --out folders, or a demo folder)`);
    visit(p, 0);
  }
  set.aligns.sort((a, b) => a.method.localeCompare(b.method) || a.k - b.k || a.label.localeCompare(b.label));
  return set;
}

function f3(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : 'n/a';
}

function modelsSection(models: ModelRun[]): Section | null {
  if (models.length === 0) return null;
  const acc: CurvePoint[] = [];
  const loss: CurvePoint[] = [];
  for (const m of models) {
    for (const r of m.training) {
      const step = Number(r.step);
      if (Number.isFinite(Number(r.val_trial_acc))) acc.push({ step, value: Number(r.val_trial_acc), series: m.label });
      if (Number.isFinite(Number(r.val_loss))) loss.push({ step, value: Number(r.val_loss), series: m.label });
    }
  }
  const blocks: Block[] = [];
  if (acc.length > 0) {
    blocks.push({ kind: 'chart', spec: lineChart(acc, { title: 'Validation trial accuracy', yTitle: 'trial accuracy', yDomain: [0, 1] }), caption: 'Fraction of validation trials answered fully correctly (responses free-running), after every validation.' });
    const low = loss.reduce<CurvePoint | null>((b, p) => (b === null || p.value < b.value ? p : b), null);
    blocks.push({
      kind: 'chart',
      spec: lineChart(loss, { title: 'Validation loss', yTitle: 'mean cross-entropy' }),
      caption: `Mean cross-entropy over every non-padding label${low ? `; lowest ${low.value.toFixed(3)} (${low.series}, step ${low.step})` : ''}.`,
    });
  }
  const cover = models.map((m) => countCoverage(m.report));
  const same = (f: (c: CountCoverage) => string): string | null => {
    const v = new Set(cover.map((c) => (c ? f(c) : '')));
    return v.size === 1 && !v.has('') ? [...v][0] : null;
  };
  const range = same((c) => c.range);
  const per = same((c) => c.per);
  const held = same((c) => c.heldOut);
  const kept = [...new Set(models.map((m) => String(((m.config.training ?? {}) as Record<string, unknown>).kept ?? 'best')))];
  const rows = models.map((m) => {
    const t = (m.config.training ?? {}) as Record<string, unknown>;
    const pc = (m.report?.per_count ?? {}) as Record<string, unknown>;
    const ho = (m.report?.hold_out ?? {}) as Record<string, unknown>;
    return [m.label, m.arch, numOr(t.parameters, NaN), numOr(t.optimizer_steps, NaN), String(t.best_epoch ?? '-'), numOr(t.val_trial_accuracy, NaN), numOr(pc.trial_accuracy, NaN), numOr(ho.trial_accuracy, NaN), numOr(t.wall_seconds, NaN)].map((v) =>
      typeof v === 'number' && !Number.isFinite(v) ? 'n/a' : v,
    );
  });
  blocks.push({
    kind: 'table',
    columns: ['model', 'arch', 'parameters', 'steps', 'best epoch', 'val trial acc', `trial acc, ${range ?? 'all counts'}`, 'trial acc, held-out counts', 'wall s'],
    rows,
    caption:
      `Accuracy of the kept (${kept.join('/')}) checkpoint; the count columns use fresh sequences` +
      (per !== null ? `, ${per} per count` : '') +
      (range !== null ? ` (${range})` : '') +
      (held !== null ? `; held-out ${held}` : '') +
      (range === null && cover.some((c) => c !== null) ? `; per model: ${models.map((m, i) => `${m.label} ${cover[i] ? `${cover[i]!.range}, ${cover[i]!.per} per count` : 'n/a'}`).join('; ')}` : '') +
      '.',
  });
  return { id: 'models', title: 'Models', blocks };
}

/** What a model's report.json says about its per-count evaluation. */
interface CountCoverage {
  /** e.g. "counts 1–20". */
  range: string;
  /** Sequences per count, e.g. "50" (or "≈12.5" when they do not divide evenly). */
  per: string;
  /** e.g. "counts 4, 9, 14, 17", or "none". */
  heldOut: string;
}

/** Read the evaluated counts and sequences per count from report.json (null when it says nothing). */
function countCoverage(report: Record<string, unknown> | null): CountCoverage | null {
  const pc = (report?.per_count ?? null) as { n?: unknown; by_count?: unknown } | null;
  if (!pc || pc.by_count === null || typeof pc.by_count !== 'object') return null;
  const counts = Object.keys(pc.by_count).map(Number).filter(Number.isFinite).sort((a, b) => a - b);
  if (counts.length === 0) return null;
  const lo = counts[0];
  const hi = counts[counts.length - 1];
  const range = lo === hi ? `count ${lo}` : counts.length === hi - lo + 1 ? `counts ${lo}–${hi}` : `counts ${counts.join(', ')}`;
  const n = typeof pc.n === 'number' ? pc.n / counts.length : NaN;
  const per = Number.isInteger(n) ? String(n) : Number.isFinite(n) ? `≈${n.toFixed(1)}` : 'n/a';
  const ho = (report?.hold_out ?? {}) as { counts?: unknown };
  const heldOut = Array.isArray(ho.counts) && ho.counts.length > 0 ? `counts ${ho.counts.join(', ')}` : 'none';
  return { range, per, heldOut };
}

function pairName(models: string[]): string {
  return models.join(' ↔ ');
}

function alignSection(aligns: AlignRun[]): Section | null {
  if (aligns.length === 0) return null;
  const blocks: Block[] = [];
  for (const a of aligns) {
    const names = a.models.map((m, i) => `${i}: ${m}`);
    const cells: IiaCell[] = [];
    a.iia.forEach((row, s) =>
      row.forEach((v, t) => {
        if (!Number.isFinite(v)) return;
        const ci = a.ci?.[s]?.[t];
        cells.push({ source: names[s], target: names[t], iia: v, ...(ci && Number.isFinite(ci[0]) ? { lo: ci[0], hi: ci[1] } : {}) });
      }),
    );
    const what = a.method === 'stitch' ? `rank ${a.k}` : `k = ${a.k}`;
    const cap =
      `${a.method.toUpperCase()} at ${a.layer}, variable ${a.variables}, ${what}: ${a.steps} steps (${a.stopReason}), ${f3(a.msPerStep / 1000)} s/step. ` +
      `Rows: source, columns: target; 95% bootstrap CI below each value. Task accuracy ${a.taskAccuracy.map(f3).join(', ')}` +
      (a.k0 ? `; k = 0 floor ${a.k0.flat().filter(Number.isFinite).map(f3).join(', ')}.` : '.');
    blocks.push({ kind: 'chart', spec: iiaHeatmap(cells, { title: `${a.label}: IIA` }), caption: cap });
    if (a.curves.length > 0) {
      blocks.push({ kind: 'chart', spec: lineChart(a.curves, { title: `${a.label}: validation IIA`, yTitle: 'IIA', yDomain: [0, 1] }), caption: `Validation IIA of every direction s→t during training (${pairName(a.models)}).` });
    }
  }
  return { id: 'alignment', title: 'Alignment: IIA matrices', blocks };
}

function kSection(aligns: AlignRun[]): Section | null {
  const groups = new Map<string, AlignRun[]>();
  for (const a of aligns) {
    if (a.models.length !== 2 || !['mas', 'stitch'].includes(a.method)) continue;
    const key = `${pairName(a.models)} @ ${a.layer}, variable ${a.variables}`;
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const blocks: Block[] = [];
  for (const [key, runs] of groups) {
    const mas = runs.filter((r) => r.method === 'mas');
    if (mas.length < 2 && !runs.some((r) => r.method === 'stitch')) continue;
    const pts: KPoint[] = [];
    const push = (r: AlignRun, s: number, t: number, series: string): void => {
      const v = r.iia[s]?.[t];
      if (v === undefined || !Number.isFinite(v)) return;
      const ci = r.ci?.[s]?.[t];
      pts.push({ k: r.k, iia: v, series, ...(ci && Number.isFinite(ci[0]) ? { lo: ci[0], hi: ci[1] } : {}) });
    };
    for (const r of mas) {
      push(r, 0, 1, 'MAS 0→1 (cross)');
      push(r, 1, 0, 'MAS 1→0 (cross)');
      const w = [r.iia[0]?.[0], r.iia[1]?.[1]].filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
      if (w.length > 0) pts.push({ k: r.k, iia: w.reduce((x, y) => x + y, 0) / w.length, series: 'MAS within-model (mean)' });
    }
    for (const r of runs.filter((x) => x.method === 'stitch')) push(r, 0, 1, 'stitching 0→1');
    const das = aligns.filter((a) => a.method === 'das' && a.layer === runs[0].layer && a.variables === runs[0].variables && a.models[0] === runs[0].models[0]);
    for (const r of das) push(r, 0, 0, 'DAS (model 0)');
    const ks = [...new Set(pts.map((p) => p.k))].sort((a, b) => a - b);
    const ci = pts.some((p) => p.lo !== undefined);
    blocks.push({
      kind: 'chart',
      spec: iiaVsK(pts, { title: `IIA against k: ${key}` }),
      caption: `Validation IIA of the final maps at k = ${ks.join(', ')} (stitching: the map rank)${ci ? ', with 95% bootstrap CIs' : ''}.`,
    });
  }
  return blocks.length > 0 ? { id: 'k', title: 'IIA against subspace size', blocks } : null;
}

function similaritySection(sims: SimilarityRun[], aligns: AlignRun[]): Section | null {
  if (sims.length === 0) return null;
  const bars: MeasureBar[] = [];
  const rows: (string | number)[][] = [];
  for (const s of sims) {
    const pair = `${s.models.join(' vs ')} @ ${s.layer}`;
    for (const [name, v] of Object.entries(s.values)) {
      bars.push({ pair, measure: name, value: v.value });
      rows.push([pair, name, v.value, v.std, s.rows]);
    }
    // The causal measure for the same pair and layer: MAS cross-model IIA at the largest k.
    const mas = aligns
      .filter((a) => a.method === 'mas' && a.layer === s.layer && a.models.length === 2 && a.models[0] === s.models[0] && a.models[1] === s.models[1])
      .sort((a, b) => b.k - a.k)[0];
    if (mas) {
      const cross = Math.min(mas.iia[0][1], mas.iia[1][0]);
      if (Number.isFinite(cross)) {
        bars.push({ pair, measure: `MAS IIA (k=${mas.k}, min cross)`, value: cross });
        rows.push([pair, `MAS IIA (k=${mas.k}, min cross)`, cross, 'n/a', 'n/a']);
      }
    }
  }
  const withMas = bars.some((b) => b.measure.startsWith('MAS IIA'));
  const caption =
    [...new Set(sims.map(describeSimilarity))].join(' ') + (withMas ? ' Beside them the behavioural (causal) MAS IIA for the same pair and layer.' : '');
  const blocks: Block[] = [
    { kind: 'chart', spec: measureBars(bars, { title: 'Correlative similarity beside IIA' }), caption },
    { kind: 'table', columns: ['pair', 'measure', 'value', 'std over subsamples', 'rows'], rows },
  ];
  return { id: 'similarity', title: 'RSA and CKA beside IIA', blocks };
}

/** A caption sentence computed from a similarity.json: measures, stimuli, rows and subsampling. */
function describeSimilarity(s: SimilarityRun): string {
  const st = s.stimuli ?? {};
  const num = (k: string): number | null => (typeof st[k] === 'number' ? (st[k] as number) : null);
  const counts = Array.isArray(st.counts) && st.counts.length === 2 ? (st.counts as number[]) : null;
  const seqs = num('sequences');
  const perCount = num('perCount');
  const stim =
    seqs !== null && perCount !== null
      ? `${seqs} stimulus sequences (${perCount} per count${counts ? ` ${counts[0] === counts[1] ? counts[0] : `${counts[0]}–${counts[1]}`}` : ''}${typeof st.task === 'string' ? `, ${st.task}` : ''})`
      : 'the stimuli';
  const sub = (s.subsample ?? null) as { size?: unknown; runs?: unknown } | null;
  const how = sub && typeof sub.size === 'number' && typeof sub.runs === 'number' ? `mean over ${sub.runs} random subsamples of ${sub.size} rows` : 'all rows at once';
  return `${Object.keys(s.values).join(', ')} at ${s.layer} on ${stim}, teacher-forced, every non-P position (${s.rows} rows); ${how}.`;
}

/** Settings that runs of one sweep differ in; runs differing only in these share one table. */
const SWEPT_SETTINGS = ['method', 'subspace', 'seed'];

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** One settings table per distinct configuration (swept settings listed by value), not one per run. */
function settingsBlocks(aligns: AlignRun[]): Block[] {
  const groups = new Map<string, AlignRun[]>();
  for (const a of aligns) {
    const rest = Object.fromEntries(Object.entries(a.settings).filter(([k]) => !SWEPT_SETTINGS.includes(k)));
    const key = stableJson(rest);
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const show = (v: unknown): string | number => (typeof v === 'number' ? v : JSON.stringify(v));
  return [...groups.values()].map((runs) => {
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.settings)))];
    const entries = keys.map((k) => {
      const vals = [...new Set(runs.map((r) => stableJson(r.settings[k])))];
      return [k, vals.length === 1 ? show(runs[0].settings[k]) : runs.map((r) => show(r.settings[k])).filter((v, i, all) => all.indexOf(v) === i).join(', ')] as [string, string | number];
    });
    const caption = runs.length === 1 ? `${runs[0].label} (${runs[0].dir})` : `${runs.length} runs with these settings: ${runs.map((r) => r.label).join(', ')}`;
    return { kind: 'kv' as const, entries, caption };
  });
}

function configSection(set: RunSet): Section {
  const blocks: Block[] = [];
  for (const e of set.experiments) {
    blocks.push({ kind: 'html', html: `<figure class="table"><figcaption>${e.name} configuration (hash ${e.configHash})</figcaption><pre style="font-size:.8em;max-width:1000px;overflow:auto">${escapeHtml(JSON.stringify(e.config, null, 1))}</pre></figure>` });
  }
  blocks.push(...settingsBlocks(set.aligns));
  return { id: 'config', title: 'Run settings', blocks };
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Package version from package.json (or 'unknown'). */
export function packageVersion(): string {
  try {
    const p = new URL('../../package.json', import.meta.url);
    return String((JSON.parse(fs.readFileSync(p, 'utf8')) as { version?: string }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** Build the report document for the run folders under `paths`. */
export function reportFromRuns(paths: string[], opts: { title?: string; backend?: string } = {}): ReportDoc {
  const set = collectRuns(paths);
  if (set.models.length + set.aligns.length + set.similarities.length + (set.layerSims?.length ?? 0) === 0) {
    throw new InputError(`report: found no finished runs under ${paths.join(', ')} (looked for model folders, alignment runs with result.json, similarity.json)`);
  }
  const sections = [modelsSection(set.models), alignSection(set.aligns), kSection(set.aligns), similaritySection(set.similarities, set.aligns), layerSection(set.layerSims ?? []), configSection(set)].filter((s): s is Section => s !== null);
  const summary = set.experiments.flatMap((e) => e.summary);
  if (summary.length === 0) {
    summary.push(`${set.models.length} model(s), ${set.aligns.length} alignment run(s), ${set.similarities.length} similarity result(s)${set.layerSims ? `, ${set.layerSims.length} layer-by-layer comparison(s)` : ''}.`);
    for (const a of set.aligns) summary.push(`${a.label}: ${a.method} at ${a.layer}, k = ${a.k}: IIA ${a.iia.map((r) => r.map(f3).join(' ')).join(' | ')}`);
  }
  const pv = plottingVersions();
  const provenance: [string, string][] = [
    ['generated', new Date().toISOString()],
    ['inputs', paths.join(', ')],
    ['model-alignment-search', packageVersion()],
    ['node', process.version],
    ['platform', `${os.platform()} ${os.arch()}, ${os.cpus().length} CPU(s): ${os.cpus()[0]?.model ?? 'unknown'}`],
    ...(opts.backend ? [['numeric backend', opts.backend] as [string, string]] : []),
    ['vega / vega-lite', `${pv.vega} / ${pv['vega-lite']}`],
    ...set.experiments.map((e) => [`${e.name} config hash`, e.configHash] as [string, string]),
    ...set.experiments.filter((e) => e.wallS !== null).map((e) => [`${e.name} wall time`, `${e.wallS} s`] as [string, string]),
  ];
  return { title: opts.title ?? 'MAS report', subtitle: paths.join(', '), summary, sections, provenance };
}
