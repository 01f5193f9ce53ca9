import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/errors.ts';
import { gridPoints, planSweep, withDeps } from '../../src/experiments/sweep/plan.ts';
import { parseSweepSpec, readSweepSpec } from '../../src/experiments/sweep/spec.ts';

/** A small valid spec; tests change one thing. */
function base(): Record<string, unknown> {
  return {
    name: 'unit',
    train: [
      { arch: 'gru', seeds: [1, 2, 3], options: { steps: 2, modelSizes: { d_model: 8, hidden: 8, decoder_hidden: 8 } } },
      { arch: 'transformer', seeds: [1, 2, 3], options: { steps: 2, modelSizes: { d_model: 8 } } },
    ],
    align: [{ name: 'mas', method: 'mas', models: { from: ['gru'], pairing: 'pairs' }, options: { layer: 'layer.0', k: 2, variable: 'count', steps: 2, seed: 1 } }],
    compare: [{ name: 'cka', models: { from: ['gru', 'transformer'], pairing: 'zip' }, options: { layer: 'embedding', measures: ['cka-linear'], subsample: 0, runs: 1, seed: 0, perCount: 1 } }],
  };
}

/** The InputError message of planning `spec` (fails the test if it plans). */
function refusal(spec: Record<string, unknown>): string {
  try {
    planSweep(parseSweepSpec(spec, 'spec.json'));
  } catch (err) {
    assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
    return err.message;
  }
  assert.fail('the spec was accepted');
}

function edit(f: (s: any) => void): Record<string, unknown> {
  const s = base();
  f(s);
  return s;
}

test('a spec expands to train, align and compare jobs with their dependencies; every seed comes from the spec', () => {
  const plan = planSweep(parseSweepSpec(base()));
  const ids = plan.jobs.map((j) => j.id);
  assert.deepEqual(ids.slice(0, 6), ['train/gru-1', 'train/gru-2', 'train/gru-3', 'train/transformer-1', 'train/transformer-2', 'train/transformer-3']);
  // pairs of one group: the 3 unordered pairs; zip of two groups: seed i with seed i.
  assert.deepEqual(ids.filter((i) => i.startsWith('align/')), ['align/mas/gru-1_gru-2', 'align/mas/gru-1_gru-3', 'align/mas/gru-2_gru-3']);
  assert.deepEqual(ids.filter((i) => i.startsWith('compare/')), ['compare/cka/gru-1_transformer-1', 'compare/cka/gru-2_transformer-2', 'compare/cka/gru-3_transformer-3']);
  const a = plan.jobs.find((j) => j.id === 'align/mas/gru-1_gru-3')!;
  assert.deepEqual(a.deps, ['train/gru-1', 'train/gru-3']);
  assert.equal(a.job.kind, 'align');
  assert.deepEqual(a.job.args, { method: 'mas', models: ['train/gru-1', 'train/gru-3'], layer: 'layer.0', k: 2, variable: 'count', steps: 2, seed: 1 });
  const t = plan.jobs.find((j) => j.id === 'train/transformer-2')!;
  assert.deepEqual(t.job.args, { task: 'multi-object', arch: 'transformer', seed: 2, steps: 2, modelSizes: { d_model: 8 } });
  assert.equal(plan.retries, 1);
  assert.deepEqual(withDeps(plan.jobs, 'compare/cka/gru-2_transformer-2').map((j) => j.id), ['train/gru-2', 'train/transformer-2', 'compare/cka/gru-2_transformer-2']);
});

test('a grid is the cartesian product of its options, one job per point and model set', () => {
  assert.deepEqual(gridPoints({ k: [1, 2], variable: ['count', 'full'] }), [
    { k: 1, variable: 'count' }, { k: 1, variable: 'full' }, { k: 2, variable: 'count' }, { k: 2, variable: 'full' },
  ]);
  const plan = planSweep(parseSweepSpec(edit((s) => {
    s.align = [{ name: 'das', method: 'das', models: { from: ['gru'], pairing: 'each' }, options: { layer: 'layer.0', variable: 'count', steps: 2, seed: 1 }, grid: { k: [2, 4] } }];
  })));
  const align = plan.jobs.filter((j) => j.kind === 'align');
  assert.equal(align.length, 3 * 2);
  assert.deepEqual(align.map((j) => j.id).slice(0, 2), ['align/das/gru-1-k2', 'align/das/gru-2-k2']);
  assert.deepEqual(align.map((j) => (j.job.args as { k: number }).k), [2, 2, 2, 4, 4, 4]);
});

