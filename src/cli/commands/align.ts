/** `mas align`: Model Alignment Search (and DAS, stitching, CLMAS) between trained model folders. */
import { parseArgs } from 'node:util';
import { InputError, SettingError, unknownName } from '../../errors.ts';
import { INVERTIBLE_FAMILIES, MAP_KINDS, ORTHO_PARAMS, type InvertibleFamily, type MapKind, type OrthoParam } from '../../align/maps.ts';
import { METHODS, type Method } from '../../align/methods.ts';
import { runAlign, type RunAlignOptions } from '../../align/run.ts';
import type { ClLossKind, LossPositions } from '../../align/losses.ts';
import type { Command } from '../command.ts';

const HELP = `usage: mas align --models DIR [DIR…] --layer LAYER --variable VAR --subspace K --out RUNDIR [options]

Learns one alignment map per model so that swapping K aligned dimensions of a causal variable from a
source model's hidden state into a target model's makes the target behave as the counterfactual
predicts (mas.md). IIA is evaluated in all n² directions; iia[s][t] is source s → target t.

required:
  --models DIR [DIR…]     model folders (config.json + model.safetensors)
  --layer LAYER           layer.N | embedding | hidden (= layer.0 of an RNN); one for every model,
                          or one per model (layer.0,layer.1); the embedding defaults to stepwise
                          interventions, layer.N to indywise, for every architecture (see --mode)
  --variable VAR          count | phase | full | a variable of the model's task (cumu_val, …); one
                          for every model, or one per model (count,cumu_val); several blocks are
                          joined with + (count+phase); full = every variable but the trial's count,
                          the reference's default and what stitching needs
  --subspace K            aligned dimensions per variable (default: method preset; larger than the
                          hooked width is clipped with a warning)
  --out RUNDIR            run folder (refused if it holds a run with a different config)

options:
  --method M              mas (default) | das | unidirectional | stitch | clmas | latent-stitch
  --mode MODE             indywise | stepwise (default: stepwise at the embedding, else indywise);
                          the CL loss needs indywise
  --causal-model NAME     count-up-down (default) | count-up-up | count-up-incr | increment-up-up
                          (the author's counting causal models; e.g. count-up-incr has the variable incr)
  --values LO-HI          pairs only at positions whose swapped variable lies in LO..HI, in the
                          source and the target (the reference's keep_varb_vals)
  --train-directions D    directions with the behavioural loss, e.g. 0>1,1>1 (default: the method's)
  --cl-directions D       directions with the CL loss, e.g. 0>1, or none (default: the method's)
  --map TYPE              orthogonal (default) | gram-schmidt | invertible
  --param P               expm (default) | cayley | householder
  --family F              invertible family: relaxed-rotation (default) | scaled-rotation | spd | signed-spd
  --zscore                normalize hooked vectors per unit before the map
  --identity-init         start every map at the identity
  --include-null          add the null variable (within-model directions)
  --learned-fill          ZeroMask: learned fill for the zeroed coordinates
  --cl-weight E           weight ε of the counterfactual-latent loss (default 0; clmas and latent-stitch 1)
  --cl-loss KIND          both (default) | cos | mse
  --loss-positions P      nonpad (default) | post | task
  --obj-count MODE        target (default) | random (reference behaviour)
  --steps N               maximum steps (default 20000)
  --train-pairs N         training pairs per tuple (default 10000)
  --valid-pairs N         validation pairs per tuple (default 1000)
  --batch N               pairs per tuple per step (default 128)
  --lr LR                 Adam learning rate (default 1e-3)
  --valid-every N         validate every N steps (default 100)
  --seed S                seed of maps, pairs and batch order (default 0)
  --resume                continue the run in RUNDIR from its last checkpoint
  --json                  print result.json on stdout
  --quiet                 no progress output`;

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isInteger(x)) throw new InputError(`--${name} must be an integer, got '${v}'`);
  return x;
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new InputError(`--${name} must be a non-negative number, got '${v}'`);
  return x;
}

/** `count` | `count,cumu_val` (one per model) | `count+phase` (blocks), per model joined by commas. */
export function parseVariables(v: string): (string | string[])[] {
  const groups = v.split(',').map((g) => g.split('+').map((x) => x.trim()));
  if (groups.some((g) => g.some((x) => x.length === 0))) throw new InputError(`--variable '${v}' has an empty name`);
  if (groups.length === 1) return groups[0];
  const nb = groups[0].length;
  if (groups.some((g) => g.length !== nb)) throw new InputError(`--variable '${v}': every model needs the same number of +-joined blocks`);
  return Array.from({ length: nb }, (_, b) => groups.map((g) => g[b]));
}

/** `0>1,1>1` → [[0, 1], [1, 1]]; `none` or empty → []. */
export function parseDirections(flag: string, v: string): [number, number][] {
  const t = v.trim();
  if (t === '' || t === 'none') return [];
  return t.split(',').map((d) => {
    const m = /^\s*(\d+)\s*>\s*(\d+)\s*$/.exec(d);
    if (!m) throw new InputError(`${flag}: '${d}' is not a direction SOURCE>TARGET (e.g. 0>1)`);
    return [Number(m[1]), Number(m[2])];
  });
}

/** `1-10` → [1, 10]; `5` → [5, 5]. */
export function parseValues(v: string): [number, number] {
  const m = /^\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*)?$/.exec(v);
  if (!m) throw new InputError(`--values '${v}' is not a range LO-HI of integers (e.g. 1-10)`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo > hi) throw new InputError(`--values ${v} is an empty range (${lo} > ${hi})`);
  return [lo, hi];
}

