/*
 * BLAS part of the WebAssembly SIMD128 backend: packed, register-tiled sgemm/dgemm (GotoBLAS
 * layout: panels of op(A) and op(B) packed k-major, a 4×8 float32 / 4×4 float64 micro-kernel),
 * syrk through gemm on block columns of the upper triangle, and column centring.
 * Row-major throughout. Freestanding: no libc; the caller (src/tensor/backend/wasm.ts) owns all
 * memory and passes a workspace of mas_gemm_work_{s,d}(m, n, k) bytes.
 */
#include "common.h"

#define MR 4
#define NRS 8 /* float32 micro-tile columns (two f32x4) */
#define NRD 4 /* float64 micro-tile columns (two f64x2) */
#define KC 256
#define MC 128
#define NC 512

static int imin(int a, int b) { return a < b ? a : b; }
static int round_up(int x, int r) { return (x + r - 1) / r * r; }

/* Workspace in bytes: one packed A block (MC×KC) and one packed B panel (KC×NC), per dtype. */
EXPORT int mas_gemm_work_s(int m, int n, int k) {
  int kc = imin(KC, k > 0 ? k : 1);
  return (round_up(imin(MC, m > 0 ? m : 1), MR) + round_up(imin(NC, n > 0 ? n : 1), NRS)) * kc * 4 + 64;
}
EXPORT int mas_gemm_work_d(int m, int n, int k) {
  int kc = imin(KC, k > 0 ? k : 1);
  return (round_up(imin(MC, m > 0 ? m : 1), MR) + round_up(imin(NC, n > 0 ? n : 1), NRD)) * kc * 8 + 64;
}

/* ---------- float32 ---------- */

HOT static void pack_a_s(int ta, const float *a, int lda, int i0, int mc, int p0, int kc, float *ap) {
  for (int ib = 0; ib < mc; ib += MR) {
    int mr = imin(MR, mc - ib);
    float *o = ap + (size_t)ib * kc;
    if (!ta) {
      for (int ii = 0; ii < MR; ii++) {
        if (ii < mr) {
          const float *row = a + (size_t)(i0 + ib + ii) * lda + p0;
          for (int p = 0; p < kc; p++) o[p * MR + ii] = row[p];
        } else {
          for (int p = 0; p < kc; p++) o[p * MR + ii] = 0;
        }
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const float *row = a + (size_t)(p0 + p) * lda + i0 + ib;
        for (int ii = 0; ii < MR; ii++) o[p * MR + ii] = ii < mr ? row[ii] : 0;
      }
    }
  }
}

HOT static void pack_b_s(int tb, const float *b, int ldb, int p0, int kc, int j0, int nc, float *bp) {
  for (int jb = 0; jb < nc; jb += NRS) {
    int nr = imin(NRS, nc - jb);
    float *o = bp + (size_t)jb * kc;
    if (!tb) {
      for (int p = 0; p < kc; p++) {
        const float *row = b + (size_t)(p0 + p) * ldb + j0 + jb;
        if (nr == NRS) {
          wasm_v128_store(o + p * NRS, wasm_v128_load(row));
          wasm_v128_store(o + p * NRS + 4, wasm_v128_load(row + 4));
        } else {
          for (int jj = 0; jj < NRS; jj++) o[p * NRS + jj] = jj < nr ? row[jj] : 0;
        }
      }
    } else {
      for (int jj = 0; jj < NRS; jj++) {
        if (jj < nr) {
          const float *col = b + (size_t)(j0 + jb + jj) * ldb + p0;
          for (int p = 0; p < kc; p++) o[p * NRS + jj] = col[p];
        } else {
          for (int p = 0; p < kc; p++) o[p * NRS + jj] = 0;
        }
      }
    }
  }
}

