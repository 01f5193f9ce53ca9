import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { collectRuns, reportFromRuns } from '../../src/report/fromRuns.ts';
import type { KPoint } from '../../src/report/charts.ts';

function json(file: string, v: unknown): void {
  writeFileSync(file, JSON.stringify(v));
}

/** A hand-made experiment folder: two model folders, three alignment runs, one similarity result. */
function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'mas-fromruns-'));
  for (const seed of [1, 2]) {
    const d = join(root, 'models', `gru-${seed}`);
    mkdirSync(d, { recursive: true });
    json(join(d, 'config.json'), { format: 'mas-model/1', arch: 'gru', seed, task: 'multi-object', training: { parameters: 170248, optimizer_steps: 400, best_epoch: 45, val_trial_accuracy: 1, wall_seconds: 80 } });
    writeFileSync(join(d, 'training.csv'), 'epoch,step,lr,train_loss,train_trial_acc,val_loss,val_token_acc,val_trial_acc,best\n0,8,0.1,2,0,2,0.9,0,1\n5,48,0.1,1,0.5,1,0.95,0.5,1\n10,88,0.1,0.7,1,0.64,1,1,1\n');
    json(join(d, 'report.json'), { per_count: { trial_accuracy: 0.99 }, hold_out: { trial_accuracy: 0.98 } });
  }
  const models = [{ arch: 'gru', seed: 1 }, { arch: 'gru', seed: 2 }];
  const align = (name: string, method: string, k: number, iia: number[][]): void => {
    const d = join(root, 'align', name);
    mkdirSync(d, { recursive: true });
    json(join(d, 'config.json'), { config_hash: 'x', config: { format: 'mas-align/1', models: models.slice(0, iia.length), settings: { method, subspace: k } } });
    json(join(d, 'result.json'), {
      method, subspace: k, layer: 'layer.0', iia, iia_ci: iia.map((r) => r.map((v) => [v - 0.01, Math.min(1, v + 0.01)])), task_accuracy: iia.map(() => 1), k0_iia: iia.map((r) => r.map(() => 0.05)),
      steps: 100, stop_reason: 'max steps', wall_s: 10, ms_per_step: 100,
    });
    const rows = ['step,src,trg,variable,split,loss,tok_acc,trial_acc,cl_loss,elapsed_s'];
    for (const step of [0, 50, 100]) iia.forEach((r, s) => r.forEach((v, t) => rows.push(`${step},${s},${t},count,valid,1,0.9,${(v * step) / 100},nan,1`)));
    writeFileSync(join(d, 'metrics.csv'), rows.join('\n') + '\n');
  };
  align('mas-k2', 'mas', 2, [[0.8, 0.6], [0.7, 0.9]]);
  align('mas-k32', 'mas', 32, [[0.99, 0.95], [0.96, 0.98]]);
  align('stitch-r2', 'stitch', 2, [[0.2, 0.97], [0.1, 0.3]]);
  align('das-k16', 'das', 16, [[0.97]]);
  mkdirSync(join(root, 'align', 'unfinished'), { recursive: true });
  json(join(root, 'align', 'unfinished', 'config.json'), { config_hash: 'y', config: { format: 'mas-align/1', models, settings: {} } });
  const s = join(root, 'similarity', 'seeds');
  mkdirSync(s, { recursive: true });
  json(join(s, 'similarity.json'), { format: 'mas-similarity/1', models: ['models/gru-1', 'models/gru-2'], layer: 'layer.0', rows: 7200, values: { 'cka-linear': { value: 0.99, std: 0.001 }, 'rsa-correlation-spearman': { value: 0.97, std: 0.002 } } });
  json(join(root, 'experiment.json'), { format: 'mas-experiment/1', name: 'demo', config_hash: 'abc', config: { quick: true } });
  json(join(root, 'summary.json'), { summary: ['line 1', 'line 2'], wall_s: 12 });
  return root;
}

test('collectRuns finds models, finished alignment runs and similarity results recursively', () => {
  const set = collectRuns([fixture()]);
  assert.deepEqual(set.models.map((m) => m.label), ['gru-1', 'gru-2']);
  assert.deepEqual(set.aligns.map((a) => a.label), ['das-k16', 'mas-k2', 'mas-k32', 'stitch-r2'], 'unfinished runs are left out; sorted by method, k');
  assert.deepEqual(set.aligns[2].models, ['gru-1', 'gru-2']);
  assert.equal(set.aligns[2].curves.length, 12);
  assert.deepEqual(set.similarities[0].models, ['gru-1', 'gru-2']);
  assert.deepEqual(set.experiments[0].summary, ['line 1', 'line 2']);
});

test('reportFromRuns: sections, IIA against k from MAS/stitching/DAS, RSA/CKA beside the MAS IIA of the same pair', () => {
  const doc = reportFromRuns([fixture()]);
  assert.deepEqual(doc.summary, ['line 1', 'line 2']);
  assert.deepEqual(doc.sections.map((s) => s.id), ['models', 'alignment', 'k', 'similarity', 'config']);
  const k = doc.sections.find((s) => s.id === 'k')!.blocks[0];
  assert.equal(k.kind, 'chart');
  const pts = (k as unknown as { spec: { data: { values: KPoint[] } } }).spec.data.values;
  const at = (series: string, kk: number): number | undefined => pts.find((p) => p.series === series && p.k === kk)?.iia;
  assert.equal(at('MAS 0→1 (cross)', 2), 0.6);
  assert.equal(at('MAS 1→0 (cross)', 32), 0.96);
  assert.ok(Math.abs(at('MAS within-model (mean)', 32)! - 0.985) < 1e-12);
  assert.equal(at('stitching 0→1', 2), 0.97);
  assert.equal(at('DAS (model 0)', 16), 0.97);
  const sim = doc.sections.find((s) => s.id === 'similarity')!.blocks[0] as unknown as { spec: { data: { values: { measure: string; value: number }[] } } };
  const bars = sim.spec.data.values;
  assert.equal(bars.find((b) => b.measure === 'cka-linear')!.value, 0.99);
  assert.equal(bars.find((b) => b.measure.startsWith('MAS IIA (k=32'))!.value, 0.95, 'min cross-model IIA of the largest-k MAS run');
  assert.ok(doc.provenance.some(([key, v]) => key === 'demo config hash' && v === 'abc'));
});

test('mas report writes one self-contained file; no runs is a one-line error', async () => {
  const root = fixture();
  const out = join(root, 'r.html');
  const logs: string[] = [];
  const orig = console.log;
  console.log = (s: unknown) => logs.push(String(s));
  try {
    assert.equal(await main(['report', root, '--out', out, '--title', 'T']), 0);
  } finally {
    console.log = orig;
  }
  assert.deepEqual(logs, [out]);
  const html = readFileSync(out, 'utf8');
  assert.equal((html.match(/<svg/g) ?? []).length >= 2 + 4 * 2 + 1 + 1, true);
  assert.doesNotMatch(html, /<script/i);
  const empty = mkdtempSync(join(tmpdir(), 'mas-empty-'));
  const errs: string[] = [];
  const origErr = console.error;
  console.error = (s: unknown) => errs.push(String(s));
  try {
    assert.equal(await main(['report', empty]), 2);
    assert.equal(await main(['report', join(empty, 'nope')]), 2);
  } finally {
    console.error = origErr;
  }
  assert.match(errs[0], /found no finished runs/);
  assert.match(errs[1], /does not exist/);
  assert.ok(!existsSync(join(empty, 'report.html')));
});