function oneOf<T extends string>(what: string, v: string | undefined, valid: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!(valid as readonly string[]).includes(v)) unknownName(what, v, valid);
  return v as T;
}

/** The flag of each library setting named by a SettingError. */
const FLAGS: Record<string, string> = {
  modelDirs: '--models', layer: '--layer', variables: '--variable', subspace: '--subspace', method: '--method', mode: '--mode',
  values: '--values', T: '--train-directions', C: '--cl-directions', clWeight: '--cl-weight', map: '--map', includeNull: '--include-null',
  learnedFill: '--learned-fill', steps: '--steps', trainPairs: '--train-pairs', validPairs: '--valid-pairs', batch: '--batch', validEvery: '--valid-every',
};

/** Run `f`, re-raising a SettingError with the setting's name replaced by its flag. */
export function withFlags<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof SettingError && FLAGS[e.setting] && e.message.startsWith(e.setting)) throw new InputError(FLAGS[e.setting] + e.message.slice(e.setting.length));
    throw e;
  }
}

/** The `mas align` command. */
export const alignCommand: Command = {
  name: 'align',
  summary: 'Model Alignment Search (MAS, DAS, stitching, CLMAS) between model folders',
  help: HELP,
  async run(args) {
    const { values: o, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        models: { type: 'string', multiple: true },
        layer: { type: 'string' },
        variable: { type: 'string' },
        subspace: { type: 'string' },
        method: { type: 'string' },
        mode: { type: 'string' },
        values: { type: 'string' },
        'causal-model': { type: 'string' },
        'train-directions': { type: 'string' },
        'cl-directions': { type: 'string' },
        map: { type: 'string' },
        param: { type: 'string' },
        family: { type: 'string' },
        zscore: { type: 'boolean' },
        'identity-init': { type: 'boolean' },
        'include-null': { type: 'boolean' },
        'learned-fill': { type: 'boolean' },
        'cl-weight': { type: 'string' },
        'cl-loss': { type: 'string' },
        'loss-positions': { type: 'string' },
        'obj-count': { type: 'string' },
        steps: { type: 'string' },
        'train-pairs': { type: 'string' },
        'valid-pairs': { type: 'string' },
        batch: { type: 'string' },
        lr: { type: 'string' },
        'valid-every': { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        resume: { type: 'boolean' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
    });
    // `--models A B` : extra model folders arrive as positionals.
    const modelDirs = [...(o.models ?? []), ...positionals];
    if (modelDirs.length === 0) throw new InputError('--models is required (one or more model folders)');
    if (!o.layer) throw new InputError('--layer is required (layer.N, embedding or hidden)');
    if (!o.variable) throw new InputError('--variable is required (count, phase or full)');
    if (!o.out) throw new InputError('--out is required (the run folder)');
    const method = oneOf<Method>('method', o.method, METHODS) ?? 'mas';
    const validEvery = int('valid-every', o['valid-every']);
    if (validEvery !== undefined && validEvery < 1) throw new InputError('--valid-every must be ≥ 1');
    const opts: RunAlignOptions = {
      modelDirs,
      out: o.out,
      resume: o.resume ?? false,
      quiet: o.quiet ?? false,
      settings: {
        method,
        layer: o.layer.split(',').map((x) => x.trim()),
        variables: parseVariables(o.variable),
        mode: oneOf<'indywise' | 'stepwise'>('mode', o.mode, ['indywise', 'stepwise']),
        values: o.values === undefined ? undefined : parseValues(o.values),
        causalModel: o['causal-model'],
        T: o['train-directions'] === undefined ? undefined : parseDirections('--train-directions', o['train-directions']),
        C: o['cl-directions'] === undefined ? undefined : parseDirections('--cl-directions', o['cl-directions']),
        subspace: int('subspace', o.subspace),
        map: oneOf<MapKind>('map type', o.map, MAP_KINDS),
        param: oneOf<OrthoParam>('parametrization', o.param, ORTHO_PARAMS),
        family: oneOf<InvertibleFamily>('invertible family', o.family, INVERTIBLE_FAMILIES),
        zscore: o.zscore,
        identityInit: o['identity-init'],
        includeNull: o['include-null'],
        learnedFill: o['learned-fill'],
        clWeight: num('cl-weight', o['cl-weight']),
        clLoss: oneOf<ClLossKind>('CL loss', o['cl-loss'], ['both', 'cos', 'mse']),
        lossPositions: oneOf<LossPositions>('loss positions', o['loss-positions'], ['nonpad', 'post', 'task']),
        objCount: oneOf<'target' | 'random'>('obj-count mode', o['obj-count'], ['target', 'random']),
        steps: int('steps', o.steps),
        trainPairs: int('train-pairs', o['train-pairs']),
        validPairs: int('valid-pairs', o['valid-pairs']),
        batch: int('batch', o.batch),
        lr: num('lr', o.lr),
        validEvery,
        seed: int('seed', o.seed),
      },
    };
    const res = withFlags(() => runAlign(opts));
    if (o.json) console.log(JSON.stringify(res, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
    else {
      const fmt = (m: number[][]): string => m.map((r) => r.map((x) => x.toFixed(3)).join('  ')).join('\n  ');
      console.log(`${res.method} k=${res.subspace} ${res.layer} ${res.variables.join(',')}: ${res.steps} steps, stopped: ${res.stop_reason}, ${res.ms_per_step} ms/step`);
      console.log(`IIA (rows = source, columns = target):\n  ${fmt(res.iia)}`);
      console.log(`task accuracy: ${res.task_accuracy.map((x) => x.toFixed(3)).join(', ')}; k=0 IIA:\n  ${fmt(res.k0_iia)}`);
      console.log(`outputs in ${res.out}`);
    }
    return 0;
  },
};
