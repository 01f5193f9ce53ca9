/** Golden values of every measure against independent numpy/scipy computations (make_similarity.py). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { exampleIds, similarity } from '../../src/similarity/index.ts';
import { fromRows } from './helpers.ts';

interface GoldenSet {
  x: number[][];
  y: number[][];
  values: Record<string, number>;
}
const golden = JSON.parse(readFileSync(new URL('../fixtures/similarity/similarity_golden.json', import.meta.url), 'utf8')) as { sets: Record<string, GoldenSet> };

test('every listed measure id has a golden value', () => {
  const covered = new Set([...Object.keys(golden.sets.lowdim.values), ...Object.keys(golden.sets.highdim.values)]);
  const missing = exampleIds().filter((id) => !covered.has(id));
  assert.deepEqual(missing, []);
});

for (const [name, set] of Object.entries(golden.sets)) {
  test(`golden values: ${name} (${set.x.length}×${set.x[0].length} vs ${set.y[0].length})`, () => {
    const x = fromRows(set.x);
    const y = fromRows(set.y);
    const bad: string[] = [];
    for (const [id, want] of Object.entries(set.values)) {
      const got = similarity(id, x, y).value;
      if (!(Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)))) bad.push(`${id}: got ${got}, numpy ${want}`);
    }
    assert.deepEqual(bad, []);
  });
}
