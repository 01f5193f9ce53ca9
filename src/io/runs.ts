/**
 * Run folders for training and MAS: a config file with a stable hash (so a resumed run cannot silently mix
 * two configurations), and crash-safe checkpoints (tensors in safetensors + a JSON state file).
 *
 * Checkpoint layout for name N: `N.json` names the tensor file `N.<12 hex>.safetensors` and holds its sha256
 * and the JSON state. Saving writes a NEW tensor file (atomically), then atomically replaces `N.json`, then
 * deletes the tensor file the old JSON named. A kill at any moment leaves `N.json` naming a complete tensor
 * file: the old checkpoint before the JSON rename, the new one after.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { FileFormatError, InputError } from '../errors.ts';
import { ensureDir, readBytes, readJson, writeFileAtomic, writeJsonAtomic } from './atomic.ts';
import { reviveNonFinite, stableStringify, toJson } from './json.ts';
import { userEntries } from './lock.ts';
import { encodeSafetensors, readSafetensorsExact } from './safetensors.ts';

/** sha256 of the canonical JSON (sorted keys) of `config`, as a hex prefix of `length` characters (default 16). */
export function configHash(config: unknown, length = 16): string {
  return createHash('sha256').update(stableStringify(config)).digest('hex').slice(0, length);
}

/** Options for `openRunDir`. */
export interface OpenRunOptions {
  /** Continue an existing run with the same config (otherwise an existing run is an error). */
  resume: boolean;
  /** Name of the config file inside the folder (default 'run.json'; a model folder's config.json is separate). */
  configFile?: string;
}

/** An open run folder. */
export interface RunDir {
  /** The folder. */
  dir: string;
  /** `configHash(config)`. */
  configHash: string;
  /** True if an existing run with the same config was reopened (resume), false if the run is new. */
  resumed: boolean;
  /** Path of a file inside the folder. */
  path(name: string): string;
}

/** The first few JSON paths where two values differ, for error messages. */
function diffPaths(a: unknown, b: unknown, where = '', out: string[] = []): string[] {
  if (out.length >= 5) return out;
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      diffPaths(a[k], b[k], where ? `${where}.${k}` : k, out);
    }
  } else if (stableStringify(a ?? null) !== stableStringify(b ?? null)) {
    out.push(where || '(root)');
  }
  return out;
}

/**
 * Create (or, with `resume`, reopen) a run folder holding `config`. The folder's config file stores
 * `{config_hash, config}`. Errors (InputError): the folder holds a run with a different config; it holds a run
 * with this config but `resume` is false; it is a non-empty folder that is not a run folder.
 */
export function openRunDir(dir: string, config: unknown, opts: OpenRunOptions): RunDir {
  const hash = configHash(config);
  const cfgName = opts.configFile ?? 'run.json';
  const cfgPath = path.join(dir, cfgName);
  const handle = (resumed: boolean): RunDir => ({ dir, configHash: hash, resumed, path: (n: string) => path.join(dir, n) });
  const fresh = (): RunDir => {
    ensureDir(dir);
    writeJsonAtomic(cfgPath, { config_hash: hash, config });
    return handle(false);
  };
  if (!fs.existsSync(dir)) return fresh();
  if (!fs.statSync(dir).isDirectory()) throw new InputError(`--out ${dir} is a file, not a folder`);
  if (!fs.existsSync(cfgPath)) {
    if (userEntries(dir).length === 0) return fresh();
    throw new InputError(`--out ${dir} is a non-empty folder without ${cfgName} (not a run folder); pass a fresh --out or delete the folder`);
  }
  const stored = readJson(cfgPath) as { config_hash?: unknown; config?: unknown } | null;
  if (stored === null || typeof stored !== 'object' || typeof stored.config_hash !== 'string') {
    throw new FileFormatError(`${cfgPath}: not a run config (no config_hash)`);
  }
  const storedHash = configHash(stored.config);
  if (storedHash !== hash) {
    const diffs = diffPaths(stored.config, config);
    throw new InputError(
      `--out ${dir} holds a run with a different config (hash ${storedHash}, this run ${hash}; differs in: ${diffs.join(', ')}); ` +
        `pass a fresh --out or delete the folder`,
    );
  }
  if (!opts.resume) {
    throw new InputError(`--out ${dir} already holds a run with this config; pass --resume to continue it, or a fresh --out, or delete the folder`);
  }
  return handle(true);
}

