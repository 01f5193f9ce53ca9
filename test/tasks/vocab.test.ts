import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../src/errors.ts';
import { getTask, TASK_IDS, Vocab } from '../../src/tasks/index.ts';

const TABLE: Record<string, string[]> = {
  'multi-object': ['P', 'B', 'E', 'D0', 'D1', 'D2', 'R', 'T'],
  'single-object': ['P', 'B', 'E', 'D', 'R', 'T'],
  'same-object': ['P', 'B', 'E', 'D', 'T'],
};

test('vocab ids per task follow tasks.md §2 (U only when unk_p > 0)', () => {
  for (const id of TASK_IDS) {
    if (id === 'arithmetic') continue;
    const base = id.replace(/-(mod|round|square)$/, '');
    assert.deepEqual(getTask(id).vocab.list, TABLE[base], id);
    assert.deepEqual(getTask(id, { unk_p: 0.2 }).vocab.list, [...TABLE[base], 'U'], `${id} with U`);
    assert.equal(getTask(id).vocab.has('U'), false);
  }
  const mo = getTask('multi-object', { unk_p: 0.2 }).vocab;
  assert.equal(mo.id('U'), 8);
  assert.equal(getTask('single-object', { unk_p: 0.1 }).vocab.id('U'), 6);
  assert.equal(getTask('same-object', { unk_p: 0.1 }).vocab.id('U'), 5);
});

test('arithmetic vocab ids match the table of tasks.md §2', () => {
  const expected = 'P B E + , - 0 1 10 11 12 13 14 15 16 17 18 19 2 20 3 4 5 6 7 8 9 ='.split(' ');
  const v = getTask('arithmetic').vocab;
  assert.deepEqual(v.list, expected);
  assert.equal(v.id('='), 27);
  assert.equal(v.id('20'), 19);
  assert.equal(v.id('9'), 26);
});

test('multi-object example ids: B D1 D0 D2 T R R R E', () => {
  const v = getTask('multi-object').vocab;
  assert.deepEqual(Array.from(v.ids('B D1 D0 D2 T R R R E'.split(' '))), [1, 4, 3, 5, 7, 6, 6, 6, 2]);
});

test('tokenizer round trip, unknown token and bad id errors', () => {
  const v = getTask('multi-object', { unk_p: 0.2 }).vocab;
  const toks = 'B D0 U D2 D1 T R R R E P'.split(' ');
  assert.deepEqual(v.tokens(v.ids(toks)), toks);
  const ids = Int32Array.from({ length: v.size }, (_, i) => i);
  assert.deepEqual(Array.from(v.ids(v.tokens(ids))), Array.from(ids));
  const plain = getTask('multi-object').vocab;
  assert.throws(() => plain.ids(['B', 'U', 'T']), (e: unknown) => e instanceof InputError && /'U'/.test(e.message) && /position 1/.test(e.message));
  assert.throws(() => plain.id('Q'), (e: unknown) => e instanceof InputError && /'Q'/.test(e.message));
  assert.throws(() => plain.tokens([0, 8]), InputError);
  assert.throws(() => plain.tokens([-1]), InputError);
});

test('vocab from a config array: index = id, may differ from the task default', () => {
  const cfg = ['P', 'B', 'E', 'D0', 'D1', 'D2', 'R', 'T', 'U'];
  const v = Vocab.fromList(cfg);
  assert.equal(v.size, 9);
  assert.deepEqual(v.toJSON(), cfg);
  assert.equal(v.equals(getTask('multi-object', { unk_p: 0.2 }).vocab), true);
  assert.equal(v.equals(getTask('multi-object').vocab), false);
  // A permuted vocabulary tokenizes by its own ids.
  const w = Vocab.fromList(['T', 'R', 'P', 'B', 'E', 'D0', 'D1', 'D2']);
  assert.deepEqual(Array.from(w.ids(['B', 'T', 'E'])), [3, 0, 4]);
  assert.throws(() => Vocab.fromList(['P', 'B', 'P']), InputError);
  assert.throws(() => Vocab.fromList([]), InputError);
});

test('code-point sort: uppercase, digits and punctuation by ASCII code', () => {
  const v = Vocab.fromTaskTokens(['b', 'A', '9', '10', '+', 'E', 'P']);
  assert.deepEqual(v.list, ['P', 'B', 'E', '+', '10', '9', 'A', 'b']);
});
