/**
 * `npm run bench [-- CASE…] [--list] [--backends=native,wasm]`: run the named benchmark cases (all by
 * default) and print one JSON line per case. Figures are ratios against references run in the same
 * process run. `--backends=a,b` runs every case once per listed backend in this one process (e.g.
 * wasm next to native; default: the active backend), one line each.
 */
import { backendNames, getBackend, getBackendByName, setBackend } from '../src/tensor/backend/index.ts';
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
const backendsArg = args.find((a) => a.startsWith('--backends='));
const wanted = backendsArg ? backendsArg.slice('--backends='.length).split(',').filter((x) => x !== '') : [];
const badBackend = wanted.filter((b) => !(backendNames as readonly string[]).includes(b));
if (badBackend.length > 0) {
  console.error(`bench: unknown backend(s): ${badBackend.join(', ')} (choose from ${backendNames.join(', ')})`);
  process.exit(2);
}
const backends = wanted.length > 0 ? wanted.map((b) => getBackendByName(b as (typeof backendNames)[number])) : [getBackend()];
for (const c of selected) {
  for (const be of backends) {
    setBackend(be);
    process.stderr.write(`bench: ${c.name} on backend ${be.name}, threads ${be.getThreads()}\n`);
    const res = await c.run();
    console.log(JSON.stringify({ case: c.name, backend: be.name, ...res }));
  }
}
