// The activations' elementwise kernels that need no transcendental function (those are in
// VectorMath.c), for every instruction set (see BackpropKernels.h): the rectifier,
// relu(z) = max(z, 0), forward and backward, and tanh's backward step dZ = dA (1 - A²).
//
// The portable Swift build compiles these loops for SSE2, where keeping a NaN (the reference's
// `z > 0 || z != z ? z : 0`) costs a compare, an unordered compare and a blend on 4 floats;
// here the same operations run on 16. Each element gets the same operations in the same order
// as in the Swift reference, with contraction into fused multiply-adds off, so every level
// gives its bits (ActivationKernelTests checks each one).
#include "BackpropKernels.h"
#include "KernelLevels.h"

#pragma clang fp contract(off)

// a = z when z > 0 or z is NaN, else +0 (so -0 becomes +0, as in the reference).
#define RELU_BODY                                                  \
    for (size_t i = 0; i < n; i++) {                               \
        z_t zi = z[i];                                             \
        a[i] = (zi > 0 || zi != zi) ? zi : 0;                      \
    }

// d = g * (z > 0 ? 1 : 0): a NaN or infinite g stays NaN where the unit is off, as in the
// reference (the product, not a selection).
#define RELU_BACKWARD_BODY                                         \
    for (size_t i = 0; i < n; i++) {                               \
        z_t on = z[i] > 0 ? 1 : 0;                                 \
        d[i] = g[i] * on;                                          \
    }

#define z_t float
DEFINE_LEVELS(bp_relu_f32, (const float *z, float *a, size_t n), (z, a, n), RELU_BODY)
DEFINE_LEVELS(bp_relu_backward_f32, (const float *g, const float *z, float *d, size_t n), (g, z, d, n), RELU_BACKWARD_BODY)
#undef z_t
#define z_t double
DEFINE_LEVELS(bp_relu_f64, (const double *z, double *a, size_t n), (z, a, n), RELU_BODY)
DEFINE_LEVELS(bp_relu_backward_f64, (const double *g, const double *z, double *d, size_t n), (g, z, d, n), RELU_BACKWARD_BODY)
#undef z_t

// d = g * (1 - a * a), in that order (the reference's `g[i] * (1 - a[i] * a[i])`).
#define TANH_BACKWARD_BODY                                         \
    for (size_t i = 0; i < n; i++) d[i] = g[i] * (1 - a[i] * a[i]);

DEFINE_LEVELS(bp_tanh_backward_f32, (const float *g, const float *a, float *d, size_t n), (g, a, d, n), TANH_BACKWARD_BODY)
DEFINE_LEVELS(bp_tanh_backward_f64, (const double *g, const double *a, double *d, size_t n), (g, a, d, n), TANH_BACKWARD_BODY)
