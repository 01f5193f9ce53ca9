/**
 * Entry point of the `mas` command: dispatches to one module per subcommand and turns every
 * MasError into a one-line message and a non-zero exit code (no stack traces for bad input).
 */
import { readFileSync } from 'node:fs';
import { MasError, unknownName } from '../errors.ts';
import { commands } from './commands.ts';
import { isClosedPipe, quietOnClosedPipe } from './pipe.ts';
import { runInWorkerWithSignals, runsInWorker } from './signals.ts';

/** Options of `main`. */
export interface MainOptions {
  /**
   * Run long commands in a worker thread so SIGINT/SIGTERM print a resume line (src/cli/signals.ts).
   * The `mas` executable sets it; in-process callers (tests) leave it off.
   */
  signals?: boolean;
}

/** The package version, read from package.json (two folders up from src/cli or dist/cli). */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Run the CLI with the given arguments; resolves to the process exit code. */
export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  quietOnClosedPipe();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    printUsage();
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    console.log(packageVersion());
    return 0;
  }
  try {
    const entry = commands.find((c) => c.name === name);
    if (!entry) unknownName('command', name, commands.map((c) => c.name));
    const help = rest.includes('--help') || rest.includes('-h');
    if (opts.signals && !help && runsInWorker(name)) return await runInWorkerWithSignals(argv, import.meta.url);
    const cmd = await entry.load();
    if (help) {
      console.log(cmd.help.trim());
      return 0;
    }
    return await cmd.run(rest);
  } catch (err) {
    return reportError(err);
  }
}

/** Print an error as one line; internal errors get a hint, MAS_DEBUG=1 adds the stack. */
export function reportError(err: unknown): number {
  if (isClosedPipe(err)) return 0;
  if (err instanceof MasError) {
    console.error(`mas: error: ${oneLine(err.message)}`);
    if (process.env.MAS_DEBUG === '1') console.error(err.stack);
    return 2;
  }
  // node:util parseArgs errors (unknown option, missing value) are bad input too.
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  if (err instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    console.error(`mas: error: ${err.message.split('\n')[0]}`);
    return 2;
  }
  const msg = err instanceof Error ? err.message : String(err);
  console.error(`mas: internal error: ${oneLine(msg)} (set MAS_DEBUG=1 for a stack trace)`);
  if (process.env.MAS_DEBUG === '1' && err instanceof Error) console.error(err.stack);
  return 1;
}

/** The first line of a message, at most 400 characters (a corrupt header is never echoed whole). */
export function oneLine(msg: string, max = 400): string {
  const line = msg.split('\n')[0];
  return line.length <= max ? line : `${line.slice(0, max)}… (${line.length - max} more characters)`;
}

function printUsage(): void {
  const lines = commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`);
  console.log(`usage: mas <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'mas <command> --help' for a command's options.`);
}
