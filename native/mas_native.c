/*
 * mas_native: an N-API addon over the system's OpenBLAS (CBLAS) and LAPACKE.
 *
 * Every function takes and returns row-major (C-order) typed arrays. GEMM runs directly on the
 * JavaScript arrays' memory (subarrays included). The LAPACK routines read a row-major matrix as
 * its column-major transpose wherever the algebra allows, so most results need no transposition:
 *
 *   svd      Wide A (m < n, row-major) is Aᵀ (n×m, tall) column-major. dgesdd on Aᵀ = Ub S Vbᵀ
 *            gives A = Vb S Ubᵀ: Vbᵀ (r×m, col-major) is U (m×r) row-major and Ub (n×r,
 *            col-major) is Vᵀ (r×n) row-major. No transposes. Tall A (m ≥ n) is copied into
 *            column-major order instead, so that LAPACK always solves the tall problem (its QR
 *            path is about twice as fast as the LQ path on the wide transpose); U and Vᵀ are
 *            transposed back.
 *   syrk     C ← alpha·A·Aᵀ or alpha·Aᵀ·A (+ beta·C) by cblas_?syrk on the upper triangle, which
 *            is then mirrored into the lower one: half the flops of the general product.
 *   eigh     A is symmetric, so its memory is A in either order; the row-major lower triangle is
 *            the column-major upper one (uplo 'U'). Eigenvectors are transposed once, in place.
 *   cholesky dpotrf 'U' on the column-major view gives A = Uᵀ U; U read row-major is L = Uᵀ.
 *   qr       dgeqrf + dorgqr on a column-major copy; Q is transposed back into the result.
 *   solve    dgesv on column-major copies of A and B; X is transposed back.
 *
 * Inputs are never modified: LAPACK overwrites a work copy (often the output buffer itself).
 * Numeric failures throw an Error whose `code` is MAS_SINGULAR, MAS_NOT_PD, MAS_NO_CONVERGENCE
 * or MAS_NONFINITE; the TypeScript wrapper turns them into the library's typed errors.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Declared here too, in case the cblas.h found is not OpenBLAS's own. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);

#define MAX_ARGS 13

/* ---------- argument helpers (each returns 0 and leaves a pending exception on failure) ---------- */

static int fail(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return 0;
}

static int fail_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return 0;
}

static int fail_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return 0;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return fail_type(env, "mas_native: bad call");
  if (argc < want) {
    char msg[96];
    snprintf(msg, sizeof msg, "mas_native: expected %zu arguments, got %zu", want, argc);
    return fail_type(env, msg);
  }
  return 1;
}

/* A non-negative integer that fits an int (LAPACK and CBLAS take int dimensions). */
static int get_dim(napi_env env, napi_value v, const char *name, int *out) {
  double d;
  if (napi_get_value_double(env, v, &d) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "mas_native: %s must be a number", name);
    return fail_type(env, msg);
  }
  if (!(d >= 0) || d > 2147483647.0 || d != floor(d)) {
    char msg[128];
    snprintf(msg, sizeof msg, "mas_native: %s must be a non-negative 32-bit integer, got %g", name, d);
    return fail_range(env, msg);
  }
  *out = (int)d;
  return 1;
}

static int get_f64(napi_env env, napi_value v, const char *name, double *out) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "mas_native: %s must be a number", name);
    return fail_type(env, msg);
  }
  return 1;
}

static int get_bool(napi_env env, napi_value v, const char *name, bool *out) {
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    char msg[96];
    snprintf(msg, sizeof msg, "mas_native: %s must be a boolean", name);
    return fail_type(env, msg);
  }
  return 1;
}

/* The data pointer (already adjusted by byteOffset) and element count of a typed array. */
static int get_typed(napi_env env, napi_value v, napi_typedarray_type want, const char *name, void **data,
                     size_t *len) {
  bool is;
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) goto bad;
  if (napi_get_typedarray_info(env, v, &t, len, data, &ab, &off) != napi_ok || t != want) goto bad;
  return 1;
bad: {
  char msg[96];
  snprintf(msg, sizeof msg, "mas_native: %s must be a %s", name,
           want == napi_float32_array ? "Float32Array" : "Float64Array");
  return fail_type(env, msg);
}
}

