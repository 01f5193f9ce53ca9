// Locks, restarts before the first checkpoint, stale temp files, kill -9 at several moments (the first
// second included) with byte-identical results, SIGINT/SIGTERM lines, closed pipes and a full disk.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fsDefault, * as fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { test } from 'node:test';
import { FileFormatError, InputError } from '../../src/errors.ts';
import { writeFileAtomic } from '../../src/io/atomic.ts';
import { LOCK_FILE, lockFolder } from '../../src/io/lock.ts';
import { runAlign } from '../../src/align/run.ts';
import { trainModel } from '../../src/models/train.ts';
import { alignArgv, alignOptions } from './align-settings.ts';
import { SIGNAL_EXIT, interruptLine } from '../../src/cli/signals.ts';
import { tinyTraining } from '../models/tiny.ts';
import { tinyModel, tmp } from './helpers.ts';

const root = tmp('mas-resume-');
const bin = path.resolve('bin/mas.js');
const trainChild = path.resolve('test/models/train-child.ts');
const SEED = 5;

/** A PID that is certainly dead: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

function trainOutputs(dir: string): Buffer[] {
  return ['model.safetensors', 'training.csv'].map((f) => fs.readFileSync(path.join(dir, f)));
}

const ref = path.join(root, 'ref');
trainModel(tinyTraining(ref, 'gru', SEED));

function exited(p: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
}

/** Poll until `cond` holds or `ms` pass. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 2));
  }
  return cond();
}

test('a second run on a locked folder is refused naming the PID; a stale lock is recovered', async () => {
  const dir = path.join(root, 'locked');
  fs.mkdirSync(dir);
  const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid: holder.pid, host: '', started: 'now' }));
    assert.throws(() => trainModel(tinyTraining(dir, 'gru', SEED)), (e: unknown) => e instanceof InputError && new RegExp(`in use by process ${holder.pid}`).test(e.message));
  } finally {
    holder.kill('SIGKILL');
  }
  await exited(holder);
  // The holder is dead now: its lock is stale, taken over, and removed when the run ends.
  trainModel(tinyTraining(dir, 'gru', SEED));
  assert.ok(!fs.existsSync(path.join(dir, LOCK_FILE)));
  assert.deepEqual(trainOutputs(dir), trainOutputs(ref));
  // Re-entrant in one process; released by the returned function.
  const d2 = path.join(root, 'lock2');
  const release = lockFolder(d2);
  lockFolder(d2)();
  assert.ok(fs.existsSync(path.join(d2, LOCK_FILE)));
  release();
  assert.ok(!fs.existsSync(path.join(d2, LOCK_FILE)));
});

test('train killed before its first checkpoint: the same command restarts; stale temp files are removed', () => {
  const dir = path.join(root, 'early');
  fs.mkdirSync(path.join(dir, 'checkpoint'), { recursive: true });
  const pid = deadPid();
  const stale = [path.join(dir, `.training.csv.tmp-${pid}-0123456789ab`), path.join(dir, 'checkpoint', `.state.safetensors.tmp-${pid}-ba9876543210`)];
  for (const f of stale) fs.writeFileSync(f, 'partial');
  fs.writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ pid, host: '', started: '' }));
  trainModel(tinyTraining(dir, 'gru', SEED));
  for (const f of stale) assert.ok(!fs.existsSync(f), `${f} removed`);
  assert.deepEqual(trainOutputs(dir), trainOutputs(ref));
});

test('kill -9 of a tiny train at several moments (the first second included), then the same command: byte-identical', async () => {
  const points: { name: string; env?: Record<string, string>; when: (dir: string) => Promise<void> }[] = [
    { name: 'at 300 ms (starting up)', when: () => new Promise((r) => setTimeout(r, 300)) },
    { name: 'once the folder exists, before any checkpoint', when: async (dir) => void (await until(() => fs.existsSync(path.join(dir, LOCK_FILE)), 20_000)) },
    { name: 'after the first checkpoint', env: { PAUSE_AT: '0' }, when: async (dir) => void (await until(() => fs.existsSync(path.join(dir, 'training.csv')), 20_000)) },
    { name: 'after the checkpoint of epoch 2', env: { PAUSE_AT: '2' }, when: async (dir) => void (await until(() => fs.existsSync(path.join(dir, 'training.csv')) && fs.readFileSync(path.join(dir, 'training.csv'), 'utf8').trim().split('\n').length >= 3, 20_000)) },
  ];
  for (const [i, p] of points.entries()) {
    const dir = path.join(root, `kill-${i}`);
    const child = spawn(process.execPath, ['--import', 'tsx', trainChild, dir, 'gru', String(SEED)], { env: { ...process.env, ...p.env }, stdio: 'ignore' });
    const done = exited(child);
    await p.when(dir);
    child.kill('SIGKILL');
    await done;
    trainModel(tinyTraining(dir, 'gru', SEED));
    assert.deepEqual(trainOutputs(dir), trainOutputs(ref), p.name);
  }
});

const models = [1, 2].map((s) => tinyModel(path.join(root, `m${s}`), s));
const alignChild = path.resolve('test/reliability/align-child.ts');

test('kill -9 of a tiny align (first second, before and after the first checkpoint), SIGINT line, rerun: byte-identical', async () => {
  const refA = path.join(root, 'align-ref');
  runAlign(alignOptions(refA, models));
  const want = fs.readFileSync(path.join(refA, 'alignment.safetensors'));
  const kills: { name: string; cli?: boolean; signal: NodeJS.Signals; when: (dir: string) => Promise<unknown> }[] = [
    { name: 'at 400 ms', signal: 'SIGKILL', when: () => new Promise((r) => setTimeout(r, 400)) },
    { name: 'once config.json exists', signal: 'SIGKILL', when: (dir) => until(() => fs.existsSync(path.join(dir, 'config.json')), 30_000) },
    { name: 'after the first checkpoint', signal: 'SIGKILL', when: (dir) => until(() => fs.existsSync(path.join(dir, 'checkpoint.json')), 30_000) },
    { name: 'SIGINT of `mas align` after the first checkpoint', cli: true, signal: 'SIGINT', when: (dir) => until(() => fs.existsSync(path.join(dir, 'checkpoint.json')), 60_000) },
  ];
  for (const [i, k] of kills.entries()) {
    const dir = path.join(root, `align-kill-${i}`);
    const argv = k.cli ? [bin, ...alignArgv(dir, models)] : ['--import', 'tsx', alignChild, dir, ...models];
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = exited(child);
    await k.when(dir);
    child.kill(k.signal);
    const { code } = await done;
    if (k.cli && !fs.existsSync(path.join(dir, 'result.json'))) {
      assert.equal(code, 130, stderr);
      const lines = stderr.trim().split('\n');
      assert.match(lines[lines.length - 1], /^mas: interrupted by SIGINT: the state of the last validation is saved in .*; resume with: mas align .*--resume/);
    }
    const resume = fs.existsSync(path.join(dir, 'checkpoint.json'));
    // Without a checkpoint the rerun needs no --resume: a folder killed before it restarts as it is.
    runAlign({ ...alignOptions(dir, models), resume });
    assert.deepEqual(fs.readFileSync(path.join(dir, 'alignment.safetensors')), want, k.name);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.includes('.tmp-') || f === LOCK_FILE), [], 'no temp files or lock left');
  }
});

test('the SIGTERM/SIGINT line names what was saved and the command that resumes', () => {
  const dir = path.join(root, 'term');
  const argv = ['train', '--task', 'multi-object', '--arch', 'gru', '--seed', '1', '--out', dir, '--epochs', '1'];
  assert.equal(interruptLine(argv, 'SIGTERM'), `mas: interrupted by SIGTERM: nothing was saved yet (no checkpoint); resume with: mas ${argv.join(' ')}`);
  assert.equal(SIGNAL_EXIT.SIGTERM, 143);
  assert.equal(SIGNAL_EXIT.SIGINT, 130);
  fs.mkdirSync(path.join(dir, 'checkpoint'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'checkpoint', 'state.safetensors'), '');
  assert.match(interruptLine(argv, 'SIGINT'), /^mas: interrupted by SIGINT: the state of the last validation is saved in .*term\/checkpoint; resume with: mas train /);
  assert.match(interruptLine(['demo', '--quick', '--fresh', "--out", 'a b'], 'SIGINT'), /0 finished stages are saved in a b.*resume with: mas demo --quick --out 'a b'$/);
});

test('a closed pipe ends the command quietly (exit 0, no EPIPE stack)', async () => {
  const child = spawn(process.execPath, [bin, 'similarity', '--list'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.once('data', () => child.stdout!.destroy());
  const { code } = await exited(child);
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|at /);
});

test('a full disk (ENOSPC) is a one-line FileFormatError and leaves no partial or temp file', () => {
  const dir = path.join(root, 'full');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'out.json');
  writeFileAtomic(file, 'old');
  const orig = fsDefault.writeSync;
  fsDefault.writeSync = (() => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  }) as typeof fsDefault.writeSync;
  syncBuiltinESMExports();
  try {
    assert.throws(() => writeFileAtomic(file, 'new'), (e: unknown) => e instanceof FileFormatError && /cannot write .*out\.json: no space left on device$/.test(e.message));
  } finally {
    fsDefault.writeSync = orig;
    syncBuiltinESMExports();
  }
  assert.equal(fs.readFileSync(file, 'utf8'), 'old');
  assert.deepEqual(fs.readdirSync(dir), ['out.json']);
});
