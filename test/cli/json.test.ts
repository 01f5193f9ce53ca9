// The CLI's documented surface: `--version` reads package.json, `--help` lists every command (loaded
// lazily, with the summary its module declares), a 1-D input is refused with a reshape hint, and every
// `--json` output has the keys docs/cli-json.md lists, whatever the flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commands } from '../../src/cli/commands.ts';
import { runCli } from '../helpers/cli.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel, saveModel } from '../../src/models/folder.ts';
import { getTask } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-json-'));

const run = runCli;

function json(r: { code: number; out: string; err: string }): unknown {
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out);
}

test('mas --version prints the version in package.json (compiled bin and in-process)', async () => {
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'mas.js'), '--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${version}\n`);
  assert.equal((await run(['--version'])).out, version);
});

test('mas --help lists every command; each module loads on demand and declares the same name and summary', async () => {
  const h = await run(['--help']);
  assert.equal(h.code, 0);
  for (const c of commands) {
    assert.match(h.out, new RegExp(`^  ${c.name}\\s+${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    const cmd = await c.load();
    assert.equal(cmd.name, c.name);
    assert.equal(cmd.summary, c.summary);
  }
  const u = await run(['similarty']);
  assert.equal(u.code, 2);
  assert.match(u.err, /did you mean 'similarity'/);
});

test('a 1-D array where (samples × features) is expected is refused with a hint to reshape', async () => {
  const v = path.join(dir, 'v.npy');
  writeNpy(v, new Float64Array([1, 2, 3, 4, 5, 6]), [6]);
  const r = await run(['similarity', v, v]);
  assert.equal(r.code, 2);
  assert.equal(r.err.split('\n').length, 1);
  assert.match(r.err, /^mas: error: .*v\.npy: is 1-D \[6\].*\[6, 1\].*reshape\(-1, 1\)/);
});

test('--json shapes: similarity (plain, --ci, --permutations, --subsample), --list, eval, align, iia, reproduce --list', async () => {
  const rng = new Rng(3);
  const fx = path.join(dir, 'x.npy');
  const fy = path.join(dir, 'y.npy');
  writeNpy(fx, Float64Array.from({ length: 30 * 4 }, () => rng.normal()), [30, 4]);
  writeNpy(fy, Float64Array.from({ length: 30 * 3 }, () => rng.normal()), [30, 3]);
  const entry = ['id', 'kind', 'value', 'ci', 'p'];
  for (const extra of [[], ['--ci', '--bootstrap', '20'], ['--permutations', '9'], ['--ci', '--bootstrap', '20', '--permutations', '9'], ['--subsample', '20', '--runs', '2']]) {
    const o = json(await run(['similarity', fx, fy, '-m', 'cka,rsa', ...extra, '--json'])) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(o), ['cka', 'rsa'], extra.join(' '));
    for (const e of Object.values(o)) {
      assert.deepEqual(Object.keys(e), entry, extra.join(' '));
      assert.equal(typeof e.value, 'number');
      assert.equal(e.ci === null, !extra.includes('--ci'));
      assert.equal(e.p === null, !extra.includes('--permutations'));
    }
  }
  const list = json(await run(['similarity', '--list', '--json'])) as Record<string, unknown>;
  assert.deepEqual(Object.keys(list), ['measures', 'patterns', 'aliases']);

  const vocab = [...getTask('multi-object').vocab.list];
  const models = [1, 2].map((s) => {
    const m = path.join(dir, `m${s}`);
    saveModel(m, createModel(defaultConfig({ arch: 'gru', task: 'multi-object', vocab, seed: s, sizes: { d_model: 8, hidden: 8, decoder_hidden: 8 } }), new Rng(s)));
    return m;
  });
  const ev = json(await run(['eval', '--model', models[0], '--samples', '20', '--json'])) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(ev), ['task', 'samples', 'seed', 'trial_accuracy', 'token_accuracy', 'by_count', 'held_out', 'all']);
  assert.deepEqual(Object.keys(ev.held_out), ['counts', 'n', 'trial_accuracy', 'token_accuracy']);
  assert.deepEqual(Object.keys(ev.all), ['n', 'trial_accuracy', 'token_accuracy']);

  const al = json(await run(['align', '--models', ...models, '--layer', 'hidden', '--variable', 'count', '--subspace', '2', '--steps', '2', '--train-pairs', '16', '--valid-pairs', '16', '--batch', '8', '--valid-every', '1', '--seed', '1', '--quiet', '--out', path.join(dir, 'a1'), '--json'])) as Record<string, unknown>;
  assert.deepEqual(Object.keys(al), ['method', 'subspace', 'layer', 'variables', 'iia', 'iia_ci', 'token_accuracy', 'iia_by_variable', 'best_iia', 'best_step', 'task_accuracy', 'k0_iia', 'steps', 'stop_reason', 'wall_s', 'ms_per_step', 'out']);
  assert.deepEqual(Object.keys(al.iia_by_variable as object), ['count']);
  const sc = json(await run(['iia', '--alignment', path.join(dir, 'a1'), '--models', ...models, '--pairs', '8', '--seed', '5', '--json'])) as Record<string, unknown>;
  assert.deepEqual(Object.keys(sc), ['variable', 'iia', 'iia_ci', 'token_accuracy', 'loss', 'cl_loss', 'iia_by_variable', 'pairs', 'seed']);
  assert.equal(sc.pairs, 8);

  const rp = json(await run(['reproduce', '--list', '--json'])) as Record<string, unknown>[];
  assert.ok(rp.length > 0);
  for (const it of rp) assert.deepEqual(Object.keys(it), ['name', 'description', 'commands']);
  fs.rmSync(dir, { recursive: true, force: true });
});
