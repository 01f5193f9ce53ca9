/**
 * Per-model alignment maps (mas.md §2). Every map is an invertible affine map of the hooked vector,
 * `z = h F + f0` with inverse `h = z G + g0`, realized once per training step as differentiable
 * tensors:
 *  - `orthogonal` (default): F = diag(1/σ) Q, G = Qᵀ diag(σ), f0 = −(μ/σ) Q, g0 = μ (μ = 0, σ = 1
 *    unless `zscore`); Q parametrized by `expm` (default; Q = B·exp(L − Lᵀ)), `cayley` or
 *    `householder` (Q = H(v_1)⋯H(v_r)·diag(signs), r = the columns that are needed).
 *  - `gram-schmidt`: only the K aligned columns U = CGS2(V) exist (§2.3); no null block, no fill.
 *  - `invertible` (§2.4): families `relaxed-rotation` (default: W = Q·diag(δ), δ initialized at 1 so
 *    cond(W) starts at 1 and stays max|δ|/min|δ|; inverse diag(1/δ)Qᵀ exactly), `scaled-rotation`
 *    (c·Q), `spd` (C Cᵀ + 0.1 I, inverse by a differentiable float64 solve) and `signed-spd` (spd with
 *    column signs/scales s_j = tanh(p_j) + 0.1·sign(tanh p_j) and a bias).
 */
import { InputError, ShapeError, fmtShape } from '../errors.ts';
import { getBackend } from '../tensor/backend/index.ts';
import { add, columnBlock, eye, eyeF64, matmul, mul, reciprocal, scale, tanh, transpose2d, view } from '../tensor/ops/index.ts';
import { cayley, expmSkew, gramSchmidt, householderProduct, randomOrthogonal, skewFromLower } from '../tensor/orthogonal.ts';
import { Tensor, alloc, fromOp, type DType } from '../tensor/tensor.ts';
import type { Rng } from '../util/rng.ts';

/** Map type (mas.md §2). */
export type MapKind = 'orthogonal' | 'gram-schmidt' | 'invertible';
/** Orthogonal parametrization (mas.md §2.2). */
export type OrthoParam = 'expm' | 'cayley' | 'householder';
/** General invertible family (mas.md §2.4). */
export type InvertibleFamily = 'relaxed-rotation' | 'scaled-rotation' | 'spd' | 'signed-spd';

export const MAP_KINDS: readonly MapKind[] = ['orthogonal', 'gram-schmidt', 'invertible'];
export const ORTHO_PARAMS: readonly OrthoParam[] = ['expm', 'cayley', 'householder'];
export const INVERTIBLE_FAMILIES: readonly InvertibleFamily[] = ['relaxed-rotation', 'scaled-rotation', 'spd', 'signed-spd'];

/** Per-unit normalization statistics of one model (mas.md §2.1 `zscore`). */
export interface ZStats {
  mean: Float64Array;
  std: Float64Array;
}

/** Options of one model's map. */
export interface MapOptions {
  kind: MapKind;
  /** Width d_m of the hooked vector. */
  d: number;
  /** Aligned columns actually used: Σ k_v (the null block, when used, is the rest). */
  k: number;
  /** Whether every column of the map is needed (null block, learned fill). */
  full: boolean;
  param?: OrthoParam;
  family?: InvertibleFamily;
  identityInit?: boolean;
  zscore?: ZStats;
  dtype?: DType;
}

/** The realized affine map of one model for one step. Tensors carry the graph to the raw parameters. */
export interface RealizedMap {
  d: number;
  /** Forward matrix restricted to the realized columns [d, K'] (K' = k, or d when full). */
  F: Tensor;
  /** Inverse restricted to the same columns, as rows [K', d]. */
  G: Tensor;
  /** Forward offset [K'] or null (zero). */
  f0: Tensor | null;
  /** Inverse offset [d] or null (zero). */
  g0: Tensor | null;
  /** The orthogonal matrix (or its first k columns) for saving: orthogonal kinds only. */
  Q: Tensor | null;
}

/** One model's trainable alignment map. */
export interface AlignmentMap {
  readonly kind: MapKind;
  readonly d: number;
  readonly k: number;
  readonly full: boolean;
  /** Trainable leaves, in a fixed order (the optimizer's layout). */
  parameters(): Tensor[];
  /** Raw parameters and fixed buffers by name (`param.X`, `param.base`, …) for saving and resuming. */
  state(): Map<string, Tensor>;
  /** Compute F, G, f0, g0 from the current parameters (differentiable). */
  realize(): RealizedMap;
  /** cond(W) for invertible maps (2-norm), 1 for orthogonal ones. */
  condition(): number;
}

