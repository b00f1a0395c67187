// The direct GEMM for products too small for a BLAS call, for every instruction set (see
// BackpropKernels.h and `SmallProduct` in Sources/Backprop/Tensor/SmallProduct.swift).
//
// This is the algorithm of the Swift `SmallProduct` kernel, which documents it and stays as
// the reference: the same 4 × 4 register tiles over blocks of four rows, the same partial sums
// in the same order for the rows left over, the same α/β stores, and contraction into fused
// multiply-adds off. Every element of C therefore gets the Swift kernel's bits at every level
// (SmallProductKernelTests checks it). One path is arranged differently for the same bits: a
// row of C whose dot products are shorter than 8 (the course's (1 x 4)(4 x 400)) takes four
// columns at a time, B's 4 x 4 block transposed in registers, instead of summing each column's
// 4 lanes horizontally (1.70 µs for that product before, 0.44 µs after, on an AVX-512 Zen 4).
#include "BackpropKernels.h"
#include "KernelLevels.h"

#include <string.h>

#pragma clang fp contract(off)

typedef double vd4 __attribute__((vector_size(32)));
typedef float vf4 __attribute__((vector_size(16)));

#define INLINE static inline __attribute__((always_inline))

// One 4 x 4 tile of C at rows i, columns j, over DEPTH steps of p (see SMALL_KERNEL).
#define SMALL_TILE(T, V, DEPTH)                                                                 \
    do {                                                                                        \
        const T *b0 = b + j * b_column;                                                         \
        const T *b1 = b0 + b_column;                                                            \
        const T *b2 = b1 + b_column;                                                            \
        const T *b3 = b2 + b_column;                                                            \
        V c0 = {0}; V c1 = {0}; V c2 = {0}; V c3 = {0};                                         \
        const T *ap = ai;                                                                       \
        ptrdiff_t offset = 0;                                                                   \
        for (ptrdiff_t p = 0; p < (DEPTH); p++) {                                               \
            V column; memcpy(&column, ap, sizeof column);                                       \
            c0 = c0 + column * b0[offset];                                                      \
            c1 = c1 + column * b1[offset];                                                      \
            c2 = c2 + column * b2[offset];                                                      \
            c3 = c3 + column * b3[offset];                                                      \
            ap += a_step;                                                                       \
            offset += b_step;                                                                   \
        }                                                                                       \
        T *cj = c + i + j * ldc;                                                                \
        STORE4(V, c0, cj); STORE4(V, c1, cj + ldc);                                             \
        STORE4(V, c2, cj + 2 * ldc); STORE4(V, c3, cj + 3 * ldc);                               \
    } while (0)

// WIDTH (1 or 2) columns of C from column j, rows i ..< i + 4, each summed over p in two
// interleaved partial sums (even and odd p), as the reference does (see SMALL_KERNEL).
#define SMALL_COLUMNS(T, V, WIDTH)                                                              \
    do {                                                                                        \
        V even[WIDTH]; V odd[WIDTH];                                                            \
        for (int w = 0; w < (WIDTH); w++) { even[w] = (V){0}; odd[w] = (V){0}; }                \
        ptrdiff_t p = 0;                                                                        \
        for (; p + 2 <= k; p += 2) {                                                            \
            V x0; memcpy(&x0, ai + p * a_step, sizeof x0);                                      \
            V x1; memcpy(&x1, ai + (p + 1) * a_step, sizeof x1);                                \
            for (int w = 0; w < (WIDTH); w++) {                                                 \
                const T *bw = b + (j + w) * b_column;                                           \
                even[w] = even[w] + x0 * bw[p * b_step];                                        \
                odd[w] = odd[w] + x1 * bw[(p + 1) * b_step];                                    \
            }                                                                                   \
        }                                                                                       \
        if (p < k) {                                                                            \
            V x0; memcpy(&x0, ai + p * a_step, sizeof x0);                                      \
            for (int w = 0; w < (WIDTH); w++) even[w] = even[w] + x0 * b[(j + w) * b_column + p * b_step];\
        }                                                                                       \
        for (int w = 0; w < (WIDTH); w++) {                                                     \
            V sum = even[w] + odd[w];                                                           \
            STORE4(V, sum, c + i + (j + w) * ldc);                                              \
        }                                                                                       \
    } while (0)

