/* Shared definitions of the freestanding wasm32 sources (no libc). */
#ifndef MAS_WASM_COMMON_H
#define MAS_WASM_COMMON_H
#include <wasm_simd128.h>

typedef __SIZE_TYPE__ size_t;
#define EXPORT __attribute__((visibility("default")))
/*
 * Hot loops live in functions that are never inlined: V8 first runs wasm code in its baseline
 * compiler (Liftoff) and moves a function to the optimizing one only for later calls (no on-stack
 * replacement), so a hot loop inlined into a long, once-called export would stay on the slow tier.
 */
#define HOT __attribute__((noinline))

static inline double dabs(double x) { return __builtin_fabs(x); }
static inline double dsqrt(double x) { return __builtin_sqrt(x); }
static inline double dmax(double a, double b) { return a > b ? a : b; }
#define DBL_EPS 2.220446049250313e-16
#define DBL_MINV 4.9406564584124654e-324
#endif
