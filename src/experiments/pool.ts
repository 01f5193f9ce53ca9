/**
 * Running one experiment job in a worker thread, so that independent stages (two seeds, two MAS runs) use
 * both cores of a small machine inside one process. The worker imports the sibling jobs module and runs the
 * job: compiled, dist/experiments/jobs.js with plain Node; from source (tests, bench), jobs.ts after
 * registering tsx in the worker. Typed errors come back as the same error classes (matched by their
 * stable `code`), so the CLI still prints one line.
 */
import { Worker } from 'node:worker_threads';
import { DTypeError, FileFormatError, InputError, LinalgError, MasError, NonFiniteError, ShapeError } from '../errors.ts';
import type { JobSpec } from './jobs.ts';
import type { JobContext, Json } from './types.ts';

// Progress lines go straight to the process's stderr: a worker's process.stderr stream only forwards the
// first write until the worker's event loop runs, which a synchronous training loop never lets it do.
const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
process.stderr.write = (chunk, enc, cb) => { writeSync(2, typeof chunk === 'string' ? chunk : Buffer.from(chunk)); if (typeof enc === 'function') enc(); else if (cb) cb(); return true; };
let MasError = null;
(workerData.tsx ? import(workerData.tsx).then((m) => m.register()) : Promise.resolve())
  .then(() => import(workerData.errors))
  .then((errors) => { MasError = errors.MasError; return import(workerData.jobs); })
  .then((m) => m.runJob(workerData.job, workerData.ctx))
  .then(
    (result) => parentPort.postMessage({ ok: true, result }),
    (e) => parentPort.postMessage({
      ok: false,
      mas: MasError !== null && e instanceof MasError,
      name: e && e.name,
      code: e && typeof e.code === 'string' ? e.code : undefined,
      message: String((e && e.message) || e),
      stack: e && e.stack,
    }),
  );
`;

/** The base error class for each stable code; a subclass (e.g. TooFewSamplesError) comes back as its base with its own name. */
const BY_CODE: Record<string, new (m: string) => MasError> = {
  E_SHAPE: ShapeError,
  E_DTYPE: DTypeError,
  E_NONFINITE: NonFiniteError,
  E_LINALG: LinalgError,
  E_INPUT: InputError,
  E_FILE: FileFormatError,
};

/** Rebuild an error thrown in a worker: a MasError keeps its code, message and name; anything else is a plain Error. */
export function rebuildError(m: WorkerReply): Error {
  const message = m.message ?? 'error in a worker thread';
  let err: Error;
  if (m.mas && m.code !== undefined) {
    const Cls = BY_CODE[m.code];
    err = Cls ? new Cls(message) : new MasError(m.code, message);
    if (m.name) err.name = m.name;
  } else err = new Error(message);
  if (m.stack) err.stack = m.stack;
  return err;
}

/** What a worker posts back: its result, or a description of the error it threw. */
export interface WorkerReply {
  ok: boolean;
  result?: Json;
  /** The error was a MasError (its `code` is then a stable E_* code). */
  mas?: boolean;
  code?: string;
  name?: string;
  message?: string;
  stack?: string;
}

/**
 * Where the worker finds the jobs module: beside this file, with this file's extension. Running from
 * TypeScript source means a loader (tsx) is active here, and the worker must register it too.
 */
function jobsModule(): { jobs: string; errors: string; tsx: string | null } {
  const fromSource = import.meta.url.endsWith('.ts');
  const ext = fromSource ? '.ts' : '.js';
  return {
    jobs: new URL(`./jobs${ext}`, import.meta.url).href,
    errors: new URL(`../errors${ext}`, import.meta.url).href,
    tsx: fromSource ? import.meta.resolve('tsx/esm/api') : null,
  };
}

/** Run `job` in a fresh worker thread; resolves to its result, rejects with its (typed) error. */
export function runInWorker(job: JobSpec, ctx: JobContext): Promise<Json> {
  const workerData = { ...jobsModule(), job, ctx };
  return new Promise<Json>((resolve, reject) => {
    let settled = false;
    // BOOT is CommonJS: drop an inherited --input-type=module (e.g. from `node --input-type=module -e`).
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--input-type'));
    const w = new Worker(BOOT, { eval: true, workerData, execArgv, stderr: false, stdout: false });
    w.on('message', (m: WorkerReply) => {
      settled = true;
      if (m.ok) resolve(m.result ?? null);
      else reject(rebuildError(m));
      void w.terminate();
    });
    w.on('error', (e) => {
      if (!settled) reject(e);
      settled = true;
    });
    w.on('exit', (code) => {
      if (!settled) reject(new Error(`worker thread for ${job.kind} exited with code ${code} before finishing`));
    });
  });
}
