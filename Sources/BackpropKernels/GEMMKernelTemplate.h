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
//   GEMM_TRANSPOSE(block), GEMM_MUL(a, b), GEMM_LOAD_FIRST(p, n), GEMM_STORE_FIRST(p, v, n)
//                        optional: transpose an array of GEMM_LANES vectors in place, multiply,
//                        load the first n lanes (the rest zero, nothing read past them) and
//                        store the first n lanes of v; with them the packs go through registers
//
// The arithmetic on each element of C is fixed by the packing and by the depth of a slice, not
// by the tile's shape or the vector width: a register tile starts at zero and takes one fused
// multiply-add per step of p, in order; a finished tile T is written as T (β = 0), T + C
// (β = 1 or a later slice) or fma(β, C, T). So every instantiation with fused multiply-add
// gives the same bits for the same slice depth.

#define GEMM_MR (2 * GEMM_LANES)
#define GEMM_CONCAT_(x, y) x##y
#define GEMM_CONCAT(x, y) GEMM_CONCAT_(x, y)

/// A register tile of `V` vectors of rows (V · GEMM_LANES rows, V = 1 or 2) by `N` columns
/// (1 ≤ N ≤ GEMM_NR): T = Σ_p A[:, p] · B[p, :] over a packed strip of A (k-major, GEMM_MR
/// values a step, of which the first V · GEMM_LANES are read) and of B (k-major, GEMM_NR a
/// step, of which the first N are read), written into the first `rows` rows of the tile at `c`
/// (`rows` > (V - 1) · GEMM_LANES). The full tile is V = 2, N = GEMM_NR; the narrower ones serve
/// the edges of C directly, with no FMA on padding columns and no copy. Every element takes the
/// same operations in the same order in every variant, so the shape of the tile that computes it
/// never changes its bits.
#define GEMM_TILE_VARIANT(V, N)                                                                    \
    static GEMM_TARGET void GEMM_NAME(tile_##V##_##N)(                                             \
        ptrdiff_t k, const GEMM_SCALAR *restrict a, const GEMM_SCALAR *restrict b,                 \
        GEMM_SCALAR *restrict c, ptrdiff_t ldc, BPGEMMUpdate update, GEMM_SCALAR beta,             \
        ptrdiff_t rows, ptrdiff_t a_step) {                                                        \
        GEMM_VECTOR acc[V][N];                                                                     \
        _Pragma("unroll") for (int j = 0; j < N; j++) {                                            \
            _Pragma("unroll") for (int v = 0; v < V; v++) acc[v][j] = GEMM_ZERO();                 \
        }                                                                                          \
        for (ptrdiff_t p = 0; p < k; p++) {                                                        \
            GEMM_VECTOR column[V];                                                                 \
            _Pragma("unroll") for (int v = 0; v < V; v++) column[v] = GEMM_LOAD(a + v * GEMM_LANES); \
            _Pragma("unroll") for (int j = 0; j < N; j++) {                                        \
                GEMM_VECTOR bj = GEMM_SPLAT(b[j]);                                                 \
                _Pragma("unroll") for (int v = 0; v < V; v++) acc[v][j] = GEMM_FMA(column[v], bj, acc[v][j]); \
            }                                                                                      \
            a += a_step;                                                                           \
            b += GEMM_NR;                                                                          \
        }                                                                                          \
        _Pragma("unroll") for (int j = 0; j < N; j++) {                                            \
            _Pragma("unroll") for (int v = 0; v < V; v++) {                                        \
                GEMM_NAME(write)(c + j * ldc + v * GEMM_LANES, acc[v][j],                          \
                                 rows - v * GEMM_LANES, update, beta);                             \
            }                                                                                      \
        }                                                                                          \
    }

/// Writes the finished vector `t` of a tile into `count` (≥ 1) consecutive elements of C at
/// `c`: C ← T (overwrite), T + C (accumulate) or fma(β, C, T) (scale). A full vector is one
/// store; a shorter one (the last rows of C) goes through a scratch vector, element by element,
/// with the same operation on each.
static GEMM_TARGET inline void GEMM_NAME(write)(
    GEMM_SCALAR *restrict c, GEMM_VECTOR t, ptrdiff_t count, BPGEMMUpdate update,
    GEMM_SCALAR beta) {
    if (count >= GEMM_LANES) {
        switch (update) {
        case BPGEMMUpdateOverwrite: GEMM_STORE(c, t); break;
        case BPGEMMUpdateAccumulate: GEMM_STORE(c, GEMM_ADD(t, GEMM_LOAD(c))); break;
        case BPGEMMUpdateScale: GEMM_STORE(c, GEMM_FMA(GEMM_SPLAT(beta), GEMM_LOAD(c), t)); break;
        }
        return;
    }
    GEMM_SCALAR lanes[GEMM_LANES] __attribute__((aligned(64)));
    GEMM_STORE(lanes, t);
    for (ptrdiff_t i = 0; i < count; i++) {
        switch (update) {
        case BPGEMMUpdateOverwrite: c[i] = lanes[i]; break;
        case BPGEMMUpdateAccumulate: c[i] = lanes[i] + c[i]; break;
        case BPGEMMUpdateScale: c[i] = GEMM_SCALAR_FMA(beta, c[i], lanes[i]); break;
        }
    }
}

