/**
 * `npm run bench [-- CASE…] [--list]`: run the named benchmark cases (all by default) and print one
 * JSON line per case. Figures are ratios against references run in the same process run.
 */
import { getBackend } from '../src/tensor/backend/index.ts';
import { cases } from './cases/index.ts';

const args = process.argv.slice(2);
if (args.includes('--list')) {
  for (const c of cases) console.log(`${c.name.padEnd(24)} ${c.description}`);
  process.exit(0);
}
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !cases.some((c) => c.name === n));
if (unknown.length > 0) {
  console.error(`bench: unknown case(s): ${unknown.join(', ')}; run with --list`);
  process.exit(2);
}
const selected = names.length > 0 ? cases.filter((c) => names.includes(c.name)) : cases;
const be = getBackend();
process.stderr.write(`bench: backend ${be.name}, threads ${be.getThreads()}\n`);
for (const c of selected) {
  const res = await c.run();
  console.log(JSON.stringify({ case: c.name, backend: be.name, ...res }));
}
