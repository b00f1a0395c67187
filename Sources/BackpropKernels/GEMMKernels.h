// The built-in GEMM's per-instruction-set functions behind the entry points of GEMM.c (each
// defined by one instantiation of GEMMKernelTemplate.h). Not a public header.
#ifndef BACKPROP_GEMM_KERNELS_H
#define BACKPROP_GEMM_KERNELS_H

#include "BackpropKernels.h"

#define BP_GEMM_DECLARE(prefix, scalar)                                                          \
    void prefix##_tiles(ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const scalar *packed_a,          \
        ptrdiff_t lda, const scalar *packed_b, scalar *c, ptrdiff_t ldc, BPGEMMUpdate update, scalar beta);      \
    void prefix##_pack_a(const scalar *a, ptrdiff_t lda, int transposed, ptrdiff_t m,           \
        ptrdiff_t k, scalar *packed);                                                            \
    void prefix##_pack_b(const scalar *b, ptrdiff_t ldb, int transposed, ptrdiff_t k,           \
        ptrdiff_t n, scalar alpha, scalar *packed);

BP_GEMM_DECLARE(bp_gemm_portable_f32, float)
BP_GEMM_DECLARE(bp_gemm_portable_f64, double)
#if defined(__x86_64__)
BP_GEMM_DECLARE(bp_gemm_avx2_f32, float)
BP_GEMM_DECLARE(bp_gemm_avx2_f64, double)
BP_GEMM_DECLARE(bp_gemm_avx512_f32, float)
BP_GEMM_DECLARE(bp_gemm_avx512_f64, double)
#endif

#undef BP_GEMM_DECLARE

#endif
