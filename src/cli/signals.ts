/**
 * SIGINT/SIGTERM for the long-running commands. A synchronous training loop never lets the event loop
 * run a signal handler, so these commands run in a worker thread while the main thread only waits:
 * on a signal it stops the worker (every file is written atomically, so nothing is half-written; temp
 * files are removed on the next start), prints one line saying what was saved and the command that
 * resumes, and exits with 130 (SIGINT) or 143 (SIGTERM). MAS_NO_WORKER=1 runs commands in the main thread.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker, isMainThread } from 'node:worker_threads';

/** Commands that run in a worker thread so that a signal can stop them with a resume line. */
export const INTERRUPTIBLE = new Set(['train', 'align', 'demo', 'reproduce', 'compare', 'eval']);

/** Exit codes after a signal (128 + signal number). */
export const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

// Writes go straight to the file descriptors: a worker's process.stdout/stderr only forward through its
// event loop, which a synchronous loop blocks. EPIPE (reader gone) ends the worker quietly.
const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const wrap = (fd) => (chunk, enc, cb) => {
  try { writeSync(fd, typeof chunk === 'string' ? chunk : Buffer.from(chunk)); }
  catch (e) { if (e && e.code === 'EPIPE') { parentPort.postMessage({ code: 0 }); process.exit(0); } if (!(e && e.code === 'EAGAIN')) throw e; }
  if (typeof enc === 'function') enc(); else if (typeof cb === 'function') cb();
  return true;
};
process.stdout.write = wrap(1);
process.stderr.write = wrap(2);
if (workerData.stderrTTY) process.stderr.isTTY = true;
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  const m = await import(workerData.main);
  parentPort.postMessage({ code: await m.main(workerData.argv) });
})().catch((e) => { writeSync(2, 'mas: internal error: ' + String((e && e.message) || e).split('\\n')[0] + '\\n'); parentPort.postMessage({ code: 1 }); });
`;

/** Whether `main` should hand command `name` to a worker thread. */
export function runsInWorker(name: string): boolean {
  return isMainThread && INTERRUPTIBLE.has(name) && process.env.MAS_NO_WORKER !== '1';
}

function optionValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
  }
  return undefined;
}

function countStages(dir: string, depth = 4): number {
  let n = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (e.isFile() && e.name === 'stage.json') n++;
    else if (e.isDirectory() && depth > 0) n += countStages(path.join(dir, e.name), depth - 1);
  }
  return n;
}

function quote(a: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The one line printed after a signal: what the interrupted command saved, and how to resume it. */
export function interruptLine(argv: readonly string[], signal: string): string {
  const [cmd, ...rest] = argv;
  const out = optionValue(rest, '--out') ?? (cmd === 'demo' ? 'runs/demo' : cmd === 'reproduce' ? path.join('runs', 'reproduce') : undefined);
  let args = rest.filter((a) => a !== '--fresh');
  let saved: string;
  switch (cmd) {
    case 'train':
      saved = out && fs.existsSync(path.join(out, 'checkpoint', 'state.safetensors')) ? `the state of the last validation is saved in ${path.join(out, 'checkpoint')}` : 'nothing was saved yet (no checkpoint)';
      break;
    case 'align':
      saved = out && fs.existsSync(path.join(out, 'checkpoint.json')) ? `the state of the last validation is saved in ${out}` : 'nothing was saved yet (no checkpoint)';
      if (!args.includes('--resume')) args = [...args, '--resume'];
      break;
    case 'demo':
    case 'reproduce': {
      const n = out ? countStages(out) : 0;
      saved = `${n} finished stage${n === 1 ? ' is' : 's are'} saved in ${out}, and the interrupted stage's last checkpoint`;
      break;
    }
    default:
      saved = 'nothing is saved before the command finishes';
  }
  return `mas: interrupted by ${signal}: ${saved}; resume with: mas ${[cmd, ...args].map(quote).join(' ')}`;
}

/**
 * Run `main(argv)` of module `mainUrl` in a worker thread; SIGINT/SIGTERM stop it with the interrupt line.
 * Resolves to the command's exit code.
 */
export function runInWorkerWithSignals(argv: readonly string[], mainUrl: string): Promise<number> {
  const tsx = mainUrl.endsWith('.ts') ? import.meta.resolve('tsx/esm/api') : null;
  const workerData = { argv: [...argv], main: mainUrl, tsx, stderrTTY: Boolean(process.stderr.isTTY) };
  return new Promise<number>((resolve) => {
    const w = new Worker(BOOT, { eval: true, workerData, stdout: false, stderr: false });
    let code: number | null = null;
    const onSignal = (signal: 'SIGINT' | 'SIGTERM'): void => {
      void w.terminate();
      try {
        process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}${interruptLine(argv, signal)}\n`);
      } catch {
        /* stderr closed */
      }
      process.exit(SIGNAL_EXIT[signal]);
    };
    const int = (): void => onSignal('SIGINT');
    const term = (): void => onSignal('SIGTERM');
    process.on('SIGINT', int);
    process.on('SIGTERM', term);
    const done = (c: number): void => {
      process.off('SIGINT', int);
      process.off('SIGTERM', term);
      resolve(c);
    };
    w.on('message', (m: { code?: number }) => {
      code = typeof m.code === 'number' ? m.code : 1;
    });
    w.on('error', (e) => {
      process.stderr.write(`mas: internal error: ${String(e.message).split('\n')[0]} (set MAS_NO_WORKER=1 MAS_DEBUG=1 for a stack trace)\n`);
      code = 1;
    });
    w.on('exit', () => done(code ?? 1));
  });
}
