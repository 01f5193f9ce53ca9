// The stop rules of mas.md §6.6 as a pure function: one test per rule, their order, and the plateau
// counter's bookkeeping.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { STOP_RULES, stopReason, type StopInput } from '../../src/align/train.ts';

const go: StopInput = { step: 100, maxSteps: 20_000, patience: 10, minValidIia: 0.5, minTrainIia: 0.5, objective: 1 };
const fresh = { bestObjective: Infinity, bad: 0 };

test('(a) converged: min valid IIA and min train accuracy both ≥ 0.995', () => {
  assert.equal(stopReason(fresh, { ...go, minValidIia: 0.995, minTrainIia: 0.995 }).reason, 'converged');
  assert.equal(stopReason(fresh, { ...go, minValidIia: 0.995, minTrainIia: 0.994 }).reason, null);
  assert.equal(stopReason(fresh, { ...go, minValidIia: 0.994, minTrainIia: 1 }).reason, null);
});

test('(b) plateau: no improvement of ≥ 0.001 below the best for `patience` validations', () => {
  let st = { bestObjective: 1, bad: 0 };
  const reasons: (string | null)[] = [];
  for (let i = 0; i < 3; i++) {
    // 0.9995 is not 0.001 below 1: it does not count as an improvement.
    const r = stopReason(st, { ...go, patience: 3, objective: 0.9995 });
    st = r.state;
    reasons.push(r.reason);
  }
  assert.deepEqual(reasons, [null, null, 'plateau']);
  assert.deepEqual(st, { bestObjective: 1, bad: 3 });
  // An improvement resets the counter and becomes the new best.
  const r = stopReason({ bestObjective: 1, bad: 2 }, { ...go, patience: 3, objective: 0.998 });
  assert.deepEqual(r, { state: { bestObjective: 0.998, bad: 0 }, reason: null });
  // The first validation always improves on Infinity.
  assert.deepEqual(stopReason(fresh, go).state, { bestObjective: 1, bad: 0 });
});

test('(c) failed to align: step ≥ 1,500 and min valid IIA < 0.1', () => {
  assert.equal(STOP_RULES.failAfterStep, 1500);
  assert.equal(stopReason(fresh, { ...go, step: 1500, minValidIia: 0.099 }).reason, 'failed to align');
  assert.equal(stopReason(fresh, { ...go, step: 1499, minValidIia: 0 }).reason, null);
  assert.equal(stopReason(fresh, { ...go, step: 1500, minValidIia: 0.1 }).reason, null);
});

test('max steps: step ≥ maxSteps when no other rule fires', () => {
  assert.equal(stopReason(fresh, { ...go, step: 20_000 }).reason, 'max steps');
  assert.equal(stopReason(fresh, { ...go, step: 19_999 }).reason, null);
});

test('rule order: converged before plateau before failed before max steps', () => {
  const stale = { bestObjective: 0, bad: 9 };
  assert.equal(stopReason(stale, { ...go, step: 20_000, minValidIia: 1, minTrainIia: 1 }).reason, 'converged');
  assert.equal(stopReason(stale, { ...go, step: 20_000, minValidIia: 0 }).reason, 'plateau');
  assert.equal(stopReason(fresh, { ...go, step: 20_000, minValidIia: 0 }).reason, 'failed to align');
});
