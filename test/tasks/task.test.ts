import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { allowedCounts, getTask, parseTaskId, TASK_IDS, taskConfigJSON } from '../../src/tasks/index.ts';

test('13 task ids: 3 bases × 4 variants + arithmetic', () => {
  assert.equal(TASK_IDS.length, 13);
  assert.deepEqual(parseTaskId('same-object-square'), { base: 'same-object', variant: 'square' });
  assert.deepEqual(parseTaskId('multi-object'), { base: 'multi-object', variant: 'none' });
  assert.deepEqual(parseTaskId('single-object-round'), { base: 'single-object', variant: 'round' });
  assert.deepEqual(parseTaskId('arithmetic'), { base: 'arithmetic', variant: 'none' });
});

test('unknown task id: InputError with did-you-mean', () => {
  assert.throws(() => getTask('multi-objects'), (e: unknown) => e instanceof InputError && /did you mean 'multi-object'/.test(e.message));
  assert.throws(() => getTask('same-object-mods'), (e: unknown) => e instanceof InputError && /same-object-mod/.test(e.message));
  assert.throws(() => getTask('xyz'), InputError);
});

test('config defaults, overrides and validation', () => {
  const t = getTask('multi-object');
  assert.deepEqual(t.config, { min_count: 1, max_count: 20, hold_outs: [4, 9, 14, 17], unk_p: 0 });
  assert.deepEqual(allowedCounts(t), [1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 18, 19, 20]);
  assert.equal(allowedCounts(t, true).length, 20);
  assert.equal(getTask('multi-object-mod').config.mod, 4);
  assert.equal(getTask('same-object-round').config.round_to, 3);
  assert.equal(getTask('single-object-square').config.mod, undefined);
  const o = getTask('single-object', { max_count: 10, hold_outs: [], unk_p: 0.2 });
  assert.deepEqual(allowedCounts(o), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(taskConfigJSON(getTask('multi-object-mod')), { min_count: 1, max_count: 20, hold_outs: [4, 9, 14, 17], unk_p: 0, mod: 4 });
  assert.throws(() => getTask('multi-object', { unk_p: 1.5 }), InputError);
  assert.throws(() => getTask('multi-object', { min_count: 5, max_count: 3 }), InputError);
  assert.throws(() => getTask('multi-object', { min_count: 4, max_count: 4 }), /no count left/);
  assert.throws(() => getTask('multi-object', { hold_out: [1] } as never), /did you mean 'hold_outs'/);
});

test('trigger functions f(c) of the variants', () => {
  const f = (id: string) => getTask(id).trigger;
  for (let c = 0; c <= 20; c++) {
    assert.equal(f('multi-object')(c), c);
    assert.equal(f('multi-object-mod')(c), c % 4);
    assert.equal(f('multi-object-square')(c), c * c);
    const r = f('multi-object-round')(c);
    assert.equal(r % 3, 0);
    assert.ok(Math.abs(r - c) <= 1, `round(${c}) = ${r}`);
  }
  assert.deepEqual([4, 5, 7, 8, 20].map(f('same-object-round')), [3, 6, 6, 9, 21]);
  assert.equal(f('single-object-square')(20), 400);
});

test('token roles per base task', () => {
  assert.deepEqual(getTask('multi-object').demoTokens, ['D0', 'D1', 'D2']);
  assert.equal(getTask('multi-object').responseToken, 'R');
  assert.equal(getTask('multi-object').filler, 'D2');
  assert.equal(getTask('same-object').responseToken, 'D');
  assert.equal(getTask('single-object-mod').filler, 'D');
});
