/**
 * The sweep specification (`mas sweep SPEC.json`, docs/sweeps.md): a grid of train, align and compare
 * jobs, validated with zod. Every object is strict, so an unknown option is refused; errors name the
 * JSON path (`align[0].options.k`). This file checks shapes and ranges; plan.ts checks names that need
 * the library (tasks, layers, variables, measures, model references).
 */
import * as fs from 'node:fs';
import { z } from 'zod';
import { closest, InputError } from '../../errors.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const name = z.string().regex(NAME, 'must be letters, digits, "_", "-" or "." (starting with a letter or digit)');
const posInt = z.int().min(1);
const nonNegInt = z.int().min(0);

/** Options of a training job (trainModel's, models.md §7); unset fields take the library defaults. */
export const TrainOptionsSchema = z.strictObject({
  epochs: posInt.optional(),
  steps: posInt.optional(),
  validateEvery: posInt.optional(),
  batchSize: posInt.optional(),
  lrMax: z.number().positive().optional(),
  warmup: posInt.optional(),
  patience: posInt.optional(),
  solvedPatience: nonNegInt.optional(),
  solvedOn: z.enum(['val', 'train+val']).optional(),
  keep: z.enum(['best', 'last']).optional(),
  dataSizes: z.strictObject({ train: posInt, valid: posInt, holdOutPerCount: nonNegInt, reportPerCount: posInt }).partial().optional(),
  modelSizes: z
    .strictObject({ d_model: posInt, hidden: posInt, decoder_hidden: posInt, n_layers: posInt, n_heads: posInt, ff_hidden: posInt, rope_dim: posInt, dropout: z.number().min(0).max(1) })
    .partial()
    .optional(),
  taskConfig: z
    .strictObject({ min_count: nonNegInt, max_count: posInt, hold_outs: z.array(z.int()), unk_p: z.number().min(0).max(1), mod: posInt, round_to: posInt, max_value: posInt })
    .partial()
    .optional(),
});

/** A group of models: one architecture trained from each seed (job names `<name>-<seed>`). */
export const TrainGroupSchema = z.strictObject({
  /** Group name (default: the architecture). */
  name: name.optional(),
  arch: z.enum(['gru', 'lstm', 'transformer']),
  /** Task id (default: the spec's task). */
  task: z.string().min(1).optional(),
  seeds: z.array(z.int()).min(1),
  options: TrainOptionsSchema.optional(),
});

/** Which models a job takes: one explicit set, several, or sets generated from train groups. */
export const ModelsSchema = z.union([
  z.array(z.string()).min(1),
  z.strictObject({ sets: z.array(z.array(z.string()).min(1)).min(1) }),
  z.strictObject({ from: z.array(z.string()).min(1).max(2), pairing: z.enum(['each', 'pairs', 'zip']) }),
]);

/** Every option of an alignment job (AlignJobArgs minus method and models). */
export const AlignOptionsSchema = z.strictObject({
  layer: z.string().min(1),
  k: posInt,
  variable: z.string().min(1),
  steps: posInt,
  batchSize: posInt.optional(),
  lr: z.number().positive().optional(),
  nTrain: posInt.optional(),
  nValid: posInt.optional(),
  validateEvery: posInt.optional(),
  clEps: z.number().min(0).optional(),
  lossPositions: z.enum(['nonpad', 'post', 'task']).optional(),
  seed: z.int(),
});

/** Every option of a compare job (SimilarityJobArgs minus models). */
export const CompareOptionsSchema = z.strictObject({
  layer: z.string().min(1),
  measures: z.array(z.string().min(1)).min(1),
  subsample: nonNegInt,
  runs: posInt,
  seed: z.int(),
  perCount: posInt,
});

/** A grid over options: each option takes every listed value (the cartesian product over options). */
function gridOf<T extends z.ZodRawShape>(shape: T): z.ZodType<Record<string, unknown[]>> {
  const out: Record<string, z.ZodType> = {};
  for (const [k, s] of Object.entries(shape)) {
    const inner = s instanceof z.ZodOptional ? (s.unwrap() as z.ZodType) : (s as z.ZodType);
    out[k] = z.array(inner).min(1).optional();
  }
  return z.strictObject(out) as unknown as z.ZodType<Record<string, unknown[]>>;
}

const alignMethods = ['mas', 'das', 'unidirectional', 'stitch', 'clmas'] as const;

/** An alignment entry: a method on model sets, options, and an optional grid over options. */
export const AlignEntrySchema = z.strictObject({
  name,
  method: z.enum(alignMethods),
  models: ModelsSchema,
  options: AlignOptionsSchema.partial().optional(),
  grid: gridOf(AlignOptionsSchema.shape).optional(),
});

