// `mas activations` on Hugging Face folders (rows, pooling, --text through tokenizer.json) and the
// one-line errors on bad input, with nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../../src/io/npy.ts';
import { readSafetensors, writeSafetensors } from '../../../src/io/safetensors.ts';
import { main } from '../../../src/cli/main.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..', '..');
const fx = path.join(root, 'test', 'fixtures', 'hf');
/** Run the CLI in this process (spawning costs seconds per call), capturing what it prints. */
const mas = async (...args: string[]) => {
  let out = '';
  let err = '';
  const saved = { log: console.log, error: console.error, write: process.stderr.write };
  console.log = (...a: unknown[]) => void (out += `${a.join(' ')}\n`);
  console.error = (...a: unknown[]) => void (err += `${a.join(' ')}\n`);
  process.stderr.write = ((chunk: string) => ((err += chunk), true)) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    console.log = saved.log;
    console.error = saved.error;
    process.stderr.write = saved.write;
  }
};
const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'mas-hf-'));
const copyDir = (from: string, to: string): void => {
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(to, f));
};

test('activations --token-ids: one row per token equals the PyTorch hidden states; last/mean pooling', async () => {
  const dir = tmp();
  const exp = JSON.parse(fs.readFileSync(path.join(fx, 'gpt2', 'expected.json'), 'utf8')) as { input_ids: number[][] };
  const ref = readSafetensors(path.join(fx, 'gpt2', 'expected.safetensors')).tensors;
  fs.writeFileSync(path.join(dir, 'ids.json'), JSON.stringify(exp.input_ids));
  const run = async (pool: string, out: string) => {
    const r = await mas('activations', '--model', path.join(fx, 'gpt2'), '--token-ids', path.join(dir, 'ids.json'), '--layer', 'layer.0', '--pool', pool, '--out', path.join(dir, out));
    assert.equal(r.code, 0, r.err);
    return readNpy(path.join(dir, out));
  };
  const all = await run('none', 'a.npy');
  const [n0, n1] = exp.input_ids.map((s) => s.length);
  assert.deepEqual(all.shape, [n0 + n1, 16]);
  const want = [...ref.get('s0.hidden_states.1')!.data, ...ref.get('s1.hidden_states.1')!.data];
  const got = all.data as Float32Array;
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) < 1e-4 * 10, `entry ${i}`);
  const last = await run('last', 'l.npy');
  assert.deepEqual(last.shape, [2, 16]);
  const mean = await run('mean', 'm.npy');
  for (let j = 0; j < 16; j++) {
    assert.equal((last.data as Float32Array)[j], got[(n0 - 1) * 16 + j]);
    assert.equal((last.data as Float32Array)[16 + j], got[(n0 + n1 - 1) * 16 + j]);
    let s = 0;
    for (let t = 0; t < n1; t++) s += got[(n0 + t) * 16 + j];
    assert.ok(Math.abs((mean.data as Float32Array)[16 + j] - s / n1) < 1e-5);
  }
});

test('activations --text encodes with tokenizer.json as HF does (BOS for the Llama template) and equals --token-ids', async () => {
  for (const name of ['gpt2', 'llama-sharded']) {
    const dir = tmp();
    const m = path.join(fx, name);
    const enc = JSON.parse(fs.readFileSync(path.join(m, 'texts.expected.json'), 'utf8')) as { input_ids: number[][] };
    fs.writeFileSync(path.join(dir, 'ids.json'), JSON.stringify(enc.input_ids));
    const a = await mas('activations', '--model', m, '--text', path.join(m, 'texts.txt'), '--layer', 'final', '--out', path.join(dir, 't.npy'));
    assert.equal(a.code, 0, a.err);
    const b = await mas('activations', '--model', m, '--token-ids', path.join(dir, 'ids.json'), '--layer', 'final', '--out', path.join(dir, 'i.npy'));
    assert.equal(b.code, 0, b.err);
    const x = readNpy(path.join(dir, 't.npy'));
    const y = readNpy(path.join(dir, 'i.npy'));
    assert.deepEqual(x.shape, [enc.input_ids.reduce((n, s) => n + s.length, 0), 16]);
    assert.deepEqual([...x.data], [...y.data]);
  }
});

/** Expect exit 2, one line of stderr matching `re`, and no output file. */
async function fails(args: string[], re: RegExp): Promise<void> {
  const dir = tmp();
  const out = path.join(dir, 'x.npy');
  const r = await mas(...args, '--out', out);
  assert.equal(r.code, 2, r.err);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, r.err);
  assert.match(lines[0], re);
  assert.ok(!fs.existsSync(out), 'nothing written');
}

