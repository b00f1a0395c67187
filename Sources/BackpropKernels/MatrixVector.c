// y <- alpha * A x + beta * y for a column-major A (m x k, leading dimension lda) and contiguous
// x, y: the product of a layer and a single column (batch-1 inference), which BLAS runs through
// its GEMM with a one-column B, packing A for nothing.
//
// The work is one stream over A: for each block of rows, every column of A is multiplied by its
// x[j] and added to accumulators held in registers. Each element's sum runs over j = 0, 1, ...
// in order with a separate multiply and add (no fused multiply-add: the loop is bound by reading
// A, not by arithmetic), so every level gives the same bits as the plain loop
//   s = 0; for j: s = s + A[i, j] * x[j];  y[i] = alpha * s + beta * y[i]   (beta = 0: alpha * s).
#include "BackpropKernels.h"
#include "KernelLevels.h"

#include <string.h>

#pragma clang fp contract(off)

typedef double vd __attribute__((vector_size(64)));
typedef float vf __attribute__((vector_size(64)));


// Rows in blocks of BLOCK vectors of WIDTH rows, one pass over the columns per block.
#define GEMV_BLOCKS(T, V, WIDTH, BLOCK)                                                 \
    for (; i + (BLOCK) * WIDTH <= m; i += (BLOCK) * WIDTH) {                            \
        V acc[BLOCK];                                                                   \
        for (int b = 0; b < (BLOCK); b++) acc[b] = (V){};                               \
        const T *column = a + i;                                                        \
        for (size_t j = 0; j < k; j++, column += lda) {                                 \
            V xj = (V){} + x[j];                                                        \
            for (int b = 0; b < (BLOCK); b++) {                                         \
                V w;                                                                    \
                memcpy(&w, column + b * WIDTH, sizeof w);                               \
                acc[b] = acc[b] + w * xj;                                               \
            }                                                                           \
        }                                                                               \
        for (int b = 0; b < (BLOCK); b++) {                                             \
            V out;                                                                      \
            if (beta == 0) {                                                            \
                out = alpha * acc[b];                                                   \
            } else {                                                                    \
                memcpy(&out, y + i + b * WIDTH, sizeof out);                            \
                out = alpha * acc[b] + beta * out;                                      \
            }                                                                           \
            memcpy(y + i + b * WIDTH, &out, sizeof out);                                \
        }                                                                               \
    }

// BLOCK vectors of WIDTH rows at a time, then 4, 2 and single vectors (the rows of one
// thread's share of a layer need not be a multiple of the big block), then single rows.
#define GEMV_BODY(T, V, WIDTH, BLOCK)                                                   \
    size_t i = 0;                                                                       \
    GEMV_BLOCKS(T, V, WIDTH, BLOCK)                                                     \
    GEMV_BLOCKS(T, V, WIDTH, 4)                                                         \
    GEMV_BLOCKS(T, V, WIDTH, 2)                                                         \
    GEMV_BLOCKS(T, V, WIDTH, 1)                                                         \
    for (; i < m; i++) {                                                                \
        T s = 0;                                                                        \
        for (size_t j = 0; j < k; j++) s = s + a[i + j * lda] * x[j];                   \
        y[i] = beta == 0 ? alpha * s : alpha * s + beta * y[i];                         \
    }

// BLOCK rows of vectors per pass over the columns: 8 (a 64-byte vector is two AVX2 registers,
// so 16 of the 16 there), 16 with AVX-512's 32 registers, which covers a 256-unit float layer in
// one pass, reading A front to back (two passes, each over half of every column, left the
// prefetchers a strided stream).
#define DEFINE_GEMV(NAME, T, V, WIDTH, BLOCK, BLOCK512)                                 \
    static void NAME##_baseline(GEMV_PARAMS(T)) { GEMV_BODY(T, V, WIDTH, BLOCK) }        \
    AVX2 static void NAME##_avx2(GEMV_PARAMS(T)) { GEMV_BODY(T, V, WIDTH, BLOCK) }       \
    AVX512 static void NAME##_avx512(GEMV_PARAMS(T)) { GEMV_BODY(T, V, WIDTH, BLOCK512) } \
    void NAME##_at(BPKernelLevel level, GEMV_PARAMS(T)) {                               \
        switch (bp_kernel_level_clamped(level)) {                                       \
        case BPKernelLevelAVX512: NAME##_avx512(GEMV_ARGS); return;                     \
        case BPKernelLevelAVX2: NAME##_avx2(GEMV_ARGS); return;                         \
        default: NAME##_baseline(GEMV_ARGS); return;                                    \
        }                                                                               \
    }                                                                                   \
    void NAME(GEMV_PARAMS(T)) { NAME##_at(bp_kernel_level(), GEMV_ARGS); }

#define GEMV_PARAMS(T) size_t m, size_t k, T alpha, const T *a, size_t lda, const T *x, T beta, T *y
#define GEMV_ARGS m, k, alpha, a, lda, x, beta, y

DEFINE_GEMV(bp_gemv_f32, float, vf, 16, 8, 16)
DEFINE_GEMV(bp_gemv_f64, double, vd, 8, 8, 16)
