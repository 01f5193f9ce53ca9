/** The registry of `mas` subcommands; each lives in its own module under commands/. */
import type { Command } from './command.ts';
import { selfcheck } from './commands/selfcheck.ts';
import { similarityCommand } from './commands/similarity.ts';

/** Every subcommand, in the order `mas --help` lists them. */
export const commands: Command[] = [selfcheck];
commands.push(similarityCommand);