/** Differentiable inverse of a square matrix (float64 solve inside); ∂L/∂W = −Yᵀ G Yᵀ with Y = W⁻¹. */
export function matInverse(W: Tensor): Tensor {
  if (W.ndim !== 2 || W.shape[0] !== W.shape[1]) throw new ShapeError(`matInverse: needs a square matrix, got ${fmtShape(W.shape)}`);
  const n = W.shape[0];
  const Y = getBackend().solve(Float64Array.from(W.data), n, eyeF64(n), n);
  const data = alloc(W.dtype, n * n);
  data.set(Y);
  return fromOp('matInverse', data, W.shape, [W], (g) => {
    const be = getBackend();
    const t = new Float64Array(n * n);
    be.gemm(true, false, n, n, n, 1, Y, Float64Array.from(g.data), 0, t);
    const r = new Float64Array(n * n);
    be.gemm(false, true, n, n, n, -1, t, Y, 0, r);
    const o = alloc(W.dtype, n * n);
    o.set(r);
    return [new Tensor(o, W.shape)];
  });
}

function colsOf(Q: Tensor, k: number): Tensor {
  const n = Q.shape[1];
  if (k === n) return Q;
  // Differentiable column slice via a constant selector: Q·S with S = [I_k; 0].
  return matmul(Q, eye(n, Q.dtype, k));
}

/** An orthogonal matrix Q (or its first `cols` columns) from one of the parametrizations of §2.2. */
class OrthoCore {
  readonly param: OrthoParam;
  readonly d: number;
  readonly cols: number;
  private readonly X: Tensor;
  private readonly base: Tensor | null;
  private readonly signs: Tensor | null;

  constructor(param: OrthoParam, d: number, cols: number, rng: Rng, identityInit: boolean, dtype: DType, name: string) {
    this.param = param;
    this.d = d;
    this.cols = cols;
    if (param === 'householder') {
      // r = cols reflectors; identityInit: v_i = e_i (each flips one sign) and signs −1 restore I.
      const V = identityInit ? eye(d, dtype, cols) : Tensor.randn([d, cols], rng, 1, dtype);
      this.X = V.param(`${name}.param.V`);
      this.signs = Tensor.full([cols], identityInit ? -1 : 1, dtype);
      this.base = null;
    } else {
      if (param !== 'expm' && param !== 'cayley') throw new InputError(`alignment map: unknown parametrization '${String(param)}' (valid: ${ORTHO_PARAMS.join(', ')})`);
      this.X = Tensor.zeros([d, d], dtype).param(`${name}.param.X`);
      this.base = identityInit ? eye(d, dtype) : randomOrthogonal(d, rng, dtype);
      this.signs = null;
    }
  }

  parameters(): Tensor[] {
    return [this.X];
  }

  state(prefix: string): Map<string, Tensor> {
    const m = new Map<string, Tensor>();
    m.set(`${prefix}.${this.param === 'householder' ? 'V' : 'X'}`, this.X);
    if (this.base) m.set(`${prefix}.base`, this.base);
    if (this.signs) m.set(`${prefix}.signs`, this.signs);
    return m;
  }

  /** Q [d, cols]. */
  realize(): Tensor {
    if (this.param === 'householder') return mul(householderProduct(this.X, this.cols), this.signs!);
    const A = skewFromLower(this.X);
    const R = this.param === 'expm' ? expmSkew(A) : cayley(A);
    return colsOf(matmul(this.base!, R), this.cols);
  }
}

class OrthogonalMap implements AlignmentMap {
  readonly kind = 'orthogonal' as const;
  readonly d: number;
  readonly k: number;
  readonly full: boolean;
  private readonly core: OrthoCore;
  private readonly mu: Tensor | null;
  private readonly sigma: Tensor | null;
  private readonly invSigma: Tensor | null;

  constructor(o: MapOptions, rng: Rng, name: string) {
    const dtype = o.dtype ?? 'float32';
    this.d = o.d;
    this.k = o.k;
    this.full = o.full;
    this.core = new OrthoCore(o.param ?? 'expm', o.d, o.full ? o.d : o.k, rng, o.identityInit ?? false, dtype, name);
    if (o.zscore) {
      this.mu = new Tensor(alloc(dtype, o.d), [o.d]);
      this.mu.data.set(o.zscore.mean);
      this.sigma = new Tensor(alloc(dtype, o.d), [o.d, 1]);
      this.sigma.data.set(o.zscore.std);
      this.invSigma = new Tensor(alloc(dtype, o.d), [o.d, 1]);
      for (let i = 0; i < o.d; i++) this.invSigma.data[i] = 1 / o.zscore.std[i];
    } else {
      this.mu = this.sigma = this.invSigma = null;
    }
  }

