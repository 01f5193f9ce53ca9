#!/usr/bin/env node
// The `mas` command. Runs the TypeScript sources directly through tsx, so a checkout works
// after `npm install` with no separate build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