// The body, for scalar type T and its 4-lane vector V. op(A)[i, p] = a[i*a_row + p*a_step],
// op(B)[p, j] = b[p*b_step + j*b_column]; when m >= 4, a_row == 1 (A is packed first when it
// is transposed).
#define SMALL_KERNEL(T, V)                                                                      \
    ptrdiff_t block_rows = m & ~(ptrdiff_t)3;                                                   \
    ptrdiff_t i = 0;                                                                            \
    for (; i < block_rows; i += 4) {                                                            \
        const T *ai = a + i;                                                                    \
        ptrdiff_t j = 0;                                                                        \
        /* A depth of 1 to 4 (the course network's products) as a constant, so the loop over    \
           p unrolls: the same operations in the same order. */                                 \
        switch (k) {                                                                            \
        case 1: for (; j + 4 <= n; j += 4) SMALL_TILE(T, V, 1); break;                          \
        case 2: for (; j + 4 <= n; j += 4) SMALL_TILE(T, V, 2); break;                          \
        case 3: for (; j + 4 <= n; j += 4) SMALL_TILE(T, V, 3); break;                          \
        case 4: for (; j + 4 <= n; j += 4) SMALL_TILE(T, V, 4); break;                          \
        default: for (; j + 4 <= n; j += 4) SMALL_TILE(T, V, k); break;                         \
        }                                                                                       \
        /* Leftover columns two at a time, sharing the loads of A (the course's dW1 = dZ1 Xᵀ,   \
           4 x 2 x 400: four independent sums instead of two), then one. */                     \
        for (; j + 2 <= n; j += 2) SMALL_COLUMNS(T, V, 2);                                      \
        for (; j < n; j++) SMALL_COLUMNS(T, V, 1);                                              \
    }                                                                                           \
    for (; i < m; i++) {                                                                        \
        const T *ai = a + i * a_row;                                                            \
        ptrdiff_t j = 0;                                                                        \
        if (trans_b) {                                                                          \
            /* op(B)[p, j..<j+4] = b[p*ldb + j ..< +4] is contiguous: stream rows of B. */      \
            for (; j + 4 <= n; j += 4) {                                                        \
                const T *bj = b + j;                                                            \
                V even = {0}; V odd = {0};                                                      \
                ptrdiff_t p = 0;                                                                \
                for (; p + 2 <= k; p += 2) {                                                    \
                    V x0; memcpy(&x0, bj + p * b_step, sizeof x0);                              \
                    V x1; memcpy(&x1, bj + (p + 1) * b_step, sizeof x1);                        \
                    even = even + x0 * ai[p * a_step];                                          \
                    odd = odd + x1 * ai[(p + 1) * a_step];                                      \
                }                                                                               \
                if (p < k) {                                                                    \
                    V x0; memcpy(&x0, bj + p * b_step, sizeof x0);                              \
                    even = even + x0 * ai[p * a_step];                                          \
                }                                                                               \
                V sum = even + odd;                                                             \
                for (int lane = 0; lane < 4; lane++) STORE1(sum[lane], c + i + (j + lane) * ldc); \
            }                                                                                   \
        }                                                                                       \
        int contiguous = a_step == 1 && b_step == 1;                                            \
        if (contiguous && k < 8) {                                                              \
            /* A short dot per column (the course's (1 x 4)(4 x 400)): four columns at a */    \
            /* time, B's 4 x 4 block transposed in registers so each lane is one column, the */ \
            /* lanes getting exactly the operations of the per-column path below. */           \
            V zero = {0};                                                                       \
            for (; j + 4 <= n; j += 4) {                                                        \
                const T *bj = b + j * b_column;                                                 \
                V acc = zero;                                                                   \
                ptrdiff_t p = 0;                                                                \
                if (k >= 4) {                                                                   \
                    V r0; memcpy(&r0, bj, sizeof r0);                                           \
                    V r1; memcpy(&r1, bj + b_column, sizeof r1);                                \
                    V r2; memcpy(&r2, bj + 2 * b_column, sizeof r2);                            \
                    V r3; memcpy(&r3, bj + 3 * b_column, sizeof r3);                            \
                    V t0 = __builtin_shufflevector(r0, r1, 0, 4, 2, 6);                         \
                    V t1 = __builtin_shufflevector(r0, r1, 1, 5, 3, 7);                         \
                    V t2 = __builtin_shufflevector(r2, r3, 0, 4, 2, 6);                         \
                    V t3 = __builtin_shufflevector(r2, r3, 1, 5, 3, 7);                         \
                    V q0 = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);                         \
                    V q1 = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);                         \
                    V q2 = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);                         \
                    V q3 = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);                         \
                    /* -0 + lane 0 + ... + lane 3, each lane (0 + a·b) + 0: see below. */       \
                    acc = -zero;                                                                \
                    acc = acc + ((zero + ai[0] * q0) + zero);                                   \
                    acc = acc + ((zero + ai[1] * q1) + zero);                                   \
                    acc = acc + ((zero + ai[2] * q2) + zero);                                   \
                    acc = acc + ((zero + ai[3] * q3) + zero);                                   \
                    p = 4;                                                                      \
                }                                                                               \
                for (; p < k; p++) {                                                            \
                    V q; /* no braced list: the body is a macro argument */                     \
                    for (int lane = 0; lane < 4; lane++) q[lane] = bj[p + lane * b_column];     \
                    acc = acc + ai[p] * q;                                                      \
                }                                                                               \
                if (ldc == 1) STORE4(V, acc, c + i + j); /* a row of C stored contiguously */   \
                else for (int lane = 0; lane < 4; lane++) STORE1(acc[lane], c + i + (j + lane) * ldc);\
            }                                                                                   \
        }                                                                                       \
        for (; j < n; j++) {                                                                    \
            const T *bj = b + j * b_column;                                                     \
            ptrdiff_t p = 0;                                                                    \
            T sum = 0;                                                                          \
            if (contiguous) {                                                                   \
                V even = {0}; V odd = {0};                                                      \
                for (; p + 8 <= k; p += 8) {                                                    \
                    V x0; memcpy(&x0, ai + p, sizeof x0);                                       \
                    V y0; memcpy(&y0, bj + p, sizeof y0);                                       \
                    V x1; memcpy(&x1, ai + p + 4, sizeof x1);                                   \
                    V y1; memcpy(&y1, bj + p + 4, sizeof y1);                                   \
                    even = even + x0 * y0;                                                      \
                    odd = odd + x1 * y1;                                                        \
                }                                                                               \
                if (p + 4 <= k) {                                                               \
                    V x0; memcpy(&x0, ai + p, sizeof x0);                                       \
                    V y0; memcpy(&y0, bj + p, sizeof y0);                                       \
                    even = even + x0 * y0;                                                      \
                    p += 4;                                                                     \
                }                                                                               \
                V both = even + odd;                                                            \
                /* Swift's SIMD sum(): -0 + lane 0 + lane 1 + lane 2 + lane 3, in order. */     \
                sum = (T)-0.0;                                                                  \
                for (int lane = 0; lane < 4; lane++) sum = sum + both[lane];                    \
                for (; p < k; p++) sum = sum + ai[p] * bj[p];                                   \
            } else {                                                                            \
                T s0 = 0; T s1 = 0; T s2 = 0; T s3 = 0;                                         \
                for (; p + 4 <= k; p += 4) {                                                    \
                    s0 = s0 + ai[p * a_step] * bj[p * b_step];                                  \
                    s1 = s1 + ai[(p + 1) * a_step] * bj[(p + 1) * b_step];                      \
                    s2 = s2 + ai[(p + 2) * a_step] * bj[(p + 2) * b_step];                      \
                    s3 = s3 + ai[(p + 3) * a_step] * bj[(p + 3) * b_step];                      \
                }                                                                               \
                for (; p < k; p++) s0 = s0 + ai[p * a_step] * bj[p * b_step];                   \
                sum = (s0 + s1) + (s2 + s3);                                                    \
            }                                                                                   \
            STORE1(sum, c + i + j * ldc);                                                       \
        }                                                                                       \
    }

