// `mas align` end to end: resuming after SIGKILL of the child process gives the same result as an
// uninterrupted run; a different config in the same folder is refused; bad input writes nothing.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareRun } from '../../src/align/run.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel, saveModel } from '../../src/models/folder.ts';
import { getTask } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-align-'));
const bin = path.resolve('bin/mas.js');
const vocab = [...getTask('multi-object').vocab.list];
const dirs = [1, 2].map((s) => {
  const dir = path.join(root, `m${s}`);
  saveModel(dir, createModel(defaultConfig({ arch: 'gru', task: 'multi-object', vocab, seed: s, sizes: { d_model: 10, hidden: 10, decoder_hidden: 16 } }), new Rng(s)));
  return dir;
});
const common = ['align', '--models', ...dirs, '--layer', 'hidden', '--variable', 'count', '--subspace', '3', '--steps', '24', '--train-pairs', '64', '--valid-pairs', '32', '--batch', '16', '--valid-every', '4', '--seed', '3', '--quiet'];

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

function stable(dir: string): unknown {
  const r = JSON.parse(fs.readFileSync(path.join(dir, 'result.json'), 'utf8')) as Record<string, unknown>;
  delete r.wall_s;
  delete r.ms_per_step;
  delete r.out;
  return r;
}

test('resume after SIGKILL yields the same final result as an uninterrupted run', async () => {
  const a = path.join(root, 'a');
  const ra = run([...common, '--out', a, '--json']);
  assert.equal(ra.status, 0, ra.stderr);
  const json = JSON.parse(ra.stdout) as { iia: number[][]; iia_ci: [number, number][][]; steps: number };
  assert.equal(json.iia.length, 2);
  assert.equal(json.steps, 24);
  const b = path.join(root, 'b');
  const child = spawn(process.execPath, [bin, ...common, '--out', b], { stdio: 'ignore' });
  const ck = path.join(b, 'checkpoint.json');
  const killedAt = await new Promise<number>((resolve, reject) => {
    const timer = setInterval(() => {
      try {
        const st = JSON.parse(fs.readFileSync(ck, 'utf8')) as { state: { step: number } };
        if (st.state.step >= 9) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve(st.state.step);
        }
      } catch {
        /* not yet written */
      }
    }, 20);
    child.on('exit', () => {
      clearInterval(timer);
      reject(new Error('child finished before it could be killed'));
    });
  });
  await new Promise((r) => child.on('exit', r));
  assert.ok(killedAt < 24);
  assert.ok(!fs.existsSync(path.join(b, 'result.json')));
  const rb = run([...common, '--out', b, '--resume']);
  assert.equal(rb.status, 0, rb.stderr);
  assert.deepEqual(stable(b), stable(a));
  const ta = readSafetensors(path.join(a, 'alignment.safetensors')).tensors;
  const tb = readSafetensors(path.join(b, 'alignment.safetensors')).tensors;
  assert.deepEqual([...ta.keys()], [...tb.keys()]);
  for (const [k, t] of ta) assert.deepEqual(Array.from(tb.get(k)!.data), Array.from(t.data), k);
  // metrics.csv: one block of rows per validation, none duplicated by the redo.
  const rowsA = fs.readFileSync(path.join(a, 'metrics.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 5).join(','));
  const rowsB = fs.readFileSync(path.join(b, 'metrics.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 5).join(','));
  assert.deepEqual(rowsB, rowsA);
  assert.deepEqual(json.iia, (stable(b) as { iia: number[][] }).iia);
});

test('a different config in the same folder is refused with a hint; bad input writes nothing', () => {
  const a = path.join(root, 'a');
  const r = run([...common.map((x) => (x === '3' ? '4' : x)), '--out', a]);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /different config.*start fresh/);
  for (const [args, re] of [
    [['--layer', 'layer.2'], /hook point/],
    [['--variable', 'cumu_val'], /no swappable variable 'cumu_val'/],
    [['--method', 'foo'], /unknown method 'foo'/],
    [['--method', 'das'], /exactly 1 model/],
  ] as [string[], RegExp][]) {
    const out = path.join(root, `bad-${args.join('')}`);
    const argv = [...common];
    for (let i = 0; i < args.length; i += 2) {
      const j = argv.indexOf(args[i]);
      if (j >= 0) argv[j + 1] = args[i + 1];
      else argv.push(args[i], args[i + 1]);
    }
    const rr = run([...argv, '--out', out]);
    assert.equal(rr.status, 2, rr.stderr);
    assert.match(rr.stderr, re);
    assert.equal(rr.stderr.trim().split('\n').length, 1);
    assert.ok(!fs.existsSync(out));
  }
});

test('stitching with a single variable warns that the stitched state cannot carry the rest; full does not', () => {
  const warnings = (variables: string[]): string[] => {
    const w: string[] = [];
    prepareRun({ modelDirs: dirs, settings: { method: 'stitch', layer: 'hidden', variables, subspace: 2, trainPairs: 8, validPairs: 8 }, out: path.join(root, 'never') }, (m) => w.push(m));
    return w;
  };
  const w = warnings(['count']);
  assert.equal(w.length, 1);
  assert.match(w[0], /--method stitch zeroes the target's own coordinates.*--variable full/);
  assert.deepEqual(warnings(['full']), []);
  assert.ok(!fs.existsSync(path.join(root, 'never')));
});
