// Shared by the reliability tests: tiny model folders, and running the CLI in-process with its output captured.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel, saveModel } from '../../src/models/folder.ts';
import { getTask } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

/** A fresh temporary folder. */
export function tmp(prefix = 'mas-rel-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Write an untrained tiny GRU model folder (seed s) into `dir`; returns `dir`. */
export function tinyModel(dir: string, seed = 1): string {
  const vocab = [...getTask('multi-object').vocab.list];
  saveModel(dir, createModel(defaultConfig({ arch: 'gru', task: 'multi-object', vocab, seed, sizes: { d_model: 8, hidden: 8, decoder_hidden: 16 } }), new Rng(seed)));
  return dir;
}

/** What one in-process CLI call printed and returned. */
export interface CliRun {
  code: number;
  out: string[];
  err: string[];
  ms: number;
}

/** Run `mas ARGV` in this process, capturing console.log/console.error and stderr writes. */
export async function cli(argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(' '));
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk).replace(/\n$/, ''));
    return true;
  }) as typeof process.stderr.write;
  const t0 = performance.now();
  try {
    const code = await main(argv);
    return { code, out, err, ms: performance.now() - t0 };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}

/** The lines of a run that are errors (`mas: ...error...`). */
export function errorLines(r: CliRun): string[] {
  return r.err.filter((l) => /^mas: (internal )?error/.test(l));
}
