/** `mas report RUNDIR…`: one self-contained HTML file from run folders. */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { writeFileAtomic } from '../../io/atomic.ts';
import { requireExtension } from '../../io/outputs.ts';
import { renderReport } from '../../report/html.ts';
import { reportFromRuns } from '../../report/fromRuns.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas report RUNDIR… [--out FILE.html] [--title TEXT]

Renders one self-contained HTML file (inline SVG, no scripts, nothing fetched at view time) from run
folders, searched recursively: model folders (training curves, accuracy table), alignment runs of
'mas align' (IIA matrix heatmaps with 95% CIs, validation IIA curves, IIA against k), similarity
results of 'mas compare --out' (RSA/CKA beside IIA for the same model pairs), and the configuration
and versions used.

options:
  --out FILE     output file (default: report.html in the first RUNDIR)
  --title TEXT   report title`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'render run folders (models, alignments, similarity) into one self-contained HTML report',
  help: HELP,
  async run(args) {
    const { values: o, positionals } = parseArgs({ args, strict: true, allowPositionals: true, options: { out: { type: 'string' }, title: { type: 'string' } } });
    if (positionals.length === 0) throw new InputError('report: give at least one run folder (see mas report --help)');
    if (o.out !== undefined) requireExtension(o.out, '.html');
    const doc = reportFromRuns(positionals, { title: o.title });
    const out = o.out ?? path.join(positionals[0], 'report.html');
    writeFileAtomic(out, await renderReport(doc));
    console.log(out);
    return 0;
  },
};
