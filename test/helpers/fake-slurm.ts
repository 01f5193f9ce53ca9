/**
 * A stand-in for Slurm in the driver tests: it reads the batch scripts the sweep writes (job names, log
 * files, `--dependency=afterok`), and when queried runs each array whose dependencies settled — every task
 * in this process through runSweepTask, as `mas sweep task` would — or, when a dependency did not
 * complete, cancels the array with reason DependencyNeverSatisfied (sbatch --kill-on-invalid-dep=yes).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { Scheduler, TaskState } from '../../src/experiments/sweep/slurm.ts';
import { runSweepTask } from '../../src/experiments/sweep/task.ts';

interface FakeArray {
  id: string;
  dir: string;
  names: string[];
  logs: string[];
  after: string[];
  tasks: TaskState[];
  ran: boolean;
}

/** Words of a bash array literal `NAMES=(a b 'c d')` (the sweep's names need no quoting). */
function bashArray(text: string, name: string): string[] {
  const m = new RegExp(`^${name}=\\((.*)\\)$`, 'm').exec(text);
  if (!m) throw new Error(`fake slurm: no ${name}=(...) in the script`);
  return m[1].split(' ').map((w) => w.replace(/^'|'$/g, ''));
}

/** The fake scheduler; `arrays` records every submission. */
export class FakeSlurm implements Scheduler {
  readonly arrays: FakeArray[] = [];
  private next = 100;

  /** forget: finished tasks are never reported (as Slurm after MinJobAge, without accounting). */
  constructor(private readonly forget = false) {}

  check(): void {}

  submit(scriptFile: string): string {
    const text = readFileSync(scriptFile, 'utf8');
    const id = String(this.next++);
    const dir = /^#SBATCH --chdir=(\S+)$/m.exec(text)?.[1] ?? '';
    const after = /^#SBATCH --dependency=afterok:(\S+)$/m.exec(text)?.[1].split(':') ?? [];
    const names = bashArray(text, 'NAMES');
    const logs = bashArray(text, 'LOGS');
    const tasks = names.map((_n, index): TaskState => ({ jobId: `${id}_${index}`, arrayId: id, index, state: 'PENDING', reason: 'None', exitCode: '0:0' }));
    this.arrays.push({ id, dir, names, logs, after, tasks, ran: false });
    return id;
  }

  async query(arrayIds: string[]): Promise<TaskState[]> {
    for (const a of this.arrays) {
      if (a.ran) continue;
      const deps = this.arrays.filter((b) => a.after.includes(b.id)).flatMap((b) => b.tasks);
      if (deps.some((t) => t.state === 'PENDING')) continue;
      a.ran = true;
      if (deps.some((t) => t.state !== 'COMPLETED')) {
        for (const t of a.tasks) Object.assign(t, { state: 'CANCELLED', reason: 'DependencyNeverSatisfied' });
        continue;
      }
      for (const t of a.tasks) {
        const log = a.logs[t.index];
        const say = (l: string): void => appendFileSync(log, l + '\n');
        say(`== fake slurm: ${a.names[t.index]}, job ${t.jobId}`);
        try {
          await runSweepTask(a.dir, a.names[t.index], { log: say, quiet: true });
          Object.assign(t, { state: 'COMPLETED', reason: 'None', exitCode: '0:0' });
        } catch (err) {
          say(`mas: error: ${(err as Error).message}`);
          Object.assign(t, { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: '2:0' });
        }
      }
    }
    const tasks = this.arrays.filter((a) => arrayIds.includes(a.id)).flatMap((a) => a.tasks.map((t) => ({ ...t })));
    return this.forget ? tasks.filter((t) => t.state === 'PENDING') : tasks;
  }
}
