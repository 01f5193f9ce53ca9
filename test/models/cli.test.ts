// CLI smoke tests: `mas train`, `mas eval`, `mas activations`, and their error paths.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../src/io/npy.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');
const fixDir = path.join(here, '..', 'fixtures', 'models');
const mas = (cwd: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mas.js'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mas-cli-'));

test('mas train (1 step) writes a loadable model folder; mas eval --json reports by count', () => {
  const cwd = tmp();
  const r = mas(cwd, 'train', '--task', 'multi-object', '--arch', 'gru', '--seed', '5', '--out', 'm', '--steps', '1', '--quiet');
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.err, /error/i);
  for (const f of ['config.json', 'model.safetensors', 'training.csv', 'report.json']) assert.ok(fs.existsSync(path.join(cwd, 'm', f)), f);
  const cfg = JSON.parse(fs.readFileSync(path.join(cwd, 'm', 'config.json'), 'utf8'));
  assert.equal(cfg.format, 'mas-model/1');
  assert.equal(cfg.training.parameters, 170_248);
  const e = mas(cwd, 'eval', '--model', 'm', '--samples', '40', '--seed', '1', '--json');
  assert.equal(e.code, 0, e.err);
  const j = JSON.parse(e.out);
  assert.equal(typeof j.trial_accuracy, 'number');
  assert.equal(typeof j.token_accuracy, 'number');
  assert.deepEqual(Object.keys(j.by_count), Array.from({ length: 20 }, (_, i) => String(i + 1)));
  assert.deepEqual(j.held_out.counts, [4, 9, 14, 17]);
  assert.equal(j.held_out.n, 8);
  const h = mas(cwd, 'train', '--help');
  assert.equal(h.code, 0);
  assert.match(h.out, /--solved-patience N/);
  assert.match(h.out, /5 consecutive\s+validations/);
});

test('mas eval (text) and mas activations on a golden fixture: rows, width and values', () => {
  const cwd = tmp();
  const golden = JSON.parse(fs.readFileSync(path.join(fixDir, 'golden.json'), 'utf8'));
  for (const name of ['gru', 'lstm', 'transformer']) {
    const g = golden.models.find((m: { name: string }) => m.name === name);
    fs.writeFileSync(path.join(cwd, 'seqs.json'), JSON.stringify({ sequences: g.sequences }));
    const out = `${name}.npy`;
    const r = mas(cwd, 'activations', '--model', path.join(fixDir, name), '--sequences', 'seqs.json', '--layer', name === 'transformer' ? 'identities.1' : 'hidden', '--out', out);
    assert.equal(r.code, 0, r.err);
    const x = readNpy(path.join(cwd, out));
    const lengths = g.sequences.map((s: string) => s.split(' ').length);
    const rows = lengths.reduce((a: number, b: number) => a + b, 0);
    const point = name === 'transformer' ? 'layer.1' : 'layer.0';
    // RNNs: the P-only, E-consuming rows of the reference's similarity script (models.md §1.3, correction)
    const want = (g.activations ?? g.teacher)[point];
    const d = want[0][0].length;
    assert.deepEqual(x.shape, [rows, d]);
    assert.ok(x.data instanceof Float32Array);
    let o = 0;
    g.sequences.forEach((_: string, b: number) => {
      for (let t = 0; t < lengths[b]; t++, o++) {
        for (let j = 0; j < d; j++) assert.ok(Math.abs(x.data[o * d + j] - want[b][t][j]) < 1e-5, `${name} row ${o}`);
      }
    });
  }
  const e = mas(cwd, 'eval', '--model', path.join(fixDir, 'gru'), '--samples', '20');
  assert.equal(e.code, 0, e.err);
  assert.match(e.out, /trial accuracy \d\.\d{4}/);
  assert.match(e.out, /held-out counts \[4, 9, 14, 17\]/);
});

test('bad input: one-line errors, non-zero exit, no partial output', () => {
  const cwd = tmp();
  fs.writeFileSync(path.join(cwd, 'seqs.json'), JSON.stringify(['B D0 T R E', 'B D7 T R E']));
  const cases: [string[], RegExp, string | null][] = [
    [['train', '--task', 'multi-object', '--arch', 'rnn', '--seed', '1', '--out', 'o1'], /unknown arch 'rnn'/, 'o1'],
    [['train', '--task', 'multi-objet', '--arch', 'gru', '--seed', '1', '--out', 'o2'], /unknown task 'multi-objet' \(did you mean 'multi-object'\?\)/, 'o2'],
    [['train', '--task', 'multi-object', '--arch', 'gru', '--out', 'o3'], /--seed is required/, 'o3'],
    [['eval', '--model', 'nowhere'], /model folder nowhere does not exist/, null],
    [['eval', '--model', path.join(fixDir, 'gru'), '--samples', '0'], /--samples must be a positive integer/, null],
    [['activations', '--model', path.join(fixDir, 'gru'), '--sequences', 'seqs.json', '--layer', 'layer.1', '--out', 'a1.npy'], /unknown hook point .*'layer\.1'/, 'a1.npy'],
    [['activations', '--model', path.join(fixDir, 'gru'), '--sequences', 'seqs.json', '--layer', 'hidden', '--out', 'a2.npy'], /unknown token 'D7'/, 'a2.npy'],
    [['activations', '--model', path.join(fixDir, 'gru'), '--sequences', 'missing.json', '--layer', 'hidden', '--out', 'a3.npy'], /missing\.json/, 'a3.npy'],
    [['eval', '--model', path.join(fixDir, 'gru'), '--bogus'], /bogus/, null],
  ];
  for (const [args, msg, output] of cases) {
    const r = mas(cwd, ...args);
    assert.notEqual(r.code, 0, args.join(' '));
    assert.match(r.err, msg, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    assert.match(r.err, /^mas: error: /);
    if (output) assert.ok(!fs.existsSync(path.join(cwd, output)), `no output ${output}`);
  }
  // A corrupt model folder.
  const bad = path.join(cwd, 'bad');
  fs.mkdirSync(bad);
  fs.copyFileSync(path.join(fixDir, 'gru', 'config.json'), path.join(bad, 'config.json'));
  fs.writeFileSync(path.join(bad, 'model.safetensors'), 'garbage');
  const r = mas(cwd, 'eval', '--model', 'bad');
  assert.equal(r.code, 2);
  assert.match(r.err, /model\.safetensors/);
});
