// model-alignment-search from plain JavaScript (Node >= 20, ESM, no TypeScript loader):
// compare two representations of the same 200 stimuli with three similarity measures.
import { Rng, linalg, similarity } from 'model-alignment-search';

const rng = new Rng(7); // every random draw comes from an explicit seed
const n = 200; // samples (rows)
const p = 16; // features (columns)
const X = linalg.mat(n, p, Float64Array.from({ length: n * p }, () => rng.normal()));
// Y: X turned by a random rotation, plus a little noise.
const { q } = linalg.qr(linalg.mat(p, p, Float64Array.from({ length: p * p }, () => rng.normal())));
const XQ = linalg.matmul(X, q);
const Y = linalg.mat(n, p, XQ.data.map((v) => v + 0.1 * rng.normal()));

const values = {};
for (const id of ['cka-linear', 'rsa', 'procrustes-angular']) values[id] = similarity(id, X, Y).value;
console.log(JSON.stringify({ measures: similarity.listMeasures().length, values }));
