// Backprop's fast kernels, in C so that one portable build can carry code for several CPUs.
//
// A portable Swift build targets the architecture's baseline (SSE2 on x86-64) and gives up
// AVX2, FMA and AVX-512; compiler flags that raise it (`unsafeFlags`) would make the package
// unusable as a dependency. So each kernel here is compiled several times inside one object,
// with `__attribute__((target(...)))` on x86-64, and the entry point picks a version once, at
// run time, from what the CPU reports (`bp_kernel_level`). On arm64 NEON is the baseline and
// the portable version is the only one.
//
// Every version of a kernel performs the same arithmetic operations in the same order on each
// element (floating-point contraction into fused multiply-adds is off in these files), so the
// versions agree bit for bit; only the number of lanes per instruction differs.
#ifndef BACKPROP_KERNELS_H
#define BACKPROP_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction sets a kernel may be dispatched to, from the most portable up.
typedef enum {
    /// The architecture's baseline: SSE2 on x86-64, NEON on arm64.
    BPKernelLevelBaseline = 0,
    /// x86-64 with AVX2 and FMA (Haswell, Zen and later).
    BPKernelLevelAVX2 = 1,
    /// x86-64 with AVX-512 F, DQ, BW and VL (Skylake-SP, Zen 4 and later).
    BPKernelLevelAVX512 = 2,
} BPKernelLevel;

/// The level the kernels run at: the best the CPU supports, lowered by the environment
/// variable `BACKPROP_KERNELS` (`baseline`, `avx2` or `avx512`) when it names a lower one.
/// Decided on the first call and fixed for the process.
BPKernelLevel bp_kernel_level(void);

/// The best level this CPU supports, ignoring the environment.
BPKernelLevel bp_kernel_level_supported(void);

/// Sets the level for later calls (clamped to what the CPU supports) and returns the level
/// now in effect. For tests that run every version on one machine.
BPKernelLevel bp_set_kernel_level(BPKernelLevel level);

/// `level`, lowered to the best this CPU supports.
BPKernelLevel bp_kernel_level_clamped(BPKernelLevel level);

/// A short name of a level: "baseline", "avx2+fma" or "avx512".
const char *bp_kernel_level_name(BPKernelLevel level);

// MARK: - Vector math (VectorMath.c): the algorithms of Backprop's `VectorMath` in Swift, the
// same bits on every level. `y` may equal `x`; otherwise the buffers must not overlap. Each
// function `f` also exists as `f_at(level, ...)`, which runs one level's version (clamped to
// what the CPU supports), for tests that compare the versions without changing the process's.

/// y[i] = e^x[i].
void bp_exp_f64(const double *x, double *y, size_t n);
void bp_exp_f64_at(BPKernelLevel level, const double *x, double *y, size_t n);
/// y[i] = tanh(x[i]).
void bp_tanh_f64(const double *x, double *y, size_t n);
void bp_tanh_f64_at(BPKernelLevel level, const double *x, double *y, size_t n);
/// y[i] = 1 / (1 + e^-x[i]).
void bp_sigmoid_f64(const double *x, double *y, size_t n);
void bp_sigmoid_f64_at(BPKernelLevel level, const double *x, double *y, size_t n);
/// y[i] = e^x[i].
void bp_exp_f32(const float *x, float *y, size_t n);
void bp_exp_f32_at(BPKernelLevel level, const float *x, float *y, size_t n);
/// y[i] = tanh(x[i]).
void bp_tanh_f32(const float *x, float *y, size_t n);
void bp_tanh_f32_at(BPKernelLevel level, const float *x, float *y, size_t n);
/// y[i] = 1 / (1 + e^-x[i]).
void bp_sigmoid_f32(const float *x, float *y, size_t n);
void bp_sigmoid_f32_at(BPKernelLevel level, const float *x, float *y, size_t n);

/// Binary cross-entropy from logits, max(z, 0) - z*y + log1p(e^-|z|), computed in double over
/// the first n rounded down to a multiple of 4 elements (the returned count): sums[j] is the
/// sum, in order, of the terms of elements j, j+4, j+8, ...
size_t bp_bce_sums_f64(const double *z, const double *y, size_t n, double sums[4]);
size_t bp_bce_sums_f64_at(BPKernelLevel level, const double *z, const double *y, size_t n, double sums[4]);
/// As bp_bce_sums_f64, for float logits and labels (widened to double).
size_t bp_bce_sums_f32(const float *z, const float *y, size_t n, double sums[4]);
size_t bp_bce_sums_f32_at(BPKernelLevel level, const float *z, const float *y, size_t n, double sums[4]);

