import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { configHash, hasCheckpoint, loadCheckpoint, openRunDir, saveCheckpoint } from '../../src/io/runs.ts';
import { CsvWriter, JsonlWriter, filterJsonl, readJsonl } from '../../src/io/metrics.ts';
import { FileFormatError, InputError } from '../../src/errors.ts';
import { tempDir } from './helpers.ts';

test('configHash: sha256 of sorted-key JSON, independent of key order', () => {
  const h = configHash({ lr: 5e-4, model: { arch: 'gru', hidden: 128 }, seeds: [1, 2] });
  const canonical = '{"lr":0.0005,"model":{"arch":"gru","hidden":128},"seeds":[1,2]}';
  assert.equal(h, createHash('sha256').update(canonical).digest('hex').slice(0, 16));
  assert.equal(configHash({ seeds: [1, 2], model: { hidden: 128, arch: 'gru' }, lr: 0.0005 }), h);
  assert.notEqual(configHash({ lr: 5e-4, model: { arch: 'gru', hidden: 64 }, seeds: [1, 2] }), h);
  assert.notEqual(configHash({ lr: 5e-4, model: { arch: 'gru', hidden: 128 }, seeds: [2, 1] }), h);
  assert.equal(configHash({}, 64).length, 64);
});

test('openRunDir: create, resume, and refusals (different config, no --resume, foreign folder)', () => {
  const root = tempDir();
  const dir = path.join(root, 'run1');
  const cfg = { task: 'multi-object', k: 32, train: { steps: 100, lr: 1e-3 } };
  const r = openRunDir(dir, cfg, { resume: false });
  assert.equal(r.resumed, false);
  assert.equal(r.configHash, configHash(cfg));
  assert.equal(r.path('metrics.jsonl'), path.join(dir, 'metrics.jsonl'));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8')), { config_hash: r.configHash, config: cfg });
  const again = openRunDir(dir, { train: { lr: 1e-3, steps: 100 }, k: 32, task: 'multi-object' }, { resume: true });
  assert.equal(again.resumed, true);
  assert.throws(
    () => openRunDir(dir, { ...cfg, train: { steps: 200, lr: 1e-3 } }, { resume: true }),
    (e: Error) => e instanceof InputError && /different config .*differs in: train\.steps\).*fresh --out or delete the folder/.test(e.message),
  );
  assert.throws(() => openRunDir(dir, cfg, { resume: false }), (e: Error) => e instanceof InputError && /pass --resume/.test(e.message));
  const foreign = path.join(root, 'foreign');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'notes.txt'), 'x');
  assert.throws(() => openRunDir(foreign, cfg, { resume: false }), /not a run folder/);
  const empty = path.join(root, 'empty');
  fs.mkdirSync(empty);
  assert.equal(openRunDir(empty, cfg, { resume: true }).resumed, false);
  assert.equal(openRunDir(path.join(root, 'fresh'), cfg, { resume: true }).resumed, false);
  // A hand-edited config is detected even if its stored hash was left unchanged.
  const edited = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  edited.config.k = 16;
  fs.writeFileSync(path.join(dir, 'run.json'), JSON.stringify(edited));
  assert.throws(() => openRunDir(dir, cfg, { resume: true }), /differs in: k/);
});

function tensorFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors'));
}

test('saveCheckpoint/loadCheckpoint: exact float32/float64 tensors and state (incl. Infinity)', () => {
  const dir = tempDir();
  const tensors = {
    'maps.0.Q': { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6].map((x) => x / 3)) },
    'adam.m': { shape: [4], data: Float64Array.from([1e-300, -0.1, Math.PI, 0]) },
  };
  const state = { step: 400, rng: { s: [1, 2, 3, 4] }, best: { loss: Infinity, iia: null }, note: 'x' };
  assert.equal(hasCheckpoint(dir, 'last'), false);
  saveCheckpoint(dir, 'last', { tensors, state });
  assert.equal(hasCheckpoint(dir, 'last'), true);
  const back = loadCheckpoint<typeof state>(dir, 'last');
  assert.deepEqual(back.state, state);
  assert.deepEqual(Object.keys(back.tensors).sort(), ['adam.m', 'maps.0.Q']);
  for (const [k, t] of Object.entries(tensors)) {
    assert.deepEqual(back.tensors[k].shape, t.shape);
    assert.equal(back.tensors[k].data.constructor, t.data.constructor);
    assert.deepEqual(back.tensors[k].data, t.data);
  }
  assert.throws(() => loadCheckpoint(dir, 'best'), (e: Error) => e instanceof FileFormatError && /best\.json: checkpoint not found/.test(e.message));
});

