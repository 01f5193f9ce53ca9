// The tiny alignment shared by resume.test.ts and its child process (24 steps, validation every 4).
import type { RunAlignOptions } from '../../src/align/run.ts';

/** Options of the tiny alignment into `out` (resume: true, so one command serves a new and a resumed run). */
export function alignOptions(out: string, modelDirs: string[]): RunAlignOptions {
  return {
    modelDirs, out, resume: true, quiet: true,
    settings: { method: 'mas', layer: 'hidden', variables: ['count'], subspace: 3, steps: 24, trainPairs: 64, validPairs: 32, batch: 16, validEvery: 4, seed: 3 },
  };
}

/** The same alignment as `mas align` arguments. */
export function alignArgv(out: string, modelDirs: string[]): string[] {
  return ['align', '--models', ...modelDirs, '--layer', 'hidden', '--variable', 'count', '--subspace', '3', '--steps', '24', '--train-pairs', '64', '--valid-pairs', '32', '--batch', '16', '--valid-every', '4', '--seed', '3', '--quiet', '--resume', '--out', out];
}
