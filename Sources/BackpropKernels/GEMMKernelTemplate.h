// The built-in GEMM's packing routines and register-tile kernels, written once and compiled
// once per instruction set: GEMMAVX2.c, GEMMAVX512.c and GEMM.c (the portable version) each
// define the parameters below and include this file. Not a public header.
//
// Parameters:
//   GEMM_TARGET          attributes of every function (`__attribute__((target("...")))`)
//   GEMM_SCALAR          float or double
//   GEMM_VECTOR          the vector type, GEMM_LANES scalars wide
//   GEMM_NR              columns of the register tile (its rows are two vectors, 2·GEMM_LANES)
//   GEMM_NAME(x)         the name of function x of this instantiation
//   GEMM_LOAD(p), GEMM_STORE(p, v), GEMM_SPLAT(x), GEMM_ZERO(), GEMM_ADD(a, b),
//   GEMM_FMA(a, b, c)    vector operations (unaligned load and store; GEMM_FMA is a·b + c
//                        rounded once)
//   GEMM_SCALAR_FMA(a, b, c)  the same on one scalar
//
// The arithmetic on each element of C is fixed by the packing and by the depth of a slice, not
// by the tile's shape or the vector width: a register tile starts at zero and takes one fused
// multiply-add per step of p, in order; a finished tile T is written as T (β = 0), T + C
// (β = 1 or a later slice) or fma(β, C, T). So every instantiation with fused multiply-add
// gives the same bits for the same slice depth.

#define GEMM_MR (2 * GEMM_LANES)

/// The register tile: T = Σ_p A[:, p] · B[p, :] over a packed strip of A (k-major, GEMM_MR
/// values a step) and of B (k-major, GEMM_NR a step), written into the full tile at `c`.
static GEMM_TARGET inline void GEMM_NAME(tile)(
    ptrdiff_t k, const GEMM_SCALAR *restrict a, const GEMM_SCALAR *restrict b,
    GEMM_SCALAR *restrict c, ptrdiff_t ldc, BPGEMMUpdate update, GEMM_SCALAR beta) {
    GEMM_VECTOR low[GEMM_NR], high[GEMM_NR];
    _Pragma("unroll") for (int j = 0; j < GEMM_NR; j++) {
        low[j] = GEMM_ZERO();
        high[j] = GEMM_ZERO();
    }
    for (ptrdiff_t p = 0; p < k; p++) {
        GEMM_VECTOR a0 = GEMM_LOAD(a), a1 = GEMM_LOAD(a + GEMM_LANES);
        _Pragma("unroll") for (int j = 0; j < GEMM_NR; j++) {
            GEMM_VECTOR bj = GEMM_SPLAT(b[j]);
            low[j] = GEMM_FMA(a0, bj, low[j]);
            high[j] = GEMM_FMA(a1, bj, high[j]);
        }
        a += GEMM_MR;
        b += GEMM_NR;
    }
    GEMM_VECTOR betas = GEMM_SPLAT(beta);
    _Pragma("unroll") for (int j = 0; j < GEMM_NR; j++) {
        GEMM_SCALAR *column = c + j * ldc;
        switch (update) {
        case BPGEMMUpdateOverwrite:
            GEMM_STORE(column, low[j]);
            GEMM_STORE(column + GEMM_LANES, high[j]);
            break;
        case BPGEMMUpdateAccumulate:
            GEMM_STORE(column, GEMM_ADD(low[j], GEMM_LOAD(column)));
            GEMM_STORE(column + GEMM_LANES, GEMM_ADD(high[j], GEMM_LOAD(column + GEMM_LANES)));
            break;
        case BPGEMMUpdateScale:
            GEMM_STORE(column, GEMM_FMA(betas, GEMM_LOAD(column), low[j]));
            GEMM_STORE(column + GEMM_LANES, GEMM_FMA(betas, GEMM_LOAD(column + GEMM_LANES), high[j]));
            break;
        }
    }
}

