// No import cycles under src/ (type-only imports included), checked by scripts/check-cycles.mjs;
// and the checker itself finds a planted cycle.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const script = path.resolve('scripts/check-cycles.mjs');

test('src/ has no import cycle', () => {
  const r = spawnSync(process.execPath, [script, 'src'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, / 0 import cycle\(s\)/);
});

test('the checker reports a planted cycle through a type-only import', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-cycles-'));
  fs.writeFileSync(path.join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const a = b;\n");
  fs.writeFileSync(path.join(dir, 'b.ts'), "import type { C } from './c.ts';\nexport const b: C = 1;\n");
  fs.writeFileSync(path.join(dir, 'c.ts'), "import { a } from './a.ts';\nexport type C = typeof a;\n");
  fs.writeFileSync(path.join(dir, 'd.ts'), "import { a } from './a.ts';\nexport const d = a;\n");
  const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 1);
  assert.match(r.stdout, /cycle: a\.ts <-> b\.ts <-> c\.ts/);
  assert.match(r.stdout, /4 files, 1 import cycle/);
});
