import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  encodeSafetensors,
  readSafetensors,
  readSafetensorsExact,
  writeSafetensors,
} from '../../src/io/safetensors.ts';
import { FileFormatError, InputError, ShapeError } from '../../src/errors.ts';
import { EXPECTED, fixture, tempDir } from './helpers.ts';

/** Build a safetensors file from a header object and a data buffer, without any validation. */
function raw(header: unknown, data: Uint8Array, pad = true): Uint8Array {
  let js = Buffer.from(JSON.stringify(header), 'utf8');
  if (pad && js.length % 8) js = Buffer.concat([js, Buffer.alloc(8 - (js.length % 8), 0x20)]);
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(js.length));
  return new Uint8Array(Buffer.concat([n, js, data]));
}

const f32 = (xs: number[]) => new Uint8Array(Float32Array.from(xs).buffer);

test('writeSafetensors: bytes identical to the golden file written by the Python script', () => {
  const a = { shape: [2, 3], data: Float32Array.from(EXPECTED['st:a'].values as number[]) };
  const b = { shape: [4], data: Float32Array.from(EXPECTED['st:b'].values as number[]) };
  // Insertion order b, a: the writer must sort by name.
  const bytes = Buffer.concat(encodeSafetensors({ b, a }));
  assert.deepEqual(bytes, fs.readFileSync(fixture('tiny.safetensors')));
  const dir = tempDir();
  const p = path.join(dir, 'tiny.safetensors');
  writeSafetensors(p, { b, a });
  assert.deepEqual(fs.readFileSync(p), bytes);
});

test('readSafetensors: golden file values, shapes, metadata', () => {
  const f = readSafetensors(fixture('tiny.safetensors'));
  assert.deepEqual([...f.tensors.keys()], ['a', 'b']);
  assert.deepEqual(f.metadata, { format: 'mas-model/1' });
  for (const k of ['a', 'b']) {
    const t = f.tensors.get(k)!;
    assert.equal(t.dtype, 'F32');
    assert.deepEqual(t.shape, EXPECTED[`st:${k}`].shape);
    assert.deepEqual(Array.from(t.data), EXPECTED[`st:${k}`].values);
  }
});

test('readSafetensors: F64/F16/BF16 converted to float32 with one warning; exact reader keeps F64', () => {
  const warnings: string[] = [];
  const f = readSafetensors(fixture('mixed.safetensors'), { onWarning: (m) => warnings.push(m) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /mixed\.safetensors: converted .*1 F64.*to float32/);
  assert.deepEqual(f.metadata, {});
  const w = f.tensors.get('w64')!;
  assert.equal(w.dtype, 'F64');
  assert.ok(w.data instanceof Float32Array);
  assert.deepEqual(Array.from(w.data), (EXPECTED['st:w64'].values as number[]).map(Math.fround));
  assert.deepEqual(Array.from(f.tensors.get('half')!.data), EXPECTED['st:half'].values);
  assert.deepEqual(Array.from(f.tensors.get('bf')!.data), EXPECTED['st:bf'].values);
  const exact = readSafetensorsExact(fixture('mixed.safetensors'));
  const we = exact.tensors.get('w64')!;
  assert.ok(we.data instanceof Float64Array);
  assert.deepEqual(Array.from(we.data), EXPECTED['st:w64'].values);
  const silent: string[] = [];
  readSafetensors(fixture('tiny.safetensors'), { onWarning: (m) => silent.push(m) });
  assert.equal(silent.length, 0);
});

test('writeSafetensors: round trip F32 and F64, header 8-byte aligned, metadata kept, names sorted', () => {
  const dir = tempDir();
  const p = path.join(dir, 'rt.safetensors');
  const t = {
    'z.w': { shape: [3, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    '10': { shape: [1], data: Float32Array.from([10]) },
    '9': { shape: [], data: Float64Array.from([Math.PI]) },
    'a.b': { shape: [2, 0], data: new Float32Array(0) },
  };
  writeSafetensors(p, t, { note: 'hi', format: 'other/2' });
  const bytes = fs.readFileSync(p);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0);
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString());
  assert.deepEqual(Object.keys(JSON.parse(bytes.subarray(8, 8 + n).toString().replace(/"(\d+)":/g, '"k$1":'))), ['__metadata__', 'k10', 'k9', 'a.b', 'z.w']);
  assert.deepEqual(header.__metadata__, { format: 'other/2', note: 'hi' });
  const back = readSafetensorsExact(p);
  for (const [k, v] of Object.entries(t)) {
    const r = back.tensors.get(k)!;
    assert.deepEqual(r.shape, v.shape);
    assert.equal(r.data.constructor, v.data.constructor);
    assert.deepEqual(r.data, v.data);
  }
  assert.equal(back.tensors.get('9')!.dtype, 'F64');
});

test('writeSafetensors: bad input is rejected before writing', () => {
  assert.throws(() => encodeSafetensors({ a: { shape: [2, 2], data: new Float32Array(3) } }), (e: Error) => e instanceof ShapeError && /'a' has shape \[2, 2\] \(4 values\) but 3 values/.test(e.message));
  assert.throws(() => encodeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } }), InputError);
  assert.throws(() => encodeSafetensors({}, { n: 3 as unknown as string }), /metadata 'n' must be a string/);
});

