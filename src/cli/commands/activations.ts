/** `mas activations`: hooked vectors of a model on given sequences, teacher-forced, as .npy. */
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { readJson } from '../../io/atomic.ts';
import { writeNpy } from '../../io/npy.ts';
import { parseSequencesJson, recordActivations } from '../../models/activations.ts';
import { loadModel } from '../../models/folder.ts';
import { ownTask } from '../../models/evaluate.ts';
import { refuseFolderAsFile, refuseOutputInsideInputs, requireExtension } from '../../io/outputs.ts';
import { encodeTexts, parseTokenIds, readTextLines, recordLmActivations, type Pool } from '../../models/hf/activations.ts';
import { isHfFolder, loadHfConfig, loadHfModel } from '../../models/hf/folder.ts';
import { loadHfTokenizer } from '../../models/hf/tokenizer.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas activations --model DIR --sequences FILE.json --layer POINT --out X.npy
       mas activations --model HF_DIR (--text FILE | --token-ids FILE.json) --layer POINT
                       [--pool none|last|mean] --out X.npy

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

Hugging Face folders (config.json with model_type gpt2, llama, qwen2 or gpt_neox; see
docs/language-models.md): POINT is embedding (HF hidden_states[0]), layer.N (residual stream after
block N, before the final norm), final (after the final norm) or logits. --text FILE holds one text
per line, encoded with the folder's tokenizer.json as HF's tokenizer(text) does (special tokens
included); --token-ids FILE.json is a JSON array of token-id arrays. Rows: one per token, sequence
after sequence (--pool none, the default), or one per sequence (last token, or mean over tokens).

options:
  --model DIR          model folder
  --sequences FILE     sequences as JSON
  --layer POINT        hook point (see above)
  --text FILE          (HF) texts, one per line
  --token-ids FILE     (HF) JSON array of token-id arrays
  --pool MODE          (HF) none | last | mean (default none)
  --out X.npy          output file (written atomically)`;

const POOLS: readonly Pool[] = ['none', 'last', 'mean'];

/** The Hugging Face path of `mas activations`. */
function runHf(values: Record<string, string | undefined>): number {
  const dir = values.model as string;
  if ((values.text === undefined) === (values['token-ids'] === undefined)) throw new InputError('activations: give exactly one of --text FILE or --token-ids FILE for a Hugging Face model');
  const pool = (values.pool ?? 'none') as Pool;
  if (!POOLS.includes(pool)) throw new InputError(`activations: --pool must be one of ${POOLS.join(', ')}, got '${values.pool}'`);
  loadHfConfig(dir); // fail on an unsupported model_type before reading texts or weights
  const tok = values.text !== undefined ? loadHfTokenizer(dir) : null;
  const seqs = tok ? encodeTexts(tok, readTextLines(values.text as string), values.text as string) : parseTokenIds(readJson(values['token-ids'] as string), values['token-ids'] as string);
  const model = loadHfModel(dir);
  const point = model.resolveHook(values.layer as string);
  const x = recordLmActivations(model, seqs, [point], pool).get(point)!;
  writeNpy(values.out as string, x.data as Float32Array, x.shape);
  process.stderr.write(`wrote ${x.shape[0]}×${x.shape[1]} float32 (${point}, pool ${pool}, ${seqs.length} sequences) to ${values.out}\n`);
  return 0;
}

export const activationsCommand: Command = {
  name: 'activations',
  summary: 'hooked vectors of a model on given sequences (teacher-forced) to .npy',
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' }, sequences: { type: 'string' }, layer: { type: 'string' }, out: { type: 'string' },
        text: { type: 'string' }, 'token-ids': { type: 'string' }, pool: { type: 'string' },
      },
    });
    for (const k of ['model', 'layer', 'out'] as const) {
      if (values[k] === undefined) throw new InputError(`activations: --${k} is required (see mas activations --help)`);
    }
    const out = values.out as string;
    requireExtension(out, '.npy');
    refuseFolderAsFile(out);
    const inputs = [values.model, values.sequences, values.text, values['token-ids']].filter((x): x is string => x !== undefined);
    refuseOutputInsideInputs(out, inputs);
    if (isHfFolder(values.model as string)) return runHf(values);
    if (values.sequences === undefined) throw new InputError('activations: --sequences is required (see mas activations --help)');
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