// α·sum (β = 0: C not read) or α·sum + β·C, as the reference stores.
#define STORE1(sum, target)                                                                     \
    do {                                                                                        \
        if (beta == 0) *(target) = alpha * (sum);                                               \
        else *(target) = alpha * (sum) + beta * *(target);                                      \
    } while (0)
#define STORE4(V, sum, target)                                                                  \
    do {                                                                                        \
        V stored_;                                                                              \
        if (beta == 0) stored_ = alpha * (sum);                                                 \
        else { V old_; memcpy(&old_, (target), sizeof old_); stored_ = alpha * (sum) + beta * old_; } \
        memcpy((target), &stored_, sizeof stored_);                                             \
    } while (0)

#define SMALL_PARAMS(T)                                                                         \
    (int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, T alpha, const T *a, ptrdiff_t a_row,  \
     ptrdiff_t a_step, const T *b, ptrdiff_t b_step, ptrdiff_t b_column, T beta, T *c, ptrdiff_t ldc)
#define SMALL_ARGS (trans_b, m, n, k, alpha, a, a_row, a_step, b, b_step, b_column, beta, c, ldc)

DEFINE_LEVELS(bp_small_kernel_f64, SMALL_PARAMS(double), SMALL_ARGS, SMALL_KERNEL(double, vd4))
DEFINE_LEVELS(bp_small_kernel_f32, SMALL_PARAMS(float), SMALL_ARGS, SMALL_KERNEL(float, vf4))

