/** `mas sae train` / `mas sae encode`: a sparse autoencoder on a user's own activations (.npy etc.). */
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { writeNpy } from '../../io/npy.ts';
import { readMatrix } from '../../io/matrix.ts';
import { encodeRows, trainSae } from '../../models/sae.ts';
import { loadSae, saveSae } from '../../models/sae-folder.ts';
import { Tensor } from '../../tensor/tensor.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas sae train --activations X.npy --latents M --l1 λ --out DIR [--steps 3000] [--batch 256] [--lr 0.003] [--seed 0] [--json]
       mas sae encode --sae DIR --activations X.npy --out Z.npy

train: fits z = ReLU((x − b_dec) W_enc + b_enc), x̂ = z W_dec + b_dec with unit-norm decoder rows on the
rows of X (a 2-D rows × units matrix: .npy, .npz, .safetensors or .csv), minimising the mean over rows
of ‖x − x̂‖² + λ‖z‖₁ with Adam on seeded minibatches. Writes DIR/sae.safetensors and DIR/config.json.
encode: writes the latent codes z of X's rows as a float64 [rows, M] .npy.`;

function num(name: string, v: string | undefined, def: number | undefined, int: boolean): number {
  if (v === undefined) {
    if (def === undefined) throw new InputError(`sae: --${name} is required (see mas sae --help)`);
    return def;
  }
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || (int && !Number.isSafeInteger(x))) throw new InputError(`sae: --${name} must be ${int ? 'an integer' : 'a number'}, got '${v}'`);
  return x;
}

function readActs(file: string | undefined): Tensor {
  if (file === undefined) throw new InputError('sae: --activations is required (see mas sae --help)');
  const m = readMatrix(file);
  return new Tensor(m.data, [m.rows, m.cols]);
}

/** Join `--opt -0.5` into `--opt=-0.5` so a negative number reaches the validation (and its message). */
function joinNegativeValues(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = args[i + 1];
    if (a.startsWith('--') && !a.includes('=') && next !== undefined && /^-(\d|\.\d|inf|nan)/i.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export const saeCommand: Command = {
  name: 'sae',
  summary: 'train a sparse autoencoder on activations (mas sae train) and encode with it (mas sae encode)',
  help: HELP,
  async run(args) {
    const [sub, ...rest] = args;
    if (sub !== 'train' && sub !== 'encode') throw new InputError(`sae: give a subcommand, train or encode${sub === undefined ? '' : ` (got '${sub}')`}`);
    const { values: o } = parseArgs({
      args: joinNegativeValues(rest),
      strict: true,
      allowPositionals: false,
      options: {
        activations: { type: 'string' },
        latents: { type: 'string' },
        l1: { type: 'string' },
        out: { type: 'string' },
        steps: { type: 'string' },
        batch: { type: 'string' },
        lr: { type: 'string' },
        seed: { type: 'string' },
        sae: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (o.out === undefined) throw new InputError('sae: --out is required (see mas sae --help)');
    if (sub === 'encode') {
      if (o.sae === undefined) throw new InputError('sae encode: --sae DIR is required');
      const { params } = loadSae(o.sae);
      const z = encodeRows(params, readActs(o.activations));
      writeNpy(o.out, Float64Array.from(z.data), z.shape);
      console.log(`wrote ${o.out} [${z.shape.join(', ')}]`);
      return 0;
    }
    const latents = num('latents', o.latents, undefined, true);
    const l1 = num('l1', o.l1, undefined, false);
    if (!(l1 > 0)) throw new InputError(`sae: --l1 must be > 0, got '${o.l1}'`);
    const steps = num('steps', o.steps, 3000, true);
    const seed = num('seed', o.seed, 0, true);
    const batch = num('batch', o.batch, 256, true);
    const lr = num('lr', o.lr, 3e-3, false);
    if (batch < 1) throw new InputError(`sae: --batch must be ≥ 1, got '${o.batch}'`);
    if (!(lr > 0)) throw new InputError(`sae: --lr must be > 0, got '${o.lr}'`);
    const x = readActs(o.activations);
    const r = trainSae(x, { latents, l1, steps, seed, batch, lr });
    const stats = { mse: r.mse, l1: r.l1, fvu: r.fvu, dead: r.dead, rows: x.shape[0], source: o.activations! };
    saveSae(o.out, r.params, { d: x.shape[1], latents, l1, steps, seed, stats });
    if (o.json) console.log(JSON.stringify({ out: o.out, ...stats }));
    else console.log(`wrote ${o.out}: ${latents} latents on ${x.shape[1]} units, fraction of variance unexplained ${r.fvu.toFixed(4)}, mean ‖z‖₁ ${r.l1.toFixed(4)}, dead latents ${r.dead}`);
    return 0;
  },
};
