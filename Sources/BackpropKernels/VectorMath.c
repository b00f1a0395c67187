// Vectorised exp, tanh, the logistic function and binary cross-entropy terms, for every
// instruction set (see BackpropKernels.h).
//
// These are the algorithms of `VectorMath` in Sources/Backprop/Tensor/VectorMath.swift, which
// documents the method and stays as the reference: the same constants, the same operations in
// the same order, on 8 doubles or 16 floats per vector instead of 4 or 8. Each element's result
// depends only on that element, so the versions agree with the Swift kernels bit for bit
// (VectorMathKernelTests checks every level available on the machine).
#include "BackpropKernels.h"
#include "KernelLevels.h"

#include <stdint.h>
#include <string.h>

// a * b + c must stay two roundings, as in the Swift reference.
#pragma clang fp contract(off)

typedef double vd __attribute__((vector_size(64)));
typedef int64_t vl __attribute__((vector_size(64)));
typedef float vf __attribute__((vector_size(64)));
typedef int32_t vi __attribute__((vector_size(64)));
typedef double vd4 __attribute__((vector_size(32)));

#define INLINE static inline __attribute__((always_inline))
#define DOUBLES 8
#define FLOATS 16


// Vectors wider than the baseline's registers cannot be passed by value between functions
// compiled for different instruction sets (the calling convention differs), so the helpers are
// macros or take pointers; everything is inlined into each level's loop.
#define SELECT_D(mask, yes, no) ((vd)(((vl)(yes) & (mask)) | ((vl)(no) & ~(mask))))
#define SELECT_F(mask, yes, no) ((vf)(((vi)(yes) & (mask)) | ((vi)(no) & ~(mask))))
#define ANY(mask) (__builtin_reduce_or(mask) != 0)
#define ALL(mask) (__builtin_reduce_and(mask) != 0)

// MARK: - Double

#define D_SHIFTER 6755399441055744.0
#define D_SHIFTER_BITS ((int64_t)0x4338000000000000LL)

// e^r for x = k·ln2 + r, x read from *value and e^r written back there, and x/ln2 + D_SHIFTER
// (k in its low bits) into *shifted_k.
INLINE void exp_reduced_d(vd *value, vd *shifted_k) {
    vd x = *value;
    vd shifted = x * 1.4426950408889634 + D_SHIFTER;
    vd k = shifted - D_SHIFTER;
    vd r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10;
    vd r2 = r * r, r4 = r2 * r2;
    vd q01 = 0.5000000000000012 + 0.16666666666666385 * r;
    vd q23 = 0.04166666666651914 + 0.008333333333507657 * r;
    vd q45 = 0.0013888888946921557 + 0.0001984126948617718 * r;
    vd q67 = 2.480148935073469e-05 + 2.7557597167588788e-06 * r;
    vd q89 = 2.7631687854538417e-07 + 2.4998999839688315e-08 * r;
    vd q = (q01 + q23 * r2) + ((q45 + q67 * r2) + q89 * r4) * r4;
    *value = 1 + (r + r2 * q);
    *shifted_k = shifted;
}

INLINE void exp_d(vd *value) {
    vd x = *value;
    x = SELECT_D(x > 710, (vd){} + 710, x);   // e^710 overflows; NaN is left alone
    x = SELECT_D(x < -746, (vd){} - 746, x);  // e^-746 rounds to 0
    vd p = x, shifted;
    exp_reduced_d(&p, &shifted);
    vd k = shifted - D_SHIFTER;
    vl kBits = (vl)shifted - D_SHIFTER_BITS;
    vl halfBits = (vl)(k * 0.5 + D_SHIFTER) - D_SHIFTER_BITS;
    vd scale1 = (vd)((halfBits + 1023) << 52);
    vd scale2 = (vd)((kBits - halfBits + 1023) << 52);
    *value = (p * scale1) * scale2;
}

// exp_d for 0 <= x <= 40 or NaN (tanh's e^{2|x|}, |x| clamped to 20, where tanh is already 1):
// the same bits without the clamps, and 2^k as one power of two (k <= 58, so p·2^k is exact and
// equals (p·2^{k1})·2^{k2}).
INLINE void exp_tanh_d(vd *value) {
    vd shifted;
    exp_reduced_d(value, &shifted);
    *value = *value * (vd)(((vl)shifted - (D_SHIFTER_BITS - 1023)) << 52);
}

