/** `mas reproduce NAME` / `mas reproduce --list`: the paper's comparisons, each a resumable run folder and report. */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { demoSettings } from '../../experiments/demo.ts';
import { REPRODUCTIONS, getReproduction, runReproduction, stageCommand } from '../../experiments/reproduce.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas reproduce NAME [--out DIR] [--quick] [--seeds N] [--fresh] [--jobs N] [--quiet] [--json]
       mas reproduce --list [--json]

Runs one of the paper's comparisons (see --list for each one's claim and the commands it runs).
All reproductions share DIR (default runs/reproduce): the models are trained once, in DIR/models,
and each reproduction writes DIR/NAME/ (its alignment and similarity runs) and DIR/NAME/report.html.
Stages that finished before are skipped, so an interrupted reproduction resumes.

options:
  --out DIR     shared folder (default runs/reproduce)
  --quick       tiny models and few steps (checks the pipeline, not the claim)
  --seeds N     N independent model seed sets; figures as mean, sd and per-seed values (default 1);
                sae-superposition: N toy models, every pair compared (default 2, --quick at most 3)
  --json        print the figures as one JSON line, last on stdout (also in DIR/NAME/result.json)
  --fresh       delete DIR's earlier results first
  --jobs N      stages at the same time (default min(2, cores))
  --list        list the reproductions with their commands (--json for JSON)
  --quiet       no progress output`;

export const reproduceCommand: Command = {
  name: 'reproduce',
  summary: "run one of the paper's comparisons (seeds, k sweep, stitching, CLMAS, …); --list",
  help: HELP,
  async run(args) {
    const { values: o, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { out: { type: 'string' }, quick: { type: 'boolean' }, seeds: { type: 'string' }, fresh: { type: 'boolean' }, jobs: { type: 'string' }, list: { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean' } },
    });
    const s = demoSettings(o.quick ?? false);
    if (o.list) {
      const items = REPRODUCTIONS.map((r) => ({ name: r.name, description: r.description, commands: r.standalone ? [`mas reproduce ${r.name} --out DIR --json`] : r.stages(s).map((st) => stageCommand(st.job, st.id)) }));
      if (o.json) console.log(JSON.stringify(items, null, 1));
      else for (const it of items) console.log(`${it.name}\n  ${it.description}\n  runs (in DIR):\n${it.commands.map((c) => `    ${c}`).join('\n')}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new InputError(`reproduce: give exactly one reproduction name (one of ${REPRODUCTIONS.map((r) => r.name).join(', ')}), or --list`);
    const rep = getReproduction(positionals[0]);
    if (rep.standalone) {
      const seeds = o.seeds === undefined ? undefined : Number(o.seeds);
      if (seeds !== undefined && !Number.isInteger(seeds)) throw new InputError(`--seeds must be an integer, got '${o.seeds}'`);
      const dir = path.join(o.out ?? path.join('runs', 'reproduce'), rep.name);
      const log = o.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const r = await rep.standalone({ out: dir, quick: o.quick ?? false, seeds, log });
      for (const line of r.summary) (o.json ? log : console.log)(line);
      if (o.json) console.log(JSON.stringify(r.json));
      else console.log(`result: ${path.join(dir, 'result.json')}`);
      return 0;
    }
    const jobs = o.jobs === undefined ? Math.max(1, Math.min(2, os.availableParallelism())) : Number(o.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new InputError(`--jobs must be a positive integer, got '${o.jobs}'`);
    const seeds = o.seeds === undefined ? 1 : Number(o.seeds);
    if (!Number.isInteger(seeds) || seeds < 1) throw new InputError(`--seeds must be a positive integer, got '${o.seeds}'`);
    const r = await runReproduction(positionals[0], { out: o.out ?? path.join('runs', 'reproduce'), quick: o.quick, fresh: o.fresh, jobs, quiet: o.quiet, seeds });
    if (o.json) {
      for (const line of r.summary) process.stderr.write(`${line}\n`);
      process.stderr.write(`report: ${r.report}\n`);
      console.log(JSON.stringify(r.result));
    } else {
      for (const line of r.summary) console.log(line);
      console.log(`report: ${r.report}`);
    }
    return 0;
  },
};
