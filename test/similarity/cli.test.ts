/** `mas similarity`: JSON and table output, --ci/--permutations, --list, and one-line errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { writeNpy } from '../../src/io/npy.ts';
import { listMeasures, similarity } from '../../src/similarity/index.ts';
import { Rng } from '../../src/util/rng.ts';
import { pair } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'mas-sim-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { x, y } = pair(new Rng(1), 40, 5, 4);
const fx = join(dir, 'x.npy');
const fy = join(dir, 'y.npy');
const fshort = join(dir, 'short.npy');
writeNpy(fx, x.data, [40, 5]);
writeNpy(fy, y.data, [40, 4]);
writeNpy(fshort, y.data.slice(0, 36), [9, 4]);

const run = runCli;

type Entry = { id: string; kind: string; value: number; ci: [number, number] | null; p: number | null };

test('--json prints exactly one object keyed by the given names, each {id, kind, value, ci, p} (docs/cli-json.md)', async () => {
  const r = await run(['similarity', fx, fy, '--measure', 'cka,rsa,procrustes-angular', '--json']);
  assert.equal(r.code, 0);
  const o = JSON.parse(r.out) as Record<string, Entry>;
  assert.deepEqual(Object.keys(o), ['cka', 'rsa', 'procrustes-angular']);
  for (const e of Object.values(o)) assert.deepEqual(Object.keys(e), ['id', 'kind', 'value', 'ci', 'p']);
  assert.deepEqual(o.cka, { id: 'cka-linear', kind: 'similarity', value: similarity('cka-linear', x, y).value, ci: null, p: null });
  assert.equal(o.rsa.value, similarity('rsa-correlation-spearman', x, y).value);
  assert.equal(o['procrustes-angular'].kind, 'distance');
});

test('--ci and --permutations add ci and p, deterministic under --seed', async () => {
  const args = ['similarity', fx, fy, '-m', 'cka', '--ci', '--bootstrap', '50', '--permutations', '19', '--seed', '4', '--json'];
  const a = JSON.parse((await run(args)).out) as Record<string, Entry>;
  const b = JSON.parse((await run(args)).out) as typeof a;
  assert.deepEqual(a, b);
  assert.deepEqual(Object.keys(a.cka), ['id', 'kind', 'value', 'ci', 'p'], 'the same shape as without --ci');
  const ci = a.cka.ci!;
  assert.ok(ci[0] <= a.cka.value + 0.05 && ci[1] >= a.cka.value - 0.05);
  assert.equal(a.cka.p, 1 / 20);
});

test('table output names each measure with its direction', async () => {
  const r = await run(['similarity', fx, fy, '-m', 'cka,procrustes']);
  assert.equal(r.code, 0);
  assert.match(r.out, /cka-linear\s+0\.\d{6}\s+similarity \(higher = more alike\)/);
  assert.match(r.out, /procrustes-angular\s+0\.\d{6}\s+distance \(lower = more alike\)/);
});

test('--list shows every measure; --list --json gives the metadata', async () => {
  const t = await run(['similarity', '--list']);
  for (const m of listMeasures()) assert.ok(t.out.includes(m.id), m.id);
  const j = JSON.parse((await run(['similarity', '--list', '--json'])).out) as { measures: { id: string; kind: string }[] };
  assert.equal(j.measures.length, listMeasures().length);
  assert.equal(j.measures.find((m) => m.id === 'procrustes-angular')?.kind, 'distance');
});

test('errors are one line with a non-zero exit: shapes, unknown measure, unknown flag', async () => {
  const a = await run(['similarity', fx, fshort]);
  assert.notEqual(a.code, 0);
  assert.equal(a.err.split('\n').length, 1);
  assert.match(a.err, /40×5.*9×4/);
  const b = await run(['similarity', fx, fy, '-m', 'cka-lineer']);
  assert.notEqual(b.code, 0);
  assert.match(b.err, /did you mean 'cka-linear'/);
  const c = await run(['similarity', fx, fy, '--bogus']);
  assert.notEqual(c.code, 0);
  assert.match(c.err, /bogus/);
  const d = await run(['similarity', fx]);
  assert.notEqual(d.code, 0);
});
