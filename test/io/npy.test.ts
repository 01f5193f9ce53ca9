import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeNpy, encodeNpy, halfToFloat, readNpy, writeNpy } from '../../src/io/npy.ts';
import { FileFormatError, ShapeError } from '../../src/errors.ts';
import { EXPECTED, fixture, tempDir } from './helpers.ts';

const CASES: [string, string, string][] = [
  // file, our dtype, typed array
  ['f4_2d_c.npy', 'float32', 'Float32Array'],
  ['f4_2d_f.npy', 'float32', 'Float32Array'],
  ['f8_3d_c.npy', 'float64', 'Float64Array'],
  ['f8_3d_f.npy', 'float64', 'Float64Array'],
  ['f4_1d.npy', 'float32', 'Float32Array'],
  ['f8_0d.npy', 'float64', 'Float64Array'],
  ['f8_be.npy', 'float64', 'Float64Array'],
  ['f4_be_f.npy', 'float32', 'Float32Array'],
  ['i4.npy', 'int32', 'Int32Array'],
  ['i8.npy', 'int64', 'Float64Array'],
  ['u1.npy', 'uint8', 'Uint8Array'],
  ['b1.npy', 'bool', 'Uint8Array'],
  ['f2.npy', 'float16', 'Float32Array'],
  ['f4_v2.npy', 'float32', 'Float32Array'],
  ['f4_v3.npy', 'float32', 'Float32Array'],
  ['f4_empty.npy', 'float32', 'Float32Array'],
];

for (const [file, dtype, ctor] of CASES) {
  test(`readNpy: numpy-written ${file} reads back exactly`, () => {
    const a = readNpy(fixture(file));
    const e = EXPECTED[file];
    assert.deepEqual(a.shape, e.shape);
    assert.equal(a.dtype, dtype);
    assert.equal(a.data.constructor.name, ctor);
    assert.deepEqual(Array.from(a.data, Number), e.values);
  });
}

test('readNpy: Fortran and C order files give the same row-major array', () => {
  assert.deepEqual(readNpy(fixture('f8_3d_f.npy')).data, readNpy(fixture('f8_3d_c.npy')).data);
  assert.deepEqual(readNpy(fixture('f4_2d_f.npy')).data, readNpy(fixture('f4_2d_c.npy')).data);
});

test('encodeNpy: bytes identical to np.save (f4/f8/i4/u1; 0-D to 3-D; empty)', () => {
  for (const file of ['f4_2d_c.npy', 'f8_3d_c.npy', 'f4_1d.npy', 'f8_0d.npy', 'i4.npy', 'u1.npy', 'f4_empty.npy']) {
    const a = readNpy(fixture(file));
    const bytes = encodeNpy(a.data as Float32Array, a.shape);
    assert.deepEqual(Buffer.from(bytes), fs.readFileSync(fixture(file)), file);
    assert.equal((bytes.length - a.data.byteLength) % 64, 0, 'header padded to 64 bytes');
    assert.equal(bytes[bytes.length - a.data.byteLength - 1], 0x0a, 'header ends with a newline');
  }
});

test('writeNpy/readNpy round trip for float32, float64, int32 in any dimension', () => {
  const dir = tempDir();
  const cases = [
    { data: Float32Array.from([1.5, -2, 3.25e-30, 7, 8, 9]), shape: [2, 3] },
    { data: Float64Array.from({ length: 24 }, (_, i) => Math.sin(i) * 1e10), shape: [2, 3, 4] },
    { data: Int32Array.from([-5, 0, 2 ** 31 - 1, -(2 ** 31)]), shape: [4] },
    { data: Float64Array.from({ length: 16 }, (_, i) => i / 3), shape: [2, 2, 2, 2] },
    { data: Float32Array.from([]), shape: [0, 5] },
  ];
  for (const [i, c] of cases.entries()) {
    const p = path.join(dir, `rt${i}.npy`);
    writeNpy(p, c.data, c.shape);
    const back = readNpy(p);
    assert.deepEqual(back.shape, c.shape);
    assert.equal(back.data.constructor, c.data.constructor);
    assert.deepEqual(back.data, c.data);
  }
});

test('halfToFloat: subnormal, max, infinities, NaN', () => {
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.equal(halfToFloat(0xfc00), -Infinity);
  assert.ok(Number.isNaN(halfToFloat(0x7e00)));
  assert.equal(halfToFloat(0x3c00), 1);
});

test('decodeNpy: errors name the problem', () => {
  const good = fs.readFileSync(fixture('f4_2d_c.npy'));
  const bytes = new Uint8Array(good);
  assert.throws(() => decodeNpy(bytes.subarray(0, bytes.length - 1), 'x.npy'), (e: Error) => e instanceof FileFormatError && /x\.npy: truncated .*needs 48 bytes, file has 47/.test(e.message));
  assert.throws(() => decodeNpy(bytes.subarray(0, 5), 'x.npy'), /truncated/);
  assert.throws(() => decodeNpy(bytes.subarray(0, 60), 'x.npy'), /truncated \.npy header/);
  const extra = new Uint8Array(bytes.length + 4);
  extra.set(bytes);
  assert.throws(() => decodeNpy(extra, 'x.npy'), /size mismatch/);
  const badMagic = bytes.slice();
  badMagic[1] = 0x58;
  assert.throws(() => decodeNpy(badMagic, 'x.npy'), /x\.npy: bad magic/);
  const badVersion = bytes.slice();
  badVersion[6] = 9;
  assert.throws(() => decodeNpy(badVersion, 'x.npy'), /unsupported \.npy format version 9/);
  const complex = Buffer.from(bytes).toString('latin1').replace("'<f4'", "'<c8'");
  assert.throws(() => decodeNpy(new Uint8Array(Buffer.from(complex, 'latin1')), 'x.npy'), (e: Error) => e instanceof FileFormatError && /unsupported dtype '<c8'/.test(e.message));
  const obj = Buffer.from(bytes).toString('latin1').replace("'<f4'", "'|O8'");
  assert.throws(() => decodeNpy(new Uint8Array(Buffer.from(obj, 'latin1')), 'x.npy'), /unsupported dtype/);
  const badShape = Buffer.from(bytes).toString('latin1').replace('(3, 4)', '(3, x)');
  assert.throws(() => decodeNpy(new Uint8Array(Buffer.from(badShape, 'latin1')), 'x.npy'), /malformed \.npy header/);
  assert.throws(() => readNpy('/nonexistent/dir/a.npy'), (e: Error) => e instanceof FileFormatError && /cannot read \/nonexistent\/dir\/a\.npy: file or folder not found/.test(e.message));
});

test('decodeNpy: int64 beyond 2^53 is rejected instead of rounded', () => {
  const a = readNpy(fixture('i8.npy'));
  const bytes = new Uint8Array(fs.readFileSync(fixture('i8.npy')));
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const off = bytes.length - 8 * a.shape[0];
  dv.setBigInt64(off + 8, 2n ** 53n + 1n, true);
  assert.throws(() => decodeNpy(bytes, 'big.npy'), /big\.npy: int64 value 9007199254740993 at flat index 1/);
});

test('encodeNpy: shape/size mismatch is a ShapeError', () => {
  assert.throws(() => encodeNpy(new Float32Array(5), [2, 3]), (e: Error) => e instanceof ShapeError && /\[2, 3\] holds 6 values but the data has 5/.test(e.message));
});