INLINE void tanh_d(vd *value) {
    vl bits = (vl)*value;
    vl sign = bits & INT64_MIN;
    vd a = (vd)(bits & INT64_MAX);
    vl small = a < 0.55;
    vd result = {};
    if (ANY(small)) {
        vd u = a * a;
        vd u2 = u * u, u4 = u2 * u2;
        vd p01 = -0.333333333333333 + 0.13333333333326622 * u;
        vd p23 = -0.05396825396376048 + 0.021869488385852624 * u;
        vd p45 = -0.008863232601394561 + 0.0035920920300082683 * u;
        vd p67 = -0.0014555428432238393 + 0.0005884444765819013 * u;
        vd p89 = -0.00023338154247655454 + 8.331641680560771e-05 * u;
        vd p8910 = p89 - 1.9494669728489172e-05 * u2;
        vd p = (p01 + p23 * u2) + ((p45 + p67 * u2) + p8910 * u4) * u4;
        result = a + (a * u) * p;
    }
    if (!ALL(small)) {
        vd e = SELECT_D(a > 20, (vd){} + 20, a);
        e = e + e;
        exp_tanh_d(&e);
        result = SELECT_D(~small, 1 - 2 / (e + 1), result);
    }
    *value = (vd)((vl)result | sign);
}

INLINE void sigmoid_d(vd *value) {
    vd z = *value;
    vd e = (vd)((vl)z | INT64_MIN);
    exp_d(&e);  // e^{-|z|}
    vd numerator = SELECT_D(z >= 0, (vd){} + 1, e);
    *value = numerator / (1 + e);
}

// log1p(e) for e in [0, 1].
INLINE void log1p_unit_d(vd *value) {
    vd e = *value;
    vd s = e / (2 + e);
    vd w = s * s;
    vd w2 = w * w, w4 = w2 * w2;
    vd r01 = 0.6666666666666631 + 0.40000000000155117 * w;
    vd r23 = 0.28571428548117833 + 0.22222223953654785 * w;
    vd r45 = 0.18181744478836262 + 0.1538654839701575 * w;
    vd r67 = 0.13301121327384927 + 0.12104945297682317 * w;
    vd r89 = 0.08344969770874015 + 0.17009759940801547 * w;
    vd r = (r01 + r23 * w2) + ((r45 + r67 * w2) + r89 * w4) * w4;
    *value = (s + s) + (s * w) * r;
}

// max(z, 0) - z*y + log1p(e^{-|z|}), into *z.
INLINE void bce_d(vd *zv, const vd *yv) {
    vd z = *zv;
    vd e = (vd)((vl)z | INT64_MIN);
    exp_d(&e);
    log1p_unit_d(&e);
    vd positive = SELECT_D(z < 0, (vd){}, z);
    *zv = (positive - z * *yv) + e;
}

// MARK: - Float

#define F_SHIFTER 12582912.0f
#define F_SHIFTER_BITS ((int32_t)0x4B400000)

// e^r and the shifted k, as exp_reduced_d.
INLINE void exp_reduced_f(vf *value, vf *shifted_k) {
    vf x = *value;
    vf shifted = x * 1.442695021f + F_SHIFTER;
    vf k = shifted - F_SHIFTER;
    vf r = (x - k * 0.693145751953125f) - k * 1.4286067653e-06f;
    vf q = (vf){} + 1.381314236e-03f;
    q = q * r + 8.369419043e-03f;
    q = q * r + 4.166845683e-02f;
    q = q * r + 1.666651479e-01f;
    q = q * r + 4.999999305e-01f;
    *value = 1 + (r + (r * r) * q);
    *shifted_k = shifted;
}

INLINE void exp_f(vf *value) {
    vf x = *value;
    x = SELECT_F(x > 89, (vf){} + 89, x);
    x = SELECT_F(x < -104, (vf){} - 104, x);
    vf p = x, shifted;
    exp_reduced_f(&p, &shifted);
    vf k = shifted - F_SHIFTER;
    vi kBits = (vi)shifted - F_SHIFTER_BITS;
    vi halfBits = (vi)(k * 0.5f + F_SHIFTER) - F_SHIFTER_BITS;
    vf scale1 = (vf)((halfBits + 127) << 23);
    vf scale2 = (vf)((kBits - halfBits + 127) << 23);
    *value = (p * scale1) * scale2;
}

// exp_f for 0 <= x <= 20 or NaN (tanh's, |x| clamped to 10): as exp_tanh_d.
INLINE void exp_tanh_f(vf *value) {
    vf shifted;
    exp_reduced_f(value, &shifted);
    *value = *value * (vf)(((vi)shifted - (F_SHIFTER_BITS - 127)) << 23);
}