// MARK: - Matrix times vector (MatrixVector.c)

/// y <- alpha * A x + beta * y, A column-major m x k with leading dimension lda >= m, x of k and
/// y of m contiguous elements; when beta is 0, y is not read. Each y[i] sums A[i, j] * x[j] over
/// j in order with separate multiplies and adds: the same bits on every level.
void bp_gemv_f32(size_t m, size_t k, float alpha, const float *a, size_t lda, const float *x, float beta, float *y);
void bp_gemv_f32_at(BPKernelLevel level, size_t m, size_t k, float alpha, const float *a, size_t lda, const float *x, float beta, float *y);
/// As bp_gemv_f32, in double precision.
void bp_gemv_f64(size_t m, size_t k, double alpha, const double *a, size_t lda, const double *x, double beta, double *y);
void bp_gemv_f64_at(BPKernelLevel level, size_t m, size_t k, double alpha, const double *a, size_t lda, const double *x, double beta, double *y);

// MARK: - GEMM
//
// The built-in GEMM's packing and register-tile kernels (GEMM*.c); the blocked loops, the
// threads and the buffers are in Swift (`BlockedGEMM`). Unlike the elementwise kernels, these
// use fused multiply-adds, so they do not agree bit for bit with the portable Swift GEMM of the
// baseline level; they do agree bit for bit with each other (every level here runs the same
// operations in the same order on each element of C: see GEMMKernelTemplate.h), and do not
// depend on the thread count.

/// How a finished register tile T is written into C.
typedef enum {
    /// C ← T (β = 0: C is not read, so it may hold NaN).
    BPGEMMUpdateOverwrite = 0,
    /// C ← T + C (β = 1, or a later slice of the inner dimension).
    BPGEMMUpdateAccumulate = 1,
    /// C ← fma(β, C, T).
    BPGEMMUpdateScale = 2,
} BPGEMMUpdate;

/// The register tile and cache blocking of one level's GEMM kernels, for one precision.
typedef struct {
    /// Rows and columns of the register tile.
    ptrdiff_t mr, nr;
    /// Depth of a slice of the inner dimension (the same at every level).
    ptrdiff_t kc;
    /// Rows of a packed block of A (a multiple of `mr`, sized for L2) and columns of a packed
    /// panel of B (a multiple of `nr`, sized for L3), from the caches the system reports.
    ptrdiff_t mc, nc;
} BPGEMMBlocking;

/// The blocking for `level` (the portable 2 × 4 scalar tile for a level with no vector
/// kernel) and scalars of `scalar_size` bytes (4: Float, 8: Double).
BPGEMMBlocking bp_gemm_blocking(BPKernelLevel level, size_t scalar_size);

/// Packs op(A) (`m × k`; stored `m × k` with column stride `lda`, or `k × m` when
/// `transposed`) into strips of `mr` rows, each k-major, the last one padded with zeros.
/// `packed` holds `roundUp(m, mr) · k` values. `level` must be supported by the CPU.
void bp_sgemm_pack_a(BPKernelLevel level, const float *a, ptrdiff_t lda, int transposed,
    ptrdiff_t m, ptrdiff_t k, float *packed);
/// Double-precision ``bp_sgemm_pack_a``.
void bp_dgemm_pack_a(BPKernelLevel level, const double *a, ptrdiff_t lda, int transposed,
    ptrdiff_t m, ptrdiff_t k, double *packed);

/// Packs α·op(B) (`k × n`; stored `k × n` with column stride `ldb`, or `n × k` when
/// `transposed`) into strips of `nr` columns, each k-major, the last one padded with zeros.
/// `packed` holds `roundUp(n, nr) · k` values.
void bp_sgemm_pack_b(BPKernelLevel level, const float *b, ptrdiff_t ldb, int transposed,
    ptrdiff_t k, ptrdiff_t n, float alpha, float *packed);
