/** `mas eval`: behavioural accuracy of a model folder on fresh sequences, by count. */
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { evaluateModel } from '../../models/evaluate.ts';
import { loadModel } from '../../models/folder.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas eval --model DIR [--task T] [--samples 1000] [--seed S] [--json]

Runs the model in eval mode with free-running responses (models.md §1.3) on fresh sequences:
an equal number per count for every count from min_count to max_count (1-20; samples/20 each,
rounded up), drawn from the seed. Prints trial accuracy and task token accuracy on the training
counts, accuracy by count for every count, and the held-out counts separately.

options:
  --model DIR      model folder (config.json + model.safetensors)
  --task T         task to evaluate on (default: the model's own task and task_config)
  --samples N      total number of sequences (default 1000)
  --seed S         data seed (default 0)
  --json           print {"trial_accuracy", "token_accuracy", "by_count", "held_out", ...} as JSON`;

export const evalCommand: Command = {
  name: 'eval',
  summary: 'trial and token accuracy of a model folder, by count and on hold-outs',
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        task: { type: 'string' },
        samples: { type: 'string' },
        seed: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (values.model === undefined) throw new InputError('eval: --model is required (see mas eval --help)');
    const samples = Number(values.samples ?? 1000);
    if (!Number.isSafeInteger(samples) || samples < 1) throw new InputError(`--samples must be a positive integer, got '${values.samples}'`);
    const seed = Number(values.seed ?? 0);
    if (!Number.isSafeInteger(seed)) throw new InputError(`--seed must be an integer, got '${values.seed}'`);
    const model = loadModel(values.model);
    const r = evaluateModel(model, { task: values.task, samples, seed });
    if (values.json) {
      console.log(JSON.stringify(r));
      return 0;
    }
    const pct = (x: number | null): string => (x === null ? '-' : x.toFixed(4));
    console.log(`model ${values.model} (${model.config.arch}) on ${r.task}, ${r.samples} sequences, seed ${seed}`);
    console.log(`trial accuracy ${pct(r.trial_accuracy)}   token accuracy ${pct(r.token_accuracy)}   (training counts)`);
    console.log(`held-out counts [${r.held_out.counts.join(', ')}]: trial accuracy ${pct(r.held_out.trial_accuracy)}   token accuracy ${pct(r.held_out.token_accuracy)}`);
    console.log('by count: ' + Object.entries(r.by_count).map(([c, a]) => `${c}:${a.toFixed(2)}`).join(' '));
    return 0;
  },
};
