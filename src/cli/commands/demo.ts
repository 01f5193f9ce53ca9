/** `mas demo` (= `npm start`): the one-command default experiment, resumable, ending in report.html. */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { runDemo } from '../../experiments/demo.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas demo [--out DIR] [--quick] [--fresh] [--jobs N] [--budget MIN] [--no-extras] [--quiet]

Trains two GRU seeds on Multi-Object (and, when the time budget allows, an LSTM and a transformer),
then runs DAS, MAS for k in {2, 4, 8, 16, 32}, rank-2 stitching, CLMAS (ε > 0 and ε = 0) and
RSA/CKA between the same models, writes DIR/report.html and prints a five-line summary.

Every stage writes its own folder under DIR (models/gru-12345, align/mas-k32, similarity/...) and
is skipped when it finished before with the same configuration, so an interrupted demo resumes where
it stopped. A DIR made with a different configuration is refused (see --fresh).

options:
  --out DIR        output folder (default runs/demo)
  --quick          tiny models and few steps (about a minute; for tests)
  --fresh          delete DIR's earlier demo results first
  --jobs N         stages run at the same time, each in a worker thread (default min(2, cores))
  --budget MIN     wall-time budget in minutes for starting the optional LSTM/transformer stages
                   (default 10)
  --no-extras      leave the LSTM and transformer out
  --quiet          no progress output (the summary is still printed)`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the default experiment end to end: train, align, compare, report.html (npm start)',
  help: HELP,
  async run(args) {
    const { values: o } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string' },
        quick: { type: 'boolean' },
        fresh: { type: 'boolean' },
        jobs: { type: 'string' },
        budget: { type: 'string' },
        'no-extras': { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
    });
    const jobs = o.jobs === undefined ? Math.max(1, Math.min(2, os.availableParallelism())) : Number(o.jobs);
    if (!Number.isInteger(jobs) || jobs < 1) throw new InputError(`--jobs must be a positive integer, got '${o.jobs}'`);
    const budget = o.budget === undefined ? 10 : Number(o.budget);
    if (!(budget > 0)) throw new InputError(`--budget must be a positive number of minutes, got '${o.budget}'`);
    const r = await runDemo({ out: o.out ?? 'runs/demo', quick: o.quick, fresh: o.fresh, jobs, budgetSec: budget * 60, noExtras: o['no-extras'], quiet: o.quiet });
    console.log(r.summary.join('\n'));
    console.log(`report: ${r.report}  (${r.wallSec.toFixed(0)} s)`);
    return 0;
  },
};
