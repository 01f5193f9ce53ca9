/**
 * Layer-by-layer similarity in the report: `layer-similarity.json` (format mas-layer-similarity/1,
 * written by `mas compare --layers … --out DIR`) drawn as one heatmap per measure, model A's layers
 * on the y axis (embedding at the bottom) and model B's on the x axis, as in Kornblith et al.'s
 * layer-by-layer CKA figures.
 */
import * as path from 'node:path';
import type { ChartSpec } from './render.ts';
import type { Block, Section } from './html.ts';

/** One layer-by-layer result found under the report's inputs. */
export interface LayerSimilarityRun {
  dir: string;
  models: [string, string];
  layers: [string[], string[]];
  rows: number;
  measures: { name: string; kind: string; values: number[][] }[];
}

/** Parse a layer-similarity.json object, or null if it is not one. */
export function readLayerSimilarity(dir: string, raw: unknown): LayerSimilarityRun | null {
  const r = raw as Record<string, unknown> | null;
  if (!r || r.format !== 'mas-layer-similarity/1' || !Array.isArray(r.models) || !Array.isArray(r.layers) || !Array.isArray(r.measures)) return null;
  return {
    dir,
    models: [path.basename(String(r.models[0])), path.basename(String(r.models[1]))],
    layers: r.layers as [string[], string[]],
    rows: typeof r.rows === 'number' ? r.rows : 0,
    measures: (r.measures as { name: string; kind: string; values: number[][] }[]).map((m) => ({ name: String(m.name), kind: String(m.kind), values: m.values })),
  };
}

/** Heatmap of a layer × layer matrix (values labelled in each cell when the matrix is small). */
export function layerHeatmap(run: LayerSimilarityRun, m: LayerSimilarityRun['measures'][number]): ChartSpec {
  const [la, lb] = run.layers;
  const values = la.flatMap((a, i) => lb.map((b, j) => ({ a, b, value: m.values[i][j], label: m.values[i][j].toFixed(2) })));
  const cell = Math.max(18, Math.min(60, Math.floor(420 / Math.max(la.length, lb.length))));
  const finite = values.map((v) => v.value).filter((v) => Number.isFinite(v));
  const domain = m.kind === 'similarity' && finite.every((v) => v >= 0 && v <= 1) ? [0, 1] : [Math.min(...finite), Math.max(...finite)];
  const layers: Record<string, unknown>[] = [
    {
      mark: 'rect',
      encoding: {
        color: { field: 'value', type: 'quantitative', title: m.name, scale: { domain, scheme: 'viridis' } },
        tooltip: [{ field: 'a', title: run.models[0] }, { field: 'b', title: run.models[1] }, { field: 'value', type: 'quantitative', format: '.4f' }],
      },
    },
  ];
  if (la.length * lb.length <= 144) layers.push({ mark: { type: 'text', fontSize: 9 }, encoding: { text: { field: 'label' }, color: { value: 'white' } } });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${m.name}: ${run.models[0]} × ${run.models[1]}`,
    width: cell * lb.length,
    height: cell * la.length,
    data: { values },
    encoding: {
      x: { field: 'b', type: 'ordinal', sort: lb, title: `${run.models[1]} layer`, axis: { labelAngle: -45 } },
      y: { field: 'a', type: 'ordinal', sort: [...la].reverse(), title: `${run.models[0]} layer` },
    },
    layer: layers,
  } as unknown as ChartSpec;
}

/** The report section of every layer-by-layer result, or null when there is none. */
export function layerSection(runs: LayerSimilarityRun[]): Section | null {
  if (runs.length === 0) return null;
  const blocks: Block[] = [];
  for (const r of runs) {
    for (const m of r.measures) {
      blocks.push({ kind: 'chart', spec: layerHeatmap(r, m), caption: `${m.name} between every layer of ${r.models[0]} (rows) and of ${r.models[1]} (columns), ${r.rows} rows (${r.dir}).` });
    }
  }
  return { id: 'layers', title: 'Layer-by-layer similarity', blocks };
}
