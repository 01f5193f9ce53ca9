/**
 * Recorded activations follow the reference (issue 10, item 10; models.md §1.3, correction):
 * `recordActivations` runs teacher-forced with a pad mask of P only, so every non-P row, the row
 * at E included, is PyTorch's state (torch.nn.GRU's output for the GRU; the cell loop for the LSTM's
 * [h; c]). Golden rows from test/fixtures/models/make_models.py ("activations").
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stimulusActivations } from '../../src/experiments/compare.ts';
import { recordActivations } from '../../src/models/activations.ts';
import { loadModel } from '../../src/models/folder.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixDir = path.join(here, '..', 'fixtures', 'models');
interface Golden {
  name: string;
  sequences: string[];
  teacher: Record<string, number[][][]>;
  activations?: Record<string, number[][][]>;
}
const golden = (JSON.parse(fs.readFileSync(path.join(fixDir, 'golden.json'), 'utf8')) as { models: Golden[] }).models;

// float32 weights and arithmetic over ≤ 43 steps against a float64 reference rounded to 1e-7
const TOL = 2e-6;

for (const name of ['gru', 'lstm']) {
  test(`${name}: recorded rows equal PyTorch's at every non-P position, the row at E included`, () => {
    const g = golden.find((m) => m.name === name)!;
    const acts = g.activations!;
    const model = loadModel(path.join(fixDir, name));
    const seqs = g.sequences.map((s) => s.split(' '));
    let atE = 0;
    for (const point of ['layer.0', 'embedding']) {
      const x = recordActivations(model, seqs, point);
      const d = model.hookWidth(point);
      assert.deepEqual(x.shape, [seqs.reduce((a, s) => a + s.length, 0), d]);
      let o = 0;
      let worst = 0;
      seqs.forEach((s, b) => {
        for (let t = 0; t < s.length; t++, o++) {
          for (let j = 0; j < d; j++) worst = Math.max(worst, Math.abs(x.data[o * d + j] - acts[point][b][t][j]));
          if (s[t] === 'E' && point === 'layer.0') {
            atE++;
            // the old rule (state carried over E) is far from these rows: the test can tell them apart
            const carried = g.teacher[point][b][t];
            assert.ok(Math.max(...carried.map((v, j) => Math.abs(v - acts[point][b][t][j]))) > 1e-2, `E row of sequence ${b} equals the carried state`);
          }
        }
      });
      assert.ok(worst <= TOL, `${name} ${point}: max |diff| ${worst}`);
    }
    assert.equal(atE, seqs.length);
    // `mas compare` reads the same rows (as float64)
    const m = stimulusActivations(model, seqs, 'hidden');
    assert.deepEqual(Array.from(m.data), Array.from(recordActivations(model, seqs, 'layer.0').data));
  });
}
