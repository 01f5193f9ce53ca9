// The report finds layer-similarity.json (mas compare --layers --out) and draws one heatmap per
// measure with model A's layers bottom-up on y and model B's on x.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { reportFromRuns } from '../../src/report/fromRuns.ts';

test('report: a layer-by-layer result becomes a heatmap per measure', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-layers-'));
  const values = [[1, 0.5, 0.2], [0.4, 0.9, 0.6]];
  fs.writeFileSync(path.join(dir, 'layer-similarity.json'), JSON.stringify({
    format: 'mas-layer-similarity/1', models: ['/m/a', '/m/b'], layers: [['embedding', 'layer.0'], ['embedding', 'layer.0', 'final']], rows: 30, pool: 'none', subsample: null,
    measures: [{ name: 'cka-linear', id: 'cka-linear', kind: 'similarity', values }, { name: 'procrustes', id: 'procrustes-angular', kind: 'distance', values }],
  }));
  const doc = reportFromRuns([dir]);
  const sec = doc.sections.find((s) => s.id === 'layers');
  assert.ok(sec);
  assert.equal(sec.blocks.length, 2);
  const b = sec.blocks[0];
  assert.equal(b.kind, 'chart');
  if (b.kind !== 'chart') return;
  const spec = b.spec as unknown as { data: { values: { a: string; b: string; value: number }[] }; encoding: { y: { sort: string[] }; x: { sort: string[] } } };
  assert.equal(spec.data.values.length, 6);
  assert.deepEqual(spec.data.values.find((v) => v.a === 'layer.0' && v.b === 'final')?.value, 0.6);
  assert.deepEqual(spec.encoding.y.sort, ['layer.0', 'embedding']);
  assert.deepEqual(spec.encoding.x.sort, ['embedding', 'layer.0', 'final']);
});
