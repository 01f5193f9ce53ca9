/*
 * Float64 decompositions of the WebAssembly backend, row-major in and out:
 * - thin SVD: Householder bidiagonalisation and implicit-shift QR on the bidiagonal (the
 *   Golub–Kahan–Reinsch algorithm as in JAMA / ml-matrix, which the portable backend runs), stored
 *   transposed so the hot loops run along contiguous memory with f64x2 SIMD;
 * - symmetric eigensolver: Householder tridiagonalisation + implicit QL (tred2/tql2);
 * - Householder QR with diag(R) ≥ 0, LU with partial pivoting + exact 1-norm condition check,
 *   and Cholesky.
 * Status codes: 0 ok, 1 no convergence, 2 singular, 3 not positive definite (info[0] gives detail).
 */
#include "common.h"

/* ---------- SIMD vector helpers ---------- */

HOT static double ddot(int n, const double *x, const double *y) {
  v128_t acc0 = wasm_f64x2_splat(0), acc1 = acc0;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    acc0 = wasm_f64x2_add(acc0, wasm_f64x2_mul(wasm_v128_load(x + i), wasm_v128_load(y + i)));
    acc1 = wasm_f64x2_add(acc1, wasm_f64x2_mul(wasm_v128_load(x + i + 2), wasm_v128_load(y + i + 2)));
  }
  acc0 = wasm_f64x2_add(acc0, acc1);
  double s = wasm_f64x2_extract_lane(acc0, 0) + wasm_f64x2_extract_lane(acc0, 1);
  for (; i < n; i++) s += x[i] * y[i];
  return s;
}

/* y += t·x */
HOT static void daxpy(int n, double t, const double *x, double *y) {
  v128_t tv = wasm_f64x2_splat(t);
  int i = 0;
  for (; i + 2 <= n; i += 2) wasm_v128_store(y + i, wasm_f64x2_add(wasm_v128_load(y + i), wasm_f64x2_mul(tv, wasm_v128_load(x + i))));
  for (; i < n; i++) y[i] += t * x[i];
}

/* (x, y) ← (c·x + s·y, −s·x + c·y) */
HOT static void drot(int n, double *x, double *y, double c, double s) {
  v128_t cv = wasm_f64x2_splat(c), sv = wasm_f64x2_splat(s);
  int i = 0;
  for (; i + 2 <= n; i += 2) {
    v128_t xv = wasm_v128_load(x + i), yv = wasm_v128_load(y + i);
    wasm_v128_store(x + i, wasm_f64x2_add(wasm_f64x2_mul(cv, xv), wasm_f64x2_mul(sv, yv)));
    wasm_v128_store(y + i, wasm_f64x2_sub(wasm_f64x2_mul(cv, yv), wasm_f64x2_mul(sv, xv)));
  }
  for (; i < n; i++) {
    double t = c * x[i] + s * y[i];
    y[i] = -s * x[i] + c * y[i];
    x[i] = t;
  }
}

/*
 * The QR sweeps on the bidiagonal do not read U or V, so their row operations are logged and
 * replayed later, a chunk of RW coordinates at a time: all logged operations run on one chunk
 * (a few KiB per row, cache-resident) before the next, instead of each operation streaming whole
 * rows of U and V through the cache. Each element sees the same operations in the same order, so
 * the result is bitwise the one of applying them one by one.
 */
typedef struct {
  int a, b, kind; /* kind 0: rotate rows (a, b); 1: swap rows a, b; 2: negate row a */
  double c, s;    /* rotation: (x_a, x_b) ← (c·x_a + s·x_b, −s·x_a + c·x_b) */
} RowOp;

#define ROWOP_CAP 8192
#define RW 16

typedef struct {
  RowOp *ops;
  int n;
  double *R;
  int ld, len;
} OpLog;