/// Double-precision ``bp_sgemm_pack_b``.
void bp_dgemm_pack_b(BPKernelLevel level, const double *b, ptrdiff_t ldb, int transposed,
    ptrdiff_t k, ptrdiff_t n, double alpha, double *packed);

/// C (`m × n`, column stride `ldc`) updated by the product of a block of A (`m × k`) and a
/// packed panel of B (`k × n`), one register tile at a time; cells outside C are not touched.
/// With `lda` 0 the block of A is packed (``bp_sgemm_pack_a``); with `lda` > 0 it is read in
/// place, column-major with column stride `lda`, and `m` must be a multiple of `mr`. The same
/// bits either way.
void bp_sgemm_tiles(BPKernelLevel level, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
    const float *packed_a, ptrdiff_t lda, const float *packed_b, float *c, ptrdiff_t ldc,
    BPGEMMUpdate update, float beta);
/// Double-precision ``bp_sgemm_tiles``.
void bp_dgemm_tiles(BPKernelLevel level, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
    const double *packed_a, ptrdiff_t lda, const double *packed_b, double *c, ptrdiff_t ldc,
    BPGEMMUpdate update, double beta);

// MARK: GEMM end

// MARK: - Small products (SmallProduct.c): the direct GEMM of Backprop's `SmallProduct`, the
// Swift kernel's bits on every level.

/// The most multiply-adds (m·n·k) a small product takes; op(A) is packed on the stack.
#define BP_SMALL_PRODUCT_MAXIMUM_WORK 4096

/// C <- alpha op(A) op(B) + beta C, column-major, op(X) = X or its transpose; when beta is 0, C
/// is not read. Requires m, n, k >= 1, alpha != 0 and m*k <= BP_SMALL_PRODUCT_MAXIMUM_WORK (the
/// caller handles the other cases, as BLAS defines them). The bp_small_kernel_* functions are
/// the kernel these call after packing a transposed A.
void bp_small_gemm_f64(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, double alpha,
                       const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb, double beta,
                       double *c, ptrdiff_t ldc);
void bp_small_gemm_f64_at(BPKernelLevel level, int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                          double alpha, const double *a, ptrdiff_t lda, const double *b, ptrdiff_t ldb,
                          double beta, double *c, ptrdiff_t ldc);
/// As bp_small_gemm_f64, in single precision.
void bp_small_gemm_f32(int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                       const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb, float beta,
                       float *c, ptrdiff_t ldc);
void bp_small_gemm_f32_at(BPKernelLevel level, int trans_a, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
                          float alpha, const float *a, ptrdiff_t lda, const float *b, ptrdiff_t ldb,
                          float beta, float *c, ptrdiff_t ldc);
void bp_small_kernel_f64(int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, double alpha, const double *a,
                         ptrdiff_t a_row, ptrdiff_t a_step, const double *b, ptrdiff_t b_step, ptrdiff_t b_column,
                         double beta, double *c, ptrdiff_t ldc);
void bp_small_kernel_f64_at(BPKernelLevel level, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, double alpha,
                            const double *a, ptrdiff_t a_row, ptrdiff_t a_step, const double *b, ptrdiff_t b_step,
                            ptrdiff_t b_column, double beta, double *c, ptrdiff_t ldc);
void bp_small_kernel_f32(int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha, const float *a,
                         ptrdiff_t a_row, ptrdiff_t a_step, const float *b, ptrdiff_t b_step, ptrdiff_t b_column,
                         float beta, float *c, ptrdiff_t ldc);
void bp_small_kernel_f32_at(BPKernelLevel level, int trans_b, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, float alpha,
                            const float *a, ptrdiff_t a_row, ptrdiff_t a_step, const float *b, ptrdiff_t b_step,
                            ptrdiff_t b_column, float beta, float *c, ptrdiff_t ldc);

// MARK: - Activations (Activations.c): ReLU forward and backward and tanh's backward step, the
// bits of the Swift `ReLU` and `Tanh` on every level. `a` may equal `z` and `d` may equal `g`;
// otherwise no overlap.