test('checkpoint survives a crash between writing the tensors and committing the JSON', () => {
  const dir = tempDir();
  const ck = (v: number) => ({ tensors: { w: { shape: [3], data: Float32Array.from([v, v, v]) } }, state: { step: v } });
  saveCheckpoint(dir, 'last', ck(1));
  saveCheckpoint(dir, 'last', ck(2));
  assert.equal(tensorFiles(dir).length, 1, 'old tensor file removed after commit');
  assert.throws(
    () =>
      saveCheckpoint(dir, 'last', ck(3), {
        beforeCommit: () => {
          throw new Error('killed');
        },
      }),
    /killed/,
  );
  assert.equal(tensorFiles(dir).length, 2, 'the crashed save left its tensor file behind');
  const after = loadCheckpoint<{ step: number }>(dir, 'last');
  assert.equal(after.state.step, 2);
  assert.deepEqual(Array.from(after.tensors.w.data), [2, 2, 2]);
  // A crash after the commit but before the cleanup leaves an orphan too; the next save removes all of them.
  fs.copyFileSync(path.join(dir, tensorFiles(dir)[0]), path.join(dir, 'last.0123456789ab.safetensors'));
  fs.writeFileSync(path.join(dir, '.last.json.tmp-1-abc'), '{');
  saveCheckpoint(dir, 'other', ck(9));
  saveCheckpoint(dir, 'last', ck(4));
  assert.equal(loadCheckpoint<{ step: number }>(dir, 'last').state.step, 4);
  assert.equal(loadCheckpoint<{ step: number }>(dir, 'other').state.step, 9, 'other checkpoints untouched');
  assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('last') || f.startsWith('.last')).length, 2);
});

test('loadCheckpoint: a corrupted tensor file is detected by its checksum', () => {
  const dir = tempDir();
  saveCheckpoint(dir, 'c', { tensors: { w: { shape: [2], data: Float32Array.from([1, 2]) } }, state: {} });
  const f = path.join(dir, tensorFiles(dir)[0]);
  const b = fs.readFileSync(f);
  b[b.length - 1] ^= 0x40;
  fs.writeFileSync(f, b);
  assert.throws(() => loadCheckpoint(dir, 'c'), (e: Error) => e instanceof FileFormatError && /checksum mismatch/.test(e.message));
  assert.throws(() => saveCheckpoint(dir, '../x', { tensors: {}, state: {} }), InputError);
});

test('JsonlWriter: appends across reopen, drops a partial last line, writes NaN as a string', () => {
  const dir = tempDir();
  const p = path.join(dir, 'm.jsonl');
  const w = new JsonlWriter(p);
  w.write({ step: 0, loss: 1.5 });
  w.write({ step: 100, loss: NaN });
  w.close();
  fs.appendFileSync(p, '{"step": 200, "lo'); // a write cut off by a kill
  assert.deepEqual(readJsonl(p), [{ step: 0, loss: 1.5 }, { step: 100, loss: 'NaN' }]);
  const w2 = new JsonlWriter(p);
  w2.write({ step: 200, loss: 0.5 });
  w2.close();
  assert.equal(fs.readFileSync(p, 'utf8'), '{"step":0,"loss":1.5}\n{"step":100,"loss":"NaN"}\n{"step":200,"loss":0.5}\n');
  assert.equal(filterJsonl(p, (r) => (r.step as number) <= 100), 2);
  assert.deepEqual(readJsonl(p).map((r) => r.step), [0, 100]);
  fs.writeFileSync(p, '{"a":1}\nnot json\n{"a":2}\n');
  assert.throws(() => readJsonl(p), /m\.jsonl: line 2 is not valid JSON/);
  assert.throws(() => w.write({}), /closed/);
});

test('CsvWriter: header once, appends, quoting and nan/inf, header mismatch refused', () => {
  const dir = tempDir();
  const p = path.join(dir, 'metrics.csv');
  const cols = ['step', 'split', 'loss'];
  const w = new CsvWriter(p, cols);
  w.write({ step: 0, split: 'valid', loss: 0.1 + 0.2 });
  w.write({ step: 1, split: 'a,"b"', loss: -Infinity });
  w.close();
  const w2 = new CsvWriter(p, cols);
  w2.write({ step: 2, split: 'train', loss: NaN });
  w2.close();
  assert.equal(fs.readFileSync(p, 'utf8'), 'step,split,loss\n0,valid,0.30000000000000004\n1,"a,""b""",-inf\n2,train,nan\n');
  assert.throws(() => new CsvWriter(p, ['step', 'loss']), (e: Error) => e instanceof InputError && /existing CSV has columns/.test(e.message));
  const w3 = new CsvWriter(p, cols, { truncate: true });
  assert.throws(() => w3.write({ step: 1, split: 'x' }), /missing column 'loss'/);
  assert.throws(() => w3.write({ step: 1, split: 'x', loss: 1, extra: 2 }), /unknown column 'extra'/);
  w3.close();
  assert.equal(fs.readFileSync(p, 'utf8'), 'step,split,loss\n');
});
