/** `mas similarity X Y --measure NAME[,NAME…]`: correlative similarity between two representations. */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../../errors.ts';
import { readMatrix } from '../../io/matrix.ts';
import {
  FAMILIES,
  aliases,
  bootstrapCi,
  listMeasures,
  permutationTest,
  resolveMeasure,
  similarity,
  type Invariances,
  type MeasureMeta,
} from '../../similarity/index.ts';
import type { Mat } from '../../tensor/linalg.ts';
import type { Command } from '../command.ts';
import { MAX_RESAMPLES, checkAtMost } from '../../limits.ts';

const HELP = `usage: mas similarity X Y [--measure NAME[,NAME…]] [options]
       mas similarity --list [--json]

Compares two representations of the same stimuli: X and Y are (samples × features) matrices
(.npy, .npz, .safetensors, .csv, .tsv, .txt); row i of X and row i of Y must be the same sample.
Computation is float64. Inputs are never transposed: a square matrix is read as samples × features
(google/svcca's neurons × datapoints layout is not accepted).

options:
  --measure, -m NAMES     comma-separated measure ids or aliases (default: cka-linear);
                          see --list, e.g. cka,rsa,svcca-0.99,procrustes-angular,cknna-10
  --ci                    add a confidence interval: half-sampling, subsamples of n/2 distinct rows,
                          bias-corrected (docs/limits.md § Statistics)
  --bootstrap N           subsamples for --ci (default 1000)
  --level L               confidence level for --ci (default 0.95)
  --permutations N        add a permutation-test p-value (rows of Y shuffled N times)
  --seed S                seed of every random choice (default 0)
  --subsample SIZE        average over --runs draws of SIZE rows (similarity.md §1.5)
  --runs R                runs for --subsample (default 10)
  --drop-constant-units   drop zero-variance units where z-scoring is needed (with a warning)
  --key NAME              array name inside .npz/.safetensors inputs (--key-x / --key-y per file)
  --flatten3d             accept (a, b, c) arrays as (a·b, c)
  --json                  print one JSON object {"NAME": {"id", "kind", "value", "ci", "p"}, …}
                          (ci: [lo, hi] or null without --ci; p: null without --permutations;
                          the same shape whatever the flags: docs/cli-json.md)
  --list                  list every measure with its metadata (--json for JSON)`;

const INV_LETTERS: [keyof Invariances, string][] = [
  ['translation', 'T'],
  ['isotropicScaling', 'S'],
  ['orthogonal', 'O'],
  ['invertibleLinear', 'L'],
  ['permutation', 'P'],
  ['perUnitAffine', 'A'],
];

function invLetters(inv: Invariances): string {
  return INV_LETTERS.filter(([k]) => inv[k]).map(([, l]) => l).join('') || '-';
}

function fmtNum(v: number): string {
  if (v === Math.PI / 2) return 'π/2';
  if (v === Math.SQRT2) return '√2';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return String(v);
}

function table(rows: string[][]): string {
  const w = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  return rows.map((r) => r.map((c, j) => (j === r.length - 1 ? c : c.padEnd(w[j]))).join('  ')).join('\n');
}