/** A compare entry: correlative measures between model pairs (mas compare). */
export const CompareEntrySchema = z.strictObject({
  name,
  models: ModelsSchema,
  options: CompareOptionsSchema.partial().optional(),
  grid: gridOf(CompareOptionsSchema.shape).optional(),
});

/** Slurm resources of a stage (sbatch options). */
export const ResourcesSchema = z
  .strictObject({
    cpus: posInt,
    mem: z.string().regex(/^\d+[KMGT]?$/i, 'must be a Slurm memory size such as 2G or 500M'),
    time: z.string().regex(/^(\d+-)?\d+(:\d{1,2}){0,2}$/, 'must be a Slurm time such as 30, 1:00:00 or 1-00:00:00'),
    partition: z.string().min(1),
    /** Extra sbatch arguments, e.g. ["--qos=short", "--account=lab"]. */
    sbatch: z.array(z.string().regex(/^--?[A-Za-z]/, 'must be an sbatch option such as --qos=short')),
  })
  .partial();

/** The whole sweep specification. */
export const SweepSpecSchema = z.strictObject({
  format: z.literal('mas-sweep/1').optional(),
  name,
  description: z.string().optional(),
  /** Default task of the train groups. */
  task: z.string().min(1).default('multi-object'),
  /** How often a failed job is retried (default 1). */
  retries: z.int().min(0).max(20).default(1),
  resources: z.strictObject({ default: ResourcesSchema, train: ResourcesSchema, align: ResourcesSchema, compare: ResourcesSchema }).partial().default({}),
  train: z.array(TrainGroupSchema).min(1),
  align: z.array(AlignEntrySchema).default([]),
  compare: z.array(CompareEntrySchema).default([]),
});

/** A validated sweep specification. */
export type SweepSpec = z.infer<typeof SweepSpecSchema>;
/** Slurm resources of one stage. */
export type Resources = z.infer<typeof ResourcesSchema>;
/** A model selector. */
export type ModelsSelector = z.infer<typeof ModelsSchema>;

/** `align[0].options.k` for a zod path. */
export function jsonPath(p: readonly PropertyKey[]): string {
  let out = '';
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out || '(root)';
}

type Issue = z.core.$ZodIssue;

/** Valid keys of the strict object at `path` in the spec schema (for "did you mean"). */
function keysAt(schema: z.ZodType, p: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  for (const k of p) {
    s = unwrap(s);
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, unknown>)[String(k)];
    else if (s instanceof z.ZodArray) s = s.element;
    else return [];
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape as Record<string, unknown>) : [];
}

function unwrap(s: unknown): unknown {
  let cur = s;
  while (cur instanceof z.ZodOptional || cur instanceof z.ZodDefault) cur = cur.unwrap();
  return cur;
}

/** One line per issue: the JSON path and what is wrong there. */
function describe(issue: Issue, base: readonly PropertyKey[]): string[] {
  const full = [...base, ...issue.path];
  if (issue.code === 'invalid_union') {
    // Report the branch that got furthest (its first issue has the longest path).
    const branches = issue.errors.filter((b) => b.length > 0);
    const best = branches.reduce((a, b) => (b[0].path.length > a[0].path.length ? b : a), branches[0]);
    if (best && best[0].path.length > 0) return best.flatMap((i) => describe(i, full));
    return [`${jsonPath(full)}: expected a list of model names, {"sets": [[...], ...]} or {"from": [group, group?], "pairing": "each"|"pairs"|"zip"}`];
  }
  if (issue.code === 'unrecognized_keys') {
    const valid = keysAt(SweepSpecSchema, full);
    return issue.keys.map((k) => {
      const c = closest(k, valid);
      return `${jsonPath([...full, k])}: unknown option '${k}'${c ? ` (did you mean '${c}'?)` : ''}; valid here: ${valid.join(', ')}`;
    });
  }
  if (issue.code === 'invalid_type' && issue.message.includes('received undefined')) return [`${jsonPath(full)}: required`];
  return [`${jsonPath(full)}: ${issue.message}`];
}

/** Validate a parsed JSON value as a sweep spec; InputError names every problem by its JSON path. */
export function parseSweepSpec(value: unknown, where = 'sweep spec'): SweepSpec {
  const r = SweepSpecSchema.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.flatMap((i) => describe(i, []));
  const shown = lines.slice(0, 5).join('; ');
  throw new InputError(`${where}: ${shown}${lines.length > 5 ? `; and ${lines.length - 5} more` : ''}`);
}

/** Read and validate a sweep spec file. */
export function readSweepSpec(file: string): SweepSpec {
  if (!fs.existsSync(file)) throw new InputError(`sweep: spec file ${file} does not exist`);
  let value: unknown;
  try {
    value = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseSweepSpec(value, file);
}
