import Foundation

/// How a sharded step cuts a dense layer's whole-batch `dW` into runs of columns, one per thread,
/// and whether the GEMM gives those runs the bits of whole products.
///
/// A sharded step's `dW` must be, bit for bit, the per-shard products `dZ_s A_sᵀ` added in shard
/// order: that is what N ranks adding their products in rank order compute (`--reduce
/// rank-order`, the proof that a data-parallel run is one process). Computing `dW` in column runs
/// gives those bits only where the GEMM sums an element alike whatever columns it is given. The
/// built-in GEMM does (an edge tile is a zero-padded full one). A BLAS need not: its narrower
/// edge kernels, or a small-matrix path chosen by size, can round differently. On Zen 3,
/// OpenBLAS 0.3.21's Float kernel did for runs cut at arbitrary columns with `k` = 50 and 51,
/// and agreed on runs cut at multiples of 48.
///
/// So the runs start on multiples of ``block``, and ``keepBits(_:rows:columns:depths:parts:offset:on:)``
/// checks each shape once, on made-up numbers, before a step relies on it.
enum ColumnRuns {
    /// Runs start on multiples of this: 48 is a multiple of the widths BLAS register tiles have
    /// (1 to 4, 6, 8, 12, 16, 24), so a column falls in the same place of a tile as in the whole
    /// product.
    static var block: Int { 48 }

    /// The columns thread `part` of `parts` takes of `columns`: whole blocks, as even as blocks
    /// allow, the last run ending where `dW` does (empty when there are fewer blocks than parts).
    static func run(_ part: Int, of parts: Int, columns: Int) -> Range<Int> {
        let blocks = ParallelFor.range(part, of: parts, count: (columns + block - 1) / block)
        return Swift.min(columns, blocks.lowerBound * block)..<Swift.min(columns, blocks.upperBound * block)
    }

    /// Whether `backend`, on one thread as in a sharded step, computes a `(rows × columns)` `dW`
    /// over shards of `depths` examples in ``run(_:of:columns:)``'s runs (`β = 0` for the first
    /// shard, then `β = 1`) with the bits of whole per-shard products added in shard order,
    /// with `dW` at `offset` elements into a slab (its alignment, which a BLAS may heed).
    /// Checked once per backend, precision, shape and alignment, on seeded normal numbers (a
    /// known answer costs a lookup, and leaves the backend's threads alone).
    static func keepBits<Scalar: BackpropScalar>(
        _: Scalar.Type, rows: Int, columns: Int, depths: [Int], parts: Int, offset: Int = 0,
        on backend: any LinearAlgebraBackend = LinearAlgebra.backend
    ) -> Bool {
        // 64 bytes: the widest vector's alignment.
        let shift = offset % (64 / MemoryLayout<Scalar>.size)
        let key = Key(backend: "\(type(of: backend)) \(backend.name) \(backend.version)", bytes: MemoryLayout<Scalar>.size,
                      rows: rows, columns: columns, depths: depths, parts: parts, shift: shift)
        if let known = lock.withLock({ results[key] }) { return known }
        let result = LinearAlgebra.withSingleThreadedBackend {
            compare(Scalar.self, rows: rows, columns: columns, depths: depths, parts: parts, shift: shift, on: backend)
        }
        lock.withLock { results[key] = result }
        return result
    }

    /// The check itself: both ways on the same numbers, every element's bits compared.
    private static func compare<Scalar: BackpropScalar>(
        _: Scalar.Type, rows m: Int, columns n: Int, depths: [Int], parts: Int, shift: Int,
        on backend: any LinearAlgebraBackend
    ) -> Bool {
        var generator = SeededGenerator(seed: 48)
        let shards = depths.map { k in
            (dZ: (0..<(m * k)).map { _ in Scalar(generator.nextNormal()) },
             A: (0..<(n * k)).map { _ in Scalar(generator.nextNormal()) }, k: k)
        }
        // A_s is stored as (n × k), column-major: dW = dZ_s · A_sᵀ with A_s's rows J for a run.
        func product(_ s: Int, columns J: Range<Int>, beta: Scalar, into c: UnsafeMutablePointer<Scalar>) {
            let shard = shards[s]
            shard.dZ.withUnsafeBufferPointer { a in
                shard.A.withUnsafeBufferPointer { b in
                    Scalar.gemm(
                        on: backend, .none, .transposed, m: m, n: J.count, k: shard.k, alpha: 1,
                        a: a.baseAddress!, lda: m, b: b.baseAddress! + J.lowerBound, ldb: n,
                        beta: beta, c: c + J.lowerBound * m, ldc: m)
                }
            }
        }
        // C `shift` elements into its buffer, as `dW` sits in the slab (an array's storage is
        // at least 16-byte aligned, like the slab's).
        var whole = [Scalar](repeating: 0, count: shift + m * n), part = whole, runs = whole
        whole.withUnsafeMutableBufferPointer { total in
            part.withUnsafeMutableBufferPointer { p in
                for s in shards.indices {
                    product(s, columns: 0..<n, beta: 0, into: (s == 0 ? total.baseAddress! : p.baseAddress!) + shift)
                    if s > 0 { for i in shift..<(shift + m * n) { total[i] += p[i] } }
                }
            }
        }
        runs.withUnsafeMutableBufferPointer { c in
            for t in 0..<parts {
                let J = run(t, of: parts, columns: n)
                guard !J.isEmpty else { continue }
                for s in shards.indices { product(s, columns: J, beta: s == 0 ? 0 : 1, into: c.baseAddress! + shift) }
            }
        }
        return zip(whole, runs).allSatisfy { $0 == $1 && $0.sign == $1.sign }
    }

    private struct Key: Hashable {
        let backend: String
        let bytes: Int
        let rows, columns: Int
        let depths: [Int]
        let parts: Int
        let shift: Int
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var results: [Key: Bool] = [:]
}
