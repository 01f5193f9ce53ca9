#!/usr/bin/env node
// Tables of docs/results.md from the committed records docs/results/NAME/LABEL/{result.json, config.json}
// (written by `mas reproduce NAME --json` and copied by scripts/results-collect.mjs). Prints every table;
// with --write, replaces each block between `<!-- results-doc: NAME/LABEL -->` and `<!-- /results-doc -->`
// in docs/results.md. No retraining: only the JSON records are read.
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join('docs', 'results');
const f3 = (x) => (typeof x === 'number' ? x.toFixed(3) : '–');

/** "mean ± sd (per seed)" for a path into the result, or the single value. */
function cell(res, get) {
  const v = get(res);
  if (!res.n_seeds) return f3(v);
  const sd = get(res.sd);
  const per = res.per_seed.map((r) => f3(get(r))).join(', ');
  return `${f3(v)} ± ${f3(sd)} (${per})`;
}

function header(res, cfg) {
  const seeds = (res.seeds ?? cfg.seeds ?? []).map((s) => s.join('/')).join(', ');
  const n = res.n_seeds ?? 1;
  return `${cfg.quick ? '`--quick`' : 'full settings'}, ${n} model seed set${n > 1 ? 's' : ''} (${seeds}); mean ± sd (per seed) where n > 1`;
}

const TABLES = {
  'unwanted-exchanges': (res, cfg) => {
    const rows = ['mas', 'stitch', 'das'].map((m) => `| ${m} | ${cell(res, (r) => r?.methods?.[m]?.iia)} | ${cell(res, (r) => r?.methods?.[m]?.unwanted)} |`);
    return [header(res, cfg), '', `| method (k = ${res.k}) | iia (follows the count-only counterfactual) | unwanted (follows the source's phase and count) |`, '|---|---|---|', ...rows].join('\n');
  },
  'cross-task': (res, cfg) => {
    return [
      header(res, cfg),
      '',
      `| k = ${res.k}, values ${res.values?.join('–')} | IIA |`,
      '|---|---|',
      `| within task: Count ↔ Count (Multi-Object seeds), mean of 0→1 and 1→0 | ${cell(res, (r) => r?.within_task_iia)} |`,
      `| cross task: Count ↔ Cumu Val (Multi-Object ↔ Arithmetic), mean of 0→1 and 1→0 | ${cell(res, (r) => r?.cross_task_iia)} |`,
    ].join('\n');
  },
};

function generic(res, cfg) {
  const first = res.per_seed ? res.per_seed[0] : res;
  const rows = Object.entries(first)
    .filter(([, v]) => v && typeof v === 'object' && 'cross_iia' in v)
    .map(([k]) => `| ${k} | ${cell(res, (r) => r?.[k]?.cross_iia)} | ${cell(res, (r) => r?.[k]?.within_iia)} |`);
  return [header(res, cfg), '', '| alignment | cross-model IIA | within-model IIA |', '|---|---|---|', ...rows].join('\n');
}

const blocks = new Map();
if (fs.existsSync(ROOT)) {
  for (const name of fs.readdirSync(ROOT).sort()) {
    const nd = path.join(ROOT, name);
    if (!fs.statSync(nd).isDirectory()) continue;
    for (const label of fs.readdirSync(nd).sort()) {
      const f = path.join(nd, label, 'result.json');
      if (!fs.existsSync(f)) continue;
      const res = JSON.parse(fs.readFileSync(f, 'utf8'));
      const cfg = JSON.parse(fs.readFileSync(path.join(nd, label, 'config.json'), 'utf8'));
      blocks.set(`${name}/${label}`, (TABLES[name] ?? generic)(res, cfg));
    }
  }
}
if (process.argv.includes('--write')) {
  const doc = path.join('docs', 'results.md');
  let text = fs.readFileSync(doc, 'utf8');
  for (const [key, table] of blocks) {
    const re = new RegExp(`(<!-- results-doc: ${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} -->\\n)[\\s\\S]*?(<!-- /results-doc -->)`);
    if (re.test(text)) text = text.replace(re, `$1${table}\n$2`);
  }
  fs.writeFileSync(doc, text);
} else {
  for (const [key, table] of blocks) console.log(`--- ${key}\n${table}\n`);
}
