import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureDir, readJson, writeFileAtomic, writeJsonAtomic } from '../../src/io/atomic.ts';
import { reviveNonFinite, stableStringify, toJson } from '../../src/io/json.ts';
import { FileFormatError, NonFiniteError } from '../../src/errors.ts';
import { tempDir } from './helpers.ts';

test('writeFileAtomic: writes strings, bytes and chunk lists; overwrites; leaves no temp files', () => {
  const dir = tempDir();
  const p = path.join(dir, 'a.txt');
  writeFileAtomic(p, 'héllo');
  assert.equal(fs.readFileSync(p, 'utf8'), 'héllo');
  writeFileAtomic(p, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...fs.readFileSync(p)], [1, 2, 3]);
  writeFileAtomic(p, [new Uint8Array([4]), new Uint8Array(0), new Uint8Array([5, 6])]);
  assert.deepEqual([...fs.readFileSync(p)], [4, 5, 6]);
  assert.deepEqual(fs.readdirSync(dir), ['a.txt']);
});

test('writeFileAtomic: a data source that throws mid-way leaves the old file intact and no temp file', () => {
  const dir = tempDir();
  const p = path.join(dir, 'keep.bin');
  writeFileAtomic(p, 'old contents');
  function* failing(): Generator<Uint8Array> {
    yield new Uint8Array(1 << 16).fill(7);
    throw new Error('source failed');
  }
  assert.throws(() => writeFileAtomic(p, failing()), /source failed/);
  assert.equal(fs.readFileSync(p, 'utf8'), 'old contents');
  assert.deepEqual(fs.readdirSync(dir), ['keep.bin']);
  // Same for a brand-new file: nothing appears.
  assert.throws(() => writeFileAtomic(path.join(dir, 'new.bin'), failing()), /source failed/);
  assert.deepEqual(fs.readdirSync(dir), ['keep.bin']);
});

test('writeFileAtomic: folder removed mid-write → FileFormatError naming the file, no partial file', () => {
  const root = tempDir();
  const dir = path.join(root, 'vanishing');
  fs.mkdirSync(dir);
  const p = path.join(dir, 'x.bin');
  function* vanish(): Generator<Uint8Array> {
    yield new Uint8Array(100);
    fs.rmSync(dir, { recursive: true, force: true });
    yield new Uint8Array(100);
  }
  assert.throws(() => writeFileAtomic(p, vanish()), (e: Error) => e instanceof FileFormatError && e.message.startsWith(`cannot write ${p}:`));
  assert.equal(fs.existsSync(p), false);
  assert.throws(() => writeFileAtomic(path.join(root, 'no', 'such', 'f.txt'), 'x'), (e: Error) => e instanceof FileFormatError && /not found/.test(e.message));
});

test('ensureDir: creates nested folders, is idempotent, rejects a file in the way', () => {
  const root = tempDir();
  const d = path.join(root, 'a', 'b', 'c');
  ensureDir(d);
  ensureDir(d);
  assert.ok(fs.statSync(d).isDirectory());
  fs.writeFileSync(path.join(root, 'f'), '');
  assert.throws(() => ensureDir(path.join(root, 'f')), FileFormatError);
});

test('writeJsonAtomic: pretty JSON with newline; NaN rejected and the old file kept', () => {
  const dir = tempDir();
  const p = path.join(dir, 's.json');
  writeJsonAtomic(p, { b: [1, 2], a: { x: 'y' }, u: undefined });
  assert.equal(fs.readFileSync(p, 'utf8'), '{\n  "b": [1, 2],\n  "a": {\n    "x": "y"\n  }\n}\n');
  assert.deepEqual(readJson(p), { b: [1, 2], a: { x: 'y' } });
  assert.throws(() => writeJsonAtomic(p, { m: [[1, NaN]] }), (e: Error) => e instanceof NonFiniteError && /NaN .* at m\[0\]\[1\]/.test(e.message));
  assert.deepEqual(readJson(p), { b: [1, 2], a: { x: 'y' } });
  fs.writeFileSync(p, '{oops');
  assert.throws(() => readJson(p), (e: Error) => e instanceof FileFormatError && /s\.json: not valid JSON/.test(e.message));
});

test('toJson: non-finite policies, typed arrays, sorted keys, tagged round trip', () => {
  const v = { z: Float32Array.from([0.5, 1]), a: [Infinity, -Infinity, NaN], n: null };
  assert.equal(toJson(v, { nonFinite: 'string' }), '{"z":[0.5,1],"a":["Infinity","-Infinity","NaN"],"n":null}');
  assert.equal(toJson(v, { nonFinite: 'string', sortKeys: true }), '{"a":["Infinity","-Infinity","NaN"],"n":null,"z":[0.5,1]}');
  const back = reviveNonFinite(JSON.parse(toJson(v, { nonFinite: 'tagged' }))) as { a: number[] };
  assert.deepEqual(back.a, [Infinity, -Infinity, NaN]);
  assert.equal(stableStringify({ b: 1, a: { d: 2, c: [3, { f: 4, e: 5 }] } }), '{"a":{"c":[3,{"e":5,"f":4}],"d":2},"b":1}');
  // Same output as JSON.stringify for plain finite data.
  const plain = { x: [1.1, -2e-300, 'q"'], y: { z: true, w: [] }, k: 1e21 };
  assert.equal(toJson(plain), JSON.stringify(plain));
  assert.equal(toJson(plain, { indent: 0 }), JSON.stringify(plain));
});