/** A tensor stored in a checkpoint. */
export interface CheckpointTensor {
  shape: readonly number[];
  data: Float32Array | Float64Array;
}

/** A checkpoint: named tensors (float32 or float64, kept as such) and JSON-serializable state. */
export interface Checkpoint<S = unknown> {
  tensors: Record<string, CheckpointTensor>;
  state: S;
}

/** Options for `saveCheckpoint`. */
export interface SaveCheckpointOptions {
  /** Called after the new tensor file is durable and before the JSON commit (used to simulate crashes in tests). */
  beforeCommit?: () => void;
}

const CKPT_FORMAT = 'mas-checkpoint/1';

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) throw new InputError(`checkpoint name '${name}' must be letters, digits, '_', '-', '.'`);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether `dir` holds a committed checkpoint called `name`. */
export function hasCheckpoint(dir: string, name: string): boolean {
  return fs.existsSync(path.join(dir, `${name}.json`));
}

/** Save a checkpoint atomically (see the module doc); float32/float64 tensors are stored exactly. */
export function saveCheckpoint(dir: string, name: string, ckpt: Checkpoint, opts: SaveCheckpointOptions = {}): void {
  checkName(name);
  ensureDir(dir);
  const stateJson = toJson(ckpt.state, { nonFinite: 'tagged' }); // fail before touching any file
  const tensorFile = `${name}.${randomBytes(6).toString('hex')}.safetensors`;
  const chunks = encodeSafetensors(ckpt.tensors, { checkpoint: name });
  const sha = createHash('sha256');
  for (const c of chunks) sha.update(c);
  writeFileAtomic(path.join(dir, tensorFile), chunks);
  opts.beforeCommit?.();
  const json = `{"format":"${CKPT_FORMAT}","tensors_file":${JSON.stringify(tensorFile)},"tensors_sha256":"${sha.digest('hex')}","state":${stateJson}}\n`;
  writeFileAtomic(path.join(dir, `${name}.json`), json);
  // Committed. Remove tensor files and temp files of earlier (or interrupted) saves of this checkpoint.
  const stale = new RegExp(`^(${escapeRe(name)}\\.[0-9a-f]{12}\\.safetensors|\\.${escapeRe(name)}\\.([0-9a-f]{12}\\.safetensors|json)\\.tmp-.*)$`);
  for (const f of fs.readdirSync(dir)) {
    if (f !== tensorFile && stale.test(f)) {
      try {
        fs.unlinkSync(path.join(dir, f));
      } catch {
        /* already gone */
      }
    }
  }
}

/** Load the checkpoint `name` from `dir`, verifying the tensor file's sha256. `S` is not checked at run time. */
export function loadCheckpoint<S = unknown>(dir: string, name: string): Checkpoint<S> {
  checkName(name);
  const jsonPath = path.join(dir, `${name}.json`);
  if (!fs.existsSync(jsonPath)) throw new FileFormatError(`${jsonPath}: checkpoint not found`);
  const meta = readJson(jsonPath) as Record<string, unknown> | null;
  if (meta === null || typeof meta !== 'object' || meta.format !== CKPT_FORMAT) {
    throw new FileFormatError(`${jsonPath}: not a checkpoint (format ${JSON.stringify(meta?.format)}, expected ${CKPT_FORMAT})`);
  }
  const tf = meta.tensors_file;
  if (typeof tf !== 'string' || !new RegExp(`^${escapeRe(name)}\\.[0-9a-f]{12}\\.safetensors$`).test(tf)) {
    throw new FileFormatError(`${jsonPath}: bad tensors_file ${JSON.stringify(tf)}`);
  }
  const tensorPath = path.join(dir, tf);
  const bytes = readBytes(tensorPath);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== meta.tensors_sha256) throw new FileFormatError(`${tensorPath}: checksum mismatch, the checkpoint is corrupt`);
  const tensors: Record<string, CheckpointTensor> = {};
  for (const [k, t] of readSafetensorsExact(bytes, { name: tensorPath }).tensors) tensors[k] = { shape: t.shape, data: t.data };
  return { tensors, state: reviveNonFinite(meta.state) as S };
}
