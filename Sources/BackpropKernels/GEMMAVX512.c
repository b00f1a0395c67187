// The built-in GEMM's kernels for x86-64 with AVX-512: a 32 × 14 Float and a 16 × 14 Double
// register tile (28 accumulator registers of the 32 and two for the A column; the B values
// are broadcast from memory inside the multiply-adds), and the transposing packs through
// 16 × 16 Float and 8 × 8 Double register transposes. See GEMMKernelTemplate.h.
#include "BackpropKernels.h"
#include "GEMMKernels.h"

#pragma STDC FP_CONTRACT OFF

#if defined(__x86_64__)
#include <immintrin.h>

#define GEMM_TARGET __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#define GEMM_NR 14

/// Transposes 16 vectors of 16 floats in place (r[i][j] becomes r[j][i]): pairs interleaved,
/// then quads, then 128-bit lanes across registers.
static GEMM_TARGET inline void transpose16_f32(__m512 r[16]) {
    __m512 t[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // r[4i + j], 128-bit lane L: rows 4i ... 4i + 3 of column 4L + j.
    for (int i = 0; i < 4; i++) {
        r[4 * i] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        r[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        r[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        r[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        __m512 even0 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0x88), odd0 = _mm512_shuffle_f32x4(r[j], r[4 + j], 0xDD);
        __m512 even1 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0x88), odd1 = _mm512_shuffle_f32x4(r[8 + j], r[12 + j], 0xDD);
        t[j] = _mm512_shuffle_f32x4(even0, even1, 0x88);
        t[8 + j] = _mm512_shuffle_f32x4(even0, even1, 0xDD);
        t[4 + j] = _mm512_shuffle_f32x4(odd0, odd1, 0x88);
        t[12 + j] = _mm512_shuffle_f32x4(odd0, odd1, 0xDD);
    }
    for (int i = 0; i < 16; i++) r[i] = t[i];
}

/// Transposes 8 vectors of 8 doubles in place: pairs interleaved, then 128-bit lanes.
static GEMM_TARGET inline void transpose8_f64(__m512d r[8]) {
    __m512d t[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);
    }
    // t[2i + j], 128-bit lane L: rows 2i, 2i + 1 of column 2L + j.
    for (int j = 0; j < 2; j++) {
        __m512d even0 = _mm512_shuffle_f64x2(t[j], t[2 + j], 0x88), odd0 = _mm512_shuffle_f64x2(t[j], t[2 + j], 0xDD);
        __m512d even1 = _mm512_shuffle_f64x2(t[4 + j], t[6 + j], 0x88), odd1 = _mm512_shuffle_f64x2(t[4 + j], t[6 + j], 0xDD);
        r[j] = _mm512_shuffle_f64x2(even0, even1, 0x88);
        r[4 + j] = _mm512_shuffle_f64x2(even0, even1, 0xDD);
        r[2 + j] = _mm512_shuffle_f64x2(odd0, odd1, 0x88);
        r[6 + j] = _mm512_shuffle_f64x2(odd0, odd1, 0xDD);
    }
}

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
#define GEMM_TRANSPOSE(block) transpose16_f32(block)
#define GEMM_MUL(a, b) _mm512_mul_ps(a, b)
#define GEMM_STORE_FIRST(p, v, n) _mm512_mask_storeu_ps(p, (__mmask16)((1u << (n)) - 1), v)
#define GEMM_LOAD_FIRST(p, n) _mm512_maskz_loadu_ps((__mmask16)((1u << (n)) - 1), p)
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
#define GEMM_TRANSPOSE(block) transpose8_f64(block)
#define GEMM_MUL(a, b) _mm512_mul_pd(a, b)
#define GEMM_STORE_FIRST(p, v, n) _mm512_mask_storeu_pd(p, (__mmask8)((1u << (n)) - 1), v)
#define GEMM_LOAD_FIRST(p, n) _mm512_maskz_loadu_pd((__mmask8)((1u << (n)) - 1), p)
#include "GEMMKernelTemplate.h"

#endif