/* A new Float64Array of `len` elements; *data points at its (zeroed) memory. */
static napi_value new_f64(napi_env env, size_t len, double **data) {
  napi_value ab, ta;
  void *p = NULL;
  if (napi_create_arraybuffer(env, len * sizeof(double), &p, &ab) != napi_ok) return NULL;
  if (napi_create_typedarray(env, napi_float64_array, len, ab, 0, &ta) != napi_ok) return NULL;
  *data = (double *)p;
  return ta;
}

static napi_value set_prop(napi_env env, napi_value obj, const char *key, napi_value v) {
  if (v == NULL || napi_set_named_property(env, obj, key, v) != napi_ok) return NULL;
  return obj;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* Copy n doubles, reporting whether all were finite. */
static int copy_finite(double *dst, const double *src, size_t n) {
  double acc = 0;
  for (size_t i = 0; i < n; i++) {
    dst[i] = src[i];
    acc += src[i] * 0.0; /* NaN iff some element is NaN or ±Inf */
  }
  return acc == 0.0;
}

static int all_finite(const double *a, size_t n) {
  double acc = 0;
  for (size_t i = 0; i < n; i++) acc += a[i] * 0.0;
  return acc == 0.0;
}

/* In-place transpose of an n×n matrix. */
static void transpose_square(double *a, int n) {
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++) {
      double t = a[(size_t)i * n + j];
      a[(size_t)i * n + j] = a[(size_t)j * n + i];
      a[(size_t)j * n + i] = t;
    }
}

/* dst (cols×rows, row-major) ← srcᵀ for the rows×cols row-major src; blocked for the cache. */
static void transpose_into(double *dst, const double *src, int rows, int cols) {
  const int B = 32;
  for (int i0 = 0; i0 < rows; i0 += B)
    for (int j0 = 0; j0 < cols; j0 += B) {
      int i1 = i0 + B < rows ? i0 + B : rows, j1 = j0 + B < cols ? j0 + B : cols;
      for (int i = i0; i < i1; i++)
        for (int j = j0; j < j1; j++) dst[(size_t)j * rows + i] = src[(size_t)i * cols + j];
    }
}

static int lapack_fail(napi_env env, const char *routine, lapack_int info) {
  char msg[128];
  if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR) {
    snprintf(msg, sizeof msg, "%s: out of memory for the LAPACK workspace", routine);
    return fail(env, "MAS_NOMEM", msg);
  }
  snprintf(msg, sizeof msg, "%s: LAPACK returned info=%d", routine, (int)info);
  return fail(env, info > 0 ? "MAS_NO_CONVERGENCE" : "MAS_BADARG", msg);
}

/* ---------- GEMM ---------- */

/*
 * Check that a stored `rows`×`cols` row-major matrix with leading dimension `ld` fits in `len`
 * elements, and return its extent [ptr, ptr + extent) for the aliasing check.
 */
static int check_operand(napi_env env, const char *op, const char *name, int rows, int cols, int ld, size_t len, size_t *extent) {
  char msg[200];
  int minld = cols > 1 ? cols : 1;
  if (rows == 0 || cols == 0) { /* nothing is read or written: any leading dimension will do */
    *extent = 0;
    return 1;
  }
  if (ld < minld) {
    snprintf(msg, sizeof msg, "%s: leading dimension of %s is %d, needs at least %d", op, name, ld, minld);
    return fail_range(env, msg);
  }
  *extent = (rows == 0 || cols == 0) ? 0 : (size_t)(rows - 1) * (size_t)ld + (size_t)cols;
  if (*extent > len) {
    snprintf(msg, sizeof msg, "%s: %s is %d×%d with leading dimension %d and needs %zu elements, has %zu", op, name,
             rows, cols, ld, *extent, len);
    return fail_range(env, msg);
  }
  return 1;
}

static int overlaps(const void *a, size_t abytes, const void *b, size_t bbytes) {
  uintptr_t a0 = (uintptr_t)a, b0 = (uintptr_t)b;
  return abytes > 0 && bbytes > 0 && a0 < b0 + bbytes && b0 < a0 + abytes;
}

