// resolveAlignment: one frozen, validated plan per run; its errors name the library setting (never a
// CLI flag), and the CLI maps the setting to its flag.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveAlignment } from '../../src/align/plan.ts';
import { prepareRun } from '../../src/align/run.ts';
import { withFlags } from '../../src/cli/commands/align.ts';
import { InputError, SettingError } from '../../src/errors.ts';
import { defaultConfig } from '../../src/models/config.ts';
import { createModel, saveModel } from '../../src/models/folder.ts';
import { getTask } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-plan-'));
const dirs = [1, 2].map((seed) => {
  const dir = path.join(root, `m${seed}`);
  saveModel(dir, createModel(defaultConfig({ arch: 'gru', task: 'multi-object', vocab: [...getTask('multi-object').vocab.list], seed, sizes: { d_model: 8, hidden: 8, decoder_hidden: 16 } }), new Rng(seed)));
  return dir;
});
const { models, settings, plan } = prepareRun({ modelDirs: dirs, settings: { method: 'clmas', layer: 'hidden', variables: ['count'], subspace: 3, trainPairs: 8, validPairs: 8 }, out: '' }, () => {});

test('the plan resolves the method preset, the tuples and K once, and is frozen', () => {
  assert.deepEqual(plan.T, [[1, 0], [0, 0]]);
  assert.deepEqual(plan.C, [[0, 1], [1, 1]]);
  assert.equal(plan.mask, 'fixed');
  assert.equal(plan.K, 3);
  assert.equal(plan.norm, 4);
  assert.equal(plan.tuples.length, 4);
  assert.deepEqual(plan.tracked.map((k) => `${k.src}>${k.trg}`).sort(), ['0>0', '0>1', '1>0', '1>1']);
  assert.ok(Object.isFrozen(plan) && Object.isFrozen(plan.settings) && Object.isFrozen(plan.T[0]) && Object.isFrozen(plan.tuples[0]));
  assert.throws(() => ((plan.settings as { subspace: number }).subspace = 4), TypeError);
  // The same settings give an equal plan.
  assert.deepEqual(resolveAlignment(models, settings), plan);
});

test('bad settings: a SettingError naming the setting, no CLI flag; the CLI maps it to the flag', () => {
  const cases: [Partial<typeof settings>, string, RegExp][] = [
    [{ subspace: 5, variables: ['count', 'phase'] }, 'subspace', /5 × 2 variable\(s\) = 10 exceeds the narrowest hooked width 8/],
    [{ T: [[0, 3]] }, 'T', /0>3 names model 3/],
    [{ mode: 'stepwise' }, 'mode', /CL loss is indywise only/],
    [{ variables: ['cumu_val'] }, 'variables', /no swappable variable 'cumu_val'/],
    [{ values: [40, 50] }, 'values', /empty after filtering/],
    [{ method: 'das' }, 'method', /exactly 1 model/],
    [{ batch: 0 }, 'batch', /positive integer/],
    [{ method: 'stitch', includeNull: true, clWeight: 0 }, 'includeNull', /FixedMask/],
  ];
  const flags: Record<string, string> = { subspace: '--subspace', T: '--train-directions', mode: '--mode', variables: '--variable', values: '--values', method: '--method', batch: '--batch', includeNull: '--include-null' };
  for (const [over, setting, re] of cases) {
    const bad = { ...settings, ...over };
    let err: unknown;
    try {
      resolveAlignment(models, bad);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof SettingError, `${setting}: ${String(err)}`);
    assert.equal(err.setting, setting);
    assert.match(err.message, re);
    assert.ok(!err.message.includes('--'), err.message);
    assert.throws(() => withFlags(() => resolveAlignment(models, bad)), (e: unknown) => e instanceof InputError && e.message.startsWith(flags[setting]) && re.test(e.message));
  }
});
