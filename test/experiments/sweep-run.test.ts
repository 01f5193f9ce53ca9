import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSweep } from '../../src/experiments/sweep/run.ts';
import { parseSweepSpec, type SweepSpec } from '../../src/experiments/sweep/spec.ts';
import { sweepStatus } from '../../src/experiments/sweep/status.ts';
import { FakeSlurm } from '../helpers/fake-slurm.ts';

/** Three very small GRUs, MAS on every pair, CKA on every pair: seconds in-process. */
function spec(): SweepSpec {
  return parseSweepSpec({
    name: 'mini',
    retries: 0,
    train: [{
      arch: 'gru', seeds: [1, 2, 3],
      options: {
        steps: 3, validateEvery: 1, batchSize: 8, lrMax: 1e-2, warmup: 1, solvedPatience: 0,
        modelSizes: { d_model: 8, hidden: 8, decoder_hidden: 8 },
        dataSizes: { train: 16, valid: 8, holdOutPerCount: 1, reportPerCount: 1 },
        taskConfig: { min_count: 1, max_count: 4, hold_outs: [3] },
      },
    }],
    align: [{ name: 'mas', method: 'mas', models: { from: ['gru'], pairing: 'pairs' }, options: { layer: 'layer.0', k: 2, variable: 'full', steps: 2, batchSize: 4, nTrain: 8, nValid: 8, validateEvery: 1, seed: 5 } }],
    compare: [{ name: 'cka', models: { from: ['gru'], pairing: 'pairs' }, options: { layer: 'layer.0', measures: ['cka-linear'], subsample: 0, runs: 1, seed: 0, perCount: 1 } }],
  });
}

/** A training checkpoint that cannot be read: the job fails on every attempt. */
function corrupt(out: string, model: string): void {
  mkdirSync(join(out, 'train', model, 'checkpoint'), { recursive: true });
  writeFileSync(join(out, 'train', model, 'checkpoint', 'state.safetensors'), 'not a checkpoint');
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'mas-sweep-'));

test('slurm driver: one array per stage chained afterok; same figures as the local executor; a rerun submits nothing', async () => {
  const fake = new FakeSlurm();
  const outS = join(tmp(), 's');
  const s = await runSweep(spec(), { out: outS, executor: 'slurm', scheduler: fake, pollSec: 0, quiet: true });
  assert.deepEqual(fake.arrays.map((a) => a.names.length), [3, 3, 3]);
  assert.deepEqual(fake.arrays[1].after, [fake.arrays[0].id]);
  assert.deepEqual(fake.arrays[2].after, [fake.arrays[0].id]);
  assert.ok(s.rows.every((r) => r.state === 'COMPLETED'), JSON.stringify(s.rows));
  assert.equal(s.json.jobs.find((j) => j.name === 'align/mas/gru-1_gru-3')?.slurm_job_id, `${fake.arrays[1].id}_1`);
  assert.ok(existsSync(join(outS, 'summary.json')) && existsSync(join(outS, 'report.html')));

  const outL = join(tmp(), 'l');
  const l = await runSweep(spec(), { out: outL, executor: 'local', jobs: 1, quiet: true });
  assert.ok(l.rows.every((r) => r.state === 'COMPLETED' && r.slurm_job_id === null));
  assert.equal(Object.keys(l.json.results).length, 9);
  assert.deepEqual(s.json.results, l.json.results);

  const again = await runSweep(spec(), { out: outS, executor: 'slurm', scheduler: fake, pollSec: 0, quiet: true });
  assert.equal(fake.arrays.length, 3, 'nothing submitted again');
  assert.deepEqual(again.json, s.json);
  const st = await sweepStatus(outS, fake);
  assert.deepEqual(st.json, s.json);
});

