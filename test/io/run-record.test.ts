// The typed alignment run record: result.json as written (NaN as "NaN" strings) and stage results
// (NaN as null) parse to the same numbers; a file that is not a record is refused naming it; an
// unfinished run (no result.json) reads as null.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileFormatError } from '../../src/errors.ts';
import { writeJsonAtomic } from '../../src/io/atomic.ts';
import { parseAlignRecord, readAlignRecord, recordIia } from '../../src/io/run-record.ts';

const record = {
  method: 'mas', subspace: 2, layer: 'layer.0', variables: ['count'], iia: [[0.5, NaN], [0.25, 1]], iia_ci: [[[0.4, 0.6], [NaN, NaN]], [[0.2, 0.3], [1, 1]]],
  token_accuracy: [[0.5, 0.5], [0.5, 0.5]], iia_by_variable: { count: [[0.5, NaN], [0.25, 1]] }, best_iia: [[0.5, 0], [0, 1]], best_step: 4,
  task_accuracy: [1, 0.75], k0_iia: [[0, 0], [0, 0]], steps: 6, stop_reason: 'max steps', wall_s: 1.5, ms_per_step: 12.5,
};

test('result.json ("NaN" strings) and a stage result (null) give the same typed record', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-record-'));
  writeJsonAtomic(path.join(dir, 'result.json'), record, { nonFinite: 'string' });
  const a = readAlignRecord(dir)!;
  const b = parseAlignRecord(JSON.parse(JSON.stringify(record)), 'stage');
  assert.deepEqual(a, b);
  assert.deepEqual(a.iia, record.iia);
  assert.deepEqual(a.iia_ci, record.iia_ci);
  assert.equal(recordIia(a, 1, 0), 0.25);
  assert.equal(recordIia(a, 0, 1), null);
  assert.equal(recordIia(null, 0, 0), null);
});

test('not a record: FileFormatError naming the file; no result.json: null', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-record-'));
  assert.equal(readAlignRecord(dir), null);
  writeJsonAtomic(path.join(dir, 'result.json'), { values: {} });
  assert.throws(() => readAlignRecord(dir), (e: unknown) => e instanceof FileFormatError && e.message.includes(path.join(dir, 'result.json')));
  assert.throws(() => parseAlignRecord({ method: 'mas', iia: [1, 2] }, 'x'), /iia is not a matrix/);
});
