import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMatrix } from '../../src/io/matrix.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { writeNpz } from '../../src/io/npz.ts';
import { writeSafetensors } from '../../src/io/safetensors.ts';
import { FileFormatError, InputError, NonFiniteError } from '../../src/errors.ts';
import { EXPECTED, fixture, tempDir } from './helpers.ts';

test('readMatrix: .npy 2-D (C and Fortran) as float64; 1-D is refused with a reshape hint', () => {
  for (const f of ['f4_2d_c.npy', 'f4_2d_f.npy']) {
    const m = readMatrix(fixture(f));
    assert.deepEqual([m.rows, m.cols], [3, 4]);
    assert.ok(m.data instanceof Float64Array);
    assert.deepEqual(Array.from(m.data), EXPECTED['f4_2d_c.npy'].values);
    assert.equal(m.source, fixture(f));
  }
  assert.throws(
    () => readMatrix(fixture('f4_1d.npy')),
    (e: Error) => e instanceof InputError && e.message.includes('f4_1d.npy') && /is 1-D \[5\]/.test(e.message) && /\[5, 1\].*reshape\(-1, 1\).*\[1, 5\]/.test(e.message),
  );
  const ints = readMatrix(fixture('i4.npy'));
  assert.deepEqual(Array.from(ints.data), EXPECTED['i4.npy'].values);
});

test('readMatrix: 3-D arrays need flatten3d; 0-D and 4-D are rejected with a reshape hint', () => {
  assert.throws(() => readMatrix(fixture('f8_3d_c.npy')), (e: Error) => e instanceof InputError && /is 3-D \[2, 3, 4\].*Reshape it to \[2·3, 4\].*--flatten3d to treat/.test(e.message));
  const m = readMatrix(fixture('f8_3d_f.npy'), { flatten3d: true });
  assert.deepEqual([m.rows, m.cols], [6, 4]);
  assert.deepEqual(Array.from(m.data), EXPECTED['f8_3d_c.npy'].values);
  assert.throws(() => readMatrix(fixture('f8_0d.npy')), /scalar/);
  const dir = tempDir();
  const p4 = path.join(dir, 'four.npy');
  writeNpy(p4, new Float32Array(16), [2, 2, 2, 2]);
  assert.throws(() => readMatrix(p4, { flatten3d: true }), (e: Error) => e instanceof InputError && /4-D \[2, 2, 2, 2\]/.test(e.message) && !/--flatten/.test(e.message));
  assert.throws(() => readMatrix(fixture('f4_empty.npy')), /empty matrix \[0, 3\]/);
});

test('readMatrix: .npz and .safetensors select by key; several arrays and no key is an error listing names', () => {
  const a = readMatrix(fixture('stored.npz'), { key: 'alpha' });
  assert.deepEqual([a.rows, a.cols], [4, 3]);
  assert.deepEqual(Array.from(a.data), EXPECTED['npz:alpha'].values);
  assert.equal(a.source, `${fixture('stored.npz')}[alpha]`);
  // beta is 1-D (5,): refused like a 1-D .npy, naming the array.
  assert.throws(() => readMatrix(fixture('compressed.npz'), { key: 'beta' }), (e: Error) => e instanceof InputError && e.message.includes('compressed.npz[beta]: is 1-D [5]'));
  assert.throws(() => readMatrix(fixture('stored.npz')), (e: Error) => e instanceof InputError && /holds 2 arrays \(alpha, beta\); choose one with --key/.test(e.message));
  assert.throws(() => readMatrix(fixture('stored.npz'), { key: 'gamma' }), /no array named 'gamma' \(available: alpha, beta\)/);
  const single = readMatrix(fixture('single.npz'));
  assert.equal(single.source, `${fixture('single.npz')}[acts]`);
  const w = readMatrix(fixture('mixed.safetensors'), { key: 'w64' });
  assert.deepEqual(Array.from(w.data), EXPECTED['st:w64'].values); // F64 kept exact
  assert.throws(() => readMatrix(fixture('tiny.safetensors')), /holds 2 tensors \(a, b\)/);
  assert.throws(() => readMatrix(fixture('f4_2d_c.npy'), { key: 'x' }), /--key applies only to \.npz and \.safetensors/);
});

test('readMatrix: text formats and unknown extensions', () => {
  for (const f of ['savetxt.txt', 'header.csv', 'plain.tsv']) {
    const m = readMatrix(fixture(f));
    assert.deepEqual([m.rows, m.cols], [4, 3]);
    assert.deepEqual(Array.from(m.data), EXPECTED.text.values);
  }
  const dir = tempDir();
  const p = path.join(dir, 'm.mat');
  fs.writeFileSync(p, 'x');
  assert.throws(() => readMatrix(p), (e: Error) => e instanceof FileFormatError && /unsupported file type '\.mat' \(supported: \.npy, \.npz/.test(e.message));
  assert.throws(() => readMatrix(path.join(dir, 'missing.npy')), (e: Error) => e instanceof FileFormatError && /missing\.npy: file or folder not found/.test(e.message));
});

test('readMatrix: NaN/Inf are NonFiniteErrors naming file, row, column; opt-out keeps them', () => {
  assert.throws(() => readMatrix(fixture('f8_nan.npy')), (e: Error) => e instanceof NonFiniteError && e.message.includes('f8_nan.npy') && /NaN at row 1, column 2 \(0-based; flat index 6\)/.test(e.message));
  assert.throws(() => readMatrix(fixture('f4_inf.npy')), /-Infinity at row 0, column 1/);
  const m = readMatrix(fixture('f8_nan.npy'), { requireFinite: false });
  assert.ok(Number.isNaN(m.data[6]));
  const dir = tempDir();
  const c = path.join(dir, 'n.csv');
  fs.writeFileSync(c, 'a,b\n1,2\n3,nan\n');
  assert.throws(() => readMatrix(c), /NaN at row 1, column 1/);
  const z = path.join(dir, 'n.npz');
  writeNpz(z, { h: { data: Float32Array.from([1, Infinity]), shape: [2, 1] } });
  assert.throws(() => readMatrix(z), (e: Error) => e.message.includes('n.npz[h]') && /Infinity at row 1, column 0/.test(e.message));
  const s = path.join(dir, 'n.safetensors');
  writeSafetensors(s, { h: { data: Float64Array.from([NaN, 1]), shape: [1, 2] } });
  assert.throws(() => readMatrix(s), /n\.safetensors\[h\]: non-finite value NaN at row 0, column 0/);
});