/// a[i] = z[i] when z[i] > 0 or z[i] is NaN, else +0.
void bp_relu_f32(const float *z, float *a, size_t n);
void bp_relu_f32_at(BPKernelLevel level, const float *z, float *a, size_t n);
/// d[i] = g[i] * (z[i] > 0 ? 1 : 0).
void bp_relu_backward_f32(const float *g, const float *z, float *d, size_t n);
void bp_relu_backward_f32_at(BPKernelLevel level, const float *g, const float *z, float *d, size_t n);
/// As bp_relu_f32, in double precision.
void bp_relu_f64(const double *z, double *a, size_t n);
void bp_relu_f64_at(BPKernelLevel level, const double *z, double *a, size_t n);
/// As bp_relu_backward_f32, in double precision.
void bp_relu_backward_f64(const double *g, const double *z, double *d, size_t n);
void bp_relu_backward_f64_at(BPKernelLevel level, const double *g, const double *z, double *d, size_t n);
/// d[i] = g[i] * (1 - a[i] * a[i]), where a = tanh(z).
void bp_tanh_backward_f32(const float *g, const float *a, float *d, size_t n);
void bp_tanh_backward_f32_at(BPKernelLevel level, const float *g, const float *a, float *d, size_t n);
void bp_tanh_backward_f64(const double *g, const double *a, double *d, size_t n);
void bp_tanh_backward_f64_at(BPKernelLevel level, const double *g, const double *a, double *d, size_t n);

// MARK: - Row sums (RowSums.c): `Matrix.sumFewRows`, its bits on every level.

/// totals[i] += the sum of row i of the column-major rows x columns matrix x, for
/// 1 <= rows <= 8, in the order `Matrix.sumFewRows` documents (in double precision).
void bp_row_sums_f64(const double *x, size_t rows, size_t columns, double *totals);
void bp_row_sums_f64_at(BPKernelLevel level, const double *x, size_t rows, size_t columns, double *totals);
/// As bp_row_sums_f64, for float elements (widened to double).
void bp_row_sums_f32(const float *x, size_t rows, size_t columns, double *totals);
void bp_row_sums_f32_at(BPKernelLevel level, const float *x, size_t rows, size_t columns, double *totals);

// MARK: - Batch normalization (BatchNormPasses.c): `BatchMoments` and `BatchNorm`'s loops,
// their bits on every level. Matrices are (rows x columns) column-major, a unit per row.

/// mean[i] = Σ_j z[i, j] / columns and squares[i] = Σ_j (z[i, j] − mean[i])², in double
/// precision, j in order (0 and 0 for no columns).
void bp_batch_moments_f32(const float *z, size_t rows, size_t columns, double *mean, double *squares);
void bp_batch_moments_f32_at(BPKernelLevel level, const float *z, size_t rows, size_t columns, double *mean, double *squares);
void bp_batch_moments_f64(const double *z, size_t rows, size_t columns, double *mean, double *squares);
void bp_batch_moments_f64_at(BPKernelLevel level, const double *z, size_t rows, size_t columns, double *mean, double *squares);
/// h = (z[i, j] − mean[i])·scale[i] into hat (when not NULL) and gamma[i]·h + beta[i] into out.
void bp_batch_normalize_f32(const float *z, size_t rows, size_t columns, const float *mean, const float *scale,
                            const float *gamma, const float *beta, float *hat, float *out);
void bp_batch_normalize_f32_at(BPKernelLevel level, const float *z, size_t rows, size_t columns, const float *mean,
                               const float *scale, const float *gamma, const float *beta, float *hat, float *out);
void bp_batch_normalize_f64(const double *z, size_t rows, size_t columns, const double *mean, const double *scale,
                            const double *gamma, const double *beta, double *hat, double *out);
void bp_batch_normalize_f64_at(BPKernelLevel level, const double *z, size_t rows, size_t columns, const double *mean,
                               const double *scale, const double *gamma, const double *beta, double *hat, double *out);
/// sums[i] += Σ_j d[i, j] and sums[rows + i] += Σ_j d[i, j]·hat[i, j], in double precision, j in order.
void bp_batch_norm_sums_f32(const float *d, const float *hat, size_t rows, size_t columns, double *sums);
void bp_batch_norm_sums_f32_at(BPKernelLevel level, const float *d, const float *hat, size_t rows, size_t columns, double *sums);
void bp_batch_norm_sums_f64(const double *d, const double *hat, size_t rows, size_t columns, double *sums);
void bp_batch_norm_sums_f64_at(BPKernelLevel level, const double *d, const double *hat, size_t rows, size_t columns, double *sums);
/// d_hat[i, j] = gamma[i]·d_shifted[i, j], then (when d_z is not NULL)
/// d_z[i, j] = a[i]·d_hat[i, j] − c[i] − e[i]·hat[i, j].
void bp_batch_norm_backward_f32(const float *d_shifted, const float *hat, size_t rows, size_t columns, const float *gamma,
                                const float *a, const float *c, const float *e, float *d_hat, float *d_z);
