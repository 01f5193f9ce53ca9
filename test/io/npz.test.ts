import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeNpz, openNpz, readNpz, writeNpz } from '../../src/io/npz.ts';
import { crc32, crc32Portable } from '../../src/io/zip.ts';
import { FileFormatError, InputError } from '../../src/errors.ts';
import { EXPECTED, fixture, tempDir } from './helpers.ts';

function concat(chunks: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(chunks));
}

function checkAlphaBeta(m: Map<string, { data: ArrayLike<number>; shape: number[]; dtype: string }>, a: string, b: string): void {
  assert.deepEqual([...m.keys()], [a, b]);
  assert.deepEqual(m.get(a)!.shape, EXPECTED['npz:alpha'].shape);
  assert.equal(m.get(a)!.dtype, 'float32');
  assert.deepEqual(Array.from(m.get(a)!.data), EXPECTED['npz:alpha'].values);
  assert.equal(m.get(b)!.dtype, 'float64');
  assert.deepEqual(Array.from(m.get(b)!.data), EXPECTED['npz:beta'].values);
}

test('crc32 (native and portable) matches the standard check value and each other', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32Portable(new TextEncoder().encode('123456789')), 0xcbf43926);
  const b = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) & 0xff);
  assert.equal(crc32(b), crc32Portable(b));
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('readNpz: np.savez (stored) archive', () => {
  checkAlphaBeta(readNpz(fixture('stored.npz')), 'alpha', 'beta');
});

test('readNpz: np.savez_compressed (deflated) archive', () => {
  checkAlphaBeta(readNpz(fixture('compressed.npz')), 'alpha', 'beta');
});

test('readNpz: positional np.savez names arr_0, arr_1', () => {
  checkAlphaBeta(readNpz(fixture('positional.npz')), 'arr_0', 'arr_1');
});

test('readNpz: zip64 archive (zip64 extra fields and end records)', () => {
  checkAlphaBeta(readNpz(fixture('zip64.npz')), 'alpha', 'beta');
  // Force the readers onto the zip64 end-of-central-directory record by saturating the classic one.
  const b = new Uint8Array(fs.readFileSync(fixture('zip64.npz')));
  const dv = new DataView(b.buffer);
  const eocd = b.length - 22;
  assert.equal(dv.getUint32(eocd, true), 0x06054b50);
  dv.setUint16(eocd + 8, 0xffff, true);
  dv.setUint16(eocd + 10, 0xffff, true);
  dv.setUint32(eocd + 12, 0xffffffff, true);
  dv.setUint32(eocd + 16, 0xffffffff, true);
  checkAlphaBeta(readNpz(b), 'alpha', 'beta');
});

test('writeNpz stored and deflated: round trip, and stored bytes parse as a zip with correct CRCs', () => {
  const dir = tempDir();
  const arrays = {
    x: { data: Float32Array.from({ length: 12 }, (_, i) => i / 7), shape: [3, 4] },
    y: { data: Float64Array.from([Math.PI, Math.E]), shape: [2] },
    z: { data: Int32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), shape: [2, 2, 2] },
  };
  for (const compress of [false, true]) {
    const p = path.join(dir, `out-${compress}.npz`);
    writeNpz(p, arrays, { compress });
    const back = readNpz(p);
    assert.deepEqual([...back.keys()], ['x', 'y', 'z']);
    for (const [k, v] of Object.entries(arrays)) {
      assert.deepEqual(back.get(k)!.shape, v.shape);
      assert.deepEqual(back.get(k)!.data, v.data);
    }
  }
  const listed = readNpz(concat(encodeNpz([arrays.x, arrays.y])));
  assert.deepEqual([...listed.keys()], ['arr_0', 'arr_1']);
  // Compressed output is smaller for compressible data.
  const zeros = { a: { data: new Float64Array(4096), shape: [4096] } };
  assert.ok(concat(encodeNpz(zeros, { compress: true })).length < concat(encodeNpz(zeros)).length / 10);
});

test('openNpz: lazy access and unknown names list the arrays', () => {
  const z = openNpz(fixture('stored.npz'));
  assert.deepEqual(z.names, ['alpha', 'beta']);
  assert.throws(() => z.get('gamma'), (e: Error) => e instanceof InputError && /no array 'gamma' \(arrays: alpha, beta\)/.test(e.message));
});

test('readNpz: corrupt, truncated and foreign files are FileFormatErrors', () => {
  const good = new Uint8Array(fs.readFileSync(fixture('compressed.npz')));
  assert.throws(() => readNpz(good.subarray(0, good.length - 30)), (e: Error) => e instanceof FileFormatError && /truncated zip archive/.test(e.message));
  assert.throws(() => readNpz(new Uint8Array(100)), /bad magic, not a zip/);
  assert.throws(() => readNpz(fixture('f4_2d_c.npy')), /f4_2d_c\.npy: bad magic, not a zip/);
  // Flip a byte of the first member's deflate data: inflate error or CRC mismatch.
  const bad = good.slice();
  bad[60] ^= 0xff;
  assert.throws(() => readNpz(bad), (e: Error) => e instanceof FileFormatError && /member 'alpha\.npy'/.test(e.message));
  const stored = new Uint8Array(fs.readFileSync(fixture('stored.npz')));
  const flipped = stored.slice();
  flipped[200] ^= 0x01;
  assert.throws(() => readNpz(flipped), /CRC mismatch/);
  // Unsupported compression method (patch method in both headers to 12 = bzip2).
  const bz = stored.slice();
  const dv = new DataView(bz.buffer);
  dv.setUint16(8, 12, true);
  const cd = dv.getUint32(bz.length - 22 + 16, true);
  dv.setUint16(cd + 10, 12, true);
  assert.throws(() => readNpz(bz), /unsupported compression method 12/);
});