test('readSafetensors: layout validation (overlap, gap, truncation, bad JSON, bad header length, dtype, size)', () => {
  const data = f32([1, 2, 3, 4]);
  const ok = raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] } }, data);
  assert.equal(readSafetensors(ok).tensors.size, 2);
  const unpadded = raw({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, data, false);
  assert.deepEqual(Array.from(readSafetensors(unpadded).tensors.get('a')!.data), [1, 2, 3, 4]);
  const cases: [Uint8Array, RegExp][] = [
    [raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [3], data_offsets: [4, 16] } }, data), /'a' and 'b' overlap/],
    [raw({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [12, 16] } }, data), /gap of 4 bytes .* before tensor 'b'/],
    [raw({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 12] } }, data), /4 unused bytes at the end/],
    [raw({ a: { dtype: 'F32', shape: [6], data_offsets: [0, 24] } }, data), /'a': truncated/],
    [raw({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, data), /'a': size mismatch \(F32 \[3\] needs 12 bytes, data_offsets span 16\)/],
    [raw({ a: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data), /'a' has unsupported dtype I64/],
    [raw({ a: { dtype: 'Q7', shape: [2], data_offsets: [0, 16] } }, data), /'a': unknown dtype "Q7"/],
    [raw({ a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, data), /'a': bad shape/],
    [raw({ a: { dtype: 'F32', shape: [4], data_offsets: [16, 0] } }, data), /bad data_offsets/],
    [raw({ __metadata__: { k: 1 }, a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, data), /__metadata__ value 'k' is not a string/],
    [raw([1, 2], new Uint8Array(0)), /not a JSON object/],
    [ok.subarray(0, ok.length - 1), /truncated|unused/],
    [ok.subarray(0, 20), /truncated safetensors file \(header length/],
    [ok.subarray(0, 5), /truncated safetensors file \(5 bytes/],
  ];
  for (const [bytes, re] of cases) {
    assert.throws(() => readSafetensors(bytes), (e: Error) => e instanceof FileFormatError && re.test(e.message), String(re));
  }
  const badJson = ok.slice();
  badJson[8] = 0x5b; // '[' … unbalanced
  badJson[9] = 0x5b;
  assert.throws(() => readSafetensors(badJson), /header is not valid JSON/);
  const hugeLen = ok.slice();
  new DataView(hugeLen.buffer).setBigUint64(0, 2n ** 40n, true);
  assert.throws(() => readSafetensors(hugeLen), /bad safetensors header length/);
  assert.throws(() => readSafetensors(fixture('f4_2d_c.npy')), (e: Error) => e instanceof FileFormatError && /f4_2d_c\.npy/.test(e.message));
});