  parameters(): Tensor[] {
    return this.core.parameters();
  }

  state(): Map<string, Tensor> {
    const m = this.core.state('param');
    if (this.mu && this.sigma) {
      m.set('zscore.mean', this.mu);
      m.set('zscore.std', new Tensor(this.sigma.data, [this.d]));
    }
    return m;
  }

  realize(): RealizedMap {
    const Q = this.core.realize();
    if (!this.mu || !this.sigma || !this.invSigma) return { d: this.d, F: Q, G: transpose2d(Q), f0: null, g0: null, Q };
    const F = mul(Q, this.invSigma); // diag(1/σ) Q
    const muRow = new Tensor(this.mu.data, [1, this.d]);
    const f0 = scale(matmul(muRow, F), -1);
    const G = mul(transpose2d(Q), new Tensor(this.sigma.data, [1, this.d]));
    return { d: this.d, F, G, f0: reshapeRow(f0), g0: this.mu, Q };
  }

  condition(): number {
    return 1;
  }
}

function reshapeRow(t: Tensor): Tensor {
  // [1, n] → [n], keeping the graph.
  return view(t, [t.shape[1]], 'reshapeRow');
}

class GramSchmidtMap implements AlignmentMap {
  readonly kind = 'gram-schmidt' as const;
  readonly d: number;
  readonly k: number;
  readonly full = false;
  private readonly V: Tensor;

  constructor(o: MapOptions, rng: Rng, name: string) {
    const dtype = o.dtype ?? 'float32';
    if (o.full) throw new InputError('gram-schmidt maps hold only the k aligned columns: the null variable, zscore and learned fill need map orthogonal');
    if (o.zscore) throw new InputError('gram-schmidt maps do not support zscore; use map orthogonal');
    this.d = o.d;
    this.k = o.k;
    this.V = o.identityInit ? eye(o.d, dtype, o.k) : Tensor.randn([o.d, o.k], rng, 1, dtype);
    this.V.param(`${name}.param.V`);
  }

  parameters(): Tensor[] {
    return [this.V];
  }

  state(): Map<string, Tensor> {
    return new Map([['param.V', this.V]]);
  }

  realize(): RealizedMap {
    const U = gramSchmidt(this.V);
    return { d: this.d, F: U, G: transpose2d(U), f0: null, g0: null, Q: U };
  }

  condition(): number {
    return 1;
  }
}

class InvertibleMap implements AlignmentMap {
  readonly kind = 'invertible' as const;
  readonly d: number;
  readonly k: number;
  readonly full: boolean;
  readonly family: InvertibleFamily;
  private readonly core: OrthoCore | null;
  private readonly P: Tensor;
  private readonly bias: Tensor | null;
  private signP: Tensor | null = null;
  private last: Tensor | null = null;

  constructor(o: MapOptions, rng: Rng, name: string) {
    const dtype = o.dtype ?? 'float32';
    if (o.zscore) throw new InputError('zscore applies to orthogonal maps only');
    this.d = o.d;
    this.k = o.k;
    this.full = true;
    this.family = o.family ?? 'relaxed-rotation';
    const d = o.d;
    switch (this.family) {
      case 'relaxed-rotation':
        this.core = new OrthoCore(o.param ?? 'expm', d, d, rng, o.identityInit ?? false, dtype, name);
        this.P = Tensor.full([d], 1, dtype).param(`${name}.param.delta`);
        this.bias = null;
        break;
      case 'scaled-rotation':
        this.core = new OrthoCore(o.param ?? 'expm', d, d, rng, o.identityInit ?? false, dtype, name);
        this.P = Tensor.full([1], 1, dtype).param(`${name}.param.scale`);
        this.bias = null;
        break;
      case 'spd':
      case 'signed-spd': {
        this.core = null;
        // C = √0.9·(identity or random orthogonal) gives W = 0.9 I + 0.1 I = I at init (cond 1).
        const C = o.identityInit ? eye(d, dtype) : randomOrthogonal(d, rng, dtype);
        for (let i = 0; i < C.size; i++) C.data[i] *= Math.sqrt(0.9);
        this.P = C.param(`${name}.param.C`);
        // p_j = atanh(0.9) gives s_j = 0.9 + 0.1 = 1 at init.
        this.bias = this.family === 'signed-spd' ? Tensor.zeros([d], dtype).param(`${name}.param.bias`) : null;
        if (this.family === 'signed-spd') this.signP = Tensor.full([1, d], Math.atanh(0.9), dtype).param(`${name}.param.p`);
        break;
      }
      default:
        throw new InputError(`alignment map: unknown invertible family '${String(this.family)}' (valid: ${INVERTIBLE_FAMILIES.join(', ')})`);
    }
  }

