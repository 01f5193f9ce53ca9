import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchScript, masCommand, sbatchOptions, type ScriptOptions } from '../../src/experiments/sweep/script.ts';
import { expandIndices, parseSacct, parseScontrol, slurm, SlurmUnavailableError } from '../../src/experiments/sweep/slurm.ts';

// Lines as Slurm 22.05 prints them (scontrol show job -o, cut after the fields that matter).
const SCONTROL = [
  'JobId=1 ArrayJobId=1 ArrayTaskId=2 JobName=a.sh UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState=COMPLETED Reason=None Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 RunTime=00:00:02',
  'JobId=4 ArrayJobId=1 ArrayTaskId=1 JobName=a.sh UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 Nice=0 Account=(null) QOS=(null) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=3:0 RunTime=00:00:02',
  'JobId=2 ArrayJobId=2 ArrayTaskId=0-1 JobName=wrap UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901758 Nice=0 Account=(null) QOS=(null) JobState=CANCELLED Reason=DependencyNeverSatisfied Dependency=afterok:1_*(failed) Requeue=1 ExitCode=0:0',
].join('\n');

test('Slurm array ranges expand to task indices', () => {
  assert.deepEqual(expandIndices('3'), [3]);
  assert.deepEqual(expandIndices('0-3'), [0, 1, 2, 3]);
  assert.deepEqual(expandIndices('1,4-5'), [1, 4, 5]);
  assert.deepEqual(expandIndices('[0-7%2]'), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(expandIndices('0-6:3'), [0, 3, 6]);
});

test('scontrol and sacct answers parse into one state per array task', () => {
  const s = parseScontrol(SCONTROL);
  assert.deepEqual(s.map((t) => [t.jobId, t.state, t.reason, t.exitCode]), [
    ['1_2', 'COMPLETED', 'None', '0:0'],
    ['1_1', 'FAILED', 'NonZeroExitCode', '3:0'],
    ['2_0', 'CANCELLED', 'DependencyNeverSatisfied', '0:0'],
    ['2_1', 'CANCELLED', 'DependencyNeverSatisfied', '0:0'],
  ]);
  const a = parseSacct('12_0|COMPLETED|0:0\n12_1|CANCELLED by 0|0:0\n12_[2-3]|PENDING|0:0\n12.batch|COMPLETED|0:0\n');
  assert.deepEqual(a.map((t) => [t.jobId, t.state]), [['12_0', 'COMPLETED'], ['12_1', 'CANCELLED'], ['12_2', 'PENDING'], ['12_3', 'PENDING']]);
});

function scriptOptions(dir: string, cli: string[]): ScriptOptions {
  return { dir, sweep: 'unit', kind: 'align', names: ['align/mas/a_b-k4', 'align/mas/a_c-k4'], resources: { cpus: 2, mem: '3G', time: '1:00:00', partition: 'short', sbatch: ['--qos=fast'] }, retries: 2, after: ['41', '42'], cli };
}

test('the batch script carries the resources, the afterok chain and one log per task', () => {
  const opts = sbatchOptions(scriptOptions('/sw', ['node', 'mas.js']));
  for (const o of ['--array=0-1', '--cpus-per-task=2', '--mem=3G', '--time=1:00:00', '--partition=short', '--dependency=afterok:41:42', '--kill-on-invalid-dep=yes', '--qos=fast', '--chdir=/sw']) assert.ok(opts.includes(o), o);
  const text = batchScript(scriptOptions('/sw', ['node', 'mas.js']));
  assert.match(text, /^#!\/bin\/bash\n#SBATCH --job-name=mas-unit-align\n/);
  assert.match(text, /^NAMES=\(align\/mas\/a_b-k4 align\/mas\/a_c-k4\)$/m);
  assert.match(text, /^LOGS=\(\/sw\/logs\/align__mas__a_b-k4\.log \/sw\/logs\/align__mas__a_c-k4\.log\)$/m);
  assert.match(text, /node mas\.js sweep task \/sw "\$NAME"/);
  const [node, bin] = masCommand();
  assert.equal(node, process.execPath);
  assert.match(bin, /bin[/\\]mas\.js$/);
});

test('the batch script retries a failed attempt and exits with the last attempt code', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mas-script-'));
  mkdirSync(join(dir, 'logs'));
  // A stand-in CLI: fails (exit 3) until its counter reaches FAILS, then succeeds.
  const fake = join(dir, 'fake-mas.sh');
  writeFileSync(fake, '#!/bin/bash\nn=$(cat "$COUNTER" 2>/dev/null || echo 0); n=$((n+1)); echo $n >"$COUNTER"\necho "fake mas $* (call $n)"\n[ "$n" -gt "$FAILS" ] && exit 0; exit 3\n');
  chmodSync(fake, 0o755);
  const script = join(dir, 'job.sbatch');
  writeFileSync(script, batchScript(scriptOptions(dir, [fake])));
  const runTask = (fails: number, counter: string): { status: number | null; log: string } => {
    const r = spawnSync('bash', [script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_JOB_ID: '77', COUNTER: join(dir, counter), FAILS: String(fails) }, encoding: 'utf8' });
    return { status: r.status, log: readFileSync(join(dir, 'logs', 'align__mas__a_c-k4.log'), 'utf8') };
  };
  const ok = runTask(2, 'c1');
  assert.equal(ok.status, 0);
  assert.equal((ok.log.match(/^== mas sweep: align\/mas\/a_c-k4, attempt \d of 3, Slurm job 77_1/gm) ?? []).length, 3);
  assert.match(ok.log, new RegExp(`fake mas sweep task ${dir} align/mas/a_c-k4 \\(call 3\\)`));
  assert.equal((ok.log.match(/attempt \d failed with exit code 3/g) ?? []).length, 2);
  const bad = runTask(99, 'c2');
  assert.equal(bad.status, 3);
  assert.match(bad.log, /attempt 3 failed with exit code 3\n$/);
});

test('no sbatch, or no controller answering, is one line suggesting --executor local', () => {
  const saved = process.env.PATH;
  const empty = mkdtempSync(join(tmpdir(), 'mas-path-'));
  const fakes = mkdtempSync(join(tmpdir(), 'mas-path-'));
  writeFileSync(join(fakes, 'sbatch'), '#!/bin/sh\necho "slurm 22.05.8"\n');
  writeFileSync(join(fakes, 'scontrol'), '#!/bin/sh\necho "Slurmctld(primary) at head is DOWN"\nexit 1\n');
  chmodSync(join(fakes, 'sbatch'), 0o755);
  chmodSync(join(fakes, 'scontrol'), 0o755);
  try {
    process.env.PATH = empty;
    assert.throws(() => slurm.check(), (e: unknown) => e instanceof SlurmUnavailableError && /^sbatch not found on PATH.*--executor local/.test(e.message) && !e.message.includes('\n'));
    process.env.PATH = fakes;
    assert.throws(() => slurm.check(), (e: unknown) => e instanceof SlurmUnavailableError && /^no Slurm controller answers \(scontrol ping: Slurmctld\(primary\) at head is DOWN\).*--executor local/.test(e.message));
  } finally {
    process.env.PATH = saved;
  }
});