GEMM_TARGET void GEMM_NAME(tiles)(
    ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const GEMM_SCALAR *packed_a,
    const GEMM_SCALAR *packed_b, GEMM_SCALAR *c, ptrdiff_t ldc, BPGEMMUpdate update,
    GEMM_SCALAR beta) {
    GEMM_SCALAR edge[GEMM_MR * GEMM_NR] __attribute__((aligned(64)));
    for (ptrdiff_t jr = 0; jr < n; jr += GEMM_NR) {
        ptrdiff_t columns = n - jr < GEMM_NR ? n - jr : GEMM_NR;
        const GEMM_SCALAR *b = packed_b + jr * k;
        for (ptrdiff_t ir = 0; ir < m; ir += GEMM_MR) {
            ptrdiff_t rows = m - ir < GEMM_MR ? m - ir : GEMM_MR;
            const GEMM_SCALAR *a = packed_a + ir * k;
            GEMM_SCALAR *tile = c + ir + jr * ldc;
            if (rows == GEMM_MR && columns == GEMM_NR) {
                GEMM_NAME(tile)(k, a, b, tile, ldc, update, beta);
                continue;
            }
            // An edge tile: the full padded tile into `edge`, then the part inside C, with the
            // same update as a full tile's.
            GEMM_NAME(tile)(k, a, b, edge, GEMM_MR, BPGEMMUpdateOverwrite, 0);
            for (ptrdiff_t j = 0; j < columns; j++) {
                const GEMM_SCALAR *source = edge + j * GEMM_MR;
                GEMM_SCALAR *destination = tile + j * ldc;
                for (ptrdiff_t i = 0; i < rows; i++) {
                    switch (update) {
                    case BPGEMMUpdateOverwrite: destination[i] = source[i]; break;
                    case BPGEMMUpdateAccumulate: destination[i] = source[i] + destination[i]; break;
                    case BPGEMMUpdateScale:
                        destination[i] = GEMM_SCALAR_FMA(beta, destination[i], source[i]);
                        break;
                    }
                }
            }
        }
    }
}

GEMM_TARGET void GEMM_NAME(pack_a)(
    const GEMM_SCALAR *a, ptrdiff_t lda, int transposed, ptrdiff_t m, ptrdiff_t k,
    GEMM_SCALAR *packed) {
    for (ptrdiff_t i0 = 0; i0 < m; i0 += GEMM_MR) {
        ptrdiff_t rows = m - i0 < GEMM_MR ? m - i0 : GEMM_MR;
        GEMM_SCALAR *strip = packed + i0 * k;
        if (!transposed) {
            // op(A)[i, p] = a[i + p·lda]: each step of p copies `rows` contiguous values.
            const GEMM_SCALAR *source = a + i0;
            for (ptrdiff_t p = 0; p < k; p++, source += lda, strip += GEMM_MR) {
                if (rows == GEMM_MR) {
                    GEMM_STORE(strip, GEMM_LOAD(source));
                    GEMM_STORE(strip + GEMM_LANES, GEMM_LOAD(source + GEMM_LANES));
                } else {
                    for (ptrdiff_t r = 0; r < GEMM_MR; r++) strip[r] = r < rows ? source[r] : 0;
                }
            }
        } else {
            // op(A)[i, p] = a[p + i·lda]: each step of p reads one value from each of `rows`
            // contiguous columns of a.
            const GEMM_SCALAR *source = a + i0 * lda;
            for (ptrdiff_t p = 0; p < k; p++, strip += GEMM_MR) {
                for (ptrdiff_t r = 0; r < GEMM_MR; r++) strip[r] = r < rows ? source[p + r * lda] : 0;
            }
        }
    }
}

GEMM_TARGET void GEMM_NAME(pack_b)(
    const GEMM_SCALAR *b, ptrdiff_t ldb, int transposed, ptrdiff_t k, ptrdiff_t n,
    GEMM_SCALAR alpha, GEMM_SCALAR *packed) {
    for (ptrdiff_t j0 = 0; j0 < n; j0 += GEMM_NR) {
        ptrdiff_t columns = n - j0 < GEMM_NR ? n - j0 : GEMM_NR;
        GEMM_SCALAR *strip = packed + j0 * k;
        if (!transposed) {
            // op(B)[p, j] = b[p + j·ldb]: one value from each of `columns` columns of b a step.
            const GEMM_SCALAR *source = b + j0 * ldb;
            for (ptrdiff_t p = 0; p < k; p++, strip += GEMM_NR) {
                for (ptrdiff_t c = 0; c < GEMM_NR; c++) {
                    strip[c] = c < columns ? alpha * source[p + c * ldb] : 0;
                }
            }
        } else {
            // op(B)[p, j] = b[j + p·ldb]: `columns` contiguous values a step.
            const GEMM_SCALAR *source = b + j0;
            for (ptrdiff_t p = 0; p < k; p++, source += ldb, strip += GEMM_NR) {
                for (ptrdiff_t c = 0; c < GEMM_NR; c++) strip[c] = c < columns ? alpha * source[c] : 0;
            }
        }
    }
}

#undef GEMM_MR
