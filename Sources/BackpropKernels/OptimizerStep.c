// The optimizer's elementwise update, for every instruction set (see BackpropKernels.h).
//
// Adam's step is the one update whose arithmetic per element (a square root and a division)
// is worth more lanes: the portable Swift build runs it four floats at a time with SSE2. The
// operations and their order are those of `Optimizer.Kernels.adam` in
// Sources/Backprop/Training/Optimizer.swift, which stays as the reference; square root and
// division are correctly rounded on every level, contraction into fused multiply-adds is
// off and subnormals are flushed as the reference flushes them (below), so every level gives
// the reference's bits (OptimizerKernelTests checks each one).
#include "BackpropKernels.h"
#include "KernelLevels.h"

#include <string.h>

#pragma clang fp contract(off)

typedef double vd __attribute__((vector_size(64)));
typedef float vf __attribute__((vector_size(64)));

// One element: v = β₁v + (1−β₁)g; s = β₂s + (1−β₂)g·g; p = decay·p − stepSize·v / (√s·rootScale + ε).
#define ADAM_ELEMENT(T, V, load, store, sqrt)                                       \
    {                                                                               \
        V gi; V vi; V si; V pi; /* no bare commas: the body is a macro argument */ \
        load(gi, g); load(vi, v); load(si, s); load(pi, p);                          \
        vi = b1 * vi + c1 * gi;                                                     \
        si = b2 * si + c2 * gi * gi;                                                \
        store(v, vi); store(s, si);                                                 \
        pi = decay * pi - step_size * vi / (sqrt(si) * root_scale + epsilon);       \
        store(p, pi);                                                               \
    }

// Subnormal numbers flushed to zero, inputs and results (x86's MXCSR DAZ and FTZ, arm64's
// FPCR.FZ), for the call only; the reference flushes each result the same way. A parameter
// whose gradient has gone to zero (a dead ReLU unit) has v decay by β₁ every step, through
// the subnormal range; on Intel cores every operation on a subnormal takes a microcode assist
// (16× slower for the whole loop in a test on an Emerald Rapids Xeon), which made Adam's step
// a third of an MNIST-size epoch. XLA flushes the same way on CPUs.
#if defined(__x86_64__)
#include <xmmintrin.h>
#define FLUSH_BEGIN unsigned int saved_csr = _mm_getcsr(); _mm_setcsr(saved_csr | 0x8040u);
#define FLUSH_END _mm_setcsr(saved_csr);
#elif defined(__aarch64__)
#define FLUSH_BEGIN unsigned long saved_fpcr; __asm__ volatile("mrs %0, fpcr" : "=r"(saved_fpcr)); \
    __asm__ volatile("msr fpcr, %0" : : "r"(saved_fpcr | (1ul << 24)));
#define FLUSH_END __asm__ volatile("msr fpcr, %0" : : "r"(saved_fpcr));
#else
#define FLUSH_BEGIN
#define FLUSH_END
#endif

unsigned long bp_flush_subnormals_begin(void) {
#if defined(__x86_64__)
    unsigned int saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040u);
    return saved;
#elif defined(__aarch64__)
    unsigned long saved;
    __asm__ volatile("mrs %0, fpcr" : "=r"(saved));
    __asm__ volatile("msr fpcr, %0" : : "r"(saved | (1ul << 24)));
    return saved;
#else
    return 0;
#endif
}

void bp_flush_subnormals_end(unsigned long saved) {
#if defined(__x86_64__)
    _mm_setcsr((unsigned int)saved);
#elif defined(__aarch64__)
    __asm__ volatile("msr fpcr, %0" : : "r"(saved));
#else
    (void)saved;
#endif
}

#define VLOAD(x, a) memcpy(&x, (a) + i, sizeof x)
#define VSTORE(a, x) memcpy((a) + i, &x, sizeof x)
#define SLOAD(x, a) x = (a)[i]
#define SSTORE(a, x) (a)[i] = x

#define ADAM_BODY(T, V, WIDTH, SCALAR_SQRT)                                           \
    FLUSH_BEGIN                                                                       \
    size_t i = 0;                                                                     \
    for (; i + WIDTH <= n; i += WIDTH) ADAM_ELEMENT(T, V, VLOAD, VSTORE, __builtin_elementwise_sqrt) \
    for (; i < n; i++) ADAM_ELEMENT(T, T, SLOAD, SSTORE, SCALAR_SQRT)                 \
    FLUSH_END

#define ADAM_PARAMS(T)                                                               \
    (T *p, const T *g, T *v, T *s, size_t n, T b1, T c1, T b2, T c2, T epsilon,    \
     T step_size, T root_scale, T decay)
#define ADAM_ARGS (p, g, v, s, n, b1, c1, b2, c2, epsilon, step_size, root_scale, decay)

DEFINE_LEVELS(bp_adam_f32, ADAM_PARAMS(float), ADAM_ARGS, ADAM_BODY(float, vf, 16, __builtin_sqrtf))
DEFINE_LEVELS(bp_adam_f64, ADAM_PARAMS(double), ADAM_ARGS, ADAM_BODY(double, vd, 8, __builtin_sqrt))
