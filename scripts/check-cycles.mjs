#!/usr/bin/env node
// Import-cycle check: follows every relative import (type-only imports included) under the given
// folders of src/ and prints each cycle; exits 1 when there is one. Usage:
//   node scripts/check-cycles.mjs [src/experiments src/align …]   (default: src)
import * as fs from 'node:fs';
import * as path from 'node:path';

const roots = process.argv.slice(2).length ? process.argv.slice(2) : ['src'];
const files = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(path.resolve(p));
  }
};
for (const r of roots) walk(r);
const inScope = new Set(files);
const edges = new Map();
const re = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/g;
for (const f of files) {
  const text = fs.readFileSync(f, 'utf8');
  const out = new Set();
  for (const m of text.matchAll(re)) {
    const target = path.resolve(path.dirname(f), m[1]);
    if (inScope.has(target)) out.add(target);
  }
  edges.set(f, [...out]);
}
// Tarjan's strongly connected components.
let index = 0;
const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], sccs = [];
const strong = (v) => {
  idx.set(v, index); low.set(v, index); index++;
  stack.push(v); onStack.add(v);
  for (const w of edges.get(v)) {
    if (!idx.has(w)) { strong(w); low.set(v, Math.min(low.get(v), low.get(w))); }
    else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const c = [];
    let w;
    do { w = stack.pop(); onStack.delete(w); c.push(w); } while (w !== v);
    if (c.length > 1 || edges.get(v).includes(v)) sccs.push(c);
  }
};
for (const f of files) if (!idx.has(f)) strong(f);
const rel = (f) => path.relative(process.cwd(), f);
for (const c of sccs) console.log(`cycle: ${c.map(rel).sort().join(' <-> ')}`);
console.log(`${files.length} files, ${sccs.length} import cycle(s) under ${roots.join(', ')}`);
process.exit(sccs.length ? 1 : 0);