#define GEMM_TILE_VARIANTS(N) GEMM_TILE_VARIANT(1, N) GEMM_TILE_VARIANT(2, N)
GEMM_TILE_VARIANTS(1)
GEMM_TILE_VARIANTS(2)
GEMM_TILE_VARIANTS(3)
GEMM_TILE_VARIANTS(4)
#if GEMM_NR >= 6
GEMM_TILE_VARIANTS(5)
GEMM_TILE_VARIANTS(6)
#endif
#if GEMM_NR >= 14
GEMM_TILE_VARIANTS(7)
GEMM_TILE_VARIANTS(8)
GEMM_TILE_VARIANTS(9)
GEMM_TILE_VARIANTS(10)
GEMM_TILE_VARIANTS(11)
GEMM_TILE_VARIANTS(12)
GEMM_TILE_VARIANTS(13)
GEMM_TILE_VARIANTS(14)
#endif
#if GEMM_NR != 4 && GEMM_NR != 6 && GEMM_NR != 14
#error "GEMMKernelTemplate.h has tile variants for GEMM_NR 4, 6 and 14"
#endif

/// The tile of `vectors` vectors of rows by `columns` columns (see GEMM_TILE_VARIANT).
static GEMM_TARGET inline void GEMM_NAME(tile)(
    int vectors, ptrdiff_t columns, ptrdiff_t k, const GEMM_SCALAR *a, const GEMM_SCALAR *b,
    GEMM_SCALAR *c, ptrdiff_t ldc, BPGEMMUpdate update, GEMM_SCALAR beta, ptrdiff_t rows,
    ptrdiff_t a_step) {
#define GEMM_TILE_CASE(N)                                                                          \
    case N:                                                                                        \
        if (vectors == 2) GEMM_NAME(tile_2_##N)(k, a, b, c, ldc, update, beta, rows, a_step);      \
        else GEMM_NAME(tile_1_##N)(k, a, b, c, ldc, update, beta, rows, a_step);                   \
        return;
    switch (columns) {
    GEMM_TILE_CASE(1)
    GEMM_TILE_CASE(2)
    GEMM_TILE_CASE(3)
    GEMM_TILE_CASE(4)
#if GEMM_NR >= 6
    GEMM_TILE_CASE(5)
    GEMM_TILE_CASE(6)
#endif
#if GEMM_NR >= 14
    GEMM_TILE_CASE(7)
    GEMM_TILE_CASE(8)
    GEMM_TILE_CASE(9)
    GEMM_TILE_CASE(10)
    GEMM_TILE_CASE(11)
    GEMM_TILE_CASE(12)
    GEMM_TILE_CASE(13)
    GEMM_TILE_CASE(14)
#endif
    default:
        // `tiles` passes 1 ... GEMM_NR columns; anything else would leave C unwritten.
        __builtin_trap();
    }
#undef GEMM_TILE_CASE
}

GEMM_TARGET void GEMM_NAME(tiles)(
    ptrdiff_t m, ptrdiff_t n, ptrdiff_t k, const GEMM_SCALAR *packed_a, ptrdiff_t lda,
    const GEMM_SCALAR *packed_b, GEMM_SCALAR *c, ptrdiff_t ldc, BPGEMMUpdate update,
    GEMM_SCALAR beta) {
    // lda > 0: A is read in place, column-major with column stride lda (m a multiple of MR).
    ptrdiff_t a_step = lda > 0 ? lda : GEMM_MR;
    for (ptrdiff_t jr = 0; jr < n; jr += GEMM_NR) {
        ptrdiff_t columns = n - jr < GEMM_NR ? n - jr : GEMM_NR;
        const GEMM_SCALAR *b = packed_b + jr * k;
        for (ptrdiff_t ir = 0; ir < m; ir += GEMM_MR) {
            ptrdiff_t rows = m - ir < GEMM_MR ? m - ir : GEMM_MR;
            const GEMM_SCALAR *a = lda > 0 ? packed_a + ir : packed_a + ir * k;
            GEMM_SCALAR *tile = c + ir + jr * ldc;
            if (rows == GEMM_MR && columns == GEMM_NR) {
                GEMM_CONCAT(GEMM_NAME(tile_2_), GEMM_NR)(k, a, b, tile, ldc, update, beta, rows, a_step);
            } else {
                // An edge of C: only its rows' vectors and its columns are computed.
                GEMM_NAME(tile)(rows > GEMM_LANES ? 2 : 1, columns, k, a, b, tile, ldc, update, beta, rows, a_step);
            }
        }
    }
}

#ifdef GEMM_TRANSPOSE
/// strip[p · width + c] = α · source[p + c · ld] for c < count, 0 for count ≤ c < width, p < k:
/// `count` columns of `source`, each contiguous in p, interleaved into k-major steps of `width`
/// values (a transposed A strip, or a B strip of an untransposed B). Blocks of GEMM_LANES steps
/// by GEMM_LANES columns go through registers and GEMM_TRANSPOSE; the last steps one by one.
/// The same products α · x as element by element, so the same bits.
static GEMM_TARGET void GEMM_NAME(pack_transposing)(
    const GEMM_SCALAR *source, ptrdiff_t ld, ptrdiff_t k, ptrdiff_t count, ptrdiff_t width,
    GEMM_SCALAR alpha, GEMM_SCALAR *strip) {
    GEMM_VECTOR alphas = GEMM_SPLAT(alpha);
    ptrdiff_t p = 0;
    for (; p + GEMM_LANES <= k; p += GEMM_LANES) {
        for (ptrdiff_t c0 = 0; c0 < width; c0 += GEMM_LANES) {
            GEMM_VECTOR block[GEMM_LANES];
            _Pragma("unroll") for (int c = 0; c < GEMM_LANES; c++) {
                block[c] = c0 + c < count ? GEMM_MUL(alphas, GEMM_LOAD(source + p + (c0 + c) * ld))
                                          : GEMM_ZERO();
            }
            GEMM_TRANSPOSE(block);
            ptrdiff_t lanes = width - c0 < GEMM_LANES ? width - c0 : GEMM_LANES;
            _Pragma("unroll") for (int i = 0; i < GEMM_LANES; i++) {
                GEMM_STORE_FIRST(strip + (p + i) * width + c0, block[i], lanes);
            }
        }
    }
    for (; p < k; p++) {
        for (ptrdiff_t c = 0; c < width; c++) strip[p * width + c] = c < count ? alpha * source[p + c * ld] : 0;
    }
}
#endif

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
#ifdef GEMM_TRANSPOSE
            GEMM_NAME(pack_transposing)(source, lda, k, rows, GEMM_MR, 1, strip);
#else
            for (ptrdiff_t p = 0; p < k; p++, strip += GEMM_MR) {
                for (ptrdiff_t r = 0; r < GEMM_MR; r++) strip[r] = r < rows ? source[p + r * lda] : 0;
            }
#endif
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
#ifdef GEMM_TRANSPOSE
            GEMM_NAME(pack_transposing)(source, ldb, k, columns, GEMM_NR, alpha, strip);
#else
            for (ptrdiff_t p = 0; p < k; p++, strip += GEMM_NR) {
                for (ptrdiff_t c = 0; c < GEMM_NR; c++) {
                    strip[c] = c < columns ? alpha * source[p + c * ldb] : 0;
                }
            }
#endif
        } else {
            // op(B)[p, j] = b[j + p·ldb]: `columns` contiguous values a step.
            const GEMM_SCALAR *source = b + j0;
#ifdef GEMM_TRANSPOSE
            GEMM_VECTOR alphas = GEMM_SPLAT(alpha);
            for (ptrdiff_t p = 0; p < k; p++, source += ldb, strip += GEMM_NR) {
                _Pragma("unroll") for (ptrdiff_t c0 = 0; c0 < GEMM_NR; c0 += GEMM_LANES) {
                    ptrdiff_t present = columns - c0 < 0 ? 0 : columns - c0 < GEMM_LANES ? columns - c0 : GEMM_LANES;
                    ptrdiff_t lanes = GEMM_NR - c0 < GEMM_LANES ? GEMM_NR - c0 : GEMM_LANES;
                    GEMM_STORE_FIRST(strip + c0, GEMM_MUL(alphas, GEMM_LOAD_FIRST(source + c0, present)), lanes);
                }
            }
#else
            for (ptrdiff_t p = 0; p < k; p++, source += ldb, strip += GEMM_NR) {
                for (ptrdiff_t c = 0; c < GEMM_NR; c++) strip[c] = c < columns ? alpha * source[c] : 0;
            }
#endif
        }
    }
}

#undef GEMM_MR
#undef GEMM_CONCAT_
#undef GEMM_CONCAT
#undef GEMM_TILE_VARIANT
#undef GEMM_TILE_VARIANTS
