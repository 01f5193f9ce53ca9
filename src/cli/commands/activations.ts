/** `mas activations`: hooked vectors of a model on given sequences, teacher-forced, as .npy. */
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { readJson } from '../../io/atomic.ts';
import { writeNpy } from '../../io/npy.ts';
import { parseSequencesJson, recordActivations } from '../../models/activations.ts';
import { loadModel } from '../../models/folder.ts';
import { ownTask } from '../../models/evaluate.ts';
import { refuseFolderAsFile, refuseOutputInsideInputs, requireExtension } from '../../io/outputs.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas activations --model DIR --sequences FILE.json --layer POINT --out X.npy

Runs the model fully teacher-forced (the given token at every position, models.md §1.3 does not
apply) in eval mode and writes the vectors at hook point POINT as a float32 .npy of shape
(rows, width): one row per non-P position, sequence by sequence, position by position.

POINT: embedding | layer.N | hidden (an RNN's layer.0); the reference names inpt_identity and
identities.N are accepted too. Widths: embedding d_model; layer.0 H (GRU), 2H = [h; c] (LSTM),
d_model (transformer). As in the reference's similarity script, only P is padding here: E is
consumed like any other token, so the row at E is the state after E (PyTorch's GRU gives the same
rows; task runs and MAS carry RNN states over E instead, models.md §1.3).

FILE.json: an array of sequences (or {"sequences": [...]}), each a string of space-separated tokens
("B D0 D1 T R R E") or an array of token strings, in the model's vocabulary.

options:
  --model DIR          model folder
  --sequences FILE     sequences as JSON
  --layer POINT        hook point (see above)
  --out X.npy          output file (written atomically)`;

export const activationsCommand: Command = {
  name: 'activations',
  summary: 'hooked vectors of a model on given sequences (teacher-forced) to .npy',
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: { model: { type: 'string' }, sequences: { type: 'string' }, layer: { type: 'string' }, out: { type: 'string' } },
    });
    for (const k of ['model', 'sequences', 'layer', 'out'] as const) {
      if (values[k] === undefined) throw new InputError(`activations: --${k} is required (see mas activations --help)`);
    }
    const out = values.out as string;
    requireExtension(out, '.npy');
    refuseFolderAsFile(out);
    refuseOutputInsideInputs(out, [values.model as string, values.sequences as string]);
    const model = loadModel(values.model as string);
    ownTask(model.config); // the config is checked as \`mas eval\` checks it
    const point = model.resolveHook(values.layer as string);
    const seqs = parseSequencesJson(readJson(values.sequences as string), values.sequences as string);
    const x = recordActivations(model, seqs, point);
    if (x.shape[0] === 0) throw new InputError(`activations: the sequences in ${values.sequences} hold only padding (P), so there is no row to record`);
    writeNpy(out, x.data as Float32Array, x.shape);
    process.stderr.write(`wrote ${x.shape[0]}×${x.shape[1]} float32 (${point}) to ${out}\n`);
    return 0;
  },
};
