/** `mas compare --models DIR DIR --layer L --measures …`: RSA/CKA between trained models on the reference stimuli. */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { ensureDir, writeJsonAtomic } from '../../io/atomic.ts';
import { refuseOutputInsideInputs } from '../../io/outputs.ts';
import { compareModels } from '../../experiments/compare.ts';
import { compareLayers } from '../../experiments/layer-compare.ts';
import { parseTokenIds, readTextLines, type Pool } from '../../models/hf/activations.ts';
import { readJson } from '../../io/atomic.ts';
import type { Command } from '../command.ts';
import { MAX_RESAMPLES, checkAtMost } from '../../limits.ts';

const HELP = `usage: mas compare --models DIR DIR [DIR…] --layer POINT --measures NAME[,NAME…]
                   [--subsample 1000] [--runs 10] [--seed S] [--per-count 15] [--json] [--out DIR]
       mas compare --models A B --layers all|P,P… --measures NAME[,NAME…]
                   [--text FILE | --token-ids FILE] [--pool none|last|mean] [--subsample 0] [--json] [--out DIR]

Builds the RSA/CKA stimuli (tasks.md §5.4: 15 multi-object sequences per count 1-20, seeded by S),
runs every model fully teacher-forced in eval mode, takes the vectors at POINT at every non-P
position (7,200 rows, same order for every model) and computes each measure between every pair of
models, averaged over --runs random subsamples of --subsample rows (the same rows for both models),
as the reference does. --subsample 0 uses all rows once.

Measures: any id or alias of 'mas similarity --list', e.g. cka-linear, rsa-correlation-spearman,
and the reference-compatible ref-cka-cos, ref-rsa-raw-l2-spr (= cka_cos, rsa_raw_l2_spr).

Layer by layer (--layers): a matrix per measure between every hook point of A (rows) and every
hook point of B (columns), as in Kornblith et al.'s layer-by-layer CKA plots. 'all' is embedding,
layer.0 …, and for Hugging Face folders also final. HF folders need --text (each folder's
tokenizer.json) or --token-ids (a JSON array of id arrays); task models use the stimuli above.
--subsample defaults to 0 (all rows) here. --out DIR writes DIR/layer-similarity.json, which mas
report draws as heatmaps.

options:
  --models DIR…     two or more model folders
  --layer POINT     hook point: embedding | layer.0 | hidden (aliases accepted)
  --layers L        layer-by-layer matrices: all, or comma-separated hook points
  --text FILE       (HF, --layers) one text per line
  --token-ids FILE  (HF, --layers) JSON array of token-id arrays
  --pool MODE       (HF, --layers) none | last | mean (default none)
  --measures NAMES  comma-separated (default cka-linear)
  --subsample N     rows per draw (default 1000)
  --runs R          draws averaged (default 10)
  --seed S          seed of the stimuli and the draws (default 0)
  --per-count N     stimuli per count (default 15)
  --json            print one JSON object {"layer", "rows", "subsample", "pairs": [{"models", "values":
                    {"NAME": {"value", "std", "kind"}}}]} (every pair; docs/cli-json.md)
  --out DIR         also write DIR/similarity.json (readable by mas report)`;

function int(name: string, v: string | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InputError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return name === 'subsample' ? n : checkAtMost(`--${name}`, n, MAX_RESAMPLES);
}

