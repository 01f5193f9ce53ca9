import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.ts';
import type { JobContext, JobSpec } from '../../src/experiments/jobs.ts';
import { openExperiment, runStages, type Json, type Stage } from '../../src/experiments/stages.ts';

const sim = (seed: number): JobSpec => ({ kind: 'similarity', args: { models: ['a', 'b'], layer: 'layer.0', measures: ['cka'], subsample: 0, runs: 1, seed, perCount: 1 } });

function plan(seed = 1): Stage[] {
  return [
    { id: 'models/a', title: 'A', job: sim(seed) },
    { id: 'models/b', title: 'B', job: sim(2) },
    { id: 'align/ab', title: 'AB', deps: ['models/a', 'models/b'], job: sim(3) },
    { id: 'align/opt', title: 'optional', deps: ['models/a'], job: sim(4) },
  ];
}

/** A fake runner that records the order, the peak concurrency, and returns the job's seed. */
function recorder(): { runner: (j: JobSpec, c: JobContext) => Promise<Json>; order: string[]; peak: () => number } {
  const order: string[] = [];
  let active = 0;
  let peak = 0;
  return {
    order,
    peak: () => peak,
    runner: async (job, ctx) => {
      active++;
      peak = Math.max(peak, active);
      order.push(ctx.dir);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      return { seed: (job.args as { seed: number }).seed };
    },
  };
}

test('stages run in dependency order, at most `jobs` at a time, and are skipped on rerun', async () => {
  const out = mkdtempSync(join(tmpdir(), 'mas-stages-'));
  const r1 = recorder();
  const o1 = await runStages(plan(), { out, jobs: 2, quiet: true, runner: r1.runner });
  assert.equal(r1.peak(), 2);
  assert.ok(r1.order.indexOf(join(out, 'align/ab')) > Math.max(r1.order.indexOf(join(out, 'models/a')), r1.order.indexOf(join(out, 'models/b'))));
  assert.deepEqual([...o1.values()].map((o) => o.status), ['done', 'done', 'done', 'done']);
  assert.deepEqual(o1.get('align/ab')!.result, { seed: 3 });
  const rec = JSON.parse(readFileSync(join(out, 'align/ab/stage.json'), 'utf8')) as { config_hash: string; result: unknown };
  assert.deepEqual(rec.result, { seed: 3 });

  const r2 = recorder();
  const o2 = await runStages(plan(), { out, jobs: 2, quiet: true, runner: r2.runner });
  assert.equal(r2.order.length, 0, 'nothing reruns');
  assert.deepEqual([...o2.values()].map((o) => o.status), ['skipped', 'skipped', 'skipped', 'skipped']);
  assert.deepEqual(o2.get('align/ab')!.result, { seed: 3 });
});

test('an interrupted stage (folder without stage.json) runs again; a changed stage or dependency is refused', async () => {
  const out = mkdtempSync(join(tmpdir(), 'mas-stages-'));
  await runStages(plan(), { out, quiet: true, runner: recorder().runner });
  // Interrupt: drop the marker of one stage.
  writeFileSync(join(out, 'align/ab/stage.json.bak'), readFileSync(join(out, 'align/ab/stage.json')));
  const { unlinkSync } = await import('node:fs');
  unlinkSync(join(out, 'align/ab/stage.json'));
  const r = recorder();
  const o = await runStages(plan(), { out, quiet: true, runner: r.runner });
  assert.deepEqual(r.order, [join(out, 'align/ab')]);
  assert.equal(o.get('align/ab')!.status, 'done');
  // A changed upstream configuration changes every dependent stage's hash: refused, with the way out.
  await assert.rejects(
    runStages(plan(99), { out, quiet: true, runner: recorder().runner }),
    (e: unknown) => e instanceof InputError && /models\/a: .* different configuration/.test(e.message) && /--fresh/.test(e.message) && /job\.args\.seed/.test(e.message),
  );
});

test('left-out stages propagate to their dependants', async () => {
  const out = mkdtempSync(join(tmpdir(), 'mas-stages-'));
  const r = recorder();
  const o = await runStages(plan(), { out, quiet: true, runner: r.runner, admit: (s) => s.id !== 'models/a' });
  assert.equal(o.get('models/a')!.status, 'left-out');
  assert.equal(o.get('align/ab')!.status, 'left-out');
  assert.equal(o.get('align/opt')!.status, 'left-out');
  assert.equal(o.get('models/b')!.status, 'done');
  assert.ok(!existsSync(join(out, 'align/ab')));
});

test('keepGoing: a failed stage is recorded as failed, its dependants are left out, the others run; without it the error stops the run', async () => {
  const out = mkdtempSync(join(tmpdir(), 'mas-stages-'));
  const r = recorder();
  const failing = async (job: JobSpec, ctx: JobContext): Promise<Json> => {
    if (ctx.dir.endsWith('models/b')) throw new Error('boom in b');
    return r.runner(job, ctx);
  };
  const o = await runStages(plan(), { out, quiet: true, runner: failing, keepGoing: true });
  assert.equal(o.get('models/b')!.status, 'failed');
  assert.equal(o.get('models/b')!.error, 'boom in b');
  assert.equal(o.get('align/ab')!.status, 'left-out');
  assert.equal(o.get('models/a')!.status, 'done');
  assert.equal(o.get('align/opt')!.status, 'done');
  assert.ok(!existsSync(join(out, 'models/b/stage.json')), 'no record of a failed stage');
  await assert.rejects(runStages(plan(), { out: mkdtempSync(join(tmpdir(), 'mas-stages-')), quiet: true, runner: failing }), /boom in b/);
});

test('openExperiment refuses another configuration, another experiment, and a foreign folder; --fresh replaces', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'mas-exp-')), 'run');
  assert.equal(openExperiment(out, 'demo', { steps: 1 }).resumed, false);
  assert.equal(openExperiment(out, 'demo', { steps: 1 }).resumed, true);
  assert.throws(() => openExperiment(out, 'demo', { steps: 2 }), (e: unknown) => e instanceof InputError && /differs in steps/.test(e.message) && /rm -r/.test(e.message) && /--out/.test(e.message) && /--fresh/.test(e.message));
  assert.throws(() => openExperiment(out, 'reproduce', { steps: 1 }), /holds a 'demo' experiment/);
  assert.throws(() => openExperiment(out, 'reproduce', { steps: 1 }, { fresh: true }), /--fresh does not replace/);
  // --fresh removes exactly the outputs the record lists (and folders they leave empty), not the user's files.
  openExperiment(out, 'demo', { steps: 1 }, { outputs: ['models/a', 'report.html'] });
  mkdirSync(join(out, 'models', 'a'), { recursive: true });
  writeFileSync(join(out, 'models', 'a', 'w.bin'), 'x');
  writeFileSync(join(out, 'report.html'), 'x');
  writeFileSync(join(out, 'marker'), 'x');
  assert.equal(openExperiment(out, 'demo', { steps: 2 }, { fresh: true }).resumed, false);
  assert.ok(!existsSync(join(out, 'models')), '--fresh removed the listed results');
  assert.ok(!existsSync(join(out, 'report.html')));
  assert.ok(existsSync(join(out, 'marker')), "--fresh keeps the user's own files");
  const foreign = mkdtempSync(join(tmpdir(), 'mas-foreign-'));
  writeFileSync(join(foreign, 'notes.txt'), 'mine');
  assert.throws(() => openExperiment(foreign, 'demo', {}, { fresh: true }), /holds no experiment/);
  assert.ok(existsSync(join(foreign, 'notes.txt')), '--fresh never deletes a folder that is not an experiment');
});
