// The built-in GEMM's entry points: the blocking of each instruction set, and the dispatch of
// packing and register tiles to the version for a level (see BackpropKernels.h). Also the
// portable version, a 2 × 4 tile of scalars, for a level with no vector kernel here.
#include "BackpropKernels.h"
#include "GEMMKernels.h"

#include <unistd.h>

#pragma STDC FP_CONTRACT OFF

#define GEMM_TARGET
#define GEMM_NR 4
#define GEMM_LANES 1
#define GEMM_LOAD(p) (*(p))
#define GEMM_STORE(p, v) (*(p) = (v))
#define GEMM_SPLAT(x) (x)
#define GEMM_ZERO() 0
#define GEMM_ADD(a, b) ((a) + (b))

#define GEMM_SCALAR float
#define GEMM_VECTOR float
#define GEMM_NAME(x) bp_gemm_portable_f32_##x
#define GEMM_FMA(a, b, c) __builtin_fmaf(a, b, c)
#define GEMM_SCALAR_FMA(a, b, c) __builtin_fmaf(a, b, c)
#include "GEMMKernelTemplate.h"
#undef GEMM_SCALAR
#undef GEMM_VECTOR
#undef GEMM_NAME
#undef GEMM_FMA
#undef GEMM_SCALAR_FMA

#define GEMM_SCALAR double
#define GEMM_VECTOR double
#define GEMM_NAME(x) bp_gemm_portable_f64_##x
#define GEMM_FMA(a, b, c) __builtin_fma(a, b, c)
#define GEMM_SCALAR_FMA(a, b, c) __builtin_fma(a, b, c)
#include "GEMMKernelTemplate.h"

// MARK: Blocking

/// A cache's size in bytes as the system reports it, or `fallback` when it does not.
static long reported_cache_size(int name, long fallback) {
    long size = name >= 0 ? sysconf(name) : -1;
    return size > 0 ? size : fallback;
}

// The sizes, read once (0 until then; every writer stores the same value).
static long level2_size, level3_size;

static long level2_cache_size(void) {
    long size = __atomic_load_n(&level2_size, __ATOMIC_RELAXED);
    if (size > 0) return size;
#if defined(_SC_LEVEL2_CACHE_SIZE)
    size = reported_cache_size(_SC_LEVEL2_CACHE_SIZE, 1L << 20);
#else
    size = reported_cache_size(-1, 1L << 20);
#endif
    __atomic_store_n(&level2_size, size, __ATOMIC_RELAXED);
    return size;
}

static long level3_cache_size(void) {
    long size = __atomic_load_n(&level3_size, __ATOMIC_RELAXED);
    if (size > 0) return size;
#if defined(_SC_LEVEL3_CACHE_SIZE)
    size = reported_cache_size(_SC_LEVEL3_CACHE_SIZE, 8L << 20);
#else
    size = reported_cache_size(-1, 8L << 20);
#endif
    __atomic_store_n(&level3_size, size, __ATOMIC_RELAXED);
    return size;
}

/// `budget` bytes of `kc`-deep packed rows or columns, in whole multiples of `unit`, at least one.
static ptrdiff_t block_fitting(long budget, ptrdiff_t kc, size_t scalar_size, ptrdiff_t unit) {
    ptrdiff_t count = (ptrdiff_t)(budget / (long)(kc * (ptrdiff_t)scalar_size));
    count -= count % unit;
    return count < unit ? unit : count;
}

BPGEMMBlocking bp_gemm_blocking(BPKernelLevel level, size_t scalar_size) {
    BPGEMMBlocking blocking;
    int wide = scalar_size == sizeof(float);
    switch (level) {
#if defined(__x86_64__)
    case BPKernelLevelAVX512:
        blocking.mr = wide ? 32 : 16;
        blocking.nr = 14;
        break;
    case BPKernelLevelAVX2:
        blocking.mr = wide ? 16 : 8;
        blocking.nr = 6;
        break;
#endif
    default:
        blocking.mr = 2;
        blocking.nr = 4;
        break;
    }
    // The slice depth is the same at every level, so the levels agree bit for bit.
    blocking.kc = wide ? 384 : 256;
    // A packed block of A fills about half of L2, a packed panel of B a quarter of L3 (at most
    // 4 MiB: L3 is shared with the other cores).
    blocking.mc = block_fitting(level2_cache_size() / 2, blocking.kc, scalar_size, blocking.mr);
    long panel = level3_cache_size() / 4;
    if (panel > (4L << 20)) panel = 4L << 20;
    blocking.nc = block_fitting(panel, blocking.kc, scalar_size, blocking.nr);
    return blocking;
}

// MARK: Dispatch

#if defined(__x86_64__)
#define BP_GEMM_DISPATCH(scalar_suffix, call)                                                      \
    switch (level) {                                                                              \
    case BPKernelLevelAVX512: bp_gemm_avx512_##scalar_suffix##_##call; break;                     \
    case BPKernelLevelAVX2: bp_gemm_avx2_##scalar_suffix##_##call; break;                         \
    default: bp_gemm_portable_##scalar_suffix##_##call; break;                                    \
    }
#else
#define BP_GEMM_DISPATCH(scalar_suffix, call) \
    (void)level;                              \
    bp_gemm_portable_##scalar_suffix##_##call;
#endif

void bp_sgemm_pack_a(BPKernelLevel level, const float *a, ptrdiff_t lda, int transposed,
    ptrdiff_t m, ptrdiff_t k, float *packed) {
    BP_GEMM_DISPATCH(f32, pack_a(a, lda, transposed, m, k, packed))
}

void bp_dgemm_pack_a(BPKernelLevel level, const double *a, ptrdiff_t lda, int transposed,
    ptrdiff_t m, ptrdiff_t k, double *packed) {
    BP_GEMM_DISPATCH(f64, pack_a(a, lda, transposed, m, k, packed))
}

void bp_sgemm_pack_b(BPKernelLevel level, const float *b, ptrdiff_t ldb, int transposed,
    ptrdiff_t k, ptrdiff_t n, float alpha, float *packed) {
    BP_GEMM_DISPATCH(f32, pack_b(b, ldb, transposed, k, n, alpha, packed))
}

void bp_dgemm_pack_b(BPKernelLevel level, const double *b, ptrdiff_t ldb, int transposed,
    ptrdiff_t k, ptrdiff_t n, double alpha, double *packed) {
    BP_GEMM_DISPATCH(f64, pack_b(b, ldb, transposed, k, n, alpha, packed))
}

void bp_sgemm_tiles(BPKernelLevel level, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
    const float *packed_a, ptrdiff_t lda, const float *packed_b, float *c, ptrdiff_t ldc,
    BPGEMMUpdate update, float beta) {
    BP_GEMM_DISPATCH(f32, tiles(m, n, k, packed_a, lda, packed_b, c, ldc, update, beta))
}

void bp_dgemm_tiles(BPKernelLevel level, ptrdiff_t m, ptrdiff_t n, ptrdiff_t k,
    const double *packed_a, ptrdiff_t lda, const double *packed_b, double *c, ptrdiff_t ldc,
    BPGEMMUpdate update, double beta) {
    BP_GEMM_DISPATCH(f64, tiles(m, n, k, packed_a, lda, packed_b, c, ldc, update, beta))
}
