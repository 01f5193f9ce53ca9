/**
 * One task of a sweep (`mas sweep task DIR NAME`, what each Slurm array task runs): the job NAME of
 * DIR/plan.json, through runStages, so it writes the same `stage.json` record as the local executor and
 * resumes an interrupted attempt from its checkpoints. The jobs it needs must have finished (Slurm starts
 * the array only after them, `afterok`); they are verified by hash, never rerun here.
 */
import { InputError } from '../../errors.ts';
import { runStages, type Json } from '../stages.ts';
import { readPlan } from './folder.ts';
import { withDeps } from './plan.ts';
import { jobRecords } from './records.ts';

/** Run job `name` of the sweep in `out`; resolves to its result. */
export async function runSweepTask(out: string, name: string, o: { log?: (line: string) => void; quiet?: boolean } = {}): Promise<Json> {
  const plan = readPlan(out);
  const chain = withDeps(plan.jobs, name);
  const records = jobRecords(chain, out);
  const missing = chain.slice(0, -1).filter((j) => records.get(j.id)?.record == null);
  if (missing.length > 0) throw new InputError(`sweep task ${name}: needs ${missing.map((j) => j.id).join(', ')}, which has not finished`);
  const outcomes = await runStages(chain, { out, jobs: 1, log: o.log, quiet: o.quiet });
  const done = outcomes.get(name);
  return done ? done.result : null;
}
