// Learning-rate schedule, best-checkpoint rule and stopping rules (models.md §7).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initialSelection, learningRate, updateSelection, type StopRules } from '../../src/models/schedule.ts';

test('lr(k) = 5e-4 · min(k/100, (100/k)^0.25)', () => {
  assert.equal(learningRate(1), 5e-6);
  assert.equal(learningRate(50), 2.5e-4);
  assert.equal(learningRate(100), 5e-4);
  assert.ok(Math.abs(learningRate(1600) - 2.5e-4) < 1e-15); // (1/16)^0.25 = 1/2
  assert.ok(Math.abs(learningRate(400, 1e-3) - 1e-3 / Math.SQRT2) < 1e-15);
  assert.equal(learningRate(1e40), 1e-10); // floor
  assert.throws(() => learningRate(0));
});

const rules: StopRules = { patience: 3, minDelta: 5e-5, solvedPatience: 0 };

test('best checkpoint: train within 0.001 of its best, and val ≥ best val', () => {
  let s = initialSelection();
  let d;
  [s, d] = updateSelection(s, 0, 0.5, 0.4, rules);
  assert.ok(d.isBest);
  [s, d] = updateSelection(s, 5, 0.4, 0.9, rules); // train fell: not best even though val rose
  assert.ok(!d.isBest);
  assert.equal(s.bestEpoch, 0);
  [s, d] = updateSelection(s, 10, 0.4995, 0.4, rules); // within 0.001 of 0.5, val ties best (0.4)
  assert.ok(d.isBest);
  assert.equal(s.bestEpoch, 10);
  [s, d] = updateSelection(s, 15, 0.6, 0.3, rules); // train up, val down: not best, bestTrain updates
  assert.ok(!d.isBest);
  assert.equal(s.bestTrain, 0.6);
  [s, d] = updateSelection(s, 20, 0.6, 0.45, rules);
  assert.ok(d.isBest);
  assert.equal(s.bestVal, 0.45);
});

test('plateau stop after `patience` validations without an improvement > minDelta', () => {
  let s = initialSelection();
  let d;
  [s, d] = updateSelection(s, 0, 0, 0.5, rules);
  [s, d] = updateSelection(s, 5, 0, 0.50004, rules); // +4e-5: not an improvement
  assert.equal(d.stop, null);
  [s, d] = updateSelection(s, 10, 0, 0.2, rules);
  assert.equal(d.stop, null);
  [s, d] = updateSelection(s, 15, 0, 0.5, rules);
  assert.equal(d.stop, 'plateau');
  let t = initialSelection();
  [t] = updateSelection(t, 0, 0, 0.5, rules);
  [t] = updateSelection(t, 5, 0, 0.5, rules);
  [t, d] = updateSelection(t, 10, 0, 0.6, rules); // real improvement resets the counter
  assert.equal(t.plateauCount, 0);
  assert.equal(d.stop, null);
});

test('solvedPatience: n consecutive validations with train and val both 1.0', () => {
  const r: StopRules = { patience: 300, minDelta: 5e-5, solvedPatience: 2 };
  let s = initialSelection();
  let d;
  [s, d] = updateSelection(s, 0, 1, 1, r);
  assert.equal(d.stop, null);
  [s, d] = updateSelection(s, 5, 0.99, 1, r); // interrupted
  assert.equal(s.solvedCount, 0);
  [s, d] = updateSelection(s, 10, 1, 1, r);
  [s, d] = updateSelection(s, 15, 1, 1, r);
  assert.equal(d.stop, 'solved');
  let off = initialSelection();
  for (let i = 0; i < 10; i++) [off, d] = updateSelection(off, i, 1, 1, { ...r, solvedPatience: 0 });
  assert.notEqual(d.stop, 'solved');
});

test("solvedOn 'val' stops on validation accuracy alone; the default also requires train accuracy", () => {
  const r: StopRules = { patience: 300, minDelta: 5e-5, solvedPatience: 2, solvedOn: 'val' };
  let s = initialSelection();
  let d;
  [s, d] = updateSelection(s, 0, 0.97, 1, r);
  assert.equal(d.stop, null);
  [s, d] = updateSelection(s, 1, 0.95, 1, r);
  assert.equal(d.stop, 'solved');
  let t = initialSelection();
  for (let i = 0; i < 5; i++) [t, d] = updateSelection(t, i, 0.97, 1, { ...r, solvedOn: 'train+val' });
  assert.equal(d.stop, null);
  [t, d] = updateSelection(t, 9, 0.97, 0.99, r);
  assert.equal(t.solvedCount, 0);
});
