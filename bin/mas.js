#!/usr/bin/env node
// The `mas` command: runs the compiled library in dist/ with plain Node (`npm install` builds it
// through the `prepare` script; `npm run build` rebuilds it after editing src/).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  console.error("mas: error: dist/ is missing; run 'npm run build' (or 'npm install') in the package folder first");
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2), { signals: true });
