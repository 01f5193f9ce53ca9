/**
 * Running one experiment job in a worker thread, so that independent stages (two seeds, two MAS runs) use
 * both cores of a small machine inside one process. The worker registers tsx, imports jobs.ts and runs the
 * job; typed errors come back as the same error classes, so the CLI still prints one line.
 */
import { Worker } from 'node:worker_threads';
import { DTypeError, FileFormatError, InputError, LinalgError, MasError, NonFiniteError, ShapeError } from '../errors.ts';
import type { JobContext, JobSpec } from './jobs.ts';
import type { Json } from './stages.ts';

// Progress lines go straight to the process's stderr: a worker's process.stderr stream only forwards the
// first write until the worker's event loop runs, which a synchronous training loop never lets it do.
const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
process.stderr.write = (chunk, enc, cb) => { writeSync(2, typeof chunk === 'string' ? chunk : Buffer.from(chunk)); if (typeof enc === 'function') enc(); else if (cb) cb(); return true; };
import(workerData.tsx)
  .then((m) => m.register())
  .then(() => import(workerData.jobs))
  .then((m) => m.runJob(workerData.job, workerData.ctx))
  .then(
    (result) => parentPort.postMessage({ ok: true, result }),
    (e) => parentPort.postMessage({ ok: false, name: e && e.name, message: String((e && e.message) || e), stack: e && e.stack }),
  );
`;

const TYPED: Record<string, new (m: string) => MasError> = { ShapeError, DTypeError, NonFiniteError, LinalgError, InputError, FileFormatError };

interface WorkerReply {
  ok: boolean;
  result?: Json;
  name?: string;
  message?: string;
  stack?: string;
}

/** Run `job` in a fresh worker thread; resolves to its result, rejects with its (typed) error. */
export function runInWorker(job: JobSpec, ctx: JobContext): Promise<Json> {
  const workerData = { tsx: import.meta.resolve('tsx/esm/api'), jobs: new URL('./jobs.ts', import.meta.url).href, job, ctx };
  return new Promise<Json>((resolve, reject) => {
    let settled = false;
    const w = new Worker(BOOT, { eval: true, workerData, stderr: false, stdout: false });
    w.on('message', (m: WorkerReply) => {
      settled = true;
      if (m.ok) resolve(m.result ?? null);
      else {
        const Cls = m.name !== undefined ? TYPED[m.name] : undefined;
        const err = Cls ? new Cls(m.message ?? 'error') : new Error(m.message ?? 'error in a worker thread');
        if (m.stack) err.stack = m.stack;
        reject(err);
      }
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
