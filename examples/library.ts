// model-alignment-search from TypeScript (compile with `module: nodenext`; run the emitted JavaScript).
// The same comparison as library.mjs, with types, a subpath import, and a typed error.
import { MasError, Rng, linalg, similarity, type Mat, type SimilarityResult } from 'model-alignment-search';
import { listMeasures, type MeasureMeta } from 'model-alignment-search/similarity';

function gaussian(rows: number, cols: number, rng: Rng): Mat {
  return linalg.mat(rows, cols, Float64Array.from({ length: rows * cols }, () => rng.normal()));
}

const rng = new Rng(7);
const X = gaussian(200, 16, rng);
const { q } = linalg.qr(gaussian(16, 16, rng));
const Y: Mat = linalg.mat(200, 16, linalg.matmul(X, q).data.map((v) => v + 0.1 * rng.normal()));

const cka: SimilarityResult = similarity('cka-linear', X, Y);
const invariant: MeasureMeta[] = listMeasures().filter((m) => m.invariances.orthogonal);
let code = '';
try {
  similarity('cka-linear', X, gaussian(100, 16, rng)); // 100 rows against 200: a ShapeError
} catch (e) {
  if (e instanceof MasError) code = e.code; // 'E_SHAPE'
  else throw e;
}
console.log(JSON.stringify({ cka: cka.value, n: cka.n, orthogonalInvariant: invariant.length, errorCode: code }));
