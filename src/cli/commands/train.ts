/** `mas train`: train a GRU, LSTM or transformer on a task from a seed (models.md §7). */
import { parseArgs } from 'node:util';
import { InputError, unknownName } from '../../errors.ts';
import { ARCHS, type Arch } from '../../models/config.ts';
import { trainModel } from '../../models/train.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas train --task TASK --arch gru|lstm|transformer --seed S --out DIR [options]

Trains a model with the defaults of models.md §7: Adam, lr 5e-4 with 100 warm-up steps and
k^-0.25 decay, batches of 128 from 1,000 training sequences (counts 1-20 without the hold-outs
4, 9, 14, 17), validation on 500 fresh sequences after epochs 0, 5, 10, ... (eval mode, responses
free-running). RNNs run free in the response phase in training too; transformers are
teacher-forced and see void tokens U (unk_p 0.2).

Writes into DIR: config.json + model.safetensors (the best checkpoint), training.csv (one row per
validation), report.json (accuracy by count on 50 sequences per count 1-20, hold-out counts
separately) and checkpoint/ (resumable state, written atomically at every validation).
If DIR holds a checkpoint of the same run, training resumes from it; the final weights are
bit-identical to an uninterrupted run. Same seed, same weights.

Stopping (by default): after --epochs, after --steps optimizer steps, when validation trial
accuracy has not improved by more than 5e-5 for 300 validations, or - the quick stop, on by
default here - once validation trial accuracy (free-running, fresh sequences) has been 1.0
for 5 consecutive validations (--solved-patience 0 turns it off, as in the reference; --solved-on
train+val also requires the training batches' trial accuracy, measured with dropout, to be 1.0, as
the spec's solvedPatience does). The model folder keeps the best checkpoint (models.md §7).

options:
  --task TASK             task id (multi-object, single-object-mod, ...)
  --arch ARCH             gru | lstm | transformer
  --seed S                training seed (integer)
  --out DIR               output folder (new, empty, or holding a checkpoint of this run)
  --epochs N              epoch limit (default 2500)
  --steps N               optimizer-step limit (default none)
  --validate-every N      validate after every N-th epoch (default 5)
  --solved-patience N     quick stop after N validations at 1.0 (default 5; 0 = off)
  --solved-on WHICH       val (default) | train+val: which accuracies the quick stop requires
  --patience N            plateau stop after N validations without improvement (default 300)
  --keep best|last        parameters written to the model folder (default best)
  --quiet                 no progress output`;

function solvedOn(v: string | undefined): 'val' | 'train+val' {
  if (v === undefined || v === 'val') return 'val';
  if (v === 'train+val') return 'train+val';
  throw new InputError(`--solved-on must be 'val' or 'train+val', got '${v}'`);
}

function intOpt(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new InputError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train a GRU/LSTM/transformer on a task from a seed (resumable)',
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        task: { type: 'string' },
        arch: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        epochs: { type: 'string' },
        steps: { type: 'string' },
        'validate-every': { type: 'string' },
        'solved-patience': { type: 'string' },
        'solved-on': { type: 'string' },
        patience: { type: 'string' },
        keep: { type: 'string' },
        quiet: { type: 'boolean' },
      },
    });
    for (const k of ['task', 'arch', 'seed', 'out'] as const) {
      if (values[k] === undefined) throw new InputError(`train: --${k} is required (see mas train --help)`);
    }
    const arch = values.arch as string;
    if (!(ARCHS as readonly string[]).includes(arch)) unknownName('arch', arch, ARCHS);
    const seed = Number(values.seed);
    if (!Number.isSafeInteger(seed)) throw new InputError(`--seed must be an integer, got '${values.seed}'`);
    const keep = values.keep ?? 'best';
    if (keep !== 'best' && keep !== 'last') throw new InputError(`--keep must be 'best' or 'last', got '${keep}'`);
    trainModel({
      task: values.task as string,
      arch: arch as Arch,
      seed,
      out: values.out as string,
      epochs: intOpt('epochs', values.epochs, 1),
      steps: intOpt('steps', values.steps, 1),
      validateEvery: intOpt('validate-every', values['validate-every'], 1),
      solvedPatience: intOpt('solved-patience', values['solved-patience'], 0) ?? 5,
      solvedOn: solvedOn(values['solved-on']),
      patience: intOpt('patience', values.patience, 1),
      keep,
      quiet: values.quiet ?? false,
    });
    return 0;
  },
};
