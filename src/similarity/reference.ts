/**
 * Measures compatible with the reference implementation (grantsrb/mas `similarity.py`;
 * similarity.md §2.6 and §3.2): RDM-kernel CKA on z-scored data (`ref-cka-cos`, `ref-cka-l2`)
 * and RSA over the lower triangle including the diagonal (`ref-rsa-{raw|nrm}-{cos|l2}-{spr|prs}`).
 */
import type { Mat } from '../tensor/linalg.ts';
import { ckaKernels } from './cka.ts';
import { lowerTriangleWithDiag, pearson, rdm, spearman } from './rsa.ts';
import { checkPair, clip, zscoreCols, type MeasureValue, type ZscoreOptions } from './util.ts';

/** Reference RDM type: 1 − cosine, or plain (not squared) Euclidean distance. */
export type RefRdm = 'cos' | 'l2';

/** `ref-cka-cos` / `ref-cka-l2`: biased-HSIC CKA with the RDM of per-unit z-scored data as kernel. */
export function refCka(x: Mat, y: Mat, kind: RefRdm, opts: ZscoreOptions = {}): MeasureValue {
  const op = `ref-cka-${kind}`;
  checkPair(op, x, y);
  const zx = zscoreCols(op, 'X', x, opts);
  const zy = zscoreCols(op, 'Y', y, opts);
  const rk = kind === 'cos' ? 'cosine' : 'euclidean';
  const v = ckaKernels(rdm(zx, rk, op, 'X'), rdm(zy, rk, op, 'Y'), 'biased', op);
  return { value: clip(v, 0, 1), details: { zscore: 'unbiased std' } };
}

/** `ref-rsa-<prep>-<rdm>-<cmp>`: Spearman/Pearson of lower-triangle-with-diagonal RDM vectors. */
export function refRsa(x: Mat, y: Mat, prep: 'raw' | 'nrm', kind: RefRdm, cmp: 'spr' | 'prs', opts: ZscoreOptions = {}): MeasureValue {
  const op = `ref-rsa-${prep}-${kind}-${cmp}`;
  checkPair(op, x, y);
  const px = prep === 'nrm' ? zscoreCols(op, 'X', x, opts) : x;
  const py = prep === 'nrm' ? zscoreCols(op, 'Y', y, opts) : y;
  const rk = kind === 'cos' ? 'cosine' : 'euclidean';
  const a = lowerTriangleWithDiag(rdm(px, rk, op, 'X'));
  const b = lowerTriangleWithDiag(rdm(py, rk, op, 'Y'));
  const v = cmp === 'spr' ? spearman(a, b, op) : pearson(a, b, op);
  return { value: v, details: { entries: a.length } };
}
