// Types of scripts/browser-bundle.mjs (used by test/browser).
import type { Metafile, Plugin } from 'esbuild';

/** The esbuild plugin that keeps Node-only modules out of the browser bundle. */
export declare const browserPlugin: Plugin;

/** Bundle `entry` for the browser as one IIFE script assigning its exports to `globalName`; code is null when written to `outfile`. */
export declare function bundleForBrowser(entry: string, globalName: string, outfile?: string): Promise<{ code: string | null; metafile: Metafile }>;
