/**
 * Unit-matching measures (similarity.md §6.4): the p_x × p_y Pearson correlation matrix between
 * units, semi-matching (best partner per unit of X), hard matching (one-to-one assignment by the
 * Hungarian algorithm) and soft matching (the exact optimal transport plan with uniform marginals,
 * by successive shortest paths on the integer-scaled transportation network).
 */
import { matmul, type Mat } from '../tensor/linalg.ts';
import { checkPair, clip, zscoreCols, type MeasureValue, type ZscoreOptions } from './util.ts';

/** Pearson correlations between the columns of X and the columns of Y (p_x × p_y). */
export function unitCorrelations(x: Mat, y: Mat, op = 'matching', opts: ZscoreOptions = {}): Mat {
  checkPair(op, x, y);
  const zx = zscoreCols(op, 'X', x, opts);
  const zy = zscoreCols(op, 'Y', y, opts);
  const c = matmul(zx, zy, true, false);
  const f = 1 / (x.rows - 1);
  for (let i = 0; i < c.data.length; i++) c.data[i] = clip(c.data[i] * f, -1, 1);
  return c;
}

/** `semi-match-correlation`: (1/p_x) Σ_i max_j C_ij (X matched into Y). */
export function semiMatch(x: Mat, y: Mat, opts: ZscoreOptions = {}): MeasureValue {
  const c = unitCorrelations(x, y, 'semi-match-correlation', opts);
  let s = 0;
  for (let i = 0; i < c.rows; i++) {
    let best = -Infinity;
    for (let j = 0; j < c.cols; j++) best = Math.max(best, c.data[i * c.cols + j]);
    s += best;
  }
  return { value: s / c.rows, details: { px: c.rows, py: c.cols } };
}

/**
 * Minimum-cost assignment of the rows of an r×c cost matrix (r ≤ c) to distinct columns
 * (Hungarian algorithm with potentials, O(r²c)); returns the column of every row.
 */
