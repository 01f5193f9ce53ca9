/**
 * The Slurm executor on a real cluster (`npm run test:slurm`; .ci/run brings up the one-node cluster of
 * scripts/slurm-local.sh around it). Not part of `npm test`, which needs no cluster. It fails — never
 * skips — when no controller answers: a CI that runs it means to check Slurm.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { masCommand } from '../../src/experiments/sweep/script.ts';
import { parseScontrol, slurm } from '../../src/experiments/sweep/slurm.ts';

interface JsonLine {
  jobs: { name: string; slurm_job_id: string | null; state: string }[];
  results: Record<string, unknown>;
}

function sweep(spec: string, executor: string, out: string): { status: number | null; stderr: string; json: JsonLine; wallSec: number } {
  const [node, bin] = masCommand();
  const t0 = performance.now();
  const r = spawnSync(node, [bin, 'sweep', spec, '--executor', executor, '--out', out, '--json'], { encoding: 'utf8', env: { ...process.env, MAS_SWEEP_POLL: '1' } });
  const wallSec = (performance.now() - t0) / 1000;
  const last = r.stdout.trim().split('\n').pop() ?? '';
  assert.ok(last.startsWith('{'), `no JSON line from mas sweep (${executor}):\n${r.stdout}\n${r.stderr}`);
  return { status: r.status, stderr: r.stderr, json: JSON.parse(last) as JsonLine, wallSec };
}

/** Slurm's own word on a task (scontrol show job). */
function slurmState(jobId: string): string {
  const [arrayId] = jobId.split('_');
  const r = spawnSync('scontrol', ['show', 'job', '-o', arrayId], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const t = parseScontrol(r.stdout).find((x) => x.jobId === jobId);
  assert.ok(t, `scontrol does not know ${jobId}`);
  return t.state;
}

test('a Slurm controller answers (scripts/slurm-local.sh up)', () => {
  slurm.check();
});

test('tiny.json on Slurm: every job COMPLETED in Slurm, results equal to the local executor', () => {
  const base = mkdtempSync(join(tmpdir(), 'mas-slurm-'));
  const s = sweep('examples/sweeps/tiny.json', 'slurm', join(base, 'slurm'));
  assert.equal(s.status, 0, s.stderr);
  assert.equal(s.json.jobs.length, 4);
  for (const j of s.json.jobs) {
    assert.equal(j.state, 'COMPLETED', j.name);
    assert.match(j.slurm_job_id ?? '', /^\d+_\d+$/);
    assert.equal(slurmState(j.slurm_job_id!), 'COMPLETED', `${j.name} in scontrol`);
    assert.ok(existsSync(join(base, 'slurm', 'logs', `${j.name.split('/').join('__')}.log`)), `log of ${j.name}`);
  }
  assert.ok(existsSync(join(base, 'slurm', 'summary.json')) && existsSync(join(base, 'slurm', 'report.html')));
  const l = sweep('examples/sweeps/tiny.json', 'local', join(base, 'local'));
  assert.equal(l.status, 0, l.stderr);
  assert.deepEqual(s.json.results, l.json.results);
  assert.equal(Object.keys(s.json.results).length, 4);
  console.log(`# tiny.json wall time: slurm ${s.wallSec.toFixed(1)} s, local ${l.wallSec.toFixed(1)} s`);
});

test('on Slurm a failing job is FAILED with its log tail; the jobs that do not need it complete', () => {
  const base = mkdtempSync(join(tmpdir(), 'mas-slurm-'));
  const spec = JSON.parse(readFileSync('examples/sweeps/tiny.json', 'utf8')) as { name: string; train: { seeds: number[]; options: { steps: number } }[]; align: { options: { steps: number } }[] };
  spec.name = 'tiny-fail';
  spec.train[0].seeds = [1, 2, 3];
  spec.train[0].options.steps = 10;
  spec.align[0].options.steps = 4;
  writeFileSync(join(base, 'spec.json'), JSON.stringify(spec));
  const out = join(base, 'out');
  // An unreadable checkpoint: training seed 2 fails on every attempt.
  mkdirSync(join(out, 'train', 'gru-2', 'checkpoint'), { recursive: true });
  writeFileSync(join(out, 'train', 'gru-2', 'checkpoint', 'state.safetensors'), 'not a checkpoint');
  writeFileSync(join(out, 'sweep.json'), JSON.stringify({ format: 'mas-sweep-run/1', name: 'tiny-fail', executor: 'slurm', spec: {}, submissions: [], updated_at: '' }));
  const r = sweep(join(base, 'spec.json'), 'slurm', out);
  assert.equal(r.status, 1);
  const state = Object.fromEntries(r.json.jobs.map((j) => [j.name, j]));
  assert.equal(state['train/gru-2'].state, 'FAILED');
  assert.equal(slurmState(state['train/gru-2'].slurm_job_id!), 'FAILED');
  assert.match(r.stderr, /FAILED train\/gru-2 .*\n(.*\n)*.*attempt 2 of 2(.*\n)*.*safetensors/);
  for (const n of ['train/gru-1', 'train/gru-3', 'align/mas/gru-1_gru-3', 'compare/rsa-cka/gru-1_gru-3']) {
    assert.equal(state[n].state, 'COMPLETED', n);
    assert.equal(slurmState(state[n].slurm_job_id!), 'COMPLETED', n);
  }
  for (const n of ['align/mas/gru-1_gru-2', 'align/mas/gru-2_gru-3']) assert.equal(state[n].state, 'CANCELLED', n);
});