// The entry points: op(A) packed column-major when it is transposed and has at least 4 rows
// (m·k is at most BP_SMALL_PRODUCT_MAXIMUM_WORK), then the kernel.
#define SMALL_GEMM(T, KERNEL)                                                                   \
    ptrdiff_t b_step = trans_b ? ldb : 1;                                                       \
    ptrdiff_t b_column = trans_b ? 1 : ldb;                                                     \
    if (!trans_a || m < 4) {                                                                    \
        ptrdiff_t a_row = trans_a ? lda : 1;                                                    \
        ptrdiff_t a_step = trans_a ? 1 : lda;                                                   \
        KERNEL(level, trans_b, m, n, k, alpha, a, a_row, a_step, b, b_step, b_column, beta, c, ldc); \
        return;                                                                                 \
    }                                                                                           \
    T packed[BP_SMALL_PRODUCT_MAXIMUM_WORK];                                                    \
    for (ptrdiff_t p = 0; p < k; p++) {                                                         \
        for (ptrdiff_t i = 0; i < m; i++) packed[p * m + i] = a[p + i * lda];                   \
    }                                                                                           \
    KERNEL(level, trans_b, m, n, k, alpha, packed, 1, m, b, b_step, b_column, beta, c, ldc);

void bp_small_gemm_f64_at(BPKernelLevel level, int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                          double alpha, const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb,
                          double beta, double *c, ptrdiff_t ldc) {
    SMALL_GEMM(double, bp_small_kernel_f64_at)
}

void bp_small_gemm_f32_at(BPKernelLevel level, int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                          float alpha, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                          float beta, float *c, ptrdiff_t ldc) {
    SMALL_GEMM(float, bp_small_kernel_f32_at)
}

void bp_small_gemm_f64(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, double alpha,
                       const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double beta,
                       double *c, ptrdiff_t ldc) {
    bp_small_gemm_f64_at(bp_kernel_level(), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void bp_small_gemm_f32(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                       const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta,
                       float *c, ptrdiff_t ldc) {
    bp_small_gemm_f32_at(bp_kernel_level(), trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