HOT static void kernel_s(int kc, const float *ap, const float *bp, float alpha, float *c, int ldc, int mr, int nr) {
  v128_t c00 = wasm_f32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int p = 0; p < kc; p++) {
    v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 4);
    v128_t a = wasm_f32x4_splat(ap[0]);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a, b1));
    a = wasm_f32x4_splat(ap[1]);
    c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a, b0));
    c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a, b1));
    a = wasm_f32x4_splat(ap[2]);
    c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a, b0));
    c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a, b1));
    a = wasm_f32x4_splat(ap[3]);
    c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a, b0));
    c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a, b1));
    ap += MR;
    bp += NRS;
  }
  v128_t al = wasm_f32x4_splat(alpha);
  if (mr == MR && nr == NRS) {
    float *r = c;
#define ST(x0, x1)                                                                    \
  wasm_v128_store(r, wasm_f32x4_add(wasm_v128_load(r), wasm_f32x4_mul(al, x0)));      \
  wasm_v128_store(r + 4, wasm_f32x4_add(wasm_v128_load(r + 4), wasm_f32x4_mul(al, x1))); \
  r += ldc;
    ST(c00, c01) ST(c10, c11) ST(c20, c21) ST(c30, c31)
#undef ST
    return;
  }
  float t[MR * NRS];
  wasm_v128_store(t + 0, wasm_f32x4_mul(al, c00));
  wasm_v128_store(t + 4, wasm_f32x4_mul(al, c01));
  wasm_v128_store(t + 8, wasm_f32x4_mul(al, c10));
  wasm_v128_store(t + 12, wasm_f32x4_mul(al, c11));
  wasm_v128_store(t + 16, wasm_f32x4_mul(al, c20));
  wasm_v128_store(t + 20, wasm_f32x4_mul(al, c21));
  wasm_v128_store(t + 24, wasm_f32x4_mul(al, c30));
  wasm_v128_store(t + 28, wasm_f32x4_mul(al, c31));
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) c[(size_t)i * ldc + j] += t[i * NRS + j];
}

/* C ← alpha·op(A)·op(B) + beta·C (row-major, float32). */
EXPORT void mas_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                      float beta, float *c, int ldc, void *work) {
  for (int i = 0; i < m; i++) {
    float *row = c + (size_t)i * ldc;
    if (beta == 0) for (int j = 0; j < n; j++) row[j] = 0;
    else if (beta != 1) for (int j = 0; j < n; j++) row[j] *= beta;
  }
  if (alpha == 0 || k == 0 || m == 0 || n == 0) return;
  int kcmax = imin(KC, k);
  float *ap = (float *)(((size_t)work + 15) & ~(size_t)15);
  float *bp = ap + (size_t)round_up(imin(MC, m), MR) * kcmax;
  for (int j0 = 0; j0 < n; j0 += NC) {
    int nc = imin(NC, n - j0);
    for (int p0 = 0; p0 < k; p0 += KC) {
      int kc = imin(KC, k - p0);
      pack_b_s(tb, b, ldb, p0, kc, j0, nc, bp);
      for (int i0 = 0; i0 < m; i0 += MC) {
        int mc = imin(MC, m - i0);
        pack_a_s(ta, a, lda, i0, mc, p0, kc, ap);
        for (int jb = 0; jb < nc; jb += NRS)
          for (int ib = 0; ib < mc; ib += MR)
            kernel_s(kc, ap + (size_t)ib * kc, bp + (size_t)jb * kc, alpha, c + (size_t)(i0 + ib) * ldc + j0 + jb, ldc,
                     imin(MR, mc - ib), imin(NRS, nc - jb));
      }
    }
  }
}

/* ---------- float64 ---------- */

HOT static void pack_a_d(int ta, const double *a, int lda, int i0, int mc, int p0, int kc, double *ap) {
  for (int ib = 0; ib < mc; ib += MR) {
    int mr = imin(MR, mc - ib);
    double *o = ap + (size_t)ib * kc;
    if (!ta) {
      for (int ii = 0; ii < MR; ii++) {
        if (ii < mr) {
          const double *row = a + (size_t)(i0 + ib + ii) * lda + p0;
          for (int p = 0; p < kc; p++) o[p * MR + ii] = row[p];
        } else {
          for (int p = 0; p < kc; p++) o[p * MR + ii] = 0;
        }
      }
    } else {
      for (int p = 0; p < kc; p++) {
        const double *row = a + (size_t)(p0 + p) * lda + i0 + ib;
        for (int ii = 0; ii < MR; ii++) o[p * MR + ii] = ii < mr ? row[ii] : 0;
      }
    }
  }
}

