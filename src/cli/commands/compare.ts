/** `mas compare --models DIR DIR --layer L --measures …`: RSA/CKA between trained models on the reference stimuli. */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { ensureDir, writeJsonAtomic } from '../../io/atomic.ts';
import { refuseOutputInsideInputs } from '../../io/outputs.ts';
import { compareModels } from '../../experiments/compare.ts';
import type { Command } from '../command.ts';
import { MAX_RESAMPLES, checkAtMost } from '../../limits.ts';

const HELP = `usage: mas compare --models DIR DIR [DIR…] --layer POINT --measures NAME[,NAME…]
                   [--subsample 1000] [--runs 10] [--seed S] [--per-count 15] [--json] [--out DIR]

Builds the RSA/CKA stimuli (tasks.md §5.4: 15 multi-object sequences per count 1-20, seeded by S),
runs every model fully teacher-forced in eval mode, takes the vectors at POINT at every non-P
position (7,200 rows, same order for every model) and computes each measure between every pair of
models, averaged over --runs random subsamples of --subsample rows (the same rows for both models),
as the reference does. --subsample 0 uses all rows once.

Measures: any id or alias of 'mas similarity --list', e.g. cka-linear, rsa-correlation-spearman,
and the reference-compatible ref-cka-cos, ref-rsa-raw-l2-spr (= cka_cos, rsa_raw_l2_spr).

options:
  --models DIR…     two or more model folders
  --layer POINT     hook point: embedding | layer.0 | hidden (aliases accepted)
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
      },
    });
    // `--models A B` : parseArgs keeps the first value under --models and the rest as positionals.
    const models = [...(o.models ?? []), ...positionals];
    if (models.length < 2) throw new InputError(`compare: --models needs at least two model folders, got ${models.length}`);
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
