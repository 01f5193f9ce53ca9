/**
 * The measure registry (similarity.md §1.4, §7): canonical ids, aliases, parametrized ids
 * (`cka-rbf-0.5`, `svcca-0.99`, `shape-0.5-angular`, `mutual-knn-10`, …) and per-measure metadata.
 * `resolveMeasure(name)` turns any accepted name into its canonical id, metadata and function.
 */
import { InputError, closest } from '../errors.ts';
import type { Mat } from '../tensor/linalg.ts';
import { cca, pwcca, svcca } from './cca.ts';
import { ckaLinear, ckaLinearAngular, ckaLinearMinibatch, ckaRbf } from './cka.ts';
import { cknna, jaccardKnn, mutualKnn } from './knn.ts';
import { hardMatch, semiMatch, softMatch } from './matching.ts';
import { procrustesAngular, procrustesEuclidean, shapeAngular } from './procrustes.ts';
import { refCka, refRsa } from './reference.ts';
import { linregR2, ridgeR2, ridgeR2Cv, symmetrize } from './regression.ts';
import { rsa, type RdmComparator, type RdmKind } from './rsa.ts';
import type { MeasureValue, ZscoreOptions } from './util.ts';

/** Similarity (larger = more alike) or distance (0 for identical inputs). */
export type MeasureKind = 'similarity' | 'distance';

/** Which transformation groups (applied to either argument alone) leave the value unchanged (§1.3). */
export interface Invariances {
  translation: boolean;
  isotropicScaling: boolean;
  orthogonal: boolean;
  invertibleLinear: boolean;
  permutation: boolean;
  perUnitAffine: boolean;
}

/** Metadata of one registered measure (§1.4). */
export interface MeasureMeta {
  id: string;
  family: string;
  kind: MeasureKind;
  largerIsMoreSimilar: boolean;
  symmetric: boolean;
  metric: boolean;
  range: [number, number];
  invariances: Invariances;
  /** The static minimum number of samples. */
  minSamples: number;
  /** The rule behind minSamples when it depends on the data (e.g. "r_x + r_y + 1"). */
  minSamplesRule: string;
  highDim: 'exact' | 'degenerate-error' | 'regularized';
  stochastic: boolean;
  reference: string;
  description: string;
}

/** Options of a measure call. */
export interface MeasureOptions extends ZscoreOptions {
  /** Seed of stochastic measures (minibatch shuffle, CV folds); default 0. */
  seed?: number;
}

/** A resolved measure: metadata plus the function computing it on validated (samples × features) input. */
export interface Measure {
  meta: MeasureMeta;
  compute(x: Mat, y: Mat, opts?: MeasureOptions): MeasureValue;
}

/** One family of ids, for listings: the pattern and the ids shown as examples. */
export interface FamilyInfo {
  family: string;
  pattern: string;
  examples: string[];
}

const GROUPS: Record<string, keyof Invariances> = {
  T: 'translation',
  S: 'isotropicScaling',
  O: 'orthogonal',
  L: 'invertibleLinear',
  P: 'permutation',
  A: 'perUnitAffine',
};

/** Invariances from the §7 letters, e.g. inv('TSOP'). */
export function inv(letters: string): Invariances {
  const out: Invariances = { translation: false, isotropicScaling: false, orthogonal: false, invertibleLinear: false, permutation: false, perUnitAffine: false };
  for (const ch of letters) out[GROUPS[ch]] = true;
  return out;
}

type MetaInput = Pick<MeasureMeta, 'id' | 'family' | 'invariances' | 'reference' | 'description'> & Partial<MeasureMeta>;

function meta(m: MetaInput): MeasureMeta {
  const kind = m.kind ?? 'similarity';
  return {
    kind,
    largerIsMoreSimilar: kind === 'similarity',
    symmetric: true,
    metric: false,
    range: [0, 1],
    minSamples: 4,
    minSamplesRule: '4',
    highDim: 'exact',
    stochastic: false,
    ...m,
  } as MeasureMeta;
}

const NUM = String.raw`(\d+(?:\.\d+)?|\.\d+)`;
const HALF_PI = Math.PI / 2;

/** Canonical decimal spelling of a parameter ("0.50" → "0.5", ".5" → "0.5"). */
function canon(s: string): string {
  return String(Number(s));
}

