/**
 * Guards for output paths given by the user: an output may not be, or lie inside, one of the command's
 * inputs (so `mas activations --out M/model.safetensors` cannot overwrite its own model), and an output
 * of a known format must carry that format's extension.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors.ts';

/** The real path of `p`: symlinks resolved for the part that exists, the missing tail appended as given. */
export function realPathOf(p: string): string {
  let head = path.resolve(p);
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(head), ...tail.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return path.resolve(p);
      tail.push(path.basename(head));
      head = parent;
    }
  }
}

/** Whether `inner` is `outer` or lies inside it (both real paths). */
function within(inner: string, outer: string): boolean {
  const rel = path.relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Refuse (InputError) an output path that is one of `inputs` or lies inside one of them (symlinks
 * resolved). `option` names the flag in the message, e.g. '--out'.
 */
export function refuseOutputInsideInputs(out: string, inputs: readonly string[], option = '--out'): void {
  const o = realPathOf(out);
  for (const input of inputs) {
    const i = realPathOf(input);
    if (o === i) throw new InputError(`${option} ${out} is the input ${input}; write the output somewhere else`);
    if (within(o, i) && isDir(i)) throw new InputError(`${option} ${out} lies inside the input ${input}; write the output somewhere else`);
  }
}

/** Refuse (InputError) an output file whose name does not end with `ext` (e.g. '.npy'). */
export function requireExtension(out: string, ext: string, option = '--out'): void {
  if (!out.toLowerCase().endsWith(ext.toLowerCase()) || path.basename(out).length <= ext.length) {
    throw new InputError(`${option} ${out}: the output is ${ext.slice(1)}, so its name must end in ${ext} (e.g. ${path.join(path.dirname(out), 'out' + ext)})`);
  }
}

/** Refuse (InputError) an output file that is an existing folder. */
export function refuseFolderAsFile(out: string, option = '--out'): void {
  if (isDir(out)) throw new InputError(`${option} ${out} is a folder; give a file name`);
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