test('slurm driver: a failing job is reported with its log; jobs that do not need it go on; a rerun submits only what is left', async () => {
  const fake = new FakeSlurm();
  const out = join(tmp(), 's');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'sweep.json'), JSON.stringify({ format: 'mas-sweep-run/1', name: 'mini', executor: 'slurm', spec: {}, submissions: [], updated_at: '' }));
  corrupt(out, 'gru-2');
  const r = await runSweep(spec(), { out, executor: 'slurm', scheduler: fake, pollSec: 0, quiet: true });
  const state = Object.fromEntries(r.rows.map((x) => [x.name, x.state]));
  assert.equal(state['train/gru-2'], 'FAILED');
  assert.match(r.rows.find((x) => x.name === 'train/gru-2')?.error ?? '', /safetensors/);
  assert.equal(state['train/gru-1'], 'COMPLETED');
  assert.equal(state['align/mas/gru-1_gru-3'], 'COMPLETED');
  assert.equal(state['compare/cka/gru-1_gru-3'], 'COMPLETED');
  for (const n of ['align/mas/gru-1_gru-2', 'align/mas/gru-2_gru-3', 'compare/cka/gru-1_gru-2', 'compare/cka/gru-2_gru-3']) assert.equal(state[n], 'CANCELLED', n);
  // Round 2 resubmitted exactly the jobs whose inputs finished.
  assert.deepEqual(fake.arrays.slice(3).map((a) => a.names), [['align/mas/gru-1_gru-3'], ['compare/cka/gru-1_gru-3']]);
  assert.deepEqual(fake.arrays.slice(3).map((a) => a.after), [[], []]);
  assert.equal(Object.keys(r.json.results).length, 4);

  rmSync(join(out, 'train', 'gru-2'), { recursive: true });
  const before = fake.arrays.length;
  const r2 = await runSweep(spec(), { out, executor: 'slurm', scheduler: fake, pollSec: 0, quiet: true });
  assert.ok(r2.rows.every((x) => x.state === 'COMPLETED'), JSON.stringify(r2.rows));
  assert.deepEqual(fake.arrays.slice(before).map((a) => a.names), [['train/gru-2'], ['align/mas/gru-1_gru-2', 'align/mas/gru-2_gru-3'], ['compare/cka/gru-1_gru-2', 'compare/cka/gru-2_gru-3']]);
  const sweep = JSON.parse(readFileSync(join(out, 'sweep.json'), 'utf8')) as { submissions: unknown[] };
  assert.equal(sweep.submissions.length, fake.arrays.length);
});

test('slurm driver: tasks Slurm forgot count as completed by their stage records, as UNKNOWN otherwise', async () => {
  const ok = await runSweep(spec(), { out: join(tmp(), 's'), executor: 'slurm', scheduler: new FakeSlurm(true), pollSec: 0, quiet: true });
  assert.ok(ok.rows.every((x) => x.state === 'COMPLETED'), JSON.stringify(ok.rows));
  const out = join(tmp(), 's');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'sweep.json'), JSON.stringify({ format: 'mas-sweep-run/1', name: 'mini', executor: 'slurm', spec: {}, submissions: [], updated_at: '' }));
  corrupt(out, 'gru-1');
  const r = await runSweep(spec(), { out, executor: 'slurm', scheduler: new FakeSlurm(true), pollSec: 0, quiet: true });
  const state = Object.fromEntries(r.rows.map((x) => [x.name, x.state]));
  assert.equal(state['train/gru-1'], 'UNKNOWN');
  assert.equal(state['train/gru-2'], 'COMPLETED');
  // The align and compare arrays were cancelled (a dependency failed) and then forgotten: unknown too.
  assert.equal(state['align/mas/gru-2_gru-3'], 'UNKNOWN');
});

test('local executor: a failing job is retried, then reported; jobs that do not need it go on', async () => {
  const out = join(tmp(), 'l');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'sweep.json'), JSON.stringify({ format: 'mas-sweep-run/1', name: 'mini', executor: 'local', spec: {}, submissions: [], updated_at: '' }));
  corrupt(out, 'gru-3');
  const lines: string[] = [];
  const r = await runSweep(spec(), { out, executor: 'local', jobs: 1, retries: 1, log: (l) => lines.push(l) });
  const state = Object.fromEntries(r.rows.map((x) => [x.name, x.state]));
  assert.equal(state['train/gru-3'], 'FAILED');
  assert.equal(state['align/mas/gru-1_gru-2'], 'COMPLETED');
  assert.equal(state['compare/cka/gru-1_gru-2'], 'COMPLETED');
  assert.equal(state['align/mas/gru-1_gru-3'], 'CANCELLED');
  assert.ok(lines.some((l) => /train\/gru-3: attempt 1 failed .*retrying/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /FAILED train\/gru-3: .*safetensors/.test(l)));
});

test('a spec naming an unknown model is refused before anything is submitted', async () => {
  const fake = new FakeSlurm();
  const bad = spec();
  bad.align[0].models = ['gru-1', 'gru-7'];
  await assert.rejects(runSweep(bad, { out: join(tmp(), 's'), executor: 'slurm', scheduler: fake, quiet: true }), /align\[0\]\.models\[1\]: unknown model 'gru-7'/);
  assert.equal(fake.arrays.length, 0);
});
