/**
 * A closed pipe is not an error: when the reader of stdout or stderr goes away (`mas similarity --list |
 * head -1`), the command stops quietly with exit code 0 instead of printing an EPIPE stack.
 */

let installed = false;

/** Make EPIPE on stdout/stderr end the process quietly (idempotent). */
export function quietOnClosedPipe(): void {
  if (installed) return;
  installed = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

/** Whether an error is a write to a closed pipe. */
export function isClosedPipe(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}