test('resources merge the default under each stage', () => {
  const plan = planSweep(parseSweepSpec(edit((s) => {
    s.resources = { default: { cpus: 2, mem: '4G', partition: 'short' }, align: { time: '2:00:00', sbatch: ['--qos=fast'] } };
  })));
  assert.deepEqual(plan.resources.train, { cpus: 2, mem: '4G', partition: 'short' });
  assert.deepEqual(plan.resources.align, { cpus: 2, mem: '4G', partition: 'short', time: '2:00:00', sbatch: ['--qos=fast'] });
});

test('unknown options, models, tasks, layers, variables and measures are refused, named by their JSON path', () => {
  assert.match(refusal(edit((s) => (s.train[0].options.stpes = 3))), /^spec\.json: train\[0\]\.options\.stpes: unknown option 'stpes' \(did you mean 'steps'\?\)/);
  assert.match(refusal(edit((s) => (s.retires = 3))), /retires: unknown option 'retires' \(did you mean 'retries'\?\)/);
  assert.match(refusal(edit((s) => (s.align[0].models = ['gru-1', 'gru-9']))), /align\[0\]\.models\[1\]: unknown model 'gru-9'/);
  assert.match(refusal(edit((s) => (s.align[0].models = { from: ['lstm'], pairing: 'pairs' }))), /align\[0\]\.models\.from\[0\]: unknown train group 'lstm'/);
  assert.match(refusal(edit((s) => (s.task = 'multi-objekt'))), /^task: .*unknown task/i);
  assert.match(refusal(edit((s) => (s.train[1].task = 'multi-objekt'))), /^train\[1\]\.task: .*unknown task/i);
  assert.match(refusal(edit((s) => (s.align[0].options.layer = 'layer.3'))), /align\[0\]\.options\.layer: .*'layer\.3'/);
  assert.match(refusal(edit((s) => (s.align[0].options.variable = 'cnt'))), /align\[0\]\.options\.variable: .*unknown variable 'cnt'/);
  assert.match(refusal(edit((s) => (s.compare[0].options.measures = ['cka-linear', 'cka-lineer']))), /compare\[0\]\.options\.measures\[1\]: unknown similarity measure 'cka-lineer'/);
  assert.match(refusal(edit((s) => (s.train[0].arch = 'rnn'))), /train\[0\]\.arch: /);
  assert.match(refusal(edit((s) => (s.align[0].method = 'maz'))), /align\[0\]\.method: /);
});

test('wrong types, missing options and impossible combinations are refused with their path', () => {
  assert.match(refusal(edit((s) => (s.align[0].options.k = 'four'))), /align\[0\]\.options\.k: .*expected/);
  assert.match(refusal(edit((s) => delete s.align[0].options.seed)), /align\[0\]\.options\.seed: required/);
  assert.match(refusal(edit((s) => (s.align[0].options.k = 9))), /align\[0\]\.options\.k: k = 9 exceeds the width 8/);
  assert.match(refusal(edit((s) => (s.align[0].method = 'das'))), /align\[0\]\.models: .*das needs exactly 1/);
  assert.match(refusal(edit((s) => (s.train[0].seeds = [1, 1]))), /train\[0\]\.seeds\[1\]: model gru-1 appears twice/);
  assert.match(refusal(edit((s) => (s.resources = { train: { mem: 'lots' } }))), /resources\.train\.mem: must be a Slurm memory size/);
  assert.match(refusal(edit((s) => s.align.push({ ...s.align[0] }))), /align\[1\]: job name align\/mas\/gru-1_gru-2 is also made by align\[0\]/);
  assert.match(refusal(edit((s) => (s.compare[0].models = { from: ['gru', 'transformer'], pairing: 'each' }))), /compare\[0\]\.models\.pairing: 'each' takes one group/);
});

test('the example sweeps are valid: tiny (2 seeds, one alignment) and paper (5 seeds per model type)', () => {
  const tiny = planSweep(readSweepSpec('examples/sweeps/tiny.json'));
  assert.equal(tiny.jobs.filter((j) => j.kind === 'train').length, 2);
  assert.equal(tiny.jobs.filter((j) => j.kind === 'align').length, 1);
  const paper = planSweep(readSweepSpec('examples/sweeps/paper.json'));
  const trains = paper.jobs.filter((j) => j.kind === 'train');
  for (const arch of ['gru', 'lstm', 'transformer']) assert.equal(trains.filter((j) => (j.job.args as { arch: string }).arch === arch).length, 5, arch);
  for (const j of paper.jobs) for (const d of j.deps ?? []) assert.ok(d.startsWith('train/'), `${j.id} depends on ${d}`);
});
