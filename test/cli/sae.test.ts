import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { readNpy, writeNpy } from '../../src/io/npy.ts';
import { loadSae } from '../../src/models/sae-folder.ts';
import { encodeRows } from '../../src/models/sae.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  const write = process.stderr.write.bind(process.stderr);
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = write;
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-sae-cli-'));
const rng = new Rng(7);
const X = Float64Array.from({ length: 60 * 4 }, () => rng.normal());
writeNpy(path.join(dir, 'x.npy'), X, [60, 4]);

test('mas sae train writes a folder that mas sae encode and loadSae read back', async () => {
  const r = await run(['sae', 'train', '--activations', path.join(dir, 'x.npy'), '--latents', '8', '--l1', '0.1', '--steps', '30', '--seed', '3', '--out', path.join(dir, 's'), '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Record<string, unknown>;
  assert.equal(j.rows, 60);
  assert.ok(fs.existsSync(path.join(dir, 's', 'sae.safetensors')));
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 's', 'config.json'), 'utf8'));
  assert.equal(cfg.format, 'mas-sae/1');
  assert.equal(cfg.latents, 8);
  const e = await run(['sae', 'encode', '--sae', path.join(dir, 's'), '--activations', path.join(dir, 'x.npy'), '--out', path.join(dir, 'z.npy')]);
  assert.equal(e.code, 0, e.err);
  const z = readNpy(path.join(dir, 'z.npy'));
  assert.deepEqual(z.shape, [60, 8]);
  const { params } = loadSae(path.join(dir, 's'));
  const want = encodeRows(params, new Tensor(X, [60, 4]));
  assert.deepEqual(Array.from(z.data), Array.from(want.data));
  // Every code is ReLU((x − b_dec) W_enc + b_enc), recomputed by hand for one row.
  for (let k = 0; k < 8; k++) {
    let s = params.bEnc.data[k];
    for (let j = 0; j < 4; j++) s += (X[5 * 4 + j] - params.bDec.data[j]) * params.wEnc.data[j * 8 + k];
    assert.ok(Math.abs(z.data[5 * 8 + k] - Math.max(0, s)) < 1e-12);
  }
});

test('mas sae: bad input is a one-line error with exit code 2', async () => {
  const nan = X.slice();
  nan[9] = NaN;
  writeNpy(path.join(dir, 'nan.npy'), nan, [60, 4]);
  writeNpy(path.join(dir, 'flat.npy'), X, [240]);
  const base = (file: string, latents: string, l1: string): string[] => ['sae', 'train', '--activations', path.join(dir, file), '--latents', latents, '--l1', l1, '--steps', '1', '--out', path.join(dir, 'bad')];
  const cases: [string[], RegExp][] = [
    [base('nan.npy', '8', '0.1'), /NaN/],
    [base('x.npy', '61', '0.1'), /60 activation rows are fewer than the 61 latents/],
    [base('x.npy', '8', '0'), /--l1 must be > 0/],
    [base('x.npy', '8', '-0.5'), /--l1 must be > 0/],
    [base('flat.npy', '8', '0.1'), /1-D/],
    [['sae', 'encode', '--sae', path.join(dir, 'nowhere'), '--activations', path.join(dir, 'x.npy'), '--out', path.join(dir, 'z2.npy')], /not an SAE folder/],
  ];
  for (const [args, re] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, re);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.equal(r.out, '');
  }
  assert.ok(!fs.existsSync(path.join(dir, 'bad')));
});

test('mas reproduce sae-superposition --quick --seeds over the cap names the cap', async () => {
  const r = await run(['reproduce', 'sae-superposition', '--quick', '--seeds', '9', '--out', path.join(dir, 'rep'), '--json']);
  assert.equal(r.code, 2);
  assert.match(r.err, /at most 3 seeds/);
});
