// Errors thrown in a worker thread come back typed: rebuilt by their stable `code` (not their class
// name), so a MasError subclass such as TooFewSamplesError is still a MasError of its base class, with
// its own name and message, and the CLI prints one line and exits 2 rather than reporting an internal error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileFormatError, InputError, MasError, ShapeError } from '../../src/errors.ts';
import { rebuildError, runInWorker, type WorkerReply } from '../../src/experiments/pool.ts';
import { reportError } from '../../src/cli/main.ts';
import { TooFewSamplesError, ShapeMismatchError } from '../../src/similarity/util.ts';

/** What the worker posts for an error (the same fields as the BOOT script in pool.ts). */
function replyFor(e: Error & { code?: unknown }, isMas: boolean): WorkerReply {
  return { ok: false, mas: isMas, name: e.name, code: typeof e.code === 'string' ? e.code : undefined, message: e.message, stack: e.stack };
}

test('rebuildError: subclasses keep base class, code, name and message; other errors stay plain', () => {
  const few = rebuildError(replyFor(new TooFewSamplesError('cka-linear: needs at least 4 samples, got 3'), true));
  assert.ok(few instanceof InputError && few instanceof MasError);
  assert.equal((few as MasError).code, 'E_INPUT');
  assert.equal(few.name, 'TooFewSamplesError');
  assert.equal(few.message, 'cka-linear: needs at least 4 samples, got 3');
  const shape = rebuildError(replyFor(new ShapeMismatchError('40×5 vs 9×4'), true));
  assert.ok(shape instanceof ShapeError);
  assert.equal(shape.name, 'ShapeMismatchError');
  // A MasError with a code this table does not know is still a MasError with that code.
  const other = rebuildError(replyFor(new MasError('E_SOMETHING_NEW', 'new kind'), true));
  assert.ok(other instanceof MasError);
  assert.equal((other as MasError).code, 'E_SOMETHING_NEW');
  // Node's own errors carry codes too (ENOENT, ERR_*), but they are not bad input.
  const enoent = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
  const plain = rebuildError(replyFor(enoent, false));
  assert.ok(!(plain instanceof MasError));
  assert.equal(plain.message, 'ENOENT: no such file');

  const errs: string[] = [];
  const orig = console.error;
  console.error = (s: unknown) => void errs.push(String(s));
  try {
    assert.equal(reportError(few), 2, 'bad input: exit 2');
    assert.equal(reportError(plain), 1, 'runtime failure: exit 1');
  } finally {
    console.error = orig;
  }
  assert.deepEqual(errs[0], 'mas: error: cka-linear: needs at least 4 samples, got 3');
  assert.match(errs[1], /^mas: internal error: ENOENT/);
});

test('runInWorker: a typed error thrown inside a real worker thread comes back typed', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-pool-'));
  const job = { kind: 'similarity' as const, args: { models: ['nope-a', 'nope-b'] as [string, string], layer: 'layer.0', measures: ['cka'], subsample: 0, runs: 1, seed: 0, perCount: 1 } };
  await assert.rejects(runInWorker(job, { dir: path.join(root, 'stage'), root, quiet: true }), (e: unknown) => {
    assert.ok(e instanceof FileFormatError || e instanceof InputError, `typed: ${String(e)}`);
    assert.match((e as Error).message, /nope-a/);
    return true;
  });
  fs.rmSync(root, { recursive: true, force: true });
});