HOT static void replay(double *R, int ld, int len, const RowOp *ops, int nops) {
  for (int i0 = 0; i0 < len; i0 += RW) {
    int w = len - i0 < RW ? len - i0 : RW;
    for (int t = 0; t < nops; t++) {
      const RowOp *o = ops + t;
      double *x = R + (size_t)o->a * ld + i0;
      if (o->kind == 0) {
        double *y = R + (size_t)o->b * ld + i0;
        v128_t cv = wasm_f64x2_splat(o->c), sv = wasm_f64x2_splat(o->s);
        int i = 0;
        for (; i + 2 <= w; i += 2) {
          v128_t xv = wasm_v128_load(x + i), yv = wasm_v128_load(y + i);
          wasm_v128_store(x + i, wasm_f64x2_add(wasm_f64x2_mul(cv, xv), wasm_f64x2_mul(sv, yv)));
          wasm_v128_store(y + i, wasm_f64x2_sub(wasm_f64x2_mul(cv, yv), wasm_f64x2_mul(sv, xv)));
        }
        for (; i < w; i++) {
          double t1 = o->c * x[i] + o->s * y[i];
          y[i] = -o->s * x[i] + o->c * y[i];
          x[i] = t1;
        }
      } else if (o->kind == 1) {
        double *y = R + (size_t)o->b * ld + i0;
        for (int i = 0; i < w; i++) {
          double t1 = x[i];
          x[i] = y[i];
          y[i] = t1;
        }
      } else {
        for (int i = 0; i < w; i++) x[i] = -x[i];
      }
    }
  }
}

static void log_flush(OpLog *l) {
  if (l->n > 0) replay(l->R, l->ld, l->len, l->ops, l->n);
  l->n = 0;
}

static void log_op(OpLog *l, int kind, int a, int b, double c, double s) {
  if (l->n == ROWOP_CAP) log_flush(l);
  RowOp *o = l->ops + l->n++;
  o->kind = kind;
  o->a = a;
  o->b = b;
  o->c = c;
  o->s = s;
}

static double hypot2(double a, double b) {
  double r;
  if (dabs(a) > dabs(b)) {
    r = b / a;
    return dabs(a) * dsqrt(1 + r * r);
  }
  if (b != 0) {
    r = a / b;
    return dabs(b) * dsqrt(1 + r * r);
  }
  return 0;
}

HOT static void swap_rows(int n, double *x, double *y) {
  for (int i = 0; i < n; i++) {
    double t = x[i];
    x[i] = y[i];
    y[i] = t;
  }
}

/* ---------- SVD ---------- */

/* Workspace (doubles) for mas_svd(m, n). */
EXPORT int mas_svd_work(int m, int n) {
  int mm = m > n ? m : n, nn = m > n ? n : m;
  return 2 * mm * nn + nn * nn + 3 * nn + mm + 8 + 2 * ROWOP_CAP * (int)(sizeof(RowOp) / sizeof(double)) + 4;
}

/*
 * Thin SVD of the row-major m×n matrix a: u (m×r), s (r, descending), vt (r×n), r = min(m, n) ≥ 1.
 * Works on the tall matrix B (mm×nn): B = A when m ≥ n, else B = Aᵀ.
 */
