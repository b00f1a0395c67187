// The row sums of a matrix with at most 8 rows (a layer's db = Σ_columns dZ), for every
// instruction set (see BackpropKernels.h).
//
// The algorithm of `Matrix.sumFewRows` in Sources/Backprop/Tensor/Matrix+Reductions.swift,
// which documents it and stays as the reference: eight columns are `8·rows` consecutive
// elements, `rows` vectors of eight doubles, each added into its own accumulator; lane l of
// accumulator v holds row (8v + l) mod rows, and the accumulators are folded into the rows in
// the same order at the end. The additions are the reference's, one per element in the same
// order, so every level gives its bits (RowSumsKernelTests).
#include "BackpropKernels.h"
#include "KernelLevels.h"

#include <string.h>

#pragma clang fp contract(off)

typedef double vd __attribute__((vector_size(64)));

#define LOAD8(T, p, out) do { for (int l_ = 0; l_ < 8; l_++) (out)[l_] = (double)(p)[l_]; } while (0)

#define ROW_SUMS_BODY(T)                                                                        \
    vd acc[8];                                                                                  \
    memset(acc, 0, sizeof acc);                                                                 \
    size_t blocks = columns / 8;                                                                \
    const T *block = x;                                                                         \
    for (size_t b = 0; b < blocks; b++) {                                                       \
        for (size_t v = 0; v < rows; v++) {                                                     \
            vd value; LOAD8(T, block + 8 * v, value);                                           \
            acc[v] = acc[v] + value;                                                            \
        }                                                                                       \
        block += 8 * rows;                                                                      \
    }                                                                                           \
    for (size_t v = 0; v < rows; v++) {                                                         \
        for (size_t lane = 0; lane < 8; lane++) totals[(8 * v + lane) % rows] += acc[v][lane];  \
    }                                                                                           \
    size_t remaining = (columns - blocks * 8) * rows;                                           \
    for (size_t offset = 0; offset < remaining; offset++) totals[offset % rows] += (double)block[offset];

DEFINE_LEVELS(bp_row_sums_f64, (const double *x, size_t rows, size_t columns, double *totals), (x, rows, columns, totals), ROW_SUMS_BODY(double))
DEFINE_LEVELS(bp_row_sums_f32, (const float *x, size_t rows, size_t columns, double *totals), (x, rows, columns, totals), ROW_SUMS_BODY(float))