void bp_batch_norm_backward_f32_at(BPKernelLevel level, const float *d_shifted, const float *hat, size_t rows, size_t columns,
                                   const float *gamma, const float *a, const float *c, const float *e, float *d_hat, float *d_z);
void bp_batch_norm_backward_f64(const double *d_shifted, const double *hat, size_t rows, size_t columns, const double *gamma,
                                const double *a, const double *c, const double *e, double *d_hat, double *d_z);
void bp_batch_norm_backward_f64_at(BPKernelLevel level, const double *d_shifted, const double *hat, size_t rows, size_t columns,
                                   const double *gamma, const double *a, const double *c, const double *e, double *d_hat, double *d_z);

// MARK: - Gathering columns (Gather.c)

/// Copies column indices[j] of `source` (columns of `column_bytes` bytes, back to back) to
/// column j of `target`, for j < count, prefetching the columns a few places ahead. The
/// indices must lie inside `source`; the buffers must not overlap.
void bp_gather_columns(const void *source, size_t column_bytes, const ptrdiff_t *indices, size_t count,
                       void *target);

// MARK: - Optimizer (OptimizerStep.c): Adam's elementwise step, the bits of
// `Optimizer.Kernels.adam` on every level. The buffers must not overlap.

/// Makes the calling thread flush subnormal inputs and results to zero (x86: MXCSR DAZ and FTZ;
/// arm64: FPCR.FZ; elsewhere nothing) and returns the state to restore with
/// bp_flush_subnormals_end. The optimizer's decaying moments use it (see OptimizerStep.c).
unsigned long bp_flush_subnormals_begin(void);
/// Restores the floating-point state bp_flush_subnormals_begin returned.
void bp_flush_subnormals_end(unsigned long saved);

/// A part of a job for bp_pool_run: `part` is in 0..<parts.
typedef void (*bp_part_function)(void *context, size_t part);

/// Runs `function(context, part)` for every part in 0..<parts and returns 0 when all have
/// finished: part 0 on the calling thread, part p on the pool's worker p (ThreadPool.c), or on
/// the caller when worker p has not started it by the time part 0 is done. The workers are
/// started on first use and spin for about 200 µs after each job before they sleep, so a job
/// that follows soon starts without a wake-up. Returns nonzero, having run nothing,
/// when the pool is busy with another job (a second calling thread, or a part that asks for
/// parts itself), when `parts` exceeds bp_pool_capacity() or when a thread cannot be started:
/// the caller then runs the parts another way. Parts must write disjoint memory.
int bp_pool_run(size_t parts, bp_part_function function, void *context);
/// The most parts bp_pool_run takes.
size_t bp_pool_capacity(void);

/// v[i] = b1·v[i] + c1·g[i]; s[i] = b2·s[i] + c2·g[i]·g[i];
/// p[i] = decay·p[i] − step_size·v[i] / (√s[i]·root_scale + epsilon), for i < n.
void bp_adam_f32(float *p, const float *g, float *v, float *s, size_t n, float b1, float c1, float b2, float c2,
                 float epsilon, float step_size, float root_scale, float decay);
void bp_adam_f32_at(BPKernelLevel level, float *p, const float *g, float *v, float *s, size_t n, float b1, float c1,
                    float b2, float c2, float epsilon, float step_size, float root_scale, float decay);
/// As bp_adam_f32, in double precision.
void bp_adam_f64(double *p, const double *g, double *v, double *s, size_t n, double b1, double c1, double b2,
                 double c2, double epsilon, double step_size, double root_scale, double decay);
void bp_adam_f64_at(BPKernelLevel level, double *p, const double *g, double *v, double *s, size_t n, double b1,
                    double c1, double b2, double c2, double epsilon, double step_size, double root_scale, double decay);

#ifdef __cplusplus
}
#endif

#endif
