// Batch normalization's passes over a (units x examples) column-major matrix, for every
// instruction set (see BackpropKernels.h): the batch's moments, Ẑ and Z̃ = γẐ + β, the sums
// of the backward pass and dẐ, dZ.
//
// These are the loops of `BatchMoments.init(rowsOf:)` and of `BatchNorm` (Sources/Backprop),
// which document the maths and stay as the reference: every element gets the same operations
// in the same order (sums over the examples in column order, one per unit), contraction into
// fused multiply-adds off. Only the units, which are independent, are taken several at a time,
// so every level gives the reference's bits (BatchNormPassesTests). The Swift build targets the
// baseline instruction set; here the AVX2 and AVX-512 versions widen Float to Double four and
// eight lanes at a time.
#include "BackpropKernels.h"
#include "KernelLevels.h"

#pragma clang fp contract(off)

#define MOMENTS_BODY(T)                                                                         \
    for (size_t i = 0; i < rows; i++) { mean[i] = 0; squares[i] = 0; }                          \
    for (size_t j = 0; j < columns; j++) {                                                      \
        const T *column = z + j * rows;                                                         \
        for (size_t i = 0; i < rows; i++) mean[i] += (double)column[i];                         \
    }                                                                                           \
    if (columns > 0) {                                                                          \
        for (size_t i = 0; i < rows; i++) mean[i] /= (double)columns;                           \
    }                                                                                           \
    for (size_t j = 0; j < columns; j++) {                                                      \
        const T *column = z + j * rows;                                                         \
        for (size_t i = 0; i < rows; i++) {                                                     \
            double d = (double)column[i] - mean[i];                                             \
            squares[i] += d * d;                                                                \
        }                                                                                       \
    }

#define NORMALIZE_BODY(T)                                                                       \
    for (size_t j = 0; j < columns; j++) {                                                      \
        const T *zj = z + j * rows;                                                             \
        T *outj = out + j * rows;                                                               \
        if (hat) {                                                                              \
            T *hatj = hat + j * rows;                                                           \
            for (size_t i = 0; i < rows; i++) {                                                 \
                T h = (zj[i] - mean[i]) * scale[i];                                             \
                hatj[i] = h;                                                                    \
                outj[i] = gamma[i] * h + beta[i];                                               \
            }                                                                                   \
        } else {                                                                                \
            for (size_t i = 0; i < rows; i++) outj[i] = gamma[i] * ((zj[i] - mean[i]) * scale[i]) + beta[i]; \
        }                                                                                       \
    }

#define BACKWARD_SUMS_BODY(T)                                                                   \
    for (size_t j = 0; j < columns; j++) {                                                      \
        const T *dj = d + j * rows;                                                             \
        const T *hatj = hat + j * rows;                                                         \
        for (size_t i = 0; i < rows; i++) {                                                     \
            double di = (double)dj[i];                                                          \
            sums[i] += di;                                                                      \
            sums[rows + i] += di * (double)hatj[i];                                             \
        }                                                                                       \
    }

#define BACKWARD_BODY(T)                                                                        \
    for (size_t j = 0; j < columns; j++) {                                                      \
        const T *dj = d_shifted + j * rows;                                                     \
        T *dhatj = d_hat + j * rows;                                                            \
        for (size_t i = 0; i < rows; i++) dhatj[i] = gamma[i] * dj[i];                          \
    }                                                                                           \
    if (!d_z) return;                                                                           \
    for (size_t j = 0; j < columns; j++) {                                                      \
        const T *dhatj = d_hat + j * rows;                                                      \
        const T *hatj = hat + j * rows;                                                         \
        T *dzj = d_z + j * rows;                                                                \
        for (size_t i = 0; i < rows; i++) dzj[i] = a[i] * dhatj[i] - c[i] - e[i] * hatj[i];     \
    }

#define MOMENTS_PARAMS(T) (const T *restrict z, size_t rows, size_t columns, double *restrict mean, double *restrict squares)
#define MOMENTS_ARGS (z, rows, columns, mean, squares)
DEFINE_LEVELS(bp_batch_moments_f32, MOMENTS_PARAMS(float), MOMENTS_ARGS, MOMENTS_BODY(float))
DEFINE_LEVELS(bp_batch_moments_f64, MOMENTS_PARAMS(double), MOMENTS_ARGS, MOMENTS_BODY(double))

#define NORMALIZE_PARAMS(T)                                                                     \
    (const T *restrict z, size_t rows, size_t columns, const T *restrict mean, const T *restrict scale, \
     const T *restrict gamma, const T *restrict beta, T *restrict hat, T *restrict out)
#define NORMALIZE_ARGS (z, rows, columns, mean, scale, gamma, beta, hat, out)
DEFINE_LEVELS(bp_batch_normalize_f32, NORMALIZE_PARAMS(float), NORMALIZE_ARGS, NORMALIZE_BODY(float))
DEFINE_LEVELS(bp_batch_normalize_f64, NORMALIZE_PARAMS(double), NORMALIZE_ARGS, NORMALIZE_BODY(double))

#define BACKWARD_SUMS_PARAMS(T) (const T *restrict d, const T *restrict hat, size_t rows, size_t columns, double *restrict sums)
#define BACKWARD_SUMS_ARGS (d, hat, rows, columns, sums)
DEFINE_LEVELS(bp_batch_norm_sums_f32, BACKWARD_SUMS_PARAMS(float), BACKWARD_SUMS_ARGS, BACKWARD_SUMS_BODY(float))
DEFINE_LEVELS(bp_batch_norm_sums_f64, BACKWARD_SUMS_PARAMS(double), BACKWARD_SUMS_ARGS, BACKWARD_SUMS_BODY(double))

#define BACKWARD_PARAMS(T)                                                                      \
    (const T *restrict d_shifted, const T *restrict hat, size_t rows, size_t columns, const T *restrict gamma, \
     const T *restrict a, const T *restrict c, const T *restrict e, T *restrict d_hat, T *restrict d_z)
#define BACKWARD_ARGS (d_shifted, hat, rows, columns, gamma, a, c, e, d_hat, d_z)
DEFINE_LEVELS(bp_batch_norm_backward_f32, BACKWARD_PARAMS(float), BACKWARD_ARGS, BACKWARD_BODY(float))
DEFINE_LEVELS(bp_batch_norm_backward_f64, BACKWARD_PARAMS(double), BACKWARD_ARGS, BACKWARD_BODY(double))