EXPORT int mas_svd(const double *a, int m0, int n0, double *uo, double *so, double *vto, double *work) {
  int swapped = m0 < n0;
  int m = swapped ? n0 : m0, n = swapped ? m0 : n0; /* m ≥ n */
  double *at = work;                    /* n×m: at[k*m + i] = B(i, k) */
  double *U = at + (size_t)m * n;       /* n×m: U[j*m + i] = U(i, j) */
  double *V = U + (size_t)m * n;        /* n×n: V[j*n + i] = V(i, j) */
  double *e = V + (size_t)n * n;        /* n */
  double *wk = e + n;                   /* m */
  double *s = wk + m;                   /* n + 1 */
  RowOp *opmem = (RowOp *)(((size_t)(s + n + 1) + 15) & ~(size_t)15);
  OpLog logV = {opmem, 0, V, n, n}, logU = {opmem + ROWOP_CAP, 0, U, m, m};
  if (!swapped) {
    for (int i = 0; i < m; i++)
      for (int k = 0; k < n; k++) at[(size_t)k * m + i] = a[(size_t)i * n + k];
  } else {
    for (size_t i = 0; i < (size_t)m * n; i++) at[i] = a[i];
  }
  int nu = n;
  int nct = m - 1 < n ? m - 1 : n;
  int nrt = n - 2 < m ? n - 2 : m;
  if (nrt < 0) nrt = 0;
  int mrc = nct > nrt ? nct : nrt;
  for (int i = 0; i < n; i++) e[i] = 0;
  for (int i = 0; i <= n; i++) s[i] = 0;

  for (int k = 0; k < mrc; k++) {
    double *ak = at + (size_t)k * m;
    if (k < nct) {
      /* 2-norm of column k below the diagonal, scaled against overflow */
      double sc = 0;
      for (int i = k; i < m; i++) sc = dmax(sc, dabs(ak[i]));
      double nrm = 0;
      if (sc > 0) {
        double ss = 0;
        for (int i = k; i < m; i++) {
          double t = ak[i] / sc;
          ss += t * t;
        }
        nrm = sc * dsqrt(ss);
      }
      s[k] = nrm;
      if (s[k] != 0) {
        if (ak[k] < 0) s[k] = -s[k];
        double inv = 1 / s[k];
        for (int i = k; i < m; i++) ak[i] *= inv;
        ak[k] += 1;
      }
      s[k] = -s[k];
    }
    for (int j = k + 1; j < n; j++) {
      double *aj = at + (size_t)j * m;
      if (k < nct && s[k] != 0) {
        double t = -ddot(m - k, ak + k, aj + k) / ak[k];
        daxpy(m - k, t, ak + k, aj + k);
      }
      e[j] = aj[k];
    }
    if (k < nct)
      for (int i = k; i < m; i++) U[(size_t)k * m + i] = ak[i];
    if (k < nrt) {
      double sc = 0;
      for (int i = k + 1; i < n; i++) sc = dmax(sc, dabs(e[i]));
      double nrm = 0;
      if (sc > 0) {
        double ss = 0;
        for (int i = k + 1; i < n; i++) {
          double t = e[i] / sc;
          ss += t * t;
        }
        nrm = sc * dsqrt(ss);
      }
      e[k] = nrm;
      if (e[k] != 0) {
        if (e[k + 1] < 0) e[k] = -e[k];
        double inv = 1 / e[k];
        for (int i = k + 1; i < n; i++) e[i] *= inv;
        e[k + 1] += 1;
      }
      e[k] = -e[k];
      if (k + 1 < m && e[k] != 0) {
        for (int i = k + 1; i < m; i++) wk[i] = 0;
        for (int j = k + 1; j < n; j++) daxpy(m - k - 1, e[j], at + (size_t)j * m + k + 1, wk + k + 1);
        for (int j = k + 1; j < n; j++) daxpy(m - k - 1, -e[j] / e[k + 1], wk + k + 1, at + (size_t)j * m + k + 1);
      }
      for (int i = k + 1; i < n; i++) V[(size_t)k * n + i] = e[i];
    }
  }

  int p = n < m + 1 ? n : m + 1;
  if (nct < n) s[nct] = at[(size_t)nct * m + nct];
  if (m < p) s[p - 1] = 0;
  if (nrt + 1 < p) e[nrt] = at[(size_t)(p - 1) * m + nrt];
  e[p - 1] = 0;

  for (int j = nct; j < nu; j++) {
    for (int i = 0; i < m; i++) U[(size_t)j * m + i] = 0;
    U[(size_t)j * m + j] = 1;
  }
  for (int k = nct - 1; k >= 0; k--) {
    double *uk = U + (size_t)k * m;
    if (s[k] != 0) {
      for (int j = k + 1; j < nu; j++) {
        double *uj = U + (size_t)j * m;
        double t = -ddot(m - k, uk + k, uj + k) / uk[k];
        daxpy(m - k, t, uk + k, uj + k);
      }
      for (int i = k; i < m; i++) uk[i] = -uk[i];
      uk[k] = 1 + uk[k];
      for (int i = 0; i < k - 1; i++) uk[i] = 0;
      if (k >= 1) uk[k - 1] = 0;
    } else {
      for (int i = 0; i < m; i++) uk[i] = 0;
      uk[k] = 1;
    }
  }
  for (int k = n - 1; k >= 0; k--) {
    double *vk = V + (size_t)k * n;
    if (k < nrt && e[k] != 0) {
      for (int j = k + 1; j < n; j++) {
        double *vj = V + (size_t)j * n;
        double t = -ddot(n - k - 1, vk + k + 1, vj + k + 1) / vk[k + 1];
        daxpy(n - k - 1, t, vk + k + 1, vj + k + 1);
      }
    }
    for (int i = 0; i < n; i++) vk[i] = 0;
    vk[k] = 1;
  }

  int pp = p - 1;
  int iter = 0, total = 0;
  const double eps = DBL_EPS;
  while (p > 0) {
    int k, kase;
    if (++total > 100 * (n + 10)) return 1;
    for (k = p - 2; k >= -1; k--) {
      if (k == -1) break;
      double alpha = DBL_MINV + eps * dabs(s[k] + dabs(s[k + 1]));
      if (dabs(e[k]) <= alpha || e[k] != e[k]) {
        e[k] = 0;
        break;
      }
    }
    if (k == p - 2) {
      kase = 4;
    } else {
      int ks;
      for (ks = p - 1; ks >= k; ks--) {
        if (ks == k) break;
        double t = (ks != p ? dabs(e[ks]) : 0) + (ks != k + 1 ? dabs(e[ks - 1]) : 0);
        if (dabs(s[ks]) <= eps * t) {
          s[ks] = 0;
          break;
        }
      }
      if (ks == k) kase = 3;
      else if (ks == p - 1) kase = 1;
      else {
        kase = 2;
        k = ks;
      }
    }
    k++;
    switch (kase) {
      case 1: {
        double f = e[p - 2];
        e[p - 2] = 0;
        for (int j = p - 2; j >= k; j--) {
          double t = hypot2(s[j], f);
          double cs = s[j] / t, sn = f / t;
          s[j] = t;
          if (j != k) {
            f = -sn * e[j - 1];
            e[j - 1] = cs * e[j - 1];
          }
          log_op(&logV, 0, j, p - 1, cs, sn);
        }
        break;
      }
      case 2: {
        double f = e[k - 1];
        e[k - 1] = 0;
        for (int j = k; j < p; j++) {
          double t = hypot2(s[j], f);
          double cs = s[j] / t, sn = f / t;
          s[j] = t;
          f = -sn * e[j];
          e[j] = cs * e[j];
          log_op(&logU, 0, j, k - 1, cs, sn);
        }
        break;
      }
      case 3: {
        double scale = dmax(dmax(dmax(dmax(dabs(s[p - 1]), dabs(s[p - 2])), dabs(e[p - 2])), dabs(s[k])), dabs(e[k]));
        double sp = s[p - 1] / scale, spm1 = s[p - 2] / scale, epm1 = e[p - 2] / scale;
        double sk = s[k] / scale, ek = e[k] / scale;
        double b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2;
        double c = sp * epm1 * (sp * epm1);
        double shift = 0;
        if (b != 0 || c != 0) {
          shift = b < 0 ? -dsqrt(b * b + c) : dsqrt(b * b + c);
          shift = c / (b + shift);
        }
        double f = (sk + sp) * (sk - sp) + shift;
        double g = sk * ek;
        for (int j = k; j < p - 1; j++) {
          double t = hypot2(f, g);
          if (t == 0) t = DBL_MINV;
          double cs = f / t, sn = g / t;
          if (j != k) e[j - 1] = t;
          f = cs * s[j] + sn * e[j];
          e[j] = cs * e[j] - sn * s[j];
          g = sn * s[j + 1];
          s[j + 1] = cs * s[j + 1];
          log_op(&logV, 0, j, j + 1, cs, sn);
          t = hypot2(f, g);
          if (t == 0) t = DBL_MINV;
          cs = f / t;
          sn = g / t;
          s[j] = t;
          f = cs * e[j] + sn * s[j + 1];
          s[j + 1] = -sn * e[j] + cs * s[j + 1];
          g = sn * e[j + 1];
          e[j + 1] = cs * e[j + 1];
          log_op(&logU, 0, j, j + 1, cs, sn);
        }
        e[p - 2] = f;
        iter++;
        break;
      }
      case 4: {
        if (s[k] <= 0) {
          s[k] = s[k] < 0 ? -s[k] : 0;
          log_op(&logV, 2, k, k, 0, 0); /* i ≤ pp = n − 1: the whole row */
        }
        while (k < pp) {
          if (s[k] >= s[k + 1]) break;
          double t = s[k];
          s[k] = s[k + 1];
          s[k + 1] = t;
          if (k < n - 1) log_op(&logV, 1, k + 1, k, 0, 0);
          if (k < m - 1) log_op(&logU, 1, k + 1, k, 0, 0);
          k++;
        }
        iter = 0;
        p--;
        break;
      }
    }
  }
  (void)iter;
  log_flush(&logV);
  log_flush(&logU);
  /* B = Ub S Vbᵀ. A = B: u = Ub (m0×r), vt = Vbᵀ. A = Bᵀ: u = Vb (m0×r), vt = Ubᵀ. */
  int r = n;
  for (int j = 0; j < r; j++) so[j] = s[j];
  if (!swapped) {
    for (int i = 0; i < m; i++)
      for (int j = 0; j < r; j++) uo[(size_t)i * r + j] = U[(size_t)j * m + i];
    for (size_t i = 0; i < (size_t)r * n; i++) vto[i] = V[i];
  } else {
    for (int i = 0; i < n; i++)
      for (int j = 0; j < r; j++) uo[(size_t)i * r + j] = V[(size_t)j * n + i];
    for (size_t i = 0; i < (size_t)r * m; i++) vto[i] = U[i];
  }
  return 0;
}