test('bad input: one line each, exit 2, nothing written', async () => {
  const dir = tmp();
  const ids = path.join(dir, 'ids.json');
  fs.writeFileSync(ids, '[[1, 2, 3]]');
  // unsupported model_type lists the supported ones
  const bert = path.join(dir, 'bert');
  fs.mkdirSync(bert);
  fs.writeFileSync(path.join(bert, 'config.json'), '{"model_type": "bert"}');
  await fails(['activations', '--model', bert, '--token-ids', ids, '--layer', 'layer.0'], /unsupported model_type "bert" \(supported: gpt2, llama, qwen2, gpt_neox\)/);
  // missing shard
  const sh = path.join(dir, 'sharded');
  copyDir(path.join(fx, 'llama-sharded'), sh);
  fs.rmSync(path.join(sh, 'model-00002-of-00002.safetensors'));
  await fails(['activations', '--model', sh, '--token-ids', ids, '--layer', 'layer.0'], /missing shard model-00002-of-00002\.safetensors/);
  // missing key
  const mk = path.join(dir, 'missing-key');
  copyDir(path.join(fx, 'gpt2'), mk);
  const st = readSafetensors(path.join(mk, 'model.safetensors')).tensors;
  st.delete('transformer.ln_f.bias');
  writeSafetensors(path.join(mk, 'model.safetensors'), st);
  await fails(['activations', '--model', mk, '--token-ids', ids, '--layer', 'layer.0'], /missing tensor 'transformer\.ln_f\.bias'/);
  // unsupported dtype (an I32 tensor where a weight is expected)
  const dt = path.join(dir, 'dtype');
  copyDir(path.join(fx, 'gpt2'), dt);
  const ln = st.get('transformer.ln_f.weight')!;
  const header = JSON.stringify({ 'transformer.ln_f.weight': { dtype: 'I32', shape: ln.shape, data_offsets: [0, ln.data.byteLength] } });
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(header.length));
  const keep = [...st].filter(([n]) => n !== 'transformer.ln_f.weight');
  writeSafetensors(path.join(dt, 'model.safetensors'), new Map(keep));
  fs.writeFileSync(path.join(dt, 'extra.safetensors'), Buffer.concat([head, Buffer.from(header), Buffer.from(ln.data.buffer)]));
  const wm: Record<string, string> = Object.fromEntries(keep.map(([n]) => [n, 'model.safetensors']));
  wm['transformer.ln_f.weight'] = 'extra.safetensors';
  fs.writeFileSync(path.join(dt, 'model.safetensors.index.json'), JSON.stringify({ weight_map: wm }));
  await fails(['activations', '--model', dt, '--token-ids', ids, '--layer', 'layer.0'], /unsupported dtype I32/);
  // --text with no tokenizer
  await fails(['activations', '--model', path.join(fx, 'qwen2-bf16'), '--text', path.join(fx, 'gpt2', 'texts.txt'), '--layer', 'layer.0'], /no tokenizer\.json/);
  // longer than the positions (gpt2-raw-f16 has 12)
  const long = path.join(dir, 'long.json');
  fs.writeFileSync(long, JSON.stringify([[1, 2], Array.from({ length: 13 }, (_, i) => i)]));
  await fails(['activations', '--model', path.join(fx, 'gpt2-raw-f16'), '--token-ids', long, '--layer', 'layer.0'], /sequence 1 has 13 tokens, longer than the model's 12 positions/);
  // token id outside the vocabulary
  const oov = path.join(dir, 'oov.json');
  fs.writeFileSync(oov, '[[1, 2], [3, 64]]');
  await fails(['activations', '--model', path.join(fx, 'gpt2-raw-f16'), '--token-ids', oov, '--layer', 'layer.0'], /sequence 1: token id 64 at position 1 is outside the vocabulary \(size 64\)/);
  // unknown hook point
  await fails(['activations', '--model', path.join(fx, 'gpt-neox'), '--token-ids', ids, '--layer', 'layer.7'], /unknown hook point 'layer\.7'/);
});

test('align-lm within one model: a shared k = d map is exact (IIA 1, CI [1, 1]); bad rows write nothing', async () => {
  const { interchangeLabels } = await import('../../../src/align/lm.ts');
  const { loadHfModel } = await import('../../../src/models/hf/folder.ts');
  const dir = tmp();
  const m = path.join(fx, 'gpt-neox');
  const model = loadHfModel(m);
  const base = [[3, 1, 4, 1, 5], [9, 2, 6, 5, 3], [5, 8, 9, 7, 9], [3, 2, 3, 8, 4], [6, 2, 6, 4, 3], [3, 8, 3, 2, 7]];
  const rows = interchangeLabels(model, base.map((b, i) => ({ base: b, source: base[(i + 1) % base.length], basePosition: 2, sourcePosition: 4, label: [] })), 'layer.0', 2);
  const jsonl = rows.map((r) => JSON.stringify({ base: r.base, source: r.source, base_position: r.basePosition, source_position: r.sourcePosition - 5, label: r.label })).join('\n');
  fs.writeFileSync(path.join(dir, 'cf.jsonl'), `${jsonl}\n`);
  const out = path.join(dir, 'run');
  const r = await mas('align-lm', '--source', m, '--data', path.join(dir, 'cf.jsonl'), '--layer', 'layer.0', '--k', '16', '--steps', '5', '--out', out);
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(fs.readFileSync(path.join(out, 'result.json'), 'utf8'));
  assert.equal(res.format, 'mas-lm-align/1');
  assert.equal(res.iia, 1);
  assert.deepEqual(res.iia_ci, [1, 1]);
  assert.equal(res.steps, 0, 'stops at the first validation');
  assert.deepEqual(res.rows, { train: 5, valid: 1 });
  const maps = readSafetensors(path.join(out, 'maps.safetensors')).tensors;
  assert.deepEqual(maps.get('source.F')!.shape, [16, 16]);
  fs.writeFileSync(path.join(dir, 'bad.jsonl'), `${jsonl.split('\n')[0]}\n{"base": [1, 2], "source": [3], "base_position": 0, "label": [4]}\n`);
  const bad = await mas('align-lm', '--source', m, '--data', path.join(dir, 'bad.jsonl'), '--layer', 'layer.0', '--k', '16', '--out', path.join(dir, 'run2'));
  assert.equal(bad.code, 2);
  assert.match(bad.err.trim(), /^mas: error: .*bad\.jsonl: line 2: missing field\(s\) source_position$/);
  assert.ok(!fs.existsSync(path.join(dir, 'run2')));
});
