import assert from 'node:assert/strict';
import { test } from 'node:test';
import { erf, erfc, normalCdf } from '../../src/tensor/erf.ts';
import { fixture } from './helpers.ts';

function rel(a: number, b: number): number {
  return b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b);
}

test('erf matches known values to 1e-15 relative', () => {
  const known: [number, number][] = [
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [-3, -0.9999779095030014],
    [0, 0],
  ];
  for (const [x, v] of known) assert.ok(rel(erf(x), v) <= 1e-15, `erf(${x}) = ${erf(x)} vs ${v}`);
  assert.ok(Number.isNaN(erf(NaN)));
  assert.equal(erf(Infinity), 1);
  assert.equal(erf(-Infinity), -1);
});

test('erf and erfc match scipy to 1e-13 relative over all three ranges', () => {
  const f = fixture<{ erf: { x: number[]; erf: number[]; erfc: number[] } }>('ops.json').erf;
  let worstErf = 0;
  let worstErfc = 0;
  for (let i = 0; i < f.x.length; i++) {
    worstErf = Math.max(worstErf, rel(erf(f.x[i]), f.erf[i]));
    if (f.erfc[i] > 1e-300) worstErfc = Math.max(worstErfc, rel(erfc(f.x[i]), f.erfc[i]));
  }
  assert.ok(worstErf <= 1e-13, `erf worst relative error ${worstErf}`);
  assert.ok(worstErfc <= 1e-13, `erfc worst relative error ${worstErfc}`);
});

test('erf is odd and normalCdf is consistent', () => {
  for (const x of [0.1, 0.7, 1.3, 3.9, 4.2, 6]) {
    assert.equal(erf(-x), -erf(x));
    assert.ok(Math.abs(normalCdf(x) + normalCdf(-x) - 1) < 1e-15);
  }
  assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-15);
});
