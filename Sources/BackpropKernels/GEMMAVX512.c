// The built-in GEMM's kernels for x86-64 with AVX-512: a 32 × 14 Float and a 16 × 14 Double
// register tile (28 accumulator registers of the 32 and two for the A column; the B values
// are broadcast from memory inside the multiply-adds). See GEMMKernelTemplate.h.
#include "BackpropKernels.h"
#include "GEMMKernels.h"

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

#define GEMM_TARGET __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#define GEMM_NR 14

#define GEMM_SCALAR float
#define GEMM_VECTOR __m512
#define GEMM_LANES 16
#define GEMM_NAME(x) bp_gemm_avx512_f32_##x
#define GEMM_LOAD(p) _mm512_loadu_ps(p)
#define GEMM_STORE(p, v) _mm512_storeu_ps(p, v)
#define GEMM_SPLAT(x) _mm512_set1_ps(x)
#define GEMM_ZERO() _mm512_setzero_ps()
#define GEMM_ADD(a, b) _mm512_add_ps(a, b)
#define GEMM_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
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
#define GEMM_VECTOR __m512d
#define GEMM_LANES 8
#define GEMM_NAME(x) bp_gemm_avx512_f64_##x
#define GEMM_LOAD(p) _mm512_loadu_pd(p)
#define GEMM_STORE(p, v) _mm512_storeu_pd(p, v)
#define GEMM_SPLAT(x) _mm512_set1_pd(x)
#define GEMM_ZERO() _mm512_setzero_pd()
#define GEMM_ADD(a, b) _mm512_add_pd(a, b)
#define GEMM_FMA(a, b, c) _mm512_fmadd_pd(a, b, c)
#define GEMM_SCALAR_FMA(a, b, c) __builtin_fma(a, b, c)
#include "GEMMKernelTemplate.h"

#endif
