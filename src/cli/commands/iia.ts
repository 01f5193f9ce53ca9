/** `mas iia`: score a fitted alignment (a `mas align` run folder) on fresh counterfactual pairs. */
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { evaluateAlignment, loadAlignment } from '../../align/score.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas iia --alignment RUNDIR --models DIR [DIR…] [--pairs N] [--seed S] [--variable V] [--json]

Loads the learned maps of a finished \`mas align\` run and measures IIA (with 95% bootstrap CIs) in
every direction on fresh counterfactual pairs between the given models (one per map, in the order
the alignment was fitted). With the run's own seed and pair count (the defaults) the pairs are its
validation pairs, and the recorded final IIA comes back exactly. Nothing is written.

options:
  --alignment RUNDIR   the run folder (config.json, alignment.json, alignment.safetensors)
  --models DIR [DIR…]  model folders, one per map
  --pairs N            pairs per direction (default: the run's validation pairs)
  --seed S             seed of the sequences and pairs (default: the run's seed)
  --variable V         which variable's matrix to print (default: the first)
  --json               print {variable, iia, iia_ci, token_accuracy, loss, cl_loss,
                       iia_by_variable, pairs, seed}`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isInteger(x)) throw new InputError(`--${name} must be an integer, got '${v}'`);
  return x;
}

/** The `mas iia` command. */
export const iiaCommand: Command = {
  name: 'iia',
  summary: 'score a fitted alignment (mas align run) on fresh counterfactual pairs',
  help: HELP,
  async run(args) {
    const { values: o, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { alignment: { type: 'string' }, models: { type: 'string', multiple: true }, pairs: { type: 'string' }, seed: { type: 'string' }, variable: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (!o.alignment) throw new InputError('--alignment is required (a mas align run folder)');
    const modelDirs = [...(o.models ?? []), ...positionals];
    if (modelDirs.length === 0) throw new InputError('--models is required (one model folder per map)');
    const pairs = int('pairs', o.pairs);
    if (pairs !== undefined && pairs < 1) throw new InputError(`--pairs must be ≥ 1, got ${pairs}`);
    const seed = int('seed', o.seed);
    const al = loadAlignment(o.alignment);
    const r = evaluateAlignment(al, modelDirs, {
      ...(pairs !== undefined ? { pairs } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(o.variable !== undefined ? { variable: o.variable } : {}),
      onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
    });
    if (o.json) console.log(JSON.stringify(r, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
    else {
      const fmt = (m: number[][], c: [number, number][][]): string =>
        m.map((row, s) => row.map((x, t) => `${x.toFixed(3)} [${c[s][t][0].toFixed(3)}, ${c[s][t][1].toFixed(3)}]`).join('  ')).join('\n  ');
      console.log(`${al.settings.method} k=${al.settings.subspace} ${al.settings.layer}, variable ${r.variable}: ${r.pairs} pairs per direction, seed ${r.seed}`);
      console.log(`IIA [95% CI] (rows = source, columns = target):\n  ${fmt(r.iia, r.iia_ci)}`);
    }
    return 0;
  },
};
