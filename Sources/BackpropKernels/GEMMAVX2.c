// The built-in GEMM's kernels for x86-64 with AVX2 and FMA: a 16 × 6 Float and an 8 × 6
// Double register tile (twelve accumulator registers of the sixteen, two for the A column and
// one for the broadcast B value). See GEMMKernelTemplate.h.
#include "BackpropKernels.h"
#include "GEMMKernels.h"

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

#define GEMM_TARGET __attribute__((target("avx2,fma")))
#define GEMM_NR 6

#define GEMM_SCALAR float
#define GEMM_VECTOR __m256
#define GEMM_LANES 8
#define GEMM_NAME(x) bp_gemm_avx2_f32_##x
#define GEMM_LOAD(p) _mm256_loadu_ps(p)
#define GEMM_STORE(p, v) _mm256_storeu_ps(p, v)
#define GEMM_SPLAT(x) _mm256_set1_ps(x)
#define GEMM_ZERO() _mm256_setzero_ps()
#define GEMM_ADD(a, b) _mm256_add_ps(a, b)
#define GEMM_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define GEMM_SCALAR_FMA(a, b, c) __builtin_fmaf(a, b, c)
#include "GEMMKernelTemplate.h"
#undef GEMM_SCALAR
#undef GEMM_VECTOR
#undef GEMM_LANES
#undef GEMM_NAME
#undef GEMM_LOAD
#undef GEMM_STORE
#undef GEMM_SPLAT
#undef GEMM_ZERO
#undef GEMM_ADD
#undef GEMM_FMA
#undef GEMM_SCALAR_FMA

#define GEMM_SCALAR double
#define GEMM_VECTOR __m256d
#define GEMM_LANES 4
#define GEMM_NAME(x) bp_gemm_avx2_f64_##x
#define GEMM_LOAD(p) _mm256_loadu_pd(p)
#define GEMM_STORE(p, v) _mm256_storeu_pd(p, v)
#define GEMM_SPLAT(x) _mm256_set1_pd(x)
#define GEMM_ZERO() _mm256_setzero_pd()
#define GEMM_ADD(a, b) _mm256_add_pd(a, b)
#define GEMM_FMA(a, b, c) _mm256_fmadd_pd(a, b, c)
#define GEMM_SCALAR_FMA(a, b, c) __builtin_fma(a, b, c)
#include "GEMMKernelTemplate.h"

#endif