INLINE void tanh_f(vf *value) {
    vi bits = (vi)*value;
    vi sign = bits & INT32_MIN;
    vf a = (vf)(bits & INT32_MAX);
    vi small = a < 0.55f;
    vf result = {};
    if (ANY(small)) {
        vf u = a * a;
        vf p = (vf){} - 6.274232911e-03f;
        p = p * u + 2.107167397e-02f;
        p = p * u - 5.385230854e-02f;
        p = p * u + 1.333258612e-01f;
        p = p * u - 3.333331756e-01f;
        result = a + (a * u) * p;
    }
    if (!ALL(small)) {
        vf e = SELECT_F(a > 10, (vf){} + 10, a);
        e = e + e;
        exp_tanh_f(&e);
        result = SELECT_F(~small, 1 - 2 / (e + 1), result);
    }
    *value = (vf)((vi)result | sign);
}

INLINE void sigmoid_f(vf *value) {
    vf z = *value;
    vf e = (vf)((vi)z | INT32_MIN);
    exp_f(&e);
    vf numerator = SELECT_F(z >= 0, (vf){} + 1, e);
    *value = numerator / (1 + e);
}

// MARK: - Maps over buffers

// y[i] = f(x[i]) for i < n; y may equal x. The last partial vector goes through a padded copy.
#define MAP_BODY(T, V, WIDTH, F)                                   \
    size_t i = 0;                                                  \
    for (; i + WIDTH <= n; i += WIDTH) {                           \
        V v;                                                       \
        memcpy(&v, x + i, sizeof v);                               \
        F(&v);                                                  \
        memcpy(y + i, &v, sizeof v);                               \
    }                                                              \
    if (i < n) {                                                   \
        V v = {};                                                  \
        memcpy(&v, x + i, (n - i) * sizeof(T));                    \
        F(&v);                                                  \
        memcpy(y + i, &v, (n - i) * sizeof(T));                    \
    }

// The cross-entropy terms of full groups of four elements, summed as the Swift reference sums
// them: lane j of `sums` receives the terms of elements j, j+4, j+8, ... in that order, so the
// 8-lane vectors are added to the four sums one half after the other. Returns how many elements
// were consumed (n rounded down to a multiple of 4); the caller adds the lanes and the rest.
#define BCE_BODY(T)                                                                     \
    vd4 acc = {};                                                                       \
    size_t i = 0;                                                                       \
    for (; i + DOUBLES <= n; i += DOUBLES) {                                            \
        vd zv, yv;                                                                      \
        for (int l = 0; l < DOUBLES; l++) { zv[l] = (double)z[i + l]; yv[l] = (double)y[i + l]; } \
        bce_d(&zv, &yv);                                                                \
        acc = acc + __builtin_shufflevector(zv, zv, 0, 1, 2, 3);                          \
        acc = acc + __builtin_shufflevector(zv, zv, 4, 5, 6, 7);                          \
    }                                                                                   \
    size_t full = n & ~(size_t)3;                                                       \
    if (i < full) {                                                                     \
        vd zv = {}, yv = {};                                                            \
        for (int l = 0; l < 4; l++) { zv[l] = (double)z[i + l]; yv[l] = (double)y[i + l]; } \
        bce_d(&zv, &yv);                                                                \
        acc = acc + __builtin_shufflevector(zv, zv, 0, 1, 2, 3);                          \
    }                                                                                   \
    memcpy(sums, &acc, sizeof acc);                                                     \
    return full;


DEFINE_LEVELS(bp_exp_f64, (const double *x, double *y, size_t n), (x, y, n), MAP_BODY(double, vd, DOUBLES, exp_d))
DEFINE_LEVELS(bp_tanh_f64, (const double *x, double *y, size_t n), (x, y, n), MAP_BODY(double, vd, DOUBLES, tanh_d))
DEFINE_LEVELS(bp_sigmoid_f64, (const double *x, double *y, size_t n), (x, y, n), MAP_BODY(double, vd, DOUBLES, sigmoid_d))
DEFINE_LEVELS(bp_exp_f32, (const float *x, float *y, size_t n), (x, y, n), MAP_BODY(float, vf, FLOATS, exp_f))
DEFINE_LEVELS(bp_tanh_f32, (const float *x, float *y, size_t n), (x, y, n), MAP_BODY(float, vf, FLOATS, tanh_f))
DEFINE_LEVELS(bp_sigmoid_f32, (const float *x, float *y, size_t n), (x, y, n), MAP_BODY(float, vf, FLOATS, sigmoid_f))

DEFINE_LEVELS_RETURNING(size_t, bp_bce_sums_f64, (const double *z, const double *y, size_t n, double sums[4]), (z, y, n, sums), BCE_BODY(double))
DEFINE_LEVELS_RETURNING(size_t, bp_bce_sums_f32, (const float *z, const float *y, size_t n, double sums[4]), (z, y, n, sums), BCE_BODY(float))
