// A generated corpus of hostile inputs (nothing binary is committed): each case must end in exactly one
// one-line error naming the problem (exit code 2), promptly, and leave the inputs untouched.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { encodeNpy } from '../../src/io/npy.ts';
import { encodeZip } from '../../src/io/zip.ts';
import { cli, errorLines, tinyModel, tmp } from './helpers.ts';

const root = tmp();
const M = tinyModel(path.join(root, 'M'));
const seqs = path.join(root, 'seqs.json');
fs.writeFileSync(seqs, JSON.stringify(['B D0 D1 T R R E']));
const modelBytes = fs.readFileSync(path.join(M, 'model.safetensors'));

/** A copy of M with config.json edited by `edit`. */
function withConfig(name: string, edit: (c: Record<string, unknown>) => void): string {
  const dir = path.join(root, name);
  fs.cpSync(M, dir, { recursive: true });
  const c = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  edit(c);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(c));
  return dir;
}

/** A copy of M whose model.safetensors gets one more tensor (dtype, bytes) or has a tensor's first value replaced. */
function withTensors(name: string, extra: { key: string; dtype: string; bytes: Buffer } | null, nanIn?: string): string {
  const dir = path.join(root, name);
  fs.cpSync(M, dir, { recursive: true });
  const b = fs.readFileSync(path.join(dir, 'model.safetensors'));
  const n = Number(b.readBigUInt64LE(0));
  const header = JSON.parse(b.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  let data = Buffer.from(b.subarray(8 + n));
  if (nanIn) data.writeFloatLE(NaN, header[nanIn].data_offsets[0]);
  if (extra) {
    header[extra.key] = { dtype: extra.dtype, shape: [], data_offsets: [data.length, data.length + extra.bytes.length] };
    data = Buffer.concat([data, extra.bytes]);
  }
  let h = Buffer.from(JSON.stringify(header));
  h = Buffer.concat([h, Buffer.alloc((8 - (h.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), Buffer.concat([len, h, data]));
  return dir;
}

/** An .npz whose one member inflates to `size` zero bytes but declares `declared` bytes. */
function zipBomb(file: string, size: number, declared: number): string {
  const npy = encodeNpy(new Float64Array(size / 8), [size / 8 / 2, 2]);
  const zip = Buffer.concat(encodeZip([{ name: 'x.npy', data: npy }], true));
  for (let p = 0; p + 4 <= zip.length; p++) {
    const sig = zip.readUInt32LE(p);
    if (sig === 0x04034b50) zip.writeUInt32LE(declared, p + 22);
    if (sig === 0x02014b50) zip.writeUInt32LE(declared, p + 24);
  }
  fs.writeFileSync(file, zip);
  return file;
}

function gaussian(file: string, n: number, p: number, seed: number): string {
  const d = new Float64Array(n * p);
  let s = seed;
  for (let i = 0; i < d.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    d[i] = s / 2147483648 - 0.5;
  }
  fs.writeFileSync(file, encodeNpy(d, [n, p]));
  return file;
}

interface Case {
  name: string;
  argv: () => string[];
  /** The one error line must match. */
  error: RegExp;
  env?: Record<string, string>;
  after?: () => void;
}

const fileInTheWay = path.join(root, 'FILE');
fs.writeFileSync(fileInTheWay, 'x');
const reproDir = path.join(root, 'R');
fs.mkdirSync(reproDir);
fs.writeFileSync(path.join(reproDir, 'experiment.json'), JSON.stringify({ format: 'mas-experiment/1', name: 'reproduce', config_hash: 'x', config: {}, created_at: '' }));
fs.writeFileSync(path.join(reproDir, 'MY_NOTES.txt'), 'notes');
const bigHeader = path.join(root, 'big-header.npy');
{
  const text = `{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2${'A'.repeat(5_000_000)}`;
  const head = Buffer.alloc(12);
  Buffer.from('\x93NUMPY', 'latin1').copy(head);
  head[6] = 2;
  head.writeUInt32LE(text.length + 1, 8);
  fs.writeFileSync(bigHeader, Buffer.concat([head, Buffer.from(text + '\n', 'latin1'), Buffer.alloc(32)]));
}
const zeroLink = path.join(root, 'zero.npy');
fs.symlinkSync('/dev/zero', zeroLink);
const X = gaussian(path.join(root, 'X.npy'), 2000, 2, 1);
const Y = gaussian(path.join(root, 'Y.npy'), 2000, 2, 2);
const X200k = gaussian(path.join(root, 'X200k.npy'), 200_000, 1, 3);
const Y200k = gaussian(path.join(root, 'Y200k.npy'), 200_000, 1, 4);

const act = (m: string, out: string, s = seqs): string[] => ['activations', '--model', m, '--sequences', s, '--layer', 'layer.0', '--out', out];
const cases: Case[] = [
  { name: 'activations --out onto its own model file', argv: () => act(M, path.join(M, 'model.safetensors')), error: /must end in \.npy/ },
  { name: 'activations --out M/model.npy inside the input model', argv: () => act(M, path.join(M, 'model.npy')), error: /lies inside the input/ },
  { name: 'activations --out onto the sequences file', argv: () => { fs.copyFileSync(seqs, path.join(root, 's.npy')); return act(M, path.join(root, 's.npy'), path.join(root, 's.npy')); }, error: /is the input/ },
  { name: 'activations --out without the .npy extension', argv: () => act(M, path.join(root, 'acts.txt')), error: /must end in \.npy/ },
  { name: 'activations on all-padding input (0 rows)', argv: () => { const f = path.join(root, 'pad.json'); fs.writeFileSync(f, JSON.stringify(['P P P'])); return act(M, path.join(root, 'pad.npy'), f); }, error: /only padding/, after: () => assert.ok(!fs.existsSync(path.join(root, 'pad.npy'))) },
  { name: 'activations with NaN weights', argv: () => act(withTensors('Mnan', null, 'embedding.weight'), path.join(root, 'nan.npy')), error: /NaN.*unusable/ },
  { name: 'activations with a config eval rejects (no count left)', argv: () => act(withConfig('Mho', (c) => { c.task_config = { min_count: 1, max_count: 2, hold_outs: [1, 2], unk_p: 0 }; }), path.join(root, 'ho.npy')), error: /no count left/ },
  { name: 'config n_layers 10,000,000', argv: () => ['eval', '--model', withConfig('Mlayers', (c) => Object.assign(c, { arch: 'transformer', n_layers: 10_000_000, n_heads: 1, ff_hidden: 8 }))], error: /'n_layers' 10000000 is over the limit/ },
  { name: 'config max_count 1,000,000,000', argv: () => ['eval', '--model', withConfig('Mcount', (c) => { (c.task_config as Record<string, unknown>).max_count = 1e9; })], error: /max_count' 1000000000 is over the limit/ },
  { name: 'config hidden 1e6', argv: () => ['eval', '--model', withConfig('Mwide', (c) => { c.hidden = 1e6; })], error: /'hidden' 1000000 is over the limit/ },
  { name: 'config implying over 2^28 parameters', argv: () => ['eval', '--model', withConfig('Mparams', (c) => Object.assign(c, { d_model: 16384, hidden: 16384, decoder_hidden: 16384 }))], error: /parameters implied by the config/ },
  { name: 'config vocab of 200,000 tokens', argv: () => ['eval', '--model', withConfig('Mvocab', (c) => { c.vocab = [...(c.vocab as string[]), ...Array.from({ length: 200_000 }, (_, i) => `t${i}`)]; })], error: /vocab size' \d+ is over the limit/ },
  { name: 'train --out under /proc', argv: () => ['train', '--task', 'multi-object', '--arch', 'gru', '--seed', '1', '--out', '/proc/mas-x', '--steps', '1'], error: /proc pseudo file system/ },
  { name: 'train --out an existing file', argv: () => ['train', '--task', 'multi-object', '--arch', 'gru', '--seed', '1', '--out', fileInTheWay, '--steps', '1'], error: /is a file, not a folder/ },
  { name: 'train --out below a file (ENOTDIR)', argv: () => ['train', '--task', 'multi-object', '--arch', 'gru', '--seed', '1', '--out', path.join(fileInTheWay, 'sub'), '--steps', '1'], error: /FILE is a file, not a folder/ },
  { name: 'align --out under /proc', argv: () => ['align', '--models', M, '--layer', 'hidden', '--variable', 'count', '--subspace', '2', '--method', 'das', '--steps', '1', '--out', '/proc/mas-y'], error: /proc pseudo file system/ },
  { name: 'align --out inside an input model', argv: () => ['align', '--models', M, '--layer', 'hidden', '--variable', 'count', '--subspace', '2', '--method', 'das', '--steps', '1', '--out', path.join(M, 'run')], error: /lies inside the input/ },
  { name: 'eval --samples 1e12', argv: () => ['eval', '--model', M, '--samples', '1000000000000'], error: /--samples 1000000000000 is over the limit/ },
  { name: 'align --valid-pairs 1e8', argv: () => ['align', '--models', M, '--layer', 'hidden', '--variable', 'count', '--subspace', '2', '--method', 'das', '--valid-pairs', '100000000', '--out', path.join(root, 'vp')], error: /--valid-pairs 100000000 is over the limit/, after: () => assert.ok(!fs.existsSync(path.join(root, 'vp'))) },
  { name: 'train --epochs 1e12', argv: () => ['train', '--task', 'multi-object', '--arch', 'gru', '--seed', '1', '--out', path.join(root, 'ep'), '--epochs', '1000000000000'], error: /epochs 1000000000000 is over the limit/ },
  { name: 'similarity --bootstrap 1e9', argv: () => ['similarity', X, Y, '--measure', 'cka-linear', '--ci', '--bootstrap', '1000000000'], error: /--bootstrap 1000000000 is over the limit/ },
  { name: '.npz member inflating past its declared size (zip bomb)', argv: () => ['similarity', zipBomb(path.join(root, 'bomb.npz'), 8 << 20, 4096), X], error: /inflates past its declared size/ },
  { name: '.npz member declaring more than MAS_MAX_FILE_BYTES', env: { MAS_MAX_FILE_BYTES: '1000000' }, argv: () => ['similarity', zipBomb(path.join(root, 'bomb2.npz'), 1 << 20, 3_000_000), X], error: /declared size 3000000 bytes is over the limit/ },
  { name: '.npy symlinked to /dev/zero', argv: () => ['similarity', zeroLink, X], error: /not a regular file/ },
  { name: '.npy that is a folder', argv: () => { fs.mkdirSync(path.join(root, 'dir.npy')); return ['similarity', path.join(root, 'dir.npy'), X]; }, error: /is a folder, not a file/ },
  { name: '.npy header of 5 MB', argv: () => ['similarity', bigHeader, X], error: /malformed \.npy header.*more characters\)$/ },
  { name: 'RSA at n = 2000 under MAS_MEMORY_BUDGET=64M', env: { MAS_MEMORY_BUDGET: '64M' }, argv: () => ['similarity', X, Y, '--measure', 'rsa-correlation-spearman'], error: /needs ~0\.1 GiB \(budget 0\.063 GiB, MAS_MEMORY_BUDGET\); use --subsample or cka-linear-minibatch/ },
  { name: 'cka-rbf at n = 2000 under MAS_MEMORY_BUDGET=64M', env: { MAS_MEMORY_BUDGET: '64M' }, argv: () => ['similarity', X, Y, '--measure', 'cka-rbf-0.5'], error: /needs ~.* GiB/ },
  { name: 'mutual-knn-10 at n = 200,000 (past the typed-array limit)', argv: () => ['similarity', X200k, Y200k, '--measure', 'mutual-knn-10'], error: /mutual-knn-10 at n = 200000 needs ~\d+ GiB/ },
  { name: 'unreadable MAS_MEMORY_BUDGET', env: { MAS_MEMORY_BUDGET: 'lots' }, argv: () => ['similarity', X, Y, '--measure', 'rsa-correlation-spearman'], error: /MAS_MEMORY_BUDGET must be a byte count/ },
  { name: 'demo --fresh on a reproduce folder', argv: () => ['demo', '--quick', '--fresh', '--out', reproDir], error: /holds a 'reproduce' experiment, which --fresh does not replace/, after: () => assert.equal(fs.readFileSync(path.join(reproDir, 'MY_NOTES.txt'), 'utf8'), 'notes') },
  { name: 'report --out without .html', argv: () => ['report', M, '--out', path.join(root, 'r.txt')], error: /must end in \.html/ },
];

test(`hostile inputs: ${cases.length} cases, each one line, exit 2, inputs untouched`, async () => {
  const failures: string[] = [];
  for (const c of cases) {
    const saved: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(c.env ?? {})) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    try {
      const r = await cli(c.argv());
      const errs = errorLines(r);
      const why =
        r.code !== 2 ? `exit ${r.code}` : errs.length !== 1 ? `${errs.length} error lines` : !c.error.test(errs[0]) ? `message ${errs[0].slice(0, 300)}` : errs[0].length > 600 ? `a ${errs[0].length}-character line` : r.ms > 20_000 ? `took ${r.ms} ms` : '';
      if (why) failures.push(`${c.name}: ${why} (${[...r.err].join(' | ').slice(0, 400)})`);
      c.after?.();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.deepEqual(fs.readFileSync(path.join(M, 'model.safetensors')), modelBytes, 'the input model is untouched');
});

test('an extra int64 tensor (num_batches_tracked) is ignored with a warning', async () => {
  const dir = withTensors('Mextra', { key: 'num_batches_tracked', dtype: 'I64', bytes: Buffer.from([7, 0, 0, 0, 0, 0, 0, 0]) });
  const r = await cli(['eval', '--model', dir, '--samples', '20', '--json']);
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.ok(r.err.some((l) => /ignoring 1 extra tensor\(s\): num_batches_tracked/.test(l)), r.err.join('\n'));
  const plain = await cli(['eval', '--model', M, '--samples', '20', '--json']);
  assert.deepEqual(JSON.parse(r.out[0]), JSON.parse(plain.out[0]), 'same accuracy as without the extra tensor');
});
