// Run-time choice of the kernels' instruction set (see BackpropKernels.h).
#include "BackpropKernels.h"

#include <stdlib.h>
#include <string.h>

// -1 until decided. Every writer stores the same value (or a level a test set), so relaxed
// atomics are enough.
static int chosen_level = -1;

BPKernelLevel bp_kernel_level_supported(void) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl")) {
        return BPKernelLevelAVX512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        return BPKernelLevelAVX2;
    }
#endif
    return BPKernelLevelBaseline;
}

static int supported_level = -1;

BPKernelLevel bp_kernel_level_clamped(BPKernelLevel level) {
    int best = __atomic_load_n(&supported_level, __ATOMIC_RELAXED);
    if (best < 0) {
        best = (int)bp_kernel_level_supported();
        __atomic_store_n(&supported_level, best, __ATOMIC_RELAXED);
    }
    if ((int)level < (int)BPKernelLevelBaseline) return BPKernelLevelBaseline;
    return (int)level > best ? (BPKernelLevel)best : level;
}

BPKernelLevel bp_kernel_level(void) {
    int level = __atomic_load_n(&chosen_level, __ATOMIC_RELAXED);
    if (level >= 0) return (BPKernelLevel)level;
    BPKernelLevel decided = bp_kernel_level_supported();
    const char *requested = getenv("BACKPROP_KERNELS");
    if (requested != NULL) {
        if (strcmp(requested, "baseline") == 0) decided = BPKernelLevelBaseline;
        else if (strcmp(requested, "avx2") == 0) decided = bp_kernel_level_clamped(BPKernelLevelAVX2);
        else if (strcmp(requested, "avx512") == 0) decided = bp_kernel_level_clamped(BPKernelLevelAVX512);
    }
    __atomic_store_n(&chosen_level, (int)decided, __ATOMIC_RELAXED);
    return decided;
}

BPKernelLevel bp_set_kernel_level(BPKernelLevel level) {
    BPKernelLevel decided = bp_kernel_level_clamped(level);
    __atomic_store_n(&chosen_level, (int)decided, __ATOMIC_RELAXED);
    return decided;
}

const char *bp_kernel_level_name(BPKernelLevel level) {
    switch (level) {
    case BPKernelLevelAVX512: return "avx512";
    case BPKernelLevelAVX2: return "avx2+fma";
    default:
#if defined(__aarch64__)
        return "baseline (neon)";
#else
        return "baseline (sse2)";
#endif
    }
}
