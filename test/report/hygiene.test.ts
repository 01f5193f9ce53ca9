/**
 * Report hygiene (issue 10, item 8): plots against k use a log₂ axis with ticks at exactly the
 * measured k; captions are computed from the runs (counts, sequences per count, stimuli,
 * subsampling), not fixed text; the settings table appears once per distinct configuration.
 * Checked on the generated Vega-Lite specs, the rendered SVG and the report HTML.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { iiaVsK, renderReport, renderSvg } from '../../src/report/index.ts';
import { reportFromRuns } from '../../src/report/fromRuns.ts';
import type { Block } from '../../src/report/html.ts';

const json = (file: string, v: unknown): void => writeFileSync(file, JSON.stringify(v));

/** Axis tick labels of the x axis of a rendered chart (the text marks under role-axis-label). */
function tickLabels(svg: string): string[] {
  const axis = svg.split('class="mark-group role-axis"').find((part) => /role-axis-title[\s\S]*?subspace size k/.test(part.split('role-axis"')[0] ?? part));
  assert.ok(axis, 'an x axis titled "subspace size k"');
  const labels = axis!.split('role-axis-label')[1] ?? '';
  return [...labels.split('role-axis-domain')[0].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

test('IIA against k: log₂ scale, ticks exactly at the measured k, labelled as integers', async () => {
  const ks = [1, 2, 4, 8, 16, 32, 64];
  const pts = ks.flatMap((k) => [
    { k, iia: Math.min(1, 0.3 + 0.1 * Math.log2(k)), series: 'MAS 0→1 (cross)', lo: 0.2, hi: 0.9 },
    { k, iia: 0.5, series: 'stitching 0→1' },
  ]);
  const spec = iiaVsK(pts, { title: 'IIA against k' }) as unknown as { layer: { encoding: { x: { scale: { type: string; base: number; domain: number[] }; axis: { values: number[] } } } }[] };
  for (const layer of spec.layer) {
    assert.equal(layer.encoding.x.scale.type, 'log');
    assert.equal(layer.encoding.x.scale.base, 2);
    assert.deepEqual(layer.encoding.x.scale.domain, [1, 64]);
    assert.deepEqual(layer.encoding.x.axis.values, ks);
  }
  assert.deepEqual(tickLabels(await renderSvg(spec as never)), ks.map(String));
  // an uneven sweep: the ticks are the measured values, nothing in between
  const odd = [3, 12, 48];
  assert.deepEqual(tickLabels(await renderSvg(iiaVsK(odd.map((k) => ({ k, iia: 0.5, series: 's' })), { title: 't' }))), odd.map(String));
});

/** Two model folders evaluated on 6 sequences per count 2–5, four alignment runs, one similarity result. */
function quickRun(): string {
  const root = mkdtempSync(join(tmpdir(), 'mas-hygiene-'));
  for (const seed of [1, 2]) {
    const d = join(root, 'models', `gru-${seed}`);
    mkdirSync(d, { recursive: true });
    json(join(d, 'config.json'), { format: 'mas-model/1', arch: 'gru', seed, training: { parameters: 10, optimizer_steps: 4, best_epoch: 1, kept: 'best', val_trial_accuracy: 1, wall_seconds: 1 } });
    writeFileSync(join(d, 'training.csv'), 'epoch,step,val_loss,val_trial_acc\n0,2,1.5,0.2\n1,4,0.9,0.8\n');
    json(join(d, 'report.json'), { per_count: { n: 24, trial_accuracy: 0.9, by_count: { 2: 1, 3: 1, 4: 0.8, 5: 0.8 } }, hold_out: { counts: [4], n: 6, trial_accuracy: 0.8 } });
  }
  const models = [{ arch: 'gru', seed: 1 }, { arch: 'gru', seed: 2 }];
  const align = (name: string, settings: Record<string, unknown>): void => {
    const d = join(root, 'align', name);
    mkdirSync(d, { recursive: true });
    json(join(d, 'config.json'), { config_hash: name, config: { format: 'mas-align/1', models, settings } });
    json(join(d, 'result.json'), { method: settings.method, subspace: settings.subspace, layer: 'layer.0', iia: [[0.9, 0.7], [0.6, 0.9]], steps: 5, stop_reason: 'max steps', wall_s: 1, ms_per_step: 10 });
  };
  const common = { layer: 'layer.0', variables: ['count'], steps: 5, lr: 0.01, batch: 8 };
  for (const k of [2, 4, 8]) align(`mas-k${k}`, { ...common, method: 'mas', subspace: k });
  align('mas-k4-lr', { ...common, lr: 0.1, method: 'mas', subspace: 4 });
  const s = join(root, 'similarity');
  mkdirSync(s, { recursive: true });
  json(join(s, 'similarity.json'), {
    format: 'mas-similarity/1', models: ['models/gru-1', 'models/gru-2'], layer: 'layer.0', rows: 96,
    stimuli: { task: 'multi-object', perCount: 3, seed: 0, sequences: 12, counts: [2, 5] }, subsample: { size: 40, runs: 2, seed: 0 },
    values: { 'cka-linear': { value: 0.9, std: 0.01 }, 'rsa-correlation-spearman': { value: 0.8, std: 0.02 } },
  });
  return root;
}

const captions = (blocks: Block[]): string[] => blocks.map((b) => ('caption' in b && b.caption) || '');

test('captions and headers are computed from the run: counts, sequences per count, stimuli, subsamples', async () => {
  const doc = reportFromRuns([quickRun()]);
  const models = doc.sections.find((x) => x.id === 'models')!;
  const table = models.blocks.find((b) => b.kind === 'table') as Extract<Block, { kind: 'table' }>;
  assert.ok(table.columns.includes('trial acc, counts 2–5'), table.columns.join(' | '));
  assert.match(table.caption ?? '', /6 per count \(counts 2–5\); held-out counts 4\./);
  assert.match(captions(models.blocks).join(' '), /lowest 0\.900 \(gru-1, step 4\)/);
  const sim = captions(doc.sections.find((x) => x.id === 'similarity')!.blocks)[0];
  assert.match(sim, /cka-linear, rsa-correlation-spearman at layer\.0 on 12 stimulus sequences \(3 per count 2–5, multi-object\)/);
  assert.match(sim, /\(96 rows\); mean over 2 random subsamples of 40 rows/);
  assert.match(sim, /MAS IIA/);
  assert.match(captions(doc.sections.find((x) => x.id === 'k')!.blocks)[0], /at k = 2, 4, 8 \(/);
  // none of the old fixed text survives
  const html = await renderReport(doc);
  for (const stale of ['counts 1–20', '50 per count', '15 sequences per count', 'about 0.63']) assert.ok(!html.includes(stale), stale);
  assert.ok(html.includes('trial acc, counts 2–5'));
});

test('the settings table appears once per distinct configuration, with swept values listed', async () => {
  const doc = reportFromRuns([quickRun()]);
  const kv = doc.sections.find((x) => x.id === 'config')!.blocks.filter((b): b is Extract<Block, { kind: 'kv' }> => b.kind === 'kv');
  assert.equal(kv.length, 2, captions(kv).join(' | '));
  const shared = kv.find((b) => /3 runs/.test(b.caption ?? ''))!;
  assert.match(shared.caption!, /mas-k2, mas-k4, mas-k8/);
  const entry = (b: typeof shared, k: string): string | number | undefined => b.entries.find(([key]) => key === k)?.[1];
  assert.equal(entry(shared, 'subspace'), '2, 4, 8');
  assert.equal(entry(shared, 'lr'), 0.01);
  const single = kv.find((b) => b !== shared)!;
  assert.match(single.caption!, /^mas-k4-lr /);
  assert.equal(entry(single, 'lr'), 0.1);
  const html = await renderReport(doc);
  const section = html.slice(html.indexOf('id="config"'));
  assert.equal((section.match(/<table class="kv">/g) ?? []).length - 1, 2, 'two settings tables (+ the provenance table)');
});
