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

// The loop for a row count R known at compile time, so the accumulators stay in registers
// (with `rows` a variable they lived in memory, each addition a load and a store: a quarter of
// the course network's db, 4 x 400, went to that chain). The same additions in the same order.
#define ROW_SUMS_FIXED(T, R)                                                                    \
    do {                                                                                        \
        vd acc[R];                                                                              \
        memset(acc, 0, sizeof acc);                                                             \
        for (size_t b = 0; b < blocks; b++) {                                                   \
            for (size_t v = 0; v < (R); v++) {                                                  \
                vd value; LOAD8(T, block + 8 * v, value);                                       \
                acc[v] = acc[v] + value;                                                        \
            }                                                                                   \
            block += 8 * (R);                                                                   \
        }                                                                                       \
        for (size_t v = 0; v < (R); v++) {                                                      \
            for (size_t lane = 0; lane < 8; lane++) totals[(8 * v + lane) % (R)] += acc[v][lane]; \
        }                                                                                       \
    } while (0)

#define ROW_SUMS_BODY(T)                                                                        \
    size_t blocks = columns / 8;                                                                \
    const T *block = x;                                                                         \
    switch (rows) {                                                                             \
    case 1: ROW_SUMS_FIXED(T, 1); break;                                                        \
    case 2: ROW_SUMS_FIXED(T, 2); break;                                                        \
    case 3: ROW_SUMS_FIXED(T, 3); break;                                                        \
    case 4: ROW_SUMS_FIXED(T, 4); break;                                                        \
    case 5: ROW_SUMS_FIXED(T, 5); break;                                                        \
    case 6: ROW_SUMS_FIXED(T, 6); break;                                                        \
    case 7: ROW_SUMS_FIXED(T, 7); break;                                                        \
    case 8: ROW_SUMS_FIXED(T, 8); break;                                                        \
    default: return; /* 0 rows: nothing to sum; more than 8 is outside the contract above */    \
    }                                                                                           \
    size_t remaining = (columns - blocks * 8) * rows;                                           \
    for (size_t offset = 0; offset < remaining; offset++) totals[offset % rows] += (double)block[offset];

DEFINE_LEVELS(bp_row_sums_f64, (const double *x, size_t rows, size_t columns, double *totals), (x, rows, columns, totals), ROW_SUMS_BODY(double))
DEFINE_LEVELS(bp_row_sums_f32, (const float *x, size_t rows, size_t columns, double *totals), (x, rows, columns, totals), ROW_SUMS_BODY(float))
