// Golden forward test against PyTorch (models.md §8.1): fixtures from test/fixtures/models/make_models.py.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../../src/models/folder.ts';
import type { HookPoint } from '../../src/models/config.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixDir = path.join(here, '..', 'fixtures', 'models');

interface Golden {
  name: string;
  tokens: number[][];
  teacher: Record<string, number[][][]>;
  free: { tokens: number[][]; input_mask: number[][]; fed: number[][]; predictions: number[][]; logits: number[][][] };
}
const golden = JSON.parse(fs.readFileSync(path.join(fixDir, 'golden.json'), 'utf8')) as { models: Golden[] };

function maxAbsDiff(got: ArrayLike<number>, rowOffset: number, want: number[]): number {
  let m = 0;
  for (let j = 0; j < want.length; j++) m = Math.max(m, Math.abs(got[rowOffset + j] - want[j]));
  return m;
}

for (const g of golden.models) {
  test(`golden ${g.name}: teacher-forced hook vectors and logits match PyTorch within 1e-5`, () => {
    const model = loadModel(path.join(fixDir, g.name));
    const B = g.tokens.length;
    const T = g.tokens[0].length;
    const tokens = Int32Array.from(g.tokens.flat());
    const points = Object.keys(g.teacher).filter((k) => k !== 'logits') as HookPoint[];
    const res = model.forward({ tokens, batch: B, steps: T }, { mode: 'eval', freeRun: false, record: points });
    const V = model.config.vocab.length;
    const P = model.config.vocab.indexOf('P');
    const E = model.config.vocab.indexOf('E');
    const rnn = model.config.arch !== 'transformer';
    let checked = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        const tok = g.tokens[b][t];
        if (tok === P) continue;
        const i = b * T + t;
        for (const p of points) {
          const d = model.hookWidth(p);
          const diff = maxAbsDiff(res.recorded.get(p)!.data, i * d, g.teacher[p][b][t]);
          assert.ok(diff <= 1e-5, `${p} at (${b}, ${t}): max |diff| ${diff}`);
        }
        if (rnn && tok === E) continue; // RNN outputs at E are ignored (state carried)
        const diff = maxAbsDiff(res.logits.data, i * V, g.teacher.logits[b][t]);
        assert.ok(diff <= 1e-5, `logits at (${b}, ${t}): max |diff| ${diff}`);
        checked++;
      }
    }
    assert.ok(checked > 50);
  });

  test(`golden ${g.name}: free-running fed tokens, predictions and logits match PyTorch`, () => {
    const model = loadModel(path.join(fixDir, g.name));
    const B = g.free.tokens.length;
    const T = g.free.tokens[0].length;
    const tokens = Int32Array.from(g.free.tokens.flat());
    const inputMask = Uint8Array.from(g.free.input_mask.flat());
    const res = model.forward({ tokens, batch: B, steps: T, inputMask }, { mode: 'eval', freeRun: true });
    const V = model.config.vocab.length;
    const P = model.config.vocab.indexOf('P');
    let freePositions = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        if (g.free.tokens[b][t] === P) continue;
        const i = b * T + t;
        assert.equal(res.fed[i], g.free.fed[b][t], `fed token at (${b}, ${t})`);
        assert.equal(res.predictions[i], g.free.predictions[b][t], `prediction at (${b}, ${t})`);
        const diff = maxAbsDiff(res.logits.data, i * V, g.free.logits[b][t]);
        assert.ok(diff <= 1e-5, `free logits at (${b}, ${t}): max |diff| ${diff}`);
        if (g.free.input_mask[b][t] && g.free.fed[b][t] !== g.free.tokens[b][t]) freePositions++;
      }
    }
    // The random model answers wrongly, so free running must actually have changed some inputs.
    assert.ok(freePositions > 0, 'free running changed no input token');
  });
}
