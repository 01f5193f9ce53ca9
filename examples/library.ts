// model-alignment-search from TypeScript (compile with `module: nodenext`; run the emitted JavaScript).
// The same comparison as library.mjs, with types, a subpath import, and a typed error.
import { MasError, Rng, linalg, similarity, type Mat, type SimilarityResult } from 'model-alignment-search';
import { listMeasures, type MeasureMeta } from 'model-alignment-search/similarity';

function gaussian(rows: number, cols: number, rng: Rng): Mat {
  return linalg.mat(rows, cols, Float64Array.from({ length: rows * cols }, () => rng.normal()));
}

const rng = new Rng(7);
const n = 200;
const p = 16;
const X = gaussian(n, p, rng);
const { q } = linalg.qr(gaussian(p, p, rng));
const XQ = linalg.matmul(X, q);
const Y: Mat = linalg.mat(n, p, XQ.data.map((v) => v + 0.1 * rng.normal()));

const cka: SimilarityResult = similarity('cka-linear', X, Y);
const invariant: MeasureMeta[] = listMeasures().filter((m) => m.invariances.orthogonal);

// Bad input raises a MasError with a stable `code` (here: 100 rows against 200).
let code = '';
try {
  similarity('cka-linear', X, gaussian(100, p, rng));
} catch (e) {
  if (e instanceof MasError) code = e.code;
  else throw e;
}
console.log(JSON.stringify({ cka: cka.value, n: cka.n, orthogonalInvariant: invariant.length, errorCode: code }));