/* gemm(transA, transB, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc), single or double precision. */
static napi_value gemm(napi_env env, napi_callback_info info, int dbl) {
  napi_value argv[MAX_ARGS];
  bool ta, tb;
  int m, n, k, lda, ldb, ldc;
  double alpha, beta;
  void *a, *b, *c;
  size_t la, lb, lc, ea, eb, ec;
  napi_typedarray_type tt = dbl ? napi_float64_array : napi_float32_array;
  size_t es = dbl ? sizeof(double) : sizeof(float);
  if (!get_args(env, info, 13, argv) || !get_bool(env, argv[0], "transA", &ta) || !get_bool(env, argv[1], "transB", &tb) ||
      !get_dim(env, argv[2], "m", &m) || !get_dim(env, argv[3], "n", &n) || !get_dim(env, argv[4], "k", &k) ||
      !get_f64(env, argv[5], "alpha", &alpha) || !get_typed(env, argv[6], tt, "A", &a, &la) ||
      !get_dim(env, argv[7], "lda", &lda) || !get_typed(env, argv[8], tt, "B", &b, &lb) ||
      !get_dim(env, argv[9], "ldb", &ldb) || !get_f64(env, argv[10], "beta", &beta) ||
      !get_typed(env, argv[11], tt, "C", &c, &lc) || !get_dim(env, argv[12], "ldc", &ldc))
    return NULL;
  if (!check_operand(env, "gemm", "A", ta ? k : m, ta ? m : k, lda, la, &ea) ||
      !check_operand(env, "gemm", "B", tb ? n : k, tb ? k : n, ldb, lb, &eb) || !check_operand(env, "gemm", "C", m, n, ldc, lc, &ec))
    return NULL;
  if (overlaps(c, ec * es, a, ea * es) || overlaps(c, ec * es, b, eb * es)) {
    fail_range(env, "gemm: the output C overlaps an input (A or B); use a separate output array");
    return NULL;
  }
  if (m == 0 || n == 0) return undefined(env);
  /* An empty operand (k = 0) may carry any leading dimension; give CBLAS one it accepts. */
  if (lda < (ta ? m : k)) lda = ta ? m : k;
  if (ldb < (tb ? k : n)) ldb = tb ? k : n;
  if (lda < 1) lda = 1;
  if (ldb < 1) ldb = 1;
  enum CBLAS_TRANSPOSE opA = ta ? CblasTrans : CblasNoTrans, opB = tb ? CblasTrans : CblasNoTrans;
  if (dbl)
    cblas_dgemm(CblasRowMajor, opA, opB, m, n, k, alpha, (const double *)a, lda, (const double *)b, ldb, beta,
                (double *)c, ldc);
  else
    cblas_sgemm(CblasRowMajor, opA, opB, m, n, k, (float)alpha, (const float *)a, lda, (const float *)b, ldb,
                (float)beta, (float *)c, ldc);
  return undefined(env);
}

static napi_value sgemm(napi_env env, napi_callback_info info) { return gemm(env, info, 0); }
static napi_value dgemm(napi_env env, napi_callback_info info) { return gemm(env, info, 1); }

/* Copy the upper triangle of the n×n row-major C (leading dimension ldc) into its lower one. */
static void mirror_upper(double *c, float *cf, int n, int ldc) {
  const int B = 64; /* blocked so that both the rows read and the rows written stay in cache */
  for (int i0 = 0; i0 < n; i0 += B)
    for (int j0 = 0; j0 <= i0; j0 += B) {
      int i1 = i0 + B < n ? i0 + B : n;
      for (int i = i0; i < i1; i++) {
        int j1 = j0 + B < i ? j0 + B : i;
        if (c)
          for (int j = j0; j < j1; j++) c[(size_t)i * ldc + j] = c[(size_t)j * ldc + i];
        else
          for (int j = j0; j < j1; j++) cf[(size_t)i * ldc + j] = cf[(size_t)j * ldc + i];
      }
    }
}

/*
 * syrk(trans, n, k, alpha, A, lda, beta, C, ldc), row-major: C (n×n) ← alpha·op(A)·op(A)ᵀ + beta·C
 * with op(A) = A (n×k) or, when trans, Aᵀ (A is k×n), so trans gives AᵀA. Only C's upper
 * triangle is computed; it is then copied into the lower one, so C comes back fully symmetric.
 */
