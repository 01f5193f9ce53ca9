/**
 * Fused per-row gate math of the GRU and LSTM cells (models.md §2, §3) and its hand-derived
 * backward. Each function handles one batch row of one time step; the GEMMs (h W_hhᵀ, dG W_hh)
 * are done by the caller over the whole batch. Offsets: `ia` input projection row, `go` hidden
 * projection row, `ho` state row, `so` gate row (G·H), `xo` auxiliary row (H).
 */
import type { Storage } from '../tensor.ts';

/**
 * GRU: r = σ(a_r + g_r), z = σ(a_z + g_z), n = tanh(a_n + r ⊙ g_n), h' = (1 − z) ⊙ n + z ⊙ h.
 * Stores gates [r, z, n] and aux = g_n (= W_hn h + b_hn) for the backward pass.
 */
export function gruForwardRow(
  H: number, ain: Storage, ia: number, gh: Storage, go: number, hPrev: Storage, hCur: Storage, ho: number,
  gates: Storage, so: number, aux: Storage, xo: number,
): void {
  for (let k = 0; k < H; k++) {
    const rg = 1 / (1 + Math.exp(-(ain[ia + k] + gh[go + k])));
    const zg = 1 / (1 + Math.exp(-(ain[ia + H + k] + gh[go + H + k])));
    const hn = gh[go + 2 * H + k];
    const ng = Math.tanh(ain[ia + 2 * H + k] + rg * hn);
    gates[so + k] = rg;
    gates[so + H + k] = zg;
    gates[so + 2 * H + k] = ng;
    aux[xo + k] = hn;
    hCur[ho + k] = ng + zg * (hPrev[ho + k] - ng);
  }
}

/**
 * LSTM: i, f, o = σ(·), g = tanh(·) of a = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh; c' = f c + i g,
 * h' = o tanh(c'). Stores gates [i, f, g, o] and aux = tanh(c').
 */
export function lstmForwardRow(
  H: number, ain: Storage, ia: number, gh: Storage, go: number, cPrev: Storage, hCur: Storage, cCur: Storage, ho: number,
  gates: Storage, so: number, aux: Storage, xo: number,
): void {
  for (let k = 0; k < H; k++) {
    const ig = 1 / (1 + Math.exp(-(ain[ia + k] + gh[go + k])));
    const fg = 1 / (1 + Math.exp(-(ain[ia + H + k] + gh[go + H + k])));
    const gg = Math.tanh(ain[ia + 2 * H + k] + gh[go + 2 * H + k]);
    const og = 1 / (1 + Math.exp(-(ain[ia + 3 * H + k] + gh[go + 3 * H + k])));
    const c = fg * cPrev[ho + k] + ig * gg;
    const tc = Math.tanh(c);
    cCur[ho + k] = c;
    hCur[ho + k] = og * tc;
    aux[xo + k] = tc;
    gates[so + k] = ig;
    gates[so + H + k] = fg;
    gates[so + 2 * H + k] = gg;
    gates[so + 3 * H + k] = og;
  }
}

/**
 * GRU backward for one row, given dh = ∂L/∂h' (at ho). Writes dG = ∂L/∂(h W_hhᵀ + b_hh) =
 * [da_r, da_z, r ⊙ da_n], dAn = ∂L/∂(x W_inᵀ + b_in) = da_n, and the direct part z ⊙ dh of ∂L/∂h
 * into dhPrev (the caller adds dG W_hh).
 */
export function gruBackwardRow(
  H: number, dh: Storage, ho: number, hPrev: Storage, gates: Storage, so: number, aux: Storage, xo: number,
  dG: Storage, dAn: Storage, dhPrev: Storage,
): void {
  for (let k = 0; k < H; k++) {
    const g = dh[ho + k];
    const rg = gates[so + k];
    const zg = gates[so + H + k];
    const ng = gates[so + 2 * H + k];
    const dan = g * (1 - zg) * (1 - ng * ng);
    dG[so + k] = dan * aux[xo + k] * rg * (1 - rg);
    dG[so + H + k] = g * (hPrev[ho + k] - ng) * zg * (1 - zg);
    dG[so + 2 * H + k] = dan * rg;
    dAn[xo + k] = dan;
    dhPrev[ho + k] = g * zg;
  }
}

/**
 * LSTM backward for one row, given dh = ∂L/∂h' and dc = ∂L/∂c' from later steps (at ho). Writes dG
 * = ∂L/∂a (input and hidden sides alike), replaces dc by ∂L/∂c, and zeroes the direct part of
 * ∂L/∂h in dhPrev (the caller adds dG W_hh).
 */
export function lstmBackwardRow(
  H: number, dh: Storage, dc: Storage, ho: number, cPrev: Storage, gates: Storage, so: number, aux: Storage, xo: number,
  dG: Storage, dhPrev: Storage,
): void {
  for (let k = 0; k < H; k++) {
    const g = dh[ho + k];
    const ig = gates[so + k];
    const fg = gates[so + H + k];
    const gg = gates[so + 2 * H + k];
    const og = gates[so + 3 * H + k];
    const tc = aux[xo + k];
    const dcell = dc[ho + k] + g * og * (1 - tc * tc);
    dG[so + k] = dcell * gg * ig * (1 - ig);
    dG[so + H + k] = dcell * cPrev[ho + k] * fg * (1 - fg);
    dG[so + 2 * H + k] = dcell * ig * (1 - gg * gg);
    dG[so + 3 * H + k] = g * tc * og * (1 - og);
    dc[ho + k] = dcell * fg;
    dhPrev[ho + k] = 0;
  }
}
