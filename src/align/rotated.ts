/**
 * One intervention object per swap, as pyvene's RotatedSpaceIntervention: rotate the target and the
 * source states into the aligned space with their own maps, swap the block of aligned coordinates
 * (FixedMask) or keep only the source's block (ZeroMask, with an optional learned fill), and rotate
 * back with the target's inverse (mas.md §3–§4). `apply` uses the fused kernels of swap.ts (the
 * low-rank form for orthonormal maps), `affine` gives the h·A + c form that SequenceModel.forward
 * applies at masked positions, and `save`/`load` keep the realized pieces in a safetensors file.
 */
import { FileFormatError, InputError } from '../errors.ts';
import { readSafetensorsExact, writeSafetensors, type SafetensorsInput } from '../io/safetensors.ts';
import { add, matmul } from '../tensor/ops/index.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { TupleKey } from './data.ts';
import { affineIntervention, type AffineIntervention } from './intervention.ts';
import type { RealizedMap } from './maps.ts';
import { mapBlock, swapRows, type Block, type MaskKind } from './swap.ts';

/** The maps of one step and how they are applied. */
export interface SwapContext {
  /** Realized map of every model. */
  realized: RealizedMap[];
  /** Block of aligned coordinates of each variable index v. */
  blocks: Block[];
  mask: MaskKind;
  /** ZeroMask learned fill, per target model (or null). */
  fill: (Tensor | null)[] | null;
  /** Disable the intervention entirely (k = 0 baseline). */
  identity?: boolean;
}

const PIECES = ['F', 'G', 'f0', 'g0', 'Q'] as const;

/** Rotate, swap, rotate back: one (source → target, block) intervention. */
export class RotatedSwap {
  /** The swap with the target's and the source's realized maps. */
  constructor(
    readonly target: RealizedMap,
    readonly source: RealizedMap,
    readonly block: Block,
    readonly mask: MaskKind = 'fixed',
    readonly fill: Tensor | null = null,
  ) {}

  /** The swap of tuple `key` under a step's context, or null when it is the identity (k = 0 baseline, empty FixedMask block). */
  static of(ctx: SwapContext, key: TupleKey): RotatedSwap | null {
    const block = ctx.blocks[key.v];
    if (ctx.identity === true || (ctx.mask !== 'zero' && block.end === block.start)) return null;
    return new RotatedSwap(ctx.realized[key.trg], ctx.realized[key.src], block, ctx.mask, ctx.mask === 'zero' ? (ctx.fill?.[key.trg] ?? null) : null);
  }

  /** Aligned coordinates of rows H [B, d] on the realized columns: z = H F + f0 (`side`'s map). */
  rotate(H: Tensor, side: 'target' | 'source'): Tensor {
    const r = side === 'target' ? this.target : this.source;
    const z = matmul(H, r.F);
    return r.f0 ? add(z, r.f0) : z;
  }

  /** Back to the target's native space: h = z G + g0 (z over the realized columns). */
  rotateBack(Z: Tensor): Tensor {
    const h = matmul(Z, this.target.G);
    return this.target.g0 ? add(h, this.target.g0) : h;
  }

  /** The aligned block of the source rows, z_s[:, block] [B, k]. */
  sourceBlock(Hs: Tensor): Tensor {
    const s = mapBlock(this.source, this.block);
    const z = matmul(Hs, s.F);
    return s.f0 ? add(z, s.f0) : z;
  }

  /** h' for rows of target states Ht [B, d_t] and source states Hs [B, d_s] (differentiable in the maps and Ht). */
  apply(Ht: Tensor, Hs: Tensor): Tensor {
    return swapRows(Ht, Hs, this.target, this.source, this.block, { mask: this.mask, fill: this.fill });
  }

  /** The affine form h' = h·A + c per masked row, for source rows Hs (one per masked target position). */
  affine(Hs: Tensor): AffineIntervention | null {
    return affineIntervention(this.target, this.source, this.block, Hs, { mask: this.mask, fill: this.fill });
  }

  /** Write the realized pieces, the block, the mask and the fill to a safetensors file (atomically). */
  save(file: string): void {
    const tensors = new Map<string, SafetensorsInput>();
    for (const [side, r] of [['target', this.target], ['source', this.source]] as const) {
      for (const p of PIECES) {
        const t = r[p];
        if (t) tensors.set(`${side}.${p}`, { shape: t.shape, data: t.data });
      }
    }
    if (this.fill) tensors.set('fill', { shape: this.fill.shape, data: this.fill.data });
    writeSafetensors(file, tensors, { kind: 'mas-rotated-swap', block: `${this.block.start},${this.block.end}`, mask: this.mask, target_d: String(this.target.d), source_d: String(this.source.d) });
  }

  /** Read a swap written by `save` (same values, same dtype). */
  static load(file: string): RotatedSwap {
    const { tensors, metadata } = readSafetensorsExact(file);
    if (metadata?.kind !== 'mas-rotated-swap') throw new FileFormatError(`${file}: not a saved RotatedSwap (metadata kind '${metadata?.kind ?? ''}')`);
    const m = /^(\d+),(\d+)$/.exec(metadata.block ?? '');
    const mask = metadata.mask;
    if (!m || (mask !== 'fixed' && mask !== 'zero')) throw new FileFormatError(`${file}: bad block '${metadata.block ?? ''}' or mask '${mask ?? ''}'`);
    const piece = (name: string): Tensor | null => {
      const t = tensors.get(name);
      return t ? new Tensor(t.data, t.shape) : null;
    };
    const side = (s: 'target' | 'source'): RealizedMap => {
      const F = piece(`${s}.F`);
      const G = piece(`${s}.G`);
      if (!F || !G) throw new FileFormatError(`${file}: missing ${s}.F or ${s}.G`);
      const d = Number(metadata[`${s}_d`]);
      if (F.shape[0] !== d) throw new InputError(`${file}: ${s}.F has ${F.shape[0]} rows, the metadata says d = ${d}`);
      return { d, F, G, f0: piece(`${s}.f0`), g0: piece(`${s}.g0`), Q: piece(`${s}.Q`) };
    };
    return new RotatedSwap(side('target'), side('source'), { start: Number(m[1]), end: Number(m[2]) }, mask, piece('fill'));
  }
}