HOT static void pack_b_d(int tb, const double *b, int ldb, int p0, int kc, int j0, int nc, double *bp) {
  for (int jb = 0; jb < nc; jb += NRD) {
    int nr = imin(NRD, nc - jb);
    double *o = bp + (size_t)jb * kc;
    if (!tb) {
      for (int p = 0; p < kc; p++) {
        const double *row = b + (size_t)(p0 + p) * ldb + j0 + jb;
        if (nr == NRD) {
          wasm_v128_store(o + p * NRD, wasm_v128_load(row));
          wasm_v128_store(o + p * NRD + 2, wasm_v128_load(row + 2));
        } else {
          for (int jj = 0; jj < NRD; jj++) o[p * NRD + jj] = jj < nr ? row[jj] : 0;
        }
      }
    } else {
      for (int jj = 0; jj < NRD; jj++) {
        if (jj < nr) {
          const double *col = b + (size_t)(j0 + jb + jj) * ldb + p0;
          for (int p = 0; p < kc; p++) o[p * NRD + jj] = col[p];
        } else {
          for (int p = 0; p < kc; p++) o[p * NRD + jj] = 0;
        }
      }
    }
  }
}

HOT static void kernel_d(int kc, const double *ap, const double *bp, double alpha, double *c, int ldc, int mr, int nr) {
  v128_t c00 = wasm_f64x2_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int p = 0; p < kc; p++) {
    v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 2);
    v128_t a = wasm_f64x2_splat(ap[0]);
    c00 = wasm_f64x2_add(c00, wasm_f64x2_mul(a, b0));
    c01 = wasm_f64x2_add(c01, wasm_f64x2_mul(a, b1));
    a = wasm_f64x2_splat(ap[1]);
    c10 = wasm_f64x2_add(c10, wasm_f64x2_mul(a, b0));
    c11 = wasm_f64x2_add(c11, wasm_f64x2_mul(a, b1));
    a = wasm_f64x2_splat(ap[2]);
    c20 = wasm_f64x2_add(c20, wasm_f64x2_mul(a, b0));
    c21 = wasm_f64x2_add(c21, wasm_f64x2_mul(a, b1));
    a = wasm_f64x2_splat(ap[3]);
    c30 = wasm_f64x2_add(c30, wasm_f64x2_mul(a, b0));
    c31 = wasm_f64x2_add(c31, wasm_f64x2_mul(a, b1));
    ap += MR;
    bp += NRD;
  }
  v128_t al = wasm_f64x2_splat(alpha);
  if (mr == MR && nr == NRD) {
    double *r = c;
#define ST(x0, x1)                                                                    \
  wasm_v128_store(r, wasm_f64x2_add(wasm_v128_load(r), wasm_f64x2_mul(al, x0)));      \
  wasm_v128_store(r + 2, wasm_f64x2_add(wasm_v128_load(r + 2), wasm_f64x2_mul(al, x1))); \
  r += ldc;
    ST(c00, c01) ST(c10, c11) ST(c20, c21) ST(c30, c31)
#undef ST
    return;
  }
  double t[MR * NRD];
  wasm_v128_store(t + 0, wasm_f64x2_mul(al, c00));
  wasm_v128_store(t + 2, wasm_f64x2_mul(al, c01));
  wasm_v128_store(t + 4, wasm_f64x2_mul(al, c10));
  wasm_v128_store(t + 6, wasm_f64x2_mul(al, c11));
  wasm_v128_store(t + 8, wasm_f64x2_mul(al, c20));
  wasm_v128_store(t + 10, wasm_f64x2_mul(al, c21));
  wasm_v128_store(t + 12, wasm_f64x2_mul(al, c30));
  wasm_v128_store(t + 14, wasm_f64x2_mul(al, c31));
  for (int i = 0; i < mr; i++)
    for (int j = 0; j < nr; j++) c[(size_t)i * ldc + j] += t[i * NRD + j];
}