  parameters(): Tensor[] {
    return [...(this.core?.parameters() ?? []), this.P, ...(this.signP ? [this.signP] : []), ...(this.bias ? [this.bias] : [])];
  }

  state(): Map<string, Tensor> {
    const m = this.core ? this.core.state('param') : new Map<string, Tensor>();
    m.set(`param.${this.family === 'relaxed-rotation' ? 'delta' : this.family === 'scaled-rotation' ? 'scale' : 'C'}`, this.P);
    if (this.signP) m.set('param.p', this.signP);
    if (this.bias) m.set('param.bias', this.bias);
    return m;
  }

  realize(): RealizedMap {
    const d = this.d;
    let W: Tensor;
    let G: Tensor;
    if (this.core) {
      const Q = this.core.realize();
      if (this.family === 'relaxed-rotation') {
        const delta = safeScale(this.P, 0.01); // δ_j + 0.01·sign(δ_j): W = Q diag(δ), W⁻¹ = diag(1/δ) Qᵀ
        W = mul(Q, delta);
        G = mul(transpose2d(Q), asColumn(reciprocal(delta)));
      } else {
        W = mul(Q, this.P);
        G = mul(transpose2d(Q), reciprocal(this.P));
      }
    } else {
      const C = this.P;
      const CCt = matmul(C, C, { transB: true });
      W = add(CCt, scale(eye(d, C.dtype), 0.1));
      if (this.signP) {
        const t = tanh(this.signP);
        W = mul(W, safeScale(t, 0.1));
      }
      G = matInverse(W);
    }
    this.last = W;
    const b = this.bias;
    let g0: Tensor | null = null;
    if (b) {
      const r = matmul(view(b, [1, d], 'asRow'), G);
      g0 = reshapeRow(scale(r, -1));
    }
    return { d, F: W, G, f0: b, g0, Q: null };
  }

  condition(): number {
    const W = this.last ?? this.realize().F;
    const s = getBackend().svd(Float64Array.from(W.data), this.d, this.d).s;
    return s[0] / s[s.length - 1];
  }
}

/** x + c·sign(x), elementwise (sign(0) = +1), differentiable (derivative 1). */
function safeScale(x: Tensor, c: number): Tensor {
  const o = alloc(x.dtype, x.size);
  for (let i = 0; i < x.size; i++) o[i] = x.data[i] + (x.data[i] >= 0 ? c : -c);
  return fromOp('safeScale', o, x.shape, [x], (g) => [g]);
}

/** A vector [d] (or row [1, d]) as a column [d, 1], keeping the graph. */
function asColumn(x: Tensor): Tensor {
  return view(x, [x.size, 1], 'rowToCol');
}

/** Build one model's alignment map; `name` prefixes parameter names (e.g. `maps.0`). */
export function createMap(o: MapOptions, rng: Rng, name: string): AlignmentMap {
  if (!Number.isInteger(o.d) || o.d < 1) throw new InputError(`alignment map: width d must be a positive integer, got ${o.d}`);
  if (!Number.isInteger(o.k) || o.k < 0 || o.k > o.d) throw new InputError(`alignment map: k = ${o.k} must be in [0, d = ${o.d}]`);
  switch (o.kind) {
    case 'orthogonal':
      return new OrthogonalMap(o, rng, name);
    case 'gram-schmidt':
      if (o.k === 0) throw new InputError('gram-schmidt maps need k ≥ 1');
      return new GramSchmidtMap(o, rng, name);
    case 'invertible':
      return new InvertibleMap(o, rng, name);
    default:
      throw new InputError(`alignment map: unknown map type '${String(o.kind)}' (valid: ${MAP_KINDS.join(', ')})`);
  }
}

/** Column, row and entry blocks now live in tensor/ops (re-exported here for existing importers). */
export { columnBlock, rowBlock, vecBlock } from '../tensor/ops/index.ts';