export const compareCommand: Command = {
  name: 'compare',
  summary: 'RSA/CKA (any similarity measure) between trained models on the reference stimuli',
  help: HELP,
  async run(args) {
    const { values: o, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        models: { type: 'string', multiple: true },
        layer: { type: 'string' },
        measures: { type: 'string', short: 'm' },
        measure: { type: 'string' },
        subsample: { type: 'string' },
        runs: { type: 'string' },
        seed: { type: 'string' },
        'per-count': { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        layers: { type: 'string' },
        text: { type: 'string' },
        'token-ids': { type: 'string' },
        pool: { type: 'string' },
      },
    });
    // `--models A B` : parseArgs keeps the first value under --models and the rest as positionals.
    const models = [...(o.models ?? []), ...positionals];
    if (models.length < 2) throw new InputError(`compare: --models needs at least two model folders, got ${models.length}`);
    if (o.layers !== undefined) return runLayers(models, o);
    if (o.layer === undefined) throw new InputError('compare: --layer is required (e.g. layer.0 or embedding)');
    const measures = (o.measures ?? o.measure ?? 'cka-linear').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    const seed = o.seed === undefined ? 0 : Number(o.seed);
    if (!Number.isSafeInteger(seed)) throw new InputError(`--seed must be an integer, got '${o.seed}'`);
    if (o.out !== undefined) refuseOutputInsideInputs(o.out, models);
    const r = compareModels({
      models, layer: o.layer, measures, seed,
      subsample: int('subsample', o.subsample, 1000, 0), runs: int('runs', o.runs, 10, 1), perCount: int('per-count', o['per-count'], 15, 1),
    });
    if (o.out !== undefined) {
      const p = r.pairs[0];
      ensureDir(o.out);
      writeJsonAtomic(path.join(o.out, 'similarity.json'), {
        format: 'mas-similarity/1', models: [models[p.a], models[p.b]], layer: o.layer, rows: r.rows, widths: r.widths, stimuli: r.stimuli, subsample: r.subsample,
        values: Object.fromEntries(Object.entries(p.values).map(([k, v]) => [k, { value: v.value, std: v.std, kind: v.kind }])),
      });
    }
    if (o.json) {
      const pairs = r.pairs.map((p) => ({
        models: [models[p.a], models[p.b]],
        values: Object.fromEntries(Object.entries(p.values).map(([k, v]) => [k, { value: v.value, std: v.std, kind: v.kind }])),
      }));
      console.log(JSON.stringify({ layer: r.layer, rows: r.rows, subsample: r.subsample ?? null, pairs }));
      return 0;
    }
    const sub = r.subsample ? `mean of ${r.subsample.runs} subsamples of ${r.subsample.size} rows` : 'all rows';
    console.log(`stimuli: ${r.stimuli.sequences} sequences (${r.stimuli.perCount} per count, seed ${r.stimuli.seed}), ${r.rows} rows at ${r.layer}; ${sub}`);
    for (const p of r.pairs) {
      console.log(`${models[p.a]} vs ${models[p.b]}`);
      const w = Math.max(...Object.keys(p.values).map((k) => k.length));
      for (const [k, v] of Object.entries(p.values)) console.log(`  ${k.padEnd(w)}  ${v.value.toFixed(6)}  ±${v.std.toFixed(4)}  (${v.kind})`);
    }
    return 0;
  },
};

/** `mas compare --layers`: layer × layer matrices (see the help text). */
function runLayers(models: string[], o: Record<string, string | boolean | string[] | undefined>): number {
  if (models.length !== 2) throw new InputError(`compare --layers: needs exactly two model folders, got ${models.length}`);
  if (o.layer !== undefined) throw new InputError('compare: give --layer (one point, every pair) or --layers (matrices), not both');
  const str = (k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const layersArg = str('layers') as string;
  const layers = layersArg === 'all' ? 'all' : layersArg.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const measures = (str('measures') ?? str('measure') ?? 'cka-linear').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const pool = (str('pool') ?? 'none') as Pool;
  if (!['none', 'last', 'mean'].includes(pool)) throw new InputError(`compare: --pool must be none, last or mean, got '${pool}'`);
  const seed = str('seed') === undefined ? 0 : Number(str('seed'));
  if (!Number.isSafeInteger(seed)) throw new InputError(`--seed must be an integer, got '${str('seed')}'`);
  if (str('text') !== undefined && str('token-ids') !== undefined) throw new InputError('compare: give --text or --token-ids, not both');
  if (str('out') !== undefined) refuseOutputInsideInputs(str('out') as string, models);
  const r = compareLayers({
    models: [models[0], models[1]], layers, measures, pool, seed,
    ...(str('text') !== undefined ? { texts: readTextLines(str('text') as string) } : {}),
    ...(str('token-ids') !== undefined ? { tokenIds: parseTokenIds(readJson(str('token-ids') as string), str('token-ids') as string) } : {}),
    subsample: int('subsample', str('subsample'), 0, 0), runs: int('runs', str('runs'), 10, 1),
  });
  if (str('out') !== undefined) {
    ensureDir(str('out') as string);
    writeJsonAtomic(path.join(str('out') as string, 'layer-similarity.json'), r);
  }
  if (o.json) {
    console.log(JSON.stringify(r));
    return 0;
  }
  console.log(`${models[0]} (rows) vs ${models[1]} (columns): ${r.rows} rows${r.pool && r.pool !== 'none' ? ` (pool ${r.pool})` : ''}`);
  for (const m of r.measures) {
    console.log(`${m.name} (${m.kind})`);
    const w = Math.max(...r.layers[0].map((l) => l.length));
    console.log(`  ${''.padEnd(w)}  ${r.layers[1].map((l) => l.padStart(9)).join(' ')}`);
    r.layers[0].forEach((l, i) => console.log(`  ${l.padEnd(w)}  ${m.values[i].map((v) => v.toFixed(4).padStart(9)).join(' ')}`));
  }
  return 0;
}
