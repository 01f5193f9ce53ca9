/** HTML reports with Vega-Lite charts rendered to inline SVG. */
export * from './charts.ts';
export * from './html.ts';
export * from './render.ts';
export * from './fromRuns.ts';
