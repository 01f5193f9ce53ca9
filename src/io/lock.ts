/**
 * One lock per output folder: `<dir>/.mas.lock` holds the PID (and host) of the process writing the
 * folder. It is created atomically (O_EXCL), so of two runs on the same folder the second is refused
 * with the holder's PID. A lock whose process is gone (killed, crashed) is stale and is taken over.
 * The lock is released when the run ends (removing the folder if the lock created it and it stayed
 * empty), and on process exit; it is re-entrant within one process
 * (worker threads of one run share its PID), so nested stages of one experiment do not block each other.
 * Also: removal of temp files (src/io/atomic.ts names) left by dead processes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileFormatError, InputError } from '../errors.ts';
import { describeFsError, ensureDir } from './atomic.ts';

/** Name of the lock file inside a locked folder. */
export const LOCK_FILE = '.mas.lock';

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

const held = new Set<string>();
let exitHook = false;

/** Whether a process with this PID is alive on this machine (EPERM counts as alive). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<LockInfo>;
    return typeof v.pid === 'number' ? { pid: v.pid, host: String(v.host ?? ''), started: String(v.started ?? '') } : null;
  } catch {
    return null; // half-written or unreadable: treated as stale
  }
}

function isStale(info: LockInfo | null): boolean {
  if (info === null) return true;
  if (info.host !== '' && info.host !== os.hostname()) return false; // another machine's process: cannot tell, keep it
  return !pidAlive(info.pid);
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new FileFormatError(`cannot lock ${path.dirname(file)}: ${describeFsError(err)}`);
  }
  try {
    fs.writeSync(fd, JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString() }) + '\n');
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/**
 * Lock folder `dir` (created if missing) for this process; returns the function that releases it.
 * InputError when a live process holds it, naming the PID. `what` names the run in the message.
 */
export function lockFolder(dir: string, what = '--out'): () => void {
  const created = !fs.existsSync(dir);
  ensureDir(dir);
  const file = path.join(dir, LOCK_FILE);
  const key = path.resolve(file);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (tryCreate(file)) {
      held.add(key);
      if (!exitHook) {
        exitHook = true;
        process.on('exit', () => {
          for (const f of held) removeIfOurs(f);
        });
      }
      return () => {
        if (held.delete(key)) removeIfOurs(key);
        // A run that failed before writing anything leaves no folder behind (only if this lock made it).
        if (created) {
          try {
            if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
          } catch {
            /* gone or not empty */
          }
        }
      };
    }
    const info = readLock(file);
    if (info !== null && info.pid === process.pid && (info.host === '' || info.host === os.hostname())) return () => {}; // re-entrant
    if (!isStale(info)) {
      throw new InputError(`${what} ${dir} is in use by process ${info!.pid}${info!.host ? ` on ${info!.host}` : ''} (lock ${file}, since ${info!.started}); wait for it to finish or stop it`);
    }
    // Stale: move it aside atomically; only one contender wins the rename.
    const aside = `${file}.stale-${process.pid}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      continue; // someone else took it over first; try again
    }
    const moved = readLock(aside);
    if (moved !== null && !isStale(moved)) {
      // A live lock replaced the stale one between our read and the rename: put it back.
      try {
        fs.renameSync(aside, file);
      } catch {
        /* best effort */
      }
      continue;
    }
    fs.rmSync(aside, { force: true });
  }
  const info = readLock(file);
  throw new InputError(`${what} ${dir} is in use by process ${info?.pid ?? '?'} (lock ${file}); wait for it to finish or stop it`);
}

function removeIfOurs(file: string): void {
  const info = readLock(file);
  if (info !== null && info.pid === process.pid) fs.rmSync(file, { force: true });
}

const TEMP_RE = /^\..+\.tmp-(\d+)-[0-9a-f]{12}$/;

/**
 * Remove temp files of atomic writes (`.NAME.tmp-PID-HEX`) in `dir` and its subfolders (down to `depth`)
 * whose writing process is dead or is not this one. Returns the number removed.
 */
export function removeStaleTemps(dir: string, depth = 3): number {
  let removed = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depth > 0) removed += removeStaleTemps(p, depth - 1);
      continue;
    }
    const m = TEMP_RE.exec(e.name);
    if (m && e.isFile() && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))) {
      try {
        fs.unlinkSync(p);
        removed++;
      } catch {
        /* gone already */
      }
    }
  }
  return removed;
}

/** Whether a file name is one of this library's bookkeeping files (the lock, temp files of atomic writes). */
export function isBookkeeping(name: string): boolean {
  return name === LOCK_FILE || name.startsWith(`${LOCK_FILE}.stale-`) || TEMP_RE.test(name);
}

/** The entries of folder `dir` that are not bookkeeping files (empty when `dir` is missing). */
export function userEntries(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => !isBookkeeping(n));
  } catch {
    return [];
  }
}