/* ---------- symmetric eigensolver (tred2 + tql2 on V stored transposed) ---------- */

EXPORT int mas_eigh_work(int n) { return n * n + 2 * n + 8; }

/* Eigenvalues ascending into w, eigenvectors as the columns of row-major vec; reads the lower triangle. */
EXPORT int mas_eigh(const double *a, int n, double *w, double *vec, double *work) {
  double *V = work, *d = V + (size_t)n * n, *e = d + n;
  /* V[j*n + i] = logical V(i, j); start from the symmetric matrix built from the lower triangle. */
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) {
      double v = a[(size_t)i * n + j];
      V[(size_t)i * n + j] = v;
      V[(size_t)j * n + i] = v;
    }
  double f, g, h, hh;
  for (int j = 0; j < n; j++) d[j] = V[(size_t)j * n + n - 1];
  for (int i = n - 1; i > 0; i--) {
    double scale = 0;
    h = 0;
    for (int k = 0; k < i; k++) scale += dabs(d[k]);
    if (scale == 0) {
      e[i] = d[i - 1];
      for (int j = 0; j < i; j++) {
        d[j] = V[(size_t)j * n + i - 1];
        V[(size_t)j * n + i] = 0;
        V[(size_t)i * n + j] = 0;
      }
    } else {
      for (int k = 0; k < i; k++) {
        d[k] /= scale;
        h += d[k] * d[k];
      }
      f = d[i - 1];
      g = dsqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h = h - f * g;
      d[i - 1] = f - g;
      for (int j = 0; j < i; j++) e[j] = 0;
      for (int j = 0; j < i; j++) {
        double *vj = V + (size_t)j * n; /* logical column j: vj[k] = V(k, j) */
        f = d[j];
        V[(size_t)i * n + j] = f;
        g = e[j] + vj[j] * f;
        /* k in (j, i): g += V(k, j)·d[k]; e[k] += V(k, j)·f */
        g += ddot(i - 1 - j, vj + j + 1, d + j + 1);
        daxpy(i - 1 - j, f, vj + j + 1, e + j + 1);
        e[j] = g;
      }
      f = 0;
      for (int j = 0; j < i; j++) {
        e[j] /= h;
        f += e[j] * d[j];
      }
      hh = f / (h + h);
      for (int j = 0; j < i; j++) e[j] -= hh * d[j];
      for (int j = 0; j < i; j++) {
        double *vj = V + (size_t)j * n;
        f = d[j];
        g = e[j];
        daxpy(i - j, -f, e + j, vj + j);
        daxpy(i - j, -g, d + j, vj + j);
        d[j] = V[(size_t)j * n + i - 1];
        V[(size_t)j * n + i] = 0;
      }
    }
    d[i] = h;
  }
  for (int i = 0; i < n - 1; i++) {
    V[(size_t)i * n + n - 1] = V[(size_t)i * n + i];
    V[(size_t)i * n + i] = 1;
    h = d[i + 1];
    double *vi1 = V + (size_t)(i + 1) * n; /* logical column i+1 */
    if (h != 0) {
      for (int k = 0; k <= i; k++) d[k] = vi1[k] / h;
      for (int j = 0; j <= i; j++) {
        double *vj = V + (size_t)j * n;
        g = ddot(i + 1, vi1, vj);
        daxpy(i + 1, -g, d, vj);
      }
    }
    for (int k = 0; k <= i; k++) vi1[k] = 0;
  }
  for (int j = 0; j < n; j++) {
    d[j] = V[(size_t)j * n + n - 1];
    V[(size_t)j * n + n - 1] = 0;
  }
  V[(size_t)(n - 1) * n + n - 1] = 1;
  e[0] = 0;

  /* tql2 */
  for (int i = 1; i < n; i++) e[i - 1] = e[i];
  e[n - 1] = 0;
  f = 0;
  double tst1 = 0;
  const double eps = DBL_EPS;
  for (int l = 0; l < n; l++) {
    tst1 = dmax(tst1, dabs(d[l]) + dabs(e[l]));
    int m = l;
    while (m < n) {
      if (dabs(e[m]) <= eps * tst1) break;
      m++;
    }
    if (m > l) {
      int iter = 0;
      do {
        if (++iter > 60) return 1;
        g = d[l];
        double p = (d[l + 1] - g) / (2 * e[l]);
        double r = hypot2(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l] / (p + r);
        d[l + 1] = e[l] * (p + r);
        double dl1 = d[l + 1];
        h = g - d[l];
        for (int i = l + 2; i < n; i++) d[i] -= h;
        f += h;
        p = d[m];
        double c = 1, c2 = c, c3 = c, el1 = e[l + 1], s = 0, s2 = 0;
        for (int i = m - 1; i >= l; i--) {
          c3 = c2;
          c2 = c;
          s2 = s;
          g = c * e[i];
          h = c * p;
          r = hypot2(p, e[i]);
          e[i + 1] = s * r;
          s = e[i] / r;
          c = p / r;
          p = c * d[i] - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]);
          /* (V_i, V_{i+1}) ← (c V_i − s V_{i+1}, s V_i + c V_{i+1}) */
          drot(n, V + (size_t)i * n, V + (size_t)(i + 1) * n, c, -s);
        }
        p = (-s * s2 * c3 * el1 * e[l]) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (dabs(e[l]) > eps * tst1);
    }
    d[l] = d[l] + f;
    e[l] = 0;
  }
  for (int i = 0; i < n - 1; i++) {
    int k = i;
    double p = d[i];
    for (int j = i + 1; j < n; j++)
      if (d[j] < p) {
        k = j;
        p = d[j];
      }
    if (k != i) {
      d[k] = d[i];
      d[i] = p;
      swap_rows(n, V + (size_t)i * n, V + (size_t)k * n);
    }
  }
  for (int j = 0; j < n; j++) w[j] = d[j];
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) vec[(size_t)i * n + j] = V[(size_t)j * n + i];
  return 0;
}

