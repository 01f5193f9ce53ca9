/**
 * Vega-Lite chart builders for the report: training curves, IIA matrices with confidence intervals,
 * IIA against subspace size k, and correlative measures beside IIA. Each takes plain rows and returns
 * a spec; `render.ts` turns specs into SVG.
 */
import type { ChartSpec } from './render.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = { font: 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif' };

/** One point of a training curve. */
export interface CurvePoint {
  step: number;
  value: number;
  /** Which curve: e.g. "val trial acc" or a model name. */
  series: string;
}

/** Line chart of metrics against optimizer steps (one line per series). */
export function lineChart(points: CurvePoint[], opts: { title: string; yTitle: string; xTitle?: string; yDomain?: [number, number] }): ChartSpec {
  return {
    $schema: SCHEMA,
    title: opts.title,
    width: 380,
    height: 220,
    config: FONT,
    data: { values: points },
    mark: { type: 'line', point: { size: 18 } },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: opts.xTitle ?? 'optimizer step' },
      y: {
        field: 'value',
        type: 'quantitative',
        title: opts.yTitle,
        ...(opts.yDomain ? { scale: { domain: opts.yDomain } } : {}),
      },
      color: { field: 'series', type: 'nominal', title: null },
      tooltip: [
        { field: 'series', type: 'nominal' },
        { field: 'step', type: 'quantitative' },
        { field: 'value', type: 'quantitative', format: '.4f' },
      ],
    },
  } as ChartSpec;
}

/** One cell of an IIA matrix: source s (row) → target t (column). */
export interface IiaCell {
  source: string;
  target: string;
  iia: number;
  lo?: number;
  hi?: number;
}

/** Heatmap of an IIA matrix (rows = source, columns = target), each cell labelled with IIA and its 95% CI. */
export function iiaHeatmap(cells: IiaCell[], opts: { title: string }): ChartSpec {
  const values = cells.map((c) => ({
    ...c,
    value: c.iia.toFixed(3),
    ci: c.lo !== undefined && c.hi !== undefined ? `[${c.lo.toFixed(3)}, ${c.hi.toFixed(3)}]` : '',
  }));
  const n = new Set(cells.map((c) => c.source)).size;
  const size = Math.max(140, 110 * n);
  const textColor = { condition: { test: 'datum.iia > 0.6', value: 'white' }, value: 'black' };
  return {
    $schema: SCHEMA,
    title: opts.title,
    width: size,
    height: size,
    config: FONT,
    data: { values },
    encoding: {
      x: { field: 'target', type: 'nominal', title: 'target model', axis: { labelAngle: 0 } },
      y: { field: 'source', type: 'nominal', title: 'source model' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'iia', type: 'quantitative', title: 'IIA', scale: { domain: [0, 1], scheme: 'blues' } },
          tooltip: [
            { field: 'source', type: 'nominal' },
            { field: 'target', type: 'nominal' },
            { field: 'value', type: 'nominal', title: 'IIA' },
            { field: 'ci', type: 'nominal', title: '95% CI' },
          ],
        },
      },
      { mark: { type: 'text', fontSize: 13, fontWeight: 'bold', dy: -7 }, encoding: { text: { field: 'value' }, color: textColor } },
      { mark: { type: 'text', fontSize: 9, dy: 9 }, encoding: { text: { field: 'ci' }, color: textColor } },
    ],
  } as ChartSpec;
}

/** One point of an IIA-against-k curve. */
export interface KPoint {
  k: number;
  iia: number;
  lo?: number;
  hi?: number;
  /** e.g. "MAS cross-model", "DAS", "stitching". */
  series: string;
}

/**
 * The x encoding of a chart against k: a log₂ scale over exactly the measured range, with one
 * tick, labelled as an integer, at every measured k (not Vega's 2.5, 3, 3.5, … between them).
 */
export function log2KAxis(ks: readonly number[], title = 'subspace size k'): Record<string, unknown> {
  const values = [...new Set(ks.filter((k) => k > 0))].sort((a, b) => a - b);
  const lo = values[0] ?? 1;
  const hi = values[values.length - 1] ?? 2;
  const domain = lo === hi ? [lo / 2, hi * 2] : [lo, hi];
  return { field: 'k', type: 'quantitative', title, scale: { type: 'log', base: 2, domain, nice: false }, axis: { values, format: 'd', grid: true } };
}

/** IIA against subspace size k (log2 x axis), with CI error bars when given. */
export function iiaVsK(points: KPoint[], opts: { title: string }): ChartSpec {
  const withCi = points.filter((p) => p.lo !== undefined && p.hi !== undefined);
  const x = log2KAxis(points.map((p) => p.k));
  return {
    $schema: SCHEMA,
    title: opts.title,
    width: 380,
    height: 240,
    config: FONT,
    data: { values: points },
    layer: [
      {
        mark: { type: 'line', point: { size: 30 } },
        encoding: {
          x,
          y: { field: 'iia', type: 'quantitative', title: 'validation IIA', scale: { domain: [0, 1] } },
          color: { field: 'series', type: 'nominal', title: null, legend: { labelLimit: 240 } },
          tooltip: [
            { field: 'series', type: 'nominal' },
            { field: 'k', type: 'quantitative' },
            { field: 'iia', type: 'quantitative', format: '.3f' },
          ],
        },
      },
      ...(withCi.length > 0
        ? [
            {
              data: { values: withCi },
              mark: { type: 'errorbar' as const, ticks: true },
              encoding: {
                x,
                y: { field: 'lo', type: 'quantitative' as const, title: 'validation IIA' },
                y2: { field: 'hi' },
                color: { field: 'series', type: 'nominal' as const, title: null },
              },
            },
          ]
        : []),
    ],
  } as ChartSpec;
}

/** One bar of a measure comparison: a measure's value for a model pair. */
export interface MeasureBar {
  pair: string;
  measure: string;
  value: number;
  lo?: number;
  hi?: number;
}

/** Grouped bars of similarity values (RSA, CKA, IIA…) per model pair, on a common 0–1 axis. */
export function measureBars(bars: MeasureBar[], opts: { title: string }): ChartSpec {
  return {
    $schema: SCHEMA,
    title: opts.title,
    config: FONT,
    data: { values: bars },
    width: { step: 22 },
    height: 220,
    mark: 'bar',
    encoding: {
      x: { field: 'measure', type: 'nominal', title: null, axis: { labelAngle: -30 } },
      xOffset: { field: 'pair', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: 'value (1 = identical)', scale: { domain: [0, 1] } },
      color: { field: 'pair', type: 'nominal', title: 'model pair', legend: { labelLimit: 360, orient: 'bottom', direction: 'vertical' } },
      tooltip: [
        { field: 'pair', type: 'nominal' },
        { field: 'measure', type: 'nominal' },
        { field: 'value', type: 'quantitative', format: '.4f' },
      ],
    },
  } as ChartSpec;
}
