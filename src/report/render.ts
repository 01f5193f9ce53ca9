/**
 * Render Vega-Lite specifications to standalone SVG strings in Node (no browser, no canvas), so a
 * report is a self-contained HTML file with inline SVG that needs no network or script to view.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type * as vl from 'vega-lite';

/**
 * A Vega-Lite specification (top level), as plain JSON. Structural rather than vega-lite's TopLevelSpec, so
 * the published .d.ts files do not pull in vega's typings, which need the DOM lib; vega-lite checks it.
 */
export type ChartSpec = { [key: string]: unknown };

/** Compile a Vega-Lite spec and render it to an SVG string. Vega loads on first use (it takes ~0.5 s). */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  const [vega, vlite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vlite.compile(spec as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The versions of the plotting libraries, for the report's provenance table. */
export function plottingVersions(): Record<string, string> {
  return { vega: installedVersion('vega'), 'vega-lite': installedVersion('vega-lite') };
}

/** The version in an installed package's package.json, found above its entry point (no need to load it). */
function installedVersion(name: string): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve(name));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
    }
    const up = path.dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}