static napi_value syrk(napi_env env, napi_callback_info info, int dbl) {
  napi_value argv[MAX_ARGS];
  bool tr;
  int n, k, lda, ldc;
  double alpha, beta;
  void *a, *c;
  size_t la, lc, ea, ec;
  napi_typedarray_type tt = dbl ? napi_float64_array : napi_float32_array;
  size_t es = dbl ? sizeof(double) : sizeof(float);
  if (!get_args(env, info, 9, argv) || !get_bool(env, argv[0], "trans", &tr) || !get_dim(env, argv[1], "n", &n) ||
      !get_dim(env, argv[2], "k", &k) || !get_f64(env, argv[3], "alpha", &alpha) ||
      !get_typed(env, argv[4], tt, "A", &a, &la) || !get_dim(env, argv[5], "lda", &lda) ||
      !get_f64(env, argv[6], "beta", &beta) || !get_typed(env, argv[7], tt, "C", &c, &lc) ||
      !get_dim(env, argv[8], "ldc", &ldc))
    return NULL;
  if (!check_operand(env, "syrk", "A", tr ? k : n, tr ? n : k, lda, la, &ea) || !check_operand(env, "syrk", "C", n, n, ldc, lc, &ec))
    return NULL;
  if (overlaps(c, ec * es, a, ea * es)) {
    fail_range(env, "syrk: the output C overlaps the input A; use a separate output array");
    return NULL;
  }
  if (n == 0) return undefined(env);
  if (lda < (tr ? n : k)) lda = tr ? n : k; /* k = 0: any leading dimension CBLAS accepts */
  if (lda < 1) lda = 1;
  enum CBLAS_TRANSPOSE op = tr ? CblasTrans : CblasNoTrans;
  if (dbl) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, op, n, k, alpha, (const double *)a, lda, beta, (double *)c, ldc);
    mirror_upper((double *)c, NULL, n, ldc);
  } else {
    cblas_ssyrk(CblasRowMajor, CblasUpper, op, n, k, (float)alpha, (const float *)a, lda, (float)beta, (float *)c, ldc);
    mirror_upper(NULL, (float *)c, n, ldc);
  }
  return undefined(env);
}

static napi_value ssyrk(napi_env env, napi_callback_info info) { return syrk(env, info, 0); }
static napi_value dsyrk(napi_env env, napi_callback_info info) { return syrk(env, info, 1); }

/*
 * centerCols(a, m, n) → the m×n row-major matrix minus its column means. The means are sums in
 * row order divided by m, and each entry is a_ij − μ_j: the same operations, in the same order,
 * as the portable TypeScript version, so both give bitwise-equal results.
 */
static napi_value center_cols(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], jc;
  int m, n;
  void *p;
  size_t len;
  double *c;
  if (!get_args(env, info, 3, argv) || !get_typed(env, argv[0], napi_float64_array, "a", &p, &len) ||
      !get_dim(env, argv[1], "m", &m) || !get_dim(env, argv[2], "n", &n))
    return NULL;
  if (len != (size_t)m * (size_t)n) {
    char msg[160];
    snprintf(msg, sizeof msg, "centerCols: array has %zu elements, expected %d×%d = %zu", len, m, n, (size_t)m * n);
    return fail_range(env, msg), NULL;
  }
  const double *a = (const double *)p;
  jc = new_f64(env, len, &c);
  if (!jc) return NULL;
  if (len == 0) return jc;
  double *mu = calloc((size_t)n, sizeof(double));
  if (!mu) return fail(env, "MAS_NOMEM", "centerCols: out of memory"), NULL;
  for (int i = 0; i < m; i++) {
    const double *row = a + (size_t)i * n;
    for (int j = 0; j < n; j++) mu[j] += row[j];
  }
  for (int j = 0; j < n; j++) mu[j] /= m;
  for (int i = 0; i < m; i++) {
    const double *row = a + (size_t)i * n;
    double *out = c + (size_t)i * n;
    for (int j = 0; j < n; j++) out[j] = row[j] - mu[j];
  }
  free(mu);
  return jc;
}

/* ---------- decompositions ---------- */

