// Private to BackpropKernels: how one kernel body becomes a version per instruction set and an
// entry point that picks one at run time (see BackpropKernels.h).
#ifndef BACKPROP_KERNEL_LEVELS_H
#define BACKPROP_KERNEL_LEVELS_H

#include "BackpropKernels.h"

// The attributes that compile one version for AVX2+FMA or AVX-512. Elsewhere (arm64, where NEON
// is the baseline) they are empty: the three versions are the same portable code, and
// bp_kernel_level_clamped never picks above the baseline.
#if defined(__x86_64__)
#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl")))
#else
#define AVX2
#define AVX512
#endif

#define UNPAREN(...) __VA_ARGS__

// Three versions of one body, `NAME_at` to call one by level (clamped to what the CPU
// supports) and `NAME` at the process's level.
#define DEFINE_LEVELS_RETURNING(R, NAME, PARAMS, ARGS, BODY)                    \
    static R NAME##_baseline PARAMS { BODY }                                     \
    AVX2 static R NAME##_avx2 PARAMS { BODY }                                    \
    AVX512 static R NAME##_avx512 PARAMS { BODY }                                \
    R NAME##_at(BPKernelLevel level, UNPAREN PARAMS) {                           \
        switch (bp_kernel_level_clamped(level)) {                                \
        case BPKernelLevelAVX512: return NAME##_avx512 ARGS;                     \
        case BPKernelLevelAVX2: return NAME##_avx2 ARGS;                         \
        default: return NAME##_baseline ARGS;                                    \
        }                                                                        \
    }                                                                            \
    R NAME PARAMS { return NAME##_at(bp_kernel_level(), UNPAREN ARGS); }

#define DEFINE_LEVELS(NAME, PARAMS, ARGS, BODY) DEFINE_LEVELS_RETURNING(void, NAME, PARAMS, ARGS, BODY)

#endif