const ALIASES: Record<string, string> = {
  cka: 'cka-linear',
  'cka-debiased': 'cka-linear-debiased',
  'cka-rbf': 'cka-rbf-0.5',
  'cka-linear-minibatch': 'cka-linear-minibatch-256',
  'cka-minibatch': 'cka-linear-minibatch-256',
  rsa: 'rsa-correlation-spearman',
  svcca: 'svcca-0.99',
  procrustes: 'procrustes-angular',
  'mutual-knn': 'mutual-knn-10',
  cknna: 'cknna-10',
  'jaccard-knn': 'jaccard-knn-10',
  cka_cos: 'ref-cka-cos',
  cka_l2: 'ref-cka-l2',
};
for (const p of ['raw', 'nrm']) for (const r of ['cos', 'l2']) for (const c of ['spr', 'prs']) ALIASES[`rsa_${p}_${r}_${c}`] = `ref-rsa-${p}-${r}-${c}`;

const RDM_INV: Record<RdmKind, string> = { euclidean: 'TSOP', sqeuclidean: 'TSOP', cosine: 'SOP', correlation: 'SP' };
const RSA_RDMS: RdmKind[] = ['euclidean', 'sqeuclidean', 'cosine', 'correlation'];
const RSA_CMPS: RdmComparator[] = ['spearman', 'pearson', 'kendall-a', 'kendall-b', 'cosine'];

/** Every family with its id pattern and example ids (the ids `mas similarity --list` shows). */
export const FAMILIES: FamilyInfo[] = [
  { family: 'cka', pattern: 'cka-linear[-angular|-debiased]', examples: ['cka-linear', 'cka-linear-angular', 'cka-linear-debiased'] },
  { family: 'cka', pattern: 'cka-rbf-<θ>[-debiased]', examples: ['cka-rbf-0.5', 'cka-rbf-0.5-debiased'] },
  { family: 'cka', pattern: 'cka-linear-minibatch-<b>', examples: ['cka-linear-minibatch-256'] },
  { family: 'reference', pattern: 'ref-cka-{cos|l2}', examples: ['ref-cka-cos', 'ref-cka-l2'] },
  { family: 'rsa', pattern: 'rsa-<rdm>-<comparator>', examples: RSA_RDMS.flatMap((r) => RSA_CMPS.map((c) => `rsa-${r}-${c}`)) },
  {
    family: 'reference',
    pattern: 'ref-rsa-{raw|nrm}-{cos|l2}-{spr|prs}',
    examples: ['raw', 'nrm'].flatMap((p) => ['cos', 'l2'].flatMap((r) => ['spr', 'prs'].map((c) => `ref-rsa-${p}-${r}-${c}`))),
  },
  { family: 'cca', pattern: 'cca-{r2|mean}[-eps<ε>]', examples: ['cca-r2', 'cca-mean', 'cca-r2-eps0.01', 'cca-mean-eps0.01'] },
  { family: 'cca', pattern: 'svcca-<τ> | svcca-dim-<k>', examples: ['svcca-0.99', 'svcca-dim-10'] },
  { family: 'cca', pattern: 'pwcca', examples: ['pwcca'] },
  { family: 'procrustes', pattern: 'procrustes-{angular|euclidean}', examples: ['procrustes-angular', 'procrustes-euclidean'] },
  { family: 'procrustes', pattern: 'shape-<α>-angular', examples: ['shape-0-angular', 'shape-0.5-angular', 'shape-1-angular'] },
  { family: 'regression', pattern: 'linreg-r2[-sym]', examples: ['linreg-r2', 'linreg-r2-sym'] },
  { family: 'regression', pattern: 'ridge-r2-<λ>[-cv<k>][-sym]', examples: ['ridge-r2-0.1', 'ridge-r2-0.1-cv5', 'ridge-r2-0.1-sym'] },
  { family: 'knn', pattern: '{mutual|jaccard}-knn-<k>[-l2]', examples: ['mutual-knn-10', 'mutual-knn-10-l2', 'jaccard-knn-10', 'jaccard-knn-10-l2'] },
  { family: 'knn', pattern: 'cknna-<k>', examples: ['cknna-10'] },
  { family: 'matching', pattern: '{semi|hard|soft}-match-correlation', examples: ['semi-match-correlation', 'semi-match-correlation-sym', 'hard-match-correlation', 'soft-match-correlation'] },
];