/* The row-major m×n float64 matrix argument `a`, checked for length. */
static int get_matrix(napi_env env, napi_value v, const char *op, int m, int n, const double **a) {
  void *p;
  size_t len;
  if (!get_typed(env, v, napi_float64_array, "a", &p, &len)) return 0;
  if (len != (size_t)m * (size_t)n) {
    char msg[160];
    snprintf(msg, sizeof msg, "%s: array has %zu elements, expected %d×%d = %zu", op, len, m, n, (size_t)m * n);
    return fail_range(env, msg);
  }
  *a = (const double *)p;
  return 1;
}

static int nonfinite(napi_env env, const char *op) {
  char msg[96];
  snprintf(msg, sizeof msg, "%s: input contains NaN or Inf", op);
  return fail(env, "MAS_NONFINITE", msg);
}

/* svd(a, m, n) → {u: m×r, s: r, vt: r×n}, r = min(m, n); thin SVD by dgesdd (jobz 'S'). */
static napi_value svd(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], out, ju, js, jvt;
  int m, n;
  const double *a;
  double *u, *s, *vt;
  if (!get_args(env, info, 3, argv) || !get_dim(env, argv[1], "m", &m) || !get_dim(env, argv[2], "n", &n) ||
      !get_matrix(env, argv[0], "svd", m, n, &a))
    return NULL;
  int r = m < n ? m : n;
  if (napi_create_object(env, &out) != napi_ok) return NULL;
  ju = new_f64(env, (size_t)m * r, &u);
  js = new_f64(env, (size_t)r, &s);
  jvt = new_f64(env, (size_t)r * n, &vt);
  if (!ju || !js || !jvt) return NULL;
  if (r > 0 && m < n) {
    double *w = malloc(sizeof(double) * (size_t)m * n);
    if (!w) return fail(env, "MAS_NOMEM", "svd: out of memory"), NULL;
    if (!copy_finite(w, a, (size_t)m * n)) return free(w), nonfinite(env, "svd"), NULL;
    /* Aᵀ (n×m, column-major, ld n) = Ub S Vbᵀ; Ub lands in vt (ld n), Vbᵀ in u (ld r). */
    lapack_int info_ = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', n, m, w, n, s, vt, n, u, r);
    free(w);
    if (info_ != 0) return lapack_fail(env, "svd (dgesdd)", info_), NULL;
  } else if (r > 0) {
    /* Tall: A column-major (ld m), U (m×r, ld m) and Vᵀ (r×n, ld r) column-major, transposed back. */
    size_t mn = (size_t)m * n, mr = (size_t)m * r, rn = (size_t)r * n;
    double *w = malloc(sizeof(double) * (mn + mr + rn));
    if (!w) return fail(env, "MAS_NOMEM", "svd: out of memory"), NULL;
    double *uc = w + mn, *vc = uc + mr;
    if (!all_finite(a, mn)) return free(w), nonfinite(env, "svd"), NULL;
    transpose_into(w, a, m, n);
    lapack_int info_ = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', m, n, w, m, s, uc, m, vc, r);
    if (info_ != 0) return free(w), lapack_fail(env, "svd (dgesdd)", info_), NULL;
    transpose_into(u, uc, r, m);
    transpose_into(vt, vc, n, r);
    free(w);
  }
  if (!set_prop(env, out, "u", ju) || !set_prop(env, out, "s", js) || !set_prop(env, out, "vt", jvt)) return NULL;
  return out;
}

/* eigh(a, n) → {values: n ascending, vectors: n×n, column j for values[j]}; dsyevd, lower triangle. */
static napi_value eigh(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], out, jw, jv;
  int n;
  const double *a;
  double *w, *v;
  if (!get_args(env, info, 2, argv) || !get_dim(env, argv[1], "n", &n) || !get_matrix(env, argv[0], "eigh", n, n, &a))
    return NULL;
  if (napi_create_object(env, &out) != napi_ok) return NULL;
  jw = new_f64(env, (size_t)n, &w);
  jv = new_f64(env, (size_t)n * n, &v);
  if (!jw || !jv) return NULL;
  if (n > 0) {
    /* Only the lower triangle is read, so only it must be finite. */
    memcpy(v, a, sizeof(double) * (size_t)n * n);
    double acc = 0;
    for (int i = 0; i < n; i++)
      for (int j = 0; j <= i; j++) acc += a[(size_t)i * n + j] * 0.0;
    if (acc != 0.0) return nonfinite(env, "eigh"), NULL;
    lapack_int info_ = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', n, v, n, w);
    if (info_ != 0) return lapack_fail(env, "eigh (dsyevd)", info_), NULL;
    transpose_square(v, n); /* column-major eigenvectors → row-major with eigenvectors as columns */
  }
  if (!set_prop(env, out, "values", jw) || !set_prop(env, out, "vectors", jv)) return NULL;
  return out;
}

