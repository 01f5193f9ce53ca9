import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { demoSettings } from '../../src/experiments/demo.ts';
import { REPRODUCTIONS, getReproduction, runReproduction, stageCommand } from '../../src/experiments/reproduce.ts';
import { InputError } from '../../src/errors.ts';

test('mas reproduce --list names every comparison of the paper with the commands it runs', async () => {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: unknown) => lines.push(String(s));
  try {
    assert.equal(await main(['reproduce', '--list', '--json']), 0);
  } finally {
    console.log = orig;
  }
  const items = JSON.parse(lines.join('\n')) as { name: string; description: string; commands: string[] }[];
  assert.deepEqual(items.map((i) => i.name), ['seeds', 'k-sweep', 'stitching', 'clmas', 'embedding', 'gru-transformer', 'rsa-cka', 'unwanted-exchanges', 'cross-task', 'sae-superposition']);
  for (const it of items) {
    assert.ok(it.description.length > 40);
    if (it.name === 'sae-superposition') assert.deepEqual(it.commands, ['mas reproduce sae-superposition --out DIR --json']);
    else assert.ok(it.commands.some((c) => c.startsWith('mas train --task multi-object --arch gru')), it.name);
    if (it.name === 'cross-task') assert.ok(it.commands.some((c) => c.startsWith('mas train --task arithmetic --arch gru')));
  }
  const k = items.find((i) => i.name === 'k-sweep')!;
  for (const kk of [1, 2, 4, 8, 16, 32, 64]) assert.ok(k.commands.some((c) => c.includes('--method mas') && c.includes(`--subspace ${kk} `)), `k = ${kk}`);
  const cl = items.find((i) => i.name === 'clmas')!;
  assert.ok(cl.commands.some((c) => c.includes('--method clmas') && c.includes('--cl-weight 8')));
  assert.ok(items.find((i) => i.name === 'gru-transformer')!.commands.some((c) => c.includes('--arch transformer')));
  assert.throws(() => getReproduction('sead'), (e: unknown) => e instanceof InputError && /seeds/.test(e.message));
});

test('stage commands are the CLI equivalents of the jobs', () => {
  const s = demoSettings(false);
  const st = REPRODUCTIONS[0].stages(s).find((x) => x.job.kind === 'align')!;
  assert.equal(
    stageCommand(st.job, st.id),
    `mas align --method mas --models models/gru-12345 models/gru-23456 --layer layer.0 --variable count --subspace 32 --steps ${s.align.steps} --batch ${s.align.batchSize} --lr ${s.align.lr} --train-pairs ${s.align.nTrain} --valid-pairs ${s.align.nValid} --valid-every ${s.align.validateEvery} --seed ${s.align.seed} --out seeds/align/mas-k32`,
  );
});

test('mas reproduce embedding --quick writes its run folder and report; a rerun skips every stage', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'mas-repro-')), 'r');
  const r1 = await runReproduction('embedding', { out, quick: true, jobs: 2, quiet: true });
  assert.ok(existsSync(join(out, 'models', 'gru-12345', 'model.safetensors')), 'models are shared at the top');
  assert.ok(existsSync(join(out, 'embedding', 'align', 'mas-embedding-k16', 'result.json')));
  const sim = JSON.parse(readFileSync(join(out, 'embedding', 'similarity', 'gru-12345_gru-23456-embedding', 'similarity.json'), 'utf8')) as { values: Record<string, { value: number }> };
  assert.equal(Object.keys(sim.values).length, 10, 'every reference RSA/CKA variant');
  const html = readFileSync(r1.report, 'utf8');
  assert.match(html, /Reproduction: embedding/);
  assert.match(html, /Spearman RSA on raw data is low/);
  const r2 = await runReproduction('embedding', { out, quick: true, jobs: 1, quiet: true });
  for (const o of r2.outcomes.values()) assert.equal(o.status, 'skipped');
});
