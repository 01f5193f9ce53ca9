// RotatedSwap, one intervention object per swap: apply = rotate both states, swap the block, rotate
// back with the target's inverse (checked against that explicit computation for general invertible
// maps with offsets, and for ZeroMask with a learned fill); the affine form gives the same rows; a
// saved swap loads back to the same outputs.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createMap } from '../../src/align/maps.ts';
import { RotatedSwap } from '../../src/align/rotated.ts';
import { applyAffine } from '../../src/align/intervention.ts';
import { FileFormatError } from '../../src/errors.ts';
import { writeSafetensors } from '../../src/io/safetensors.ts';
import { Tensor, noGrad } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { maxDiff, randn } from './helpers.ts';

const d = 6;
const realize = (seed: number, family: 'signed-spd' | 'relaxed-rotation') =>
  noGrad(() => {
    const m = createMap({ kind: 'invertible', d, k: 2, full: true, family, dtype: 'float64' }, new Rng(seed), 'm');
    // Move the parameters off their initial values so that offsets and scales are not trivial.
    for (const p of m.parameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.3 * Math.sin(seed + i);
    return m.realize();
  });

/** The swap written out: z_t = rotate(Ht), z_s = rotate(Hs), z' = z_t with the block from z_s (or only z_s's block, plus a fill), back with the target's inverse. */
function explicit(sw: RotatedSwap, Ht: Tensor, Hs: Tensor): Tensor {
  const zt = sw.rotate(Ht, 'target');
  const zs = sw.rotate(Hs, 'source');
  const [B, K] = zt.shape;
  const z = Tensor.zeros([B, K], 'float64');
  for (let b = 0; b < B; b++) {
    for (let j = 0; j < K; j++) {
      const inBlock = j >= sw.block.start && j < sw.block.end;
      const other = sw.mask === 'fixed' ? zt.data[b * K + j] : sw.fill ? sw.fill.data[j - sw.block.end] : 0;
      z.data[b * K + j] = inBlock ? zs.data[b * K + j] : other;
    }
  }
  return sw.rotateBack(z);
}

test('FixedMask with general invertible maps (offsets): apply = rotate, swap, rotate back; affine agrees', () => {
  noGrad(() => {
    const sw = new RotatedSwap(realize(1, 'signed-spd'), realize(2, 'signed-spd'), { start: 1, end: 3 }, 'fixed');
    const Ht = randn([4, d], 3);
    const Hs = randn([4, d], 4);
    const out = sw.apply(Ht, Hs);
    assert.ok(maxDiff(out, explicit(sw, Ht, Hs)) < 1e-10);
    assert.ok(maxDiff(applyAffine(Ht, sw.affine(Hs)), out) < 1e-10);
    // The block of the result, in the target's aligned space, is the source's block.
    const zOut = sw.rotate(out, 'target');
    const zs = sw.sourceBlock(Hs);
    for (let b = 0; b < 4; b++) for (let j = 0; j < 2; j++) assert.ok(Math.abs(zOut.data[b * d + 1 + j] - zs.data[b * 2 + j]) < 1e-10);
  });
});

test('ZeroMask with a learned fill: apply = the source block and the fill, rotated back', () => {
  noGrad(() => {
    const fill = randn([d - 2], 5);
    const sw = new RotatedSwap(realize(6, 'relaxed-rotation'), realize(7, 'relaxed-rotation'), { start: 0, end: 2 }, 'zero', fill);
    const Ht = randn([3, d], 8);
    const Hs = randn([3, d], 9);
    assert.ok(maxDiff(sw.apply(Ht, Hs), explicit(sw, Ht, Hs)) < 1e-10);
    assert.ok(maxDiff(applyAffine(Ht, sw.affine(Hs)), sw.apply(Ht, Hs)) < 1e-10);
  });
});

test('save / load: the loaded swap gives bit-identical outputs; other files are refused', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mas-rotated-'));
  noGrad(() => {
    const sw = new RotatedSwap(realize(10, 'signed-spd'), realize(11, 'signed-spd'), { start: 0, end: 2 }, 'zero', randn([d - 2], 12));
    const file = path.join(dir, 'swap.safetensors');
    sw.save(file);
    const back = RotatedSwap.load(file);
    assert.deepEqual(back.block, sw.block);
    assert.equal(back.mask, 'zero');
    const Ht = randn([5, d], 13);
    const Hs = randn([5, d], 14);
    assert.deepEqual(Array.from(back.apply(Ht, Hs).data), Array.from(sw.apply(Ht, Hs).data));
    const other = path.join(dir, 'other.safetensors');
    writeSafetensors(other, { x: { shape: [1], data: new Float32Array([1]) } });
    assert.throws(() => RotatedSwap.load(other), FileFormatError);
  });
});