function jsonReplacer(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

function printList(json: boolean): void {
  const metas = listMeasures();
  if (json) {
    console.log(JSON.stringify({ measures: metas, patterns: FAMILIES.map((f) => ({ family: f.family, pattern: f.pattern })), aliases: aliases() }, jsonReplacer));
    return;
  }
  const rows = [['id', 'kind', 'range', 'sym', 'metric', 'inv', 'minSamples', 'p≥n', 'description']];
  for (const m of metas) {
    rows.push([
      m.id,
      m.kind + (m.stochastic ? '*' : ''),
      `[${fmtNum(m.range[0])}, ${fmtNum(m.range[1])}]`,
      m.symmetric ? 'yes' : 'no',
      m.metric ? 'yes' : 'no',
      invLetters(m.invariances),
      m.minSamplesRule,
      m.highDim,
      m.description,
    ]);
  }
  console.log(table(rows));
  console.log('\n* stochastic (depends on --seed). inv: T translation, S isotropic scaling, O orthogonal, L invertible linear, P unit permutation, A per-unit affine.');
  console.log('similarity: larger = more alike (max 1 for identical inputs); distance: 0 for identical inputs.\n\npatterns:');
  for (const f of FAMILIES) console.log(`  ${f.pattern}`);
  console.log('\naliases:');
  for (const [a, c] of Object.entries(aliases())) console.log(`  ${a} → ${c}`);
}

function posInt(name: string, v: string | undefined, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InputError(`--${name} must be an integer ≥ ${min}, got '${v}'`);
  return name === 'subsample' ? n : checkAtMost(`--${name}`, n, MAX_RESAMPLES);
}

function load(file: string, key: string | undefined, flatten3d: boolean): Mat & { source: string } {
  const ext = path.extname(file).toLowerCase();
  const useKey = ext === '.npz' || ext === '.safetensors' ? key : undefined;
  return readMatrix(file, { key: useKey, flatten3d });
}

export const similarityCommand: Command = {
  name: 'similarity',
  summary: 'correlative similarity (CKA, RSA, CCA, Procrustes, kNN, …) between two representations',
  help: HELP,
  async run(args) {
    const { values: o, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        measure: { type: 'string', short: 'm' },
        ci: { type: 'boolean' },
        bootstrap: { type: 'string' },
        level: { type: 'string' },
        permutations: { type: 'string' },
        seed: { type: 'string' },
        subsample: { type: 'string' },
        runs: { type: 'string' },
        'drop-constant-units': { type: 'boolean' },
        key: { type: 'string' },
        'key-x': { type: 'string' },
        'key-y': { type: 'string' },
        flatten3d: { type: 'boolean' },
        json: { type: 'boolean' },
        list: { type: 'boolean' },
      },
    });
    if (o.list) {
      if (positionals.length > 0) throw new InputError('--list takes no input files');
      printList(o.json ?? false);
      return 0;
    }
    if (positionals.length !== 2) throw new InputError(`similarity: expected two input files X and Y, got ${positionals.length} (see 'mas similarity --help')`);
    const names = (o.measure ?? 'cka-linear').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (names.length === 0) throw new InputError('--measure: no measure names given');
    const measures = names.map((n) => resolveMeasure(n)); // unknown names fail before any file is read
    const seed = o.seed === undefined ? 0 : Number(o.seed);
    if (!Number.isSafeInteger(seed)) throw new InputError(`--seed must be an integer, got '${o.seed}'`);
    const level = o.level === undefined ? 0.95 : Number(o.level);
    if (!(level > 0 && level < 1)) throw new InputError(`--level must lie in (0, 1), got '${o.level}'`);
    const resamples = posInt('bootstrap', o.bootstrap, 1000, 2);
    const perms = o.permutations === undefined ? 0 : posInt('permutations', o.permutations, 0);
    if (o.runs !== undefined && o.subsample === undefined) throw new InputError('--runs needs --subsample');
    const subsample = o.subsample === undefined ? undefined : { size: posInt('subsample', o.subsample, 0), runs: posInt('runs', o.runs, 10), seed };
    if (subsample && (o.ci || perms > 0)) throw new InputError('--subsample cannot be combined with --ci or --permutations');
    const flatten = o.flatten3d ?? false;
    const x = load(positionals[0], o['key-x'] ?? o.key, flatten);
    const y = load(positionals[1], o['key-y'] ?? o.key, flatten);
    const mopts = { seed, dropConstantUnits: o['drop-constant-units'] ?? false };

    const out: Record<string, { id: string; kind: string; value: number; ci: [number, number] | null; p: number | null }> = {};
    const rows = [['measure', 'value', 'direction', ...(o.ci ? [`${Math.round(level * 100)}% CI`] : []), ...(perms > 0 ? ['p'] : [])]];
    for (let i = 0; i < names.length; i++) {
      const meta: MeasureMeta = measures[i].meta;
      const r = similarity(meta.id, x, y, { ...mopts, subsample });
      let ci: [number, number] | undefined;
      let p: number | undefined;
      if (o.ci) ci = bootstrapCi(meta.id, x, y, { ...mopts, resamples, level }).ci;
      if (perms > 0) p = permutationTest(meta.id, x, y, { ...mopts, permutations: perms }).p;
      out[names[i]] = { id: meta.id, kind: meta.kind, value: r.value, ci: ci ?? null, p: p ?? null };
      rows.push([
        meta.id,
        r.value.toFixed(6),
        meta.kind === 'similarity' ? 'similarity (higher = more alike)' : 'distance (lower = more alike)',
        ...(ci ? [`[${ci[0].toFixed(4)}, ${ci[1].toFixed(4)}]`] : []),
        ...(p !== undefined ? [p.toPrecision(3)] : []),
      ]);
    }
    if (o.json) console.log(JSON.stringify(out));
    else {
      console.log(`X: ${x.source} (${x.rows}×${x.cols})   Y: ${y.source} (${y.rows}×${y.cols})${subsample ? `   subsample ${subsample.size} rows × ${subsample.runs} runs` : ''}`);
      console.log(table(rows));
    }
    return 0;
  },
};
