// Training: determinism by seed, outputs, and exact resume after SIGKILL (models.md §7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainModel } from '../../src/models/train.ts';
import { loadModel } from '../../src/models/folder.ts';
import { parameterCount } from '../../src/models/config.ts';
import { tinyTraining } from './tiny.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const child = path.join(here, 'train-child.ts');
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mas-train-'));
const tiny = tinyTraining;
const bytes = (dir: string): Buffer => fs.readFileSync(path.join(dir, 'model.safetensors'));

test('same seed → bit-identical weights; different seed → different; outputs written', () => {
  for (const arch of ['gru', 'transformer'] as const) {
    const a = path.join(tmp(), 'a');
    const b = path.join(tmp(), 'b');
    const c = path.join(tmp(), 'c');
    const ra = trainModel(tiny(a, arch, 11));
    trainModel(tiny(b, arch, 11));
    trainModel(tiny(c, arch, 12));
    assert.ok(bytes(a).equals(bytes(b)), `${arch}: same seed must give identical weights`);
    assert.ok(!bytes(a).equals(bytes(c)), `${arch}: different seeds must differ`);
    // 64 sequences / 16 = 4 steps per epoch, 6 epochs; validations after epochs 0, 2, 4 and the last (5).
    assert.equal(ra.steps, 24);
    assert.deepEqual(ra.rows.map((r) => r.epoch), [0, 2, 4, 5]);
    assert.deepEqual(ra.rows.map((r) => r.step), [4, 12, 20, 24]);
    assert.equal(ra.stopReason, 'epochs');
    const csv = fs.readFileSync(path.join(a, 'training.csv'), 'utf8').trim().split('\n');
    assert.equal(csv.length, 5);
    assert.match(csv[0], /^epoch,step,lr,train_loss,train_trial_acc,val_loss,val_token_acc,val_trial_acc,best$/);
    const report = JSON.parse(fs.readFileSync(path.join(a, 'report.json'), 'utf8'));
    assert.deepEqual(Object.keys(report.per_count.by_count).map(Number), Array.from({ length: 20 }, (_, i) => i + 1));
    assert.deepEqual(report.hold_out.counts, [4, 9, 14, 17]);
    const m = loadModel(a);
    assert.equal(m.config.seed, 11);
    assert.equal((m.config.training as Record<string, unknown>).optimizer_steps, 24);
    assert.equal((m.config.training as Record<string, unknown>).parameters, parameterCount(m.config));
    if (arch === 'transformer') {
      assert.ok(m.config.vocab.includes('U'), 'transformers train with void tokens');
      assert.equal(m.config.task_config.unk_p, 0.2);
    }
    // The kept parameters are those of the best validation.
    const best = ra.rows.filter((r) => r.best === 1).map((r) => r.epoch).pop();
    assert.equal(ra.bestEpoch, best);
  }
});

test('--steps limit, last vs best, rerun of a finished run is a no-op, foreign output folders are refused', () => {
  const dir = path.join(tmp(), 's');
  const r = trainModel({ ...tiny(dir, 'lstm', 3), steps: 6, keep: 'last' });
  assert.equal(r.steps, 6);
  assert.equal(r.stopReason, 'steps');
  assert.deepEqual(r.rows.map((x) => [x.epoch, x.step]), [[0, 4], [1, 6]]);
  const before = bytes(dir);
  const again = trainModel({ ...tiny(dir, 'lstm', 3), steps: 6, keep: 'last' });
  assert.ok(again.resumed);
  assert.equal(again.steps, 6);
  assert.ok(bytes(dir).equals(before));
  assert.throws(() => trainModel({ ...tiny(dir, 'lstm', 4), steps: 6 }), /checkpoint of a different run/);
  const other = tmp();
  fs.writeFileSync(path.join(other, 'notes.txt'), 'x');
  assert.throws(() => trainModel(tiny(other, 'gru', 1)), /exists and is not empty/);
});

function runChild(out: string, arch: string, seed: number, pauseAt?: number): Promise<{ killed: boolean }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (pauseAt !== undefined) env.PAUSE_AT = String(pauseAt);
    else delete env.PAUSE_AT;
    const p = spawn(process.execPath, ['--import', 'tsx', child, out, arch, String(seed)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.stdout.on('data', (d: Buffer) => {
      if (pauseAt !== undefined && d.toString().includes(`checkpoint ${pauseAt}`)) p.kill('SIGKILL');
    });
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ killed: true });
      else if (code === 0) resolve({ killed: false });
      else reject(new Error(`child exited ${code}: ${err}`));
    });
  });
}

test('kill -9 after a checkpoint, rerun the same command: resumes and ends bit-identical', async () => {
  for (const arch of ['gru', 'transformer']) {
    const ref = path.join(tmp(), 'ref');
    const res = path.join(tmp(), 'res');
    await runChild(ref, arch, 21);
    const k = await runChild(res, arch, 21, 2);
    assert.ok(k.killed, 'the child was killed');
    assert.ok(fs.existsSync(path.join(res, 'checkpoint', 'state.safetensors')));
    assert.ok(!fs.existsSync(path.join(res, 'model.safetensors')), 'no model folder before the run finished');
    const partial = fs.readFileSync(path.join(res, 'training.csv'), 'utf8').trim().split('\n');
    assert.equal(partial.length, 3, 'validations of epochs 0 and 2 were recorded before the kill');
    await runChild(res, arch, 21);
    assert.ok(bytes(ref).equals(bytes(res)), `${arch}: resumed weights differ from the uninterrupted run`);
    assert.equal(fs.readFileSync(path.join(res, 'training.csv'), 'utf8'), fs.readFileSync(path.join(ref, 'training.csv'), 'utf8'));
    assert.ok(fs.readdirSync(path.join(res, 'checkpoint')).every((f) => !f.includes('.tmp-')), 'no temporary files left');
  }
});