export function hungarian(cost: Float64Array, r: number, c: number): Int32Array {
  const INF = Infinity;
  const u = new Float64Array(r + 1);
  const v = new Float64Array(c + 1);
  const p = new Int32Array(c + 1); // p[j] = row (1-based) assigned to column j
  const way = new Int32Array(c + 1);
  const minv = new Float64Array(c + 1);
  const used = new Uint8Array(c + 1);
  for (let i = 1; i <= r; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(INF);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= c; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * c + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= c; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const assign = new Int32Array(r).fill(-1);
  for (let j = 1; j <= c; j++) if (p[j] > 0) assign[p[j] - 1] = j - 1;
  return assign;
}

/** `hard-match-correlation`: mean correlation of the best one-to-one matching of units. */
export function hardMatch(x: Mat, y: Mat, opts: ZscoreOptions = {}): MeasureValue {
  const c = unitCorrelations(x, y, 'hard-match-correlation', opts);
  const transpose = c.rows > c.cols;
  const r = transpose ? c.cols : c.rows;
  const cc = transpose ? c.rows : c.cols;
  const cost = new Float64Array(r * cc);
  for (let i = 0; i < r; i++) for (let j = 0; j < cc; j++) cost[i * cc + j] = -(transpose ? c.data[j * c.cols + i] : c.data[i * c.cols + j]);
  const a = hungarian(cost, r, cc);
  let s = 0;
  for (let i = 0; i < r; i++) s -= cost[i * cc + a[i]];
  return { value: s / r, details: { pairs: r, assignment: Array.from(a), rowsAre: transpose ? 'Y' : 'X' } };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Exact maximum of Σ P_ij S_ij over transport plans with row sums 1/r and column sums 1/c
 * (S is r×c); returns the plan. Successive shortest paths with potentials on the network
 * source → rows (supply c/g) → columns (demand r/g) → sink, g = gcd(r, c).
 */
export function optimalTransportUniform(score: Float64Array, r: number, c: number): Float64Array {
  const g = gcd(r, c);
  const supply = c / g;
  const demand = r / g;
  const total = (r * c) / g;
  // nodes: 0 source, 1..r rows, r+1..r+c columns, r+c+1 sink
  const V = r + c + 2;
  const S = 0;
  const T = r + c + 1;
  let maxS = -Infinity;
  for (let i = 0; i < score.length; i++) maxS = Math.max(maxS, score[i]);
  const cost = new Float64Array(r * c);
  for (let i = 0; i < score.length; i++) cost[i] = maxS - score[i]; // ≥ 0
  const flow = new Float64Array(r * c); // integer units
  const sLeft = new Float64Array(r).fill(supply);
  const tLeft = new Float64Array(c).fill(demand);
  const pot = new Float64Array(V);
  const dist = new Float64Array(V);
  const prev = new Int32Array(V);
  const done = new Uint8Array(V);
  let sent = 0;
  while (sent < total) {
    dist.fill(Infinity);
    done.fill(0);
    prev.fill(-1);
    dist[S] = 0;
    for (let iter = 0; iter < V; iter++) {
      let u = -1;
      let best = Infinity;
      for (let w = 0; w < V; w++) if (!done[w] && dist[w] < best) {
        best = dist[w];
        u = w;
      }
      if (u < 0) break;
      done[u] = 1;
      const relax = (w: number, cw: number): void => {
        if (done[w]) return; // finalized (guards against rounding-level negative reduced costs)
        const nd = dist[u] + cw + pot[u] - pot[w];
        if (nd < dist[w]) {
          dist[w] = nd;
          prev[w] = u;
        }
      };
      if (u === S) {
        for (let i = 0; i < r; i++) if (sLeft[i] > 0) relax(1 + i, 0);
      } else if (u <= r) {
        const i = u - 1;
        for (let j = 0; j < c; j++) relax(r + 1 + j, cost[i * c + j]);
      } else if (u < T) {
        const j = u - r - 1;
        for (let i = 0; i < r; i++) if (flow[i * c + j] > 0) relax(1 + i, -cost[i * c + j]);
        if (tLeft[j] > 0) relax(T, 0);
      } else {
        for (let j = 0; j < c; j++) if (tLeft[j] < demand) relax(r + 1 + j, 0);
      }
    }
    if (!Number.isFinite(dist[T])) throw new Error('optimalTransportUniform: no augmenting path (internal error)');
    // bottleneck along the path
    let push = total - sent;
    for (let w = T; w !== S; w = prev[w]) {
      const u = prev[w];
      if (u === S) push = Math.min(push, sLeft[w - 1]);
      else if (w === T) push = Math.min(push, tLeft[u - r - 1]);
      else if (u > r && w >= 1 && w <= r) push = Math.min(push, flow[(w - 1) * c + (u - r - 1)]);
    }
    for (let w = T; w !== S; w = prev[w]) {
      const u = prev[w];
      if (u === S) sLeft[w - 1] -= push;
      else if (w === T) tLeft[u - r - 1] -= push;
      else if (u >= 1 && u <= r) flow[(u - 1) * c + (w - r - 1)] += push;
      else if (u > r && u < T && w >= 1 && w <= r) flow[(w - 1) * c + (u - r - 1)] -= push;
    }
    sent += push;
    for (let w = 0; w < V; w++) pot[w] += Number.isFinite(dist[w]) ? dist[w] : dist[T];
  }
  const plan = new Float64Array(r * c);
  for (let i = 0; i < flow.length; i++) plan[i] = flow[i] / total;
  return plan;
}

/** `soft-match-correlation` (Khosla & Williams 2023): max Σ P_ij C_ij over the uniform transport polytope. */
export function softMatch(x: Mat, y: Mat, opts: ZscoreOptions = {}): MeasureValue {
  const c = unitCorrelations(x, y, 'soft-match-correlation', opts);
  const plan = optimalTransportUniform(c.data, c.rows, c.cols);
  let s = 0;
  for (let i = 0; i < plan.length; i++) s += plan[i] * c.data[i];
  return { value: clip(s, -1, 1), details: { px: c.rows, py: c.cols } };
}