/** Every example id (one per listed variant), in listing order. */
export function exampleIds(): string[] {
  return FAMILIES.flatMap((f) => f.examples);
}

/** The canonical id of an alias or id (lower-cased, parameters in plain decimals); no validation. */
export function canonicalName(name: string): string {
  const s = name.trim().toLowerCase();
  return ALIASES[s] ?? s;
}

function bad(id: string, why: string): never {
  throw new InputError(`similarity measure '${id}': ${why}`);
}

function intParam(id: string, s: string, what: string, min: number): number {
  const v = Number(s);
  if (!Number.isInteger(v) || v < min) bad(id, `${what} must be an integer ≥ ${min}, got ${s}`);
  return v;
}

/** Resolve a name (id or alias) to its measure, or throw an InputError suggesting the closest id. */
export function resolveMeasure(name: string): Measure {
  const m = tryResolve(canonicalName(name));
  if (m) return m;
  const choices = [...exampleIds(), ...Object.keys(ALIASES)];
  const c = closest(name, choices);
  throw new InputError(
    `unknown similarity measure '${name}'${c ? ` (did you mean '${c}'?)` : ''}; run 'mas similarity --list' for all ids and patterns`,
  );
}

function tryResolve(id: string): Measure | null {
  let g: RegExpMatchArray | null;
  const seedOf = (o?: MeasureOptions): number => o?.seed ?? 0;
  // ---- CKA ----
  if (id === 'cka-linear' || id === 'cka-linear-debiased') {
    const deb = id.endsWith('debiased');
    return {
      meta: meta({
        id,
        family: 'cka',
        range: deb ? [-1, 1] : [0, 1],
        invariances: inv('TSOP'),
        reference: 'Kornblith, Norouzi, Lee & Hinton 2019',
        description: deb ? 'linear CKA with the unbiased HSIC (Song et al. 2012); about 0 for independent data' : 'linear centred kernel alignment (biased HSIC)',
      }),
      compute: (x, y) => ckaLinear(x, y, { debiased: deb }),
    };
  }
  if (id === 'cka-linear-angular') {
    return {
      meta: meta({ id, family: 'cka', kind: 'distance', metric: true, range: [0, HALF_PI], invariances: inv('TSOP'), reference: 'Williams et al. 2021 (netrep LinearCKA)', description: 'arccos of linear CKA: the angle between centred Gram matrices' }),
      compute: (x, y) => ckaLinearAngular(x, y),
    };
  }
  if ((g = id.match(new RegExp(`^cka-rbf-${NUM}(-debiased)?$`)))) {
    const theta = Number(g[1]);
    if (!(theta > 0)) bad(id, 'θ must be > 0');
    const deb = g[2] !== undefined;
    return {
      meta: meta({
        id: `cka-rbf-${canon(g[1])}${deb ? '-debiased' : ''}`,
        family: 'cka',
        range: deb ? [-1, 1] : [0, 1],
        invariances: inv('TSOP'),
        reference: 'Kornblith et al. 2019',
        description: `RBF-kernel CKA, σ² = ${canon(g[1])}² × median squared distance${deb ? ', unbiased HSIC' : ''}`,
      }),
      compute: (x, y) => ckaRbf(x, y, theta, deb),
    };
  }
  if ((g = id.match(/^cka-linear-minibatch-(\d+)$/))) {
    const b = intParam(id, g[1], 'the batch size', 4);
    return {
      meta: meta({ id: `cka-linear-minibatch-${b}`, family: 'cka', range: [-1, 1], invariances: inv('TSOP'), stochastic: true, reference: 'Nguyen, Raghu & Kornblith 2021', description: `minibatch linear CKA: sums of per-batch unbiased HSIC over seeded batches of ${b} rows` }),
      compute: (x, y, o) => ckaLinearMinibatch(x, y, b, seedOf(o)),
    };
  }
  if ((g = id.match(/^ref-cka-(cos|l2)$/))) {
    const k = g[1] as 'cos' | 'l2';
    return {
      meta: meta({
        id,
        family: 'reference',
        invariances: inv('TSPA'),
        reference: 'grantsrb/mas similarity.py (cka_' + k + ')',
        description: k === 'cos' ? 'reference CKA with the kernel 1 − cos of z-scored data (= linear CKA of z-scored, row-normalized data)' : 'reference CKA with the Euclidean-distance kernel of z-scored data (= squared distance correlation)',
      }),
      compute: (x, y, o) => refCka(x, y, k, o),
    };
  }
  // ---- RSA ----
  if ((g = id.match(/^rsa-(euclidean|sqeuclidean|cosine|correlation)-(pearson|spearman|kendall-a|kendall-b|cosine)$/))) {
    const r = g[1] as RdmKind;
    const c = g[2] as RdmComparator;
    return {
      meta: meta({
        id,
        family: 'rsa',
        range: c === 'cosine' ? [0, 1] : [-1, 1],
        invariances: inv(RDM_INV[r]),
        minSamplesRule: '4',
        reference: 'Kriegeskorte, Mur & Bandettini 2008',
        description: `RSA: ${c} comparison of ${r} RDMs (strict upper triangle)`,
      }),
      compute: (x, y) => rsa(x, y, r, c),
    };
  }
  if ((g = id.match(/^ref-rsa-(raw|nrm)-(cos|l2)-(spr|prs)$/))) {
    const [p, r, c] = [g[1] as 'raw' | 'nrm', g[2] as 'cos' | 'l2', g[3] as 'spr' | 'prs'];
    return {
      meta: meta({
        id,
        family: 'reference',
        range: [-1, 1],
        invariances: inv(p === 'nrm' ? 'TSPA' : r === 'l2' ? 'TSOP' : 'SOP'),
        reference: `grantsrb/mas similarity.py (rsa_${p}_${r}_${c})`,
        description: `reference RSA: ${c === 'spr' ? 'Spearman' : 'Pearson'} of ${r === 'cos' ? '1 − cosine' : 'Euclidean'} RDMs of ${p === 'nrm' ? 'z-scored' : 'raw'} data, lower triangle with diagonal`,
      }),
      compute: (x, y, o) => refRsa(x, y, p, r, c, o),
    };
  }
  // ---- CCA ----
  if ((g = id.match(new RegExp(`^cca-(r2|mean)(?:-eps${NUM})?$`)))) {
    const stat = g[1] as 'r2' | 'mean';
    const eps = g[2] !== undefined ? Number(g[2]) : undefined;
    if (eps !== undefined && !(eps > 0)) bad(id, 'eps must be > 0');
    const reg = eps !== undefined;
    return {
      meta: meta({
        id: reg ? `cca-${stat}-eps${canon(g[2])}` : id,
        family: 'cca',
        invariances: inv(reg ? 'TSOP' : 'TSOLPA'),
        minSamples: 3,
        minSamplesRule: reg ? '3' : 'r_x + r_y + 1',
        highDim: reg ? 'regularized' : 'degenerate-error',
        reference: stat === 'r2' ? 'Kornblith et al. 2019 (R²_CCA)' : 'Yanai (mean canonical correlation)',
        description: `${stat === 'r2' ? 'mean squared' : 'mean'} canonical correlation${reg ? `, regularized with ε = ${canon(g[2])}·‖X̄‖²_F/p` : ''}`,
      }),
      compute: (x, y) => cca(x, y, stat, eps),
    };
  }
  if ((g = id.match(/^svcca-dim-(\d+)$/))) {
    const k = intParam(id, g[1], 'the dimension', 1);
    return {
      meta: meta({ id: `svcca-dim-${k}`, family: 'cca', invariances: inv('TSOP'), minSamples: 3, minSamplesRule: 'k_x + k_y + 1', highDim: 'degenerate-error', reference: 'Raghu, Gilmer, Yosinski & Sohl-Dickstein 2017', description: `SVCCA keeping the top ${k} singular directions, mean canonical correlation` }),
      compute: (x, y) => svcca(x, y, { dim: k }),
    };
  }
  if ((g = id.match(new RegExp(`^svcca-${NUM}$`)))) {
    const tau = Number(g[1]);
    if (!(tau > 0 && tau <= 1)) bad(id, `the variance share τ must lie in (0, 1], got ${g[1]}`);
    return {
      meta: meta({ id: `svcca-${canon(g[1])}`, family: 'cca', invariances: inv('TSOP'), minSamples: 3, minSamplesRule: 'k_x + k_y + 1', highDim: 'degenerate-error', reference: 'Raghu, Gilmer, Yosinski & Sohl-Dickstein 2017', description: `SVCCA keeping the directions that explain ${canon(g[1])} of the variance, mean canonical correlation` }),
      compute: (x, y) => svcca(x, y, { tau }),
    };
  }
  if (id === 'pwcca') {
    return {
      meta: meta({ id, family: 'cca', symmetric: false, invariances: inv('TSP'), minSamples: 3, minSamplesRule: 'r_x + r_y + 1', highDim: 'degenerate-error', reference: 'Morcos, Raghu & Bengio 2018', description: 'projection-weighted CCA; weights from the first argument (asymmetric)' }),
      compute: (x, y) => pwcca(x, y),
    };
  }
  // ---- Procrustes / shape ----
  if (id === 'procrustes-angular' || id === 'procrustes-euclidean') {
    const ang = id.endsWith('angular');
    return {
      meta: meta({
        id,
        family: 'procrustes',
        kind: 'distance',
        metric: true,
        range: ang ? [0, HALF_PI] : [0, Math.SQRT2],
        invariances: inv('TSOP'),
        reference: 'Williams, Kunz, Kornblith & Linderman 2021',
        description: ang ? 'Procrustes angle arccos ‖X̂ᵀŶ‖_* of centred, normalized data' : 'Procrustes distance min_R ‖X̂ − ŶR‖_F = sqrt(2 − 2ν) of centred, normalized data',
      }),
      compute: (x, y) => (ang ? procrustesAngular(x, y) : procrustesEuclidean(x, y)),
    };
  }
  if ((g = id.match(new RegExp(`^shape-${NUM}-angular$`)))) {
    const alpha = Number(g[1]);
    if (!(alpha >= 0 && alpha <= 1)) bad(id, `α must lie in [0, 1], got ${g[1]}`);
    // Isotropic scaling invariance holds at α ∈ {0, 1} only: netrep's partial whitening
    // α·s + (1 − α) mixes scales (see the report on similarity.md §7).
    const letters = alpha === 0 ? 'TSOLPA' : alpha === 1 ? 'TSOP' : 'TOP';
    return {
      meta: meta({
        id: `shape-${canon(g[1])}-angular`,
        family: 'procrustes',
        kind: 'distance',
        metric: true,
        range: [0, HALF_PI],
        invariances: inv(letters),
        minSamples: alpha === 0 ? 3 : 4,
        minSamplesRule: alpha === 0 ? 'r_x + r_y + 1' : '4',
        highDim: alpha === 0 ? 'degenerate-error' : 'exact',
        reference: 'Williams et al. 2021; netrep LinearMetric(alpha, score_method="angular")',
        description: `angular shape metric with partial whitening α = ${canon(g[1])} (1: Procrustes, 0: CCA angle)`,
      }),
      compute: (x, y) => shapeAngular(x, y, alpha),
    };
  }
  // ---- regression ----
  if ((g = id.match(/^linreg-r2(-sym)?$/))) {
    const sym = g[1] !== undefined;
    return {
      meta: meta({ id, family: 'regression', symmetric: sym, invariances: inv('TSOP'), highDim: 'degenerate-error', minSamplesRule: 'r_x + 2', reference: 'ReSi LinearRegression (arguments swapped)', description: sym ? 'in-sample OLS R², mean of both directions' : 'in-sample OLS R² of Y predicted from X (also invariant to invertible maps of X)' }),
      compute: (x, y) => (sym ? symmetrize(linregR2, x, y) : linregR2(x, y)),
    };
  }
  if ((g = id.match(new RegExp(`^ridge-r2-${NUM}(?:-cv(\\d+))?(-sym)?$`)))) {
    const lambda = Number(g[1]);
    if (!(lambda > 0)) bad(id, 'λ must be > 0 (use linreg-r2 for OLS)');
    const k = g[2] !== undefined ? intParam(id, g[2], 'the number of folds', 2) : undefined;
    const sym = g[3] !== undefined;
    const cid = `ridge-r2-${canon(g[1])}${k !== undefined ? `-cv${k}` : ''}${sym ? '-sym' : ''}`;
    const one = (a: Mat, b: Mat, o?: MeasureOptions): MeasureValue => (k !== undefined ? ridgeR2Cv(a, b, lambda, k, seedOf(o)) : ridgeR2(a, b, lambda));
    return {
      meta: meta({
        id: cid,
        family: 'regression',
        symmetric: sym,
        range: k !== undefined ? [-Infinity, 1] : [0, 1],
        invariances: inv('TSOP'),
        minSamples: k !== undefined ? Math.max(4, 2 * k) : 4,
        minSamplesRule: k !== undefined ? `max(4, 2k) = ${Math.max(4, 2 * k)}` : '4',
        highDim: 'regularized',
        stochastic: k !== undefined,
        reference: 'ridge regression R² with λ′ = λ‖X̄‖²_F/p_x',
        description: `ridge R² (λ = ${canon(g[1])}, scale-relative) of Y from X${k !== undefined ? `, pooled out-of-fold over ${k} seeded folds` : ', in-sample'}${sym ? ', mean of both directions' : ''}`,
      }),
      compute: (x, y, o) => (sym ? symmetrize((a, b) => one(a, b, o), x, y) : one(x, y, o)),
    };
  }
  // ---- kNN ----
  if ((g = id.match(/^(mutual|jaccard)-knn-(\d+)(-l2)?$/))) {
    const k = intParam(id, g[2], 'k', 1);
    const l2 = g[3] !== undefined;
    const mut = g[1] === 'mutual';
    return {
      meta: meta({
        id: `${g[1]}-knn-${k}${l2 ? '-l2' : ''}`,
        family: 'knn',
        invariances: inv(l2 ? 'TSOP' : 'SOP'),
        minSamples: Math.max(4, k + 2),
        minSamplesRule: 'k + 2',
        reference: mut ? 'Huh, Cheung, Wang & Isola 2024' : 'Klabunde et al. (ReSi)',
        description: `${mut ? 'mean fraction of shared' : 'mean Jaccard index of'} ${k}-nearest-neighbour sets (${l2 ? 'Euclidean' : 'cosine'})`,
      }),
      compute: (x, y) => (mut ? mutualKnn(x, y, k, l2 ? 'l2' : 'cosine') : jaccardKnn(x, y, k, l2 ? 'l2' : 'cosine')),
    };
  }
  if ((g = id.match(/^cknna-(\d+)$/))) {
    const k = intParam(id, g[1], 'k', 2);
    return {
      // symmetric: false — the matrix-product HSIC_u on the (non-symmetric) masked kernels has
      // 1ᵀK̃L̃1 ≠ 1ᵀL̃K̃1 in general, so swapping X and Y changes the value (as in platonic-rep).
      meta: meta({ id: `cknna-${k}`, family: 'knn', symmetric: false, range: [-1, 1], invariances: inv('SOP'), minSamples: Math.max(4, k + 2), minSamplesRule: 'max(4, k + 2)', reference: 'Huh et al. 2024 (platonic-rep)', description: `CKA on mutual ${k}-nearest-neighbour pairs of cosine kernels, unbiased HSIC` }),
      compute: (x, y) => cknna(x, y, k),
    };
  }
  // ---- unit matching ----
  if ((g = id.match(/^(semi|hard|soft)-match-correlation(-sym)?$/))) {
    const kind = g[1];
    const sym = g[2] !== undefined;
    if (sym && kind !== 'semi') return null;
    return {
      meta: meta({
        id,
        family: 'matching',
        symmetric: kind !== 'semi' || sym,
        range: [-1, 1],
        invariances: inv('TSPA'),
        reference: kind === 'semi' ? 'Li, Yosinski, Clune, Lipson & Hopcroft 2016' : kind === 'hard' ? 'one-to-one matching (Hungarian); netrep PermutationMetric' : 'Khosla & Williams 2023 (soft matching)',
        description:
          kind === 'semi'
            ? `mean best correlation of each unit of X with a unit of Y${sym ? ', both directions averaged' : ''}`
            : kind === 'hard'
              ? 'mean correlation of the best one-to-one matching of units'
              : 'correlation under the optimal transport plan between units (uniform marginals)',
      }),
      compute: (x, y, o) => (kind === 'semi' ? (sym ? symmetrize((a, b) => semiMatch(a, b, o), x, y) : semiMatch(x, y, o)) : kind === 'hard' ? hardMatch(x, y, o) : softMatch(x, y, o)),
    };
  }
  return null;
}

/** Metadata of every example id (one per listed variant). */
export function listMeasures(): MeasureMeta[] {
  return exampleIds().map((id) => resolveMeasure(id).meta);
}

/** The alias table (alias → canonical id). */
export function aliases(): Record<string, string> {
  return { ...ALIASES };
}