/* qr(a, m, n) → {q: m×n, r: n×n}, m ≥ n, diag(r) ≥ 0; dgeqrf + dorgqr. */
static napi_value qr(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], out, jq, jr;
  int m, n;
  const double *a;
  double *q, *r;
  if (!get_args(env, info, 3, argv) || !get_dim(env, argv[1], "m", &m) || !get_dim(env, argv[2], "n", &n) ||
      !get_matrix(env, argv[0], "qr", m, n, &a))
    return NULL;
  if (m < n) return fail_range(env, "qr: needs rows >= columns"), NULL;
  if (!all_finite(a, (size_t)m * n)) return nonfinite(env, "qr"), NULL;
  if (napi_create_object(env, &out) != napi_ok) return NULL;
  jq = new_f64(env, (size_t)m * n, &q);
  jr = new_f64(env, (size_t)n * n, &r);
  if (!jq || !jr) return NULL;
  if (n > 0) {
    double *w = malloc(sizeof(double) * ((size_t)m * n + 2 * (size_t)n));
    if (!w) return fail(env, "MAS_NOMEM", "qr: out of memory"), NULL;
    double *tau = w + (size_t)m * n, *sign = tau + n;
    for (int i = 0; i < m; i++) /* column-major copy, ld m */
      for (int j = 0; j < n; j++) w[i + (size_t)j * m] = a[(size_t)i * n + j];
    lapack_int info_ = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, m, n, w, m, tau);
    if (info_ == 0) {
      /* Flip row i of R and column i of Q together where R_ii < 0, so that Q R is unchanged. */
      for (int i = 0; i < n; i++) {
        sign[i] = w[i + (size_t)i * m] < 0 ? -1.0 : 1.0;
        for (int j = i; j < n; j++) r[(size_t)i * n + j] = sign[i] * w[i + (size_t)j * m];
      }
      info_ = LAPACKE_dorgqr(LAPACK_COL_MAJOR, m, n, n, w, m, tau);
    }
    if (info_ != 0) return free(w), lapack_fail(env, "qr (dgeqrf/dorgqr)", info_), NULL;
    for (int i = 0; i < m; i++)
      for (int j = 0; j < n; j++) q[(size_t)i * n + j] = sign[j] * w[i + (size_t)j * m];
    free(w);
  }
  if (!set_prop(env, out, "q", jq) || !set_prop(env, out, "r", jr)) return NULL;
  return out;
}

