// Multi-variable DAS on the author's CountUpIncr variables (count, incr, phase) through the ordinary
// variable mechanism: `causalModel` picks the counting causal model of every model's task.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareRun } from '../../src/align/run.ts';
import { trainAlignment } from '../../src/align/train.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel, saveModel } from '../../src/models/folder.ts';
import { getTask, modelOf } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { InputError } from '../../src/errors.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-causal-model-'));
const dir = path.join(root, 'mo');
saveModel(dir, createModel(defaultConfig({ arch: 'gru', task: 'multi-object', vocab: [...getTask('multi-object').vocab.list], seed: 1, sizes: { d_model: 8, hidden: 8, decoder_hidden: 16 } }), new Rng(1)));
const small = { trainPairs: 32, validPairs: 16, batch: 8, steps: 2, validEvery: 1, seed: 3, lr: 1e-2 };

test('DAS with the blocks count, incr and phase of CountUpIncr (the reference incrmultivar_das config)', () => {
  const { models, settings } = prepareRun({ modelDirs: [dir], settings: { method: 'das', layer: 'hidden', variables: ['count', 'incr', 'phase'], subspace: 2, causalModel: 'count-up-incr', ...small }, out: path.join(root, 'never') }, () => {});
  assert.equal(modelOf(models[0].task).constructor.name, 'CountUpIncr');
  const out = trainAlignment(models, settings, { quiet: true });
  assert.deepEqual(Object.keys(out.final.iia).sort(), ['count', 'incr', 'phase']);
  for (const v of ['count', 'incr', 'phase']) assert.ok(out.final.iia[v][0][0] >= 0 && out.final.iia[v][0][0] <= 1);
  // Without the causal model, incr is not a variable of the task.
  assert.throws(() => prepareRun({ modelDirs: [dir], settings: { method: 'das', layer: 'hidden', variables: ['incr'], subspace: 2, ...small }, out: path.join(root, 'never') }, () => {}), (e: unknown) => e instanceof InputError && /incr/.test(e.message));
  assert.throws(() => prepareRun({ modelDirs: [dir], settings: { method: 'das', layer: 'hidden', variables: ['count'], subspace: 2, causalModel: 'count-down', ...small }, out: path.join(root, 'never') }, () => {}), InputError);
});
