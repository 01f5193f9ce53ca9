import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCsv, readCsv } from '../../src/io/csv.ts';
import { FileFormatError } from '../../src/errors.ts';
import { EXPECTED, fixture } from './helpers.ts';

test('readCsv: np.savetxt outputs (space, comma + header, tab) read back to the exact float64 values', () => {
  const e = EXPECTED.text;
  for (const [file, delim, header] of [
    ['savetxt.txt', ' ', null],
    ['header.csv', ',', ['u0', 'u1', 'u2']],
    ['plain.tsv', '\t', null],
  ] as const) {
    const m = readCsv(fixture(file));
    assert.equal(m.rows, e.shape[0], file);
    assert.equal(m.cols, e.shape[1], file);
    assert.equal(m.delimiter, delim, file);
    assert.deepEqual(m.header, header, file);
    assert.deepEqual(Array.from(m.data), e.values, file);
  }
});

test('parseCsv: header detection, comments, blank lines, CRLF, quotes, BOM, semicolons', () => {
  const m = parseCsv('\ufeff# produced by hand\r\n"a","b"\r\n1,2\r\n\r\n3,4e-3\r\n');
  assert.deepEqual(m.header, ['a', 'b']);
  assert.deepEqual(Array.from(m.data), [1, 2, 3, 4e-3]);
  const n = parseCsv('1;2;3\n4;5;6\n');
  assert.equal(n.delimiter, ';');
  assert.equal(n.header, null);
  assert.deepEqual([n.rows, n.cols], [2, 3]);
  // An all-numeric first row is data unless header is forced.
  const forced = parseCsv('0,1\n2,3\n', 'x', { header: true });
  assert.deepEqual(forced.header, ['0', '1']);
  assert.deepEqual(Array.from(forced.data), [2, 3]);
  // NaN/Inf spellings become numbers (finiteness is checked by readMatrix).
  const s = parseCsv('nan,inf\n-Infinity,1\n');
  assert.ok(Number.isNaN(s.data[0]));
  assert.deepEqual(Array.from(s.data.subarray(1)), [Infinity, -Infinity, 1]);
});

test('parseCsv: ragged rows, non-numeric and empty cells are errors naming line and column', () => {
  const cases: [string, RegExp][] = [
    ['a,b\n1,2\n3\n', /f\.csv: line 3 has 1 columns, expected 2 \(from line 1\)/],
    ['1,2\n3,4,5\n', /line 2 has 3 columns, expected 2/],
    ['a,b\n1,2\n3,x7\n', /f\.csv: line 3, column 2: 'x7' is not a number/],
    ['1,2\n3,\n', /line 2, column 2: empty cell/],
    ['1,abc\n3,4\n', /line 1, column 2: 'abc' is not a number \(the first row mixes numbers and text/],
    ['1,2\n0x10,4\n', /line 2, column 1: '0x10' is not a number/],
    ['# only a comment\n\n', /no data \(empty file\)/],
    ['a,b\n', /no data rows \(only a header\)/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseCsv(text, 'f.csv'), (e: Error) => e instanceof FileFormatError && re.test(e.message), String(re));
  }
  assert.throws(() => readCsv('/nonexistent/m.csv'), /cannot read \/nonexistent\/m\.csv/);
});
