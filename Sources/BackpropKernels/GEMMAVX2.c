// The built-in GEMM's kernels for x86-64 with AVX2 and FMA: a 16 × 6 Float and an 8 × 6
// Double register tile (twelve accumulator registers of the sixteen, two for the A column and
// one for the broadcast B value), and the transposing packs through 8 × 8 Float and 4 × 4
// Double register transposes. See GEMMKernelTemplate.h.
#include "BackpropKernels.h"
#include "GEMMKernels.h"

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

#define GEMM_TARGET __attribute__((target("avx2,fma")))
#define GEMM_NR 6

/// Transposes 8 vectors of 8 floats in place: pairs interleaved, then quads, then 128-bit halves.
static GEMM_TARGET inline void transpose8_f32(__m256 r[8]) {
    __m256 t[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // s[4h + j], 128-bit half H: rows 4h ... 4h + 3 of column 4H + j.
    __m256 s[8];
    for (int h = 0; h < 2; h++) {
        s[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        s[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
        s[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        s[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x20);
        r[4 + j] = _mm256_permute2f128_ps(s[j], s[4 + j], 0x31);
    }
}

/// Transposes 4 vectors of 4 doubles in place: pairs interleaved, then 128-bit halves.
static GEMM_TARGET inline void transpose4_f64(__m256d r[4]) {
    __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
}

/// Lanes below `n` set (the sign bit the masked loads and stores read).
static GEMM_TARGET inline __m256i first_lanes_f32(ptrdiff_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static GEMM_TARGET inline __m256i first_lanes_f64(ptrdiff_t n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)n), _mm256_setr_epi64x(0, 1, 2, 3));
}

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
#define GEMM_TRANSPOSE(block) transpose8_f32(block)
#define GEMM_MUL(a, b) _mm256_mul_ps(a, b)
#define GEMM_STORE_FIRST(p, v, n) _mm256_maskstore_ps(p, first_lanes_f32(n), v)
#define GEMM_LOAD_FIRST(p, n) _mm256_maskload_ps(p, first_lanes_f32(n))
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
#undef GEMM_TRANSPOSE
#undef GEMM_MUL
#undef GEMM_STORE_FIRST
#undef GEMM_LOAD_FIRST

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
#define GEMM_TRANSPOSE(block) transpose4_f64(block)
#define GEMM_MUL(a, b) _mm256_mul_pd(a, b)
#define GEMM_STORE_FIRST(p, v, n) _mm256_maskstore_pd(p, first_lanes_f64(n), v)
#define GEMM_LOAD_FIRST(p, n) _mm256_maskload_pd(p, first_lanes_f64(n))
#include "GEMMKernelTemplate.h"

#endif
