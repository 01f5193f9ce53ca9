#!/usr/bin/env node
// Copies the small records of one `mas reproduce NAME` run into docs/results/NAME/LABEL/ (no weights):
//   result.json, config.json            the reproduction's figures and settings (DIR/NAME/)
//   stages/<stage id>/{stage.json, result.json, config.json, unwanted.json, similarity.json, summary.json}
// for every stage the reproduction ran (its model stages included).
// usage: node scripts/results-collect.mjs DIR NAME LABEL
import * as fs from 'node:fs';
import * as path from 'node:path';

const [dir, name, label] = process.argv.slice(2);
if (!dir || !name || !label) {
  console.error('usage: node scripts/results-collect.mjs DIR NAME LABEL');
  process.exit(2);
}
const src = path.join(dir, name);
for (const f of ['result.json', 'config.json']) {
  if (!fs.existsSync(path.join(src, f))) {
    console.error(`results-collect: ${path.join(src, f)} is missing (has the reproduction finished?)`);
    process.exit(2);
  }
}
const dest = path.join('docs', 'results', name, label);
fs.rmSync(dest, { recursive: true, force: true });
fs.mkdirSync(dest, { recursive: true });
for (const f of ['result.json', 'config.json']) fs.copyFileSync(path.join(src, f), path.join(dest, f));
const KEEP = ['stage.json', 'result.json', 'config.json', 'unwanted.json', 'similarity.json', 'summary.json', 'report.json'];
const stageIds = [];
const walk = (d) => {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory() && e.name !== 'checkpoint') walk(p);
  }
  if (fs.existsSync(path.join(d, 'stage.json'))) stageIds.push(path.relative(dir, d));
};
walk(src);
const cfg = JSON.parse(fs.readFileSync(path.join(src, 'config.json'), 'utf8'));
for (const m of new Set((cfg.commands ?? []).map((c) => /^mas train .* --out (\S+)/.exec(c)?.[1]).filter(Boolean))) {
  if (fs.existsSync(path.join(dir, m, 'stage.json'))) stageIds.push(m);
}
for (const id of stageIds) {
  const to = path.join(dest, 'stages', id);
  fs.mkdirSync(to, { recursive: true });
  for (const f of KEEP) if (fs.existsSync(path.join(dir, id, f))) fs.copyFileSync(path.join(dir, id, f), path.join(to, f));
}
console.log(`${dest}: ${stageIds.length} stages`);