/* ---------- QR ---------- */

EXPORT int mas_qr_work(int m, int n) { return m * n + n + m + 8; }

/* Thin QR (m ≥ n): q m×n, r n×n upper with diag(r) ≥ 0. Householder on columns stored transposed. */
EXPORT int mas_qr(const double *a, int m, int n, double *q, double *r, double *work) {
  double *at = work; /* n×m: at[k*m + i] = A(i, k) */
  double *rd = at + (size_t)m * n;
  for (int i = 0; i < m; i++)
    for (int k = 0; k < n; k++) at[(size_t)k * m + i] = a[(size_t)i * n + k];
  for (int k = 0; k < n; k++) {
    double *ak = at + (size_t)k * m;
    double sc = 0, nrm = 0;
    for (int i = k; i < m; i++) sc = dmax(sc, dabs(ak[i]));
    if (sc > 0) {
      double ss = 0;
      for (int i = k; i < m; i++) {
        double t = ak[i] / sc;
        ss += t * t;
      }
      nrm = sc * dsqrt(ss);
    }
    if (nrm != 0) {
      if (ak[k] < 0) nrm = -nrm;
      double inv = 1 / nrm;
      for (int i = k; i < m; i++) ak[i] *= inv;
      ak[k] += 1;
      for (int j = k + 1; j < n; j++) {
        double *aj = at + (size_t)j * m;
        double t = -ddot(m - k, ak + k, aj + k) / ak[k];
        daxpy(m - k, t, ak + k, aj + k);
      }
    }
    rd[k] = -nrm;
  }
  /* R: strict upper from at, diagonal rd; Q accumulated from the reflectors (stored in at). */
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) r[(size_t)i * n + j] = j > i ? at[(size_t)j * m + i] : (j == i ? rd[i] : 0);
  /* Q(:, k) for k = n-1 … 0, in place in at (JAMA's orthogonalMatrix), then transposed into q. */
  for (int k = n - 1; k >= 0; k--) {
    double *ak = at + (size_t)k * m;
    /* Save the reflector v_k (rows k..m-1) in the m-vector scratch; then set column k to e_k. */
    double *v = rd + n; /* m doubles */
    for (int i = 0; i < m; i++) v[i] = ak[i];
    for (int i = 0; i < m; i++) ak[i] = 0;
    ak[k] = 1;
    for (int j = k; j < n; j++) {
      double *aj = at + (size_t)j * m;
      if (v[k] != 0) {
        double t = -ddot(m - k, v + k, aj + k) / v[k];
        daxpy(m - k, t, v + k, aj + k);
      }
    }
  }
  for (int i = 0; i < n; i++) {
    double sign = r[(size_t)i * n + i] < 0 ? -1.0 : 1.0;
    if (sign < 0) {
      for (int j = i; j < n; j++) r[(size_t)i * n + j] = -r[(size_t)i * n + j];
      double *ai = at + (size_t)i * m;
      for (int t = 0; t < m; t++) ai[t] = -ai[t];
    }
  }
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) q[(size_t)i * n + j] = at[(size_t)j * m + i];
  return 0;
}

