import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';
import { swapAffine, unwantedPairs } from '../../src/experiments/unwanted.ts';
import { getTask, makeMasData, modelOf, traceStates } from '../../src/tasks/index.ts';
import { Rng } from '../../src/util/rng.ts';

/** Random d×k matrix with orthonormal columns (Gram–Schmidt of Gaussian columns). */
function orthonormal(d: number, k: number, rng: Rng): Float32Array {
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const v = Float64Array.from({ length: d }, () => rng.normal());
    for (const u of cols) {
      const dot = u.reduce((a, x, i) => a + x * v[i], 0);
      for (let i = 0; i < d; i++) v[i] -= dot * u[i];
    }
    const n = Math.hypot(...v);
    cols.push(v.map((x) => x / n));
  }
  const U = new Float32Array(d * k);
  for (let i = 0; i < d; i++) for (let j = 0; j < k; j++) U[i * k + j] = cols[j][i];
  return U;
}

const rowTimes = (h: ArrayLike<number>, U: Float32Array, d: number, k: number): number[] =>
  Array.from({ length: k }, (_, q) => {
    let s = 0;
    for (let i = 0; i < d; i++) s += h[i] * U[i * k + q];
    return s;
  });

test('swapAffine: h\' U_t = h_s U_s and the target complement is kept (FixedMask); ZeroMask gives h_s U_s U_tᵀ', () => {
  const rng = new Rng(3);
  const d = 9;
  const k = 3;
  const Us = orthonormal(d, k, rng);
  const Ut = orthonormal(d, k, rng);
  const hs = Float32Array.from({ length: d }, () => rng.normal());
  const ht = Float32Array.from({ length: d }, () => rng.normal());
  const { A, c } = swapAffine(Us, Ut, d, d, k, hs, 1, 'fixed');
  const hp = Array.from({ length: d }, (_, j) => {
    let s = c.data[j];
    for (let i = 0; i < d; i++) s += ht[i] * A.data[i * d + j];
    return s;
  });
  const a = rowTimes(hp, Ut, d, k);
  const b = rowTimes(hs, Us, d, k);
  for (let q = 0; q < k; q++) assert.ok(Math.abs(a[q] - b[q]) < 1e-5);
  // complement: h' − h'U_tU_tᵀ = h_t − h_tU_tU_tᵀ
  const proj = (h: ArrayLike<number>) => {
    const z = rowTimes(h, Ut, d, k);
    return Array.from({ length: d }, (_, i) => h[i] - z.reduce((s, zq, q) => s + zq * Ut[i * k + q], 0));
  };
  const p1 = proj(hp);
  const p2 = proj(ht);
  for (let i = 0; i < d; i++) assert.ok(Math.abs(p1[i] - p2[i]) < 1e-5);
  const z = swapAffine(Us, Ut, d, d, k, hs, 1, 'zero');
  assert.ok(z.A.data.every((x) => x === 0));
  for (let j = 0; j < d; j++) assert.ok(Math.abs(z.c.data[j] - b.reduce((s, bq, q) => s + bq * Ut[j * k + q], 0)) < 1e-5);
});

test('unwantedPairs: count-only pairs across phases, and for the same draws the full-state counterfactual', () => {
  const task = getTask('multi-object', { max_count: 8, hold_outs: [] });
  const d = makeMasData(task, { seed: 1, nTrain: 1, nValid: 60 });
  const { count, full } = unwantedPairs(d.task, d.valid, d.task, d.valid, 60, 4);
  const m = modelOf(d.task);
  assert.equal(count.length, 60);
  for (let i = 0; i < count.length; i++) {
    const p = count[i];
    const f = full[i];
    assert.notEqual(p.sourceState.phase, p.targetState.phase);
    assert.deepEqual([p.intervened.phase, p.intervened.count], [p.targetState.phase, p.sourceState.count]);
    assert.deepEqual([f.intervened.phase, f.intervened.count], [p.sourceState.phase, p.sourceState.count]);
    assert.deepEqual([f.targetPos, f.sourcePos, f.targetIndex, f.sourceIndex], [p.targetPos, p.sourcePos, p.targetIndex, p.sourceIndex]);
    // Both share the target prefix; the full counterfactual continues from the source's phase.
    assert.deepEqual(f.counterfactual.tokens.slice(0, p.targetPos + 1), p.counterfactual.tokens.slice(0, p.targetPos + 1));
    const next = f.counterfactual.tokens[p.targetPos + 1];
    assert.ok(p.sourceState.phase === 1 ? next === 'R' || next === 'E' : next === 'T' || next.startsWith('D'), next);
    const nextCount = p.counterfactual.tokens[p.targetPos + 1];
    assert.ok(p.targetState.phase === 1 ? nextCount === 'R' || nextCount === 'E' : nextCount === 'T' || nextCount.startsWith('D'), nextCount);
    assert.equal(traceStates(m, f.counterfactual.tokens, p.targetState.obj_count).length, f.counterfactual.tokens.length);
  }
});

async function lastJsonLine(args: string[]): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: unknown) => lines.push(String(s));
  try {
    assert.equal(await main(args), 0);
  } finally {
    console.log = orig;
  }
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

test('mas reproduce unwanted-exchanges --quick --json: last line {methods: {mas, stitch, das: {iia, unwanted}}}; cross-task --quick --json', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'mas-unwanted-')), 'r');
  const r = await lastJsonLine(['reproduce', 'unwanted-exchanges', '--quick', '--json', '--quiet', '--jobs', '1', '--out', out]);
  const methods = r.methods as Record<string, { iia: number; unwanted: number }>;
  assert.deepEqual(Object.keys(methods), ['mas', 'stitch', 'das']);
  for (const v of Object.values(methods)) {
    assert.ok(v.iia >= 0 && v.iia <= 1 && v.unwanted >= 0 && v.unwanted <= 1);
  }
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'unwanted-exchanges', 'result.json'), 'utf8')), r);
  const x = await lastJsonLine(['reproduce', 'cross-task', '--quick', '--json', '--quiet', '--jobs', '1', '--out', out]);
  for (const key of ['within_task_iia', 'cross_task_iia']) assert.ok(typeof x[key] === 'number' && (x[key] as number) >= 0 && (x[key] as number) <= 1, key);
  const cv = x.count_cumu_val as { iia: number[][] };
  assert.equal(cv.iia.length, 2);
  assert.equal(x.within_task_iia, ((x.count_count as { iia: number[][] }).iia[0][1] + (x.count_count as { iia: number[][] }).iia[1][0]) / 2);
  const cfg = JSON.parse(readFileSync(join(out, 'cross-task', 'config.json'), 'utf8')) as { commands: string[] };
  assert.ok(cfg.commands.some((c) => c.includes('--task arithmetic')));
  assert.ok(cfg.commands.some((c) => c.includes('--variable count,cumu_val') && c.includes('--values 0-6')));
});