/* C ← alpha·op(A)·op(B) + beta·C (row-major, float64). */
EXPORT void mas_dgemm(int ta, int tb, int m, int n, int k, double alpha, const double *a, int lda, const double *b,
                      int ldb, double beta, double *c, int ldc, void *work) {
  for (int i = 0; i < m; i++) {
    double *row = c + (size_t)i * ldc;
    if (beta == 0) for (int j = 0; j < n; j++) row[j] = 0;
    else if (beta != 1) for (int j = 0; j < n; j++) row[j] *= beta;
  }
  if (alpha == 0 || k == 0 || m == 0 || n == 0) return;
  int kcmax = imin(KC, k);
  double *ap = (double *)(((size_t)work + 15) & ~(size_t)15);
  double *bp = ap + (size_t)round_up(imin(MC, m), MR) * kcmax;
  for (int j0 = 0; j0 < n; j0 += NC) {
    int nc = imin(NC, n - j0);
    for (int p0 = 0; p0 < k; p0 += KC) {
      int kc = imin(KC, k - p0);
      pack_b_d(tb, b, ldb, p0, kc, j0, nc, bp);
      for (int i0 = 0; i0 < m; i0 += MC) {
        int mc = imin(MC, m - i0);
        pack_a_d(ta, a, lda, i0, mc, p0, kc, ap);
        for (int jb = 0; jb < nc; jb += NRD)
          for (int ib = 0; ib < mc; ib += MR)
            kernel_d(kc, ap + (size_t)ib * kc, bp + (size_t)jb * kc, alpha, c + (size_t)(i0 + ib) * ldc + j0 + jb, ldc,
                     imin(MR, mc - ib), imin(NRD, nc - jb));
      }
    }
  }
}

/* ---------- syrk: block columns of the upper triangle, one gemm each, then mirror ---------- */

#define SYRK_NB 64

EXPORT void mas_ssyrk(int trans, int n, int k, float alpha, const float *a, int lda, float beta, float *c, int ldc,
                      void *work) {
  for (int j0 = 0; j0 < n; j0 += SYRK_NB) {
    int j1 = imin(n, j0 + SYRK_NB);
    const float *b = trans ? a + j0 : a + (size_t)j0 * lda;
    mas_sgemm(trans, !trans, j1, j1 - j0, k, alpha, a, lda, b, lda, beta, c + j0, ldc, work);
  }
  for (int i = 1; i < n; i++)
    for (int j = 0; j < i; j++) c[(size_t)i * ldc + j] = c[(size_t)j * ldc + i];
}

EXPORT void mas_dsyrk(int trans, int n, int k, double alpha, const double *a, int lda, double beta, double *c, int ldc,
                      void *work) {
  for (int j0 = 0; j0 < n; j0 += SYRK_NB) {
    int j1 = imin(n, j0 + SYRK_NB);
    const double *b = trans ? a + j0 : a + (size_t)j0 * lda;
    mas_dgemm(trans, !trans, j1, j1 - j0, k, alpha, a, lda, b, lda, beta, c + j0, ldc, work);
  }
  for (int i = 1; i < n; i++)
    for (int j = 0; j < i; j++) c[(size_t)i * ldc + j] = c[(size_t)j * ldc + i];
}

/* out ← a − column means (row-order sums / m), bitwise as the portable backend computes it; mu: n doubles. */
EXPORT void mas_center_cols(const double *a, int m, int n, double *out, double *mu) {
  for (int j = 0; j < n; j++) mu[j] = 0;
  for (int i = 0; i < m; i++) {
    const double *row = a + (size_t)i * n;
    for (int j = 0; j < n; j++) mu[j] += row[j];
  }
  for (int j = 0; j < n; j++) mu[j] /= m;
  for (int i = 0; i < m; i++) {
    const double *row = a + (size_t)i * n;
    double *o = out + (size_t)i * n;
    for (int j = 0; j < n; j++) o[j] = row[j] - mu[j];
  }
}
