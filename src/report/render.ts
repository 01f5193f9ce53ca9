/**
 * Render Vega-Lite specifications to standalone SVG strings in Node (no browser, no canvas), so a
 * report is a self-contained HTML file with inline SVG that needs no network or script to view.
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** A Vega-Lite specification (top level). */
export type ChartSpec = vl.TopLevelSpec;

/** Compile a Vega-Lite spec and render it to an SVG string. */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The versions of the plotting libraries, for the report's provenance table. */
export function plottingVersions(): Record<string, string> {
  return { vega: vega.version, 'vega-lite': vl.version };
}