/* ---------- LU solve ---------- */

EXPORT int mas_solve_work(int n, int nrhs) { return n * n + n * nrhs + 2 * n + 8; }

HOT static void lu_solve_cols(int n, const double *lut, const int *piv, double *x) {
  /* x: one column (length n); lut: column-major LU with row pivots applied. */
  for (int i = 0; i < n; i++) {
    int p = piv[i];
    if (p != i) {
      double t = x[i];
      x[i] = x[p];
      x[p] = t;
    }
  }
  for (int j = 0; j < n; j++) {
    double xj = x[j];
    if (xj != 0) daxpy(n - j - 1, -xj, lut + (size_t)j * n + j + 1, x + j + 1);
  }
  for (int j = n - 1; j >= 0; j--) {
    x[j] /= lut[(size_t)j * n + j];
    double xj = x[j];
    if (xj != 0) daxpy(j, -xj, lut + (size_t)j * n, x);
  }
}

/*
 * X (n×nrhs row-major) with A X = B. Returns 2 when A is exactly singular (info[0] = pivot index)
 * or its reciprocal 1-norm condition number is below eps (rc[0] = that number, computed exactly
 * from the inverse as the portable backend does). ipiv: n ints.
 */
EXPORT int mas_solve(const double *a, int n, const double *b, int nrhs, double *x, double *work, int *ipiv, int *info,
                     double *rc) {
  double *lu = work;             /* column-major: lu[j*n + i] = A(i, j) */
  double *col = lu + (size_t)n * n; /* n */
  double anorm = 0;
  info[0] = -1;
  rc[0] = 0;
  for (int j = 0; j < n; j++) {
    double cs = 0;
    for (int i = 0; i < n; i++) {
      double v = a[(size_t)i * n + j];
      lu[(size_t)j * n + i] = v;
      cs += dabs(v);
    }
    if (cs > anorm) anorm = cs;
  }
  for (int k = 0; k < n; k++) {
    double *ck = lu + (size_t)k * n;
    int p = k;
    double best = dabs(ck[k]);
    for (int i = k + 1; i < n; i++)
      if (dabs(ck[i]) > best) {
        best = dabs(ck[i]);
        p = i;
      }
    ipiv[k] = p;
    if (p != k)
      for (int j = 0; j < n; j++) {
        double *cj = lu + (size_t)j * n;
        double t = cj[k];
        cj[k] = cj[p];
        cj[p] = t;
      }
    if (ck[k] == 0) {
      info[0] = k;
      return 2;
    }
    double inv = 1 / ck[k];
    for (int i = k + 1; i < n; i++) ck[i] *= inv;
    for (int j = k + 1; j < n; j++) {
      double *cj = lu + (size_t)j * n;
      double t = cj[k];
      if (t != 0) daxpy(n - k - 1, -t, ck + k + 1, cj + k + 1);
    }
  }
  /* ‖A⁻¹‖₁ = max column sum of the inverse. */
  double inorm = 0;
  for (int j = 0; j < n; j++) {
    for (int i = 0; i < n; i++) col[i] = i == j ? 1 : 0;
    lu_solve_cols(n, lu, ipiv, col);
    double cs = 0;
    for (int i = 0; i < n; i++) cs += dabs(col[i]);
    if (cs > inorm) inorm = cs;
  }
  double rcond = 1 / (anorm * inorm);
  rc[0] = rcond;
  if (!(rcond >= DBL_EPS)) return 2;
  for (int j = 0; j < nrhs; j++) {
    for (int i = 0; i < n; i++) col[i] = b[(size_t)i * nrhs + j];
    lu_solve_cols(n, lu, ipiv, col);
    for (int i = 0; i < n; i++) x[(size_t)i * nrhs + j] = col[i];
  }
  info[0] = -1;
  return 0;
}

/* ---------- Cholesky ---------- */

/* Lower L with A = L Lᵀ from the lower triangle of a (row-major). Returns 3 with info[0] = order of the failing minor. */
EXPORT int mas_cholesky(const double *a, int n, double *l, int *info) {
  for (size_t i = 0; i < (size_t)n * n; i++) l[i] = 0;
  for (int j = 0; j < n; j++) {
    double *lj = l + (size_t)j * n;
    double d = a[(size_t)j * n + j] - ddot(j, lj, lj);
    if (!(d > 0)) {
      info[0] = j + 1;
      return 3;
    }
    d = dsqrt(d);
    lj[j] = d;
    for (int i = j + 1; i < n; i++) {
      double *li = l + (size_t)i * n;
      li[j] = (a[(size_t)i * n + j] - ddot(j, li, lj)) / d;
    }
  }
  return 0;
}