/* solve(a, n, b, nrhs) → X (n×nrhs) with A X = B; dgesv. Singular or rcond < eps → MAS_SINGULAR. */
static napi_value solve(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], jx;
  int n, nrhs;
  const double *a, *b;
  double *x;
  if (!get_args(env, info, 4, argv) || !get_dim(env, argv[1], "n", &n) || !get_dim(env, argv[3], "nrhs", &nrhs) ||
      !get_matrix(env, argv[0], "solve", n, n, &a) || !get_matrix(env, argv[2], "solve (B)", n, nrhs, &b))
    return NULL;
  if (!all_finite(a, (size_t)n * n) || !all_finite(b, (size_t)n * nrhs)) return nonfinite(env, "solve"), NULL;
  jx = new_f64(env, (size_t)n * nrhs, &x);
  if (!jx) return NULL;
  if (n == 0 || nrhs == 0) return jx;
  size_t nn = (size_t)n * n, nb = (size_t)n * nrhs;
  double *w = malloc(sizeof(double) * (nn + nb));
  lapack_int *ipiv = malloc(sizeof(lapack_int) * (size_t)n);
  if (!w || !ipiv) return free(w), free(ipiv), fail(env, "MAS_NOMEM", "solve: out of memory"), NULL;
  double *bw = w + nn, anorm = 0;
  for (int j = 0; j < n; j++) { /* column-major copy of A, and its 1-norm */
    double colsum = 0;
    for (int i = 0; i < n; i++) {
      double v = a[(size_t)i * n + j];
      w[i + (size_t)j * n] = v;
      colsum += fabs(v);
    }
    if (colsum > anorm) anorm = colsum;
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < nrhs; j++) bw[i + (size_t)j * n] = b[(size_t)i * nrhs + j];
  lapack_int info_ = LAPACKE_dgesv(LAPACK_COL_MAJOR, n, nrhs, w, n, ipiv, bw, n);
  double rcond = 0;
  if (info_ == 0) info_ = LAPACKE_dgecon(LAPACK_COL_MAJOR, '1', n, w, n, anorm, &rcond);
  free(ipiv);
  if (info_ < 0) return free(w), lapack_fail(env, "solve (dgesv)", info_), NULL;
  if (info_ > 0 || !(rcond >= DBL_EPSILON)) {
    char msg[160];
    if (info_ > 0) snprintf(msg, sizeof msg, "exactly singular (U[%d,%d] = 0)", (int)info_ - 1, (int)info_ - 1);
    else snprintf(msg, sizeof msg, "singular to working precision (reciprocal condition number %.3g)", rcond);
    free(w);
    return fail(env, "MAS_SINGULAR", msg), NULL;
  }
  for (int i = 0; i < n; i++)
    for (int j = 0; j < nrhs; j++) x[(size_t)i * nrhs + j] = bw[i + (size_t)j * n];
  free(w);
  return jx;
}

/* cholesky(a, n) → L (n×n lower, A = L Lᵀ); dpotrf on the lower triangle. Not PD → MAS_NOT_PD. */
static napi_value cholesky(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS], jl;
  int n;
  const double *a;
  double *l;
  if (!get_args(env, info, 2, argv) || !get_dim(env, argv[1], "n", &n) ||
      !get_matrix(env, argv[0], "cholesky", n, n, &a))
    return NULL;
  jl = new_f64(env, (size_t)n * n, &l);
  if (!jl) return NULL;
  if (n == 0) return jl;
  /* Copy the lower triangle only (row-major), which is the column-major upper one dpotrf 'U' reads. */
  double acc = 0;
  for (int i = 0; i < n; i++)
    for (int j = 0; j <= i; j++) {
      double v = a[(size_t)i * n + j];
      l[(size_t)i * n + j] = v;
      acc += v * 0.0;
    }
  if (acc != 0.0) return nonfinite(env, "cholesky"), NULL;
  lapack_int info_ = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, l, n);
  if (info_ < 0) return lapack_fail(env, "cholesky (dpotrf)", info_), NULL;
  if (info_ > 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "the leading minor of order %d is not positive", (int)info_);
    return fail(env, "MAS_NOT_PD", msg), NULL;
  }
  return jl;
}

/* ---------- threads and module setup ---------- */

static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  int n;
  if (!get_args(env, info, 1, argv) || !get_dim(env, argv[0], "threads", &n)) return NULL;
  if (n < 1) return fail_range(env, "setThreads: needs at least 1 thread"), NULL;
  openblas_set_num_threads(n);
  return undefined(env);
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_int32(env, openblas_get_num_threads(), &v);
  return v;
}

/* The OpenBLAS kernel set in use (e.g. "SkylakeX", "Haswell", "Prescott"). */
static napi_value core_name(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  const char *name = openblas_get_corename();
  napi_create_string_utf8(env, name ? name : "unknown", NAPI_AUTO_LENGTH, &v);
  return v;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dgemm", NULL, dgemm, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ssyrk", NULL, ssyrk, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dsyrk", NULL, dsyrk, NULL, NULL, NULL, napi_enumerable, NULL},
      {"centerCols", NULL, center_cols, NULL, NULL, NULL, napi_enumerable, NULL},
      {"svd", NULL, svd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"eigh", NULL, eigh, NULL, NULL, NULL, napi_enumerable, NULL},
      {"qr", NULL, qr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"solve", NULL, solve, NULL, NULL, NULL, napi_enumerable, NULL},
      {"cholesky", NULL, cholesky, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"getThreads", NULL, get_threads, NULL, NULL, NULL, napi_enumerable, NULL},
      {"coreName", NULL, core_name, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
