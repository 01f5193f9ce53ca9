import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoSettings } from '../../src/experiments/demo.ts';
import { getReproduction } from '../../src/experiments/reproduce.ts';
import { aggregateSeeds, originalOutcomes, replicateSettings, replicateStages } from '../../src/experiments/seeds.ts';
import type { StageOutcome } from '../../src/experiments/stages.ts';

test('replicate i shifts both model seeds and moves the reproduction stages under NAME/seed<i>/ (deps and job args too)', () => {
  const s = demoSettings(false);
  const r = getReproduction('unwanted-exchanges');
  const s2 = replicateSettings(s, 2);
  assert.deepEqual(s2.seeds, [s.seeds[0] + 2, s.seeds[1] + 2]);
  const base = replicateStages(r.stages(s), r.name, 0);
  assert.deepEqual(base.stages.map((x) => x.id), r.stages(s).map((x) => x.id), 'replicate 0 keeps the plain ids');
  const rep = replicateStages(r.stages(s2), r.name, 2);
  const ev = rep.stages.find((x) => x.id.endsWith('/evaluate'))!;
  assert.equal(ev.id, 'unwanted-exchanges/seed2/evaluate');
  assert.ok(ev.deps!.includes('models/gru-12347') && ev.deps!.includes('unwanted-exchanges/seed2/align/mas-count-k16'));
  const args = ev.job.args as { runs: Record<string, { run: string }>; models: string[] };
  assert.equal(args.runs.mas.run, 'unwanted-exchanges/seed2/align/mas-count-k16');
  assert.deepEqual(args.models, ['models/gru-12347', 'models/gru-23458']);
  assert.equal(rep.original.get('unwanted-exchanges/seed2/evaluate'), 'unwanted-exchanges/evaluate');
  const view = originalOutcomes(new Map([[ev.id, { stage: ev, status: 'done', result: 1, wallSec: 0 } as StageOutcome]]), rep.original);
  assert.ok(view.has('unwanted-exchanges/evaluate'));
});

test('aggregateSeeds: mean and sample sd of every numeric leaf, element-wise in matrices; one seed is returned as is', () => {
  const a = { methods: { mas: { iia: 0.9, unwanted: 0.1 } }, m: [[1, 2], [3, 4]], name: 'x', missing: null };
  const b = { methods: { mas: { iia: 0.7, unwanted: 0.3 } }, m: [[3, 2], [1, 0]], name: 'x', missing: 0.5 };
  assert.deepEqual(aggregateSeeds([a], [[1, 2]]), a);
  const g = aggregateSeeds([a, b], [[1, 2], [2, 3]]) as Record<string, unknown>;
  const sd = (x: number, y: number) => Math.round(Math.abs(x - y) / Math.SQRT2 * 1e6) / 1e6;
  assert.deepEqual(g.methods, { mas: { iia: 0.8, unwanted: 0.2 } });
  assert.deepEqual(g.m, [[2, 2], [2, 2]]);
  assert.equal(g.name, 'x');
  assert.equal(g.missing, 0.5, 'nulls are left out of the mean');
  assert.deepEqual((g.sd as Record<string, unknown>).methods, { mas: { iia: sd(0.9, 0.7), unwanted: sd(0.1, 0.3) } });
  assert.deepEqual((g.sd as Record<string, unknown>).m, [[sd(1, 3), 0], [sd(3, 1), sd(4, 0)]]);
  assert.deepEqual(g.per_seed, [a, b]);
  assert.equal(g.n_seeds, 2);
});
