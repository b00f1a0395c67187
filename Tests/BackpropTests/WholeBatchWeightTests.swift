import Testing
@testable import Backprop

/// A sharded step computes a dense layer's `dW` once for the whole batch, split by columns of
/// `dW` across the threads, instead of a `dW` per shard added afterwards: the same bits.
@Suite("Whole-batch dW in a sharded step")
struct WholeBatchWeightTests {
    /// 300 → 160 → 100 → 10: with 3 shards layers 1 and 2 qualify (300 and 160 ≥ 3 × 48
    /// columns) and layer 3 does not (100 < 144); with 2 shards all three do.
    static func network<T: BackpropScalar>(_: T.Type, batchNorm: Bool = false) throws -> Network<T> {
        try Network<T>(sizes: [300, 160, 100, 10], hidden: .relu, output: .softmax, seed: 21, batchNorm: batchNorm)
    }

    /// One step, with `dW` per shard (`splitting: false`) or for the whole batch.
    static func step<T: BackpropScalar>(
        _ network: Network<T>, _ data: Dataset<T>, batch: [Int], workers: Int, masks: DropoutMasks<T>?,
        convention: Convention, splitting: Bool
    ) throws -> ShardedStep<T> {
        var step = ShardedStep(network: network, examples: batch.count, workers: workers, minimumWork: 0, wholeBatchWeights: splitting)
        let totals = try step.step(data, batch: batch, network: network, dropout: masks, convention: convention, examples: batch.count)
        #expect(totals.examples == batch.count)
        return step
    }

    /// How many elements differ in their bits (equal values of the same sign; no NaN arises
    /// here); −1 for different lengths.
    static func differing<T: BackpropScalar>(_ a: ContiguousArray<T>, _ b: ContiguousArray<T>) -> Int {
        guard a.count == b.count else { return -1 }
        var count = 0
        for (x, y) in zip(a, b) where !(x == y && x.sign == y.sign) { count += 1 }
        return count
    }

    /// Whether the backend computes column runs with the bits of whole products on this
    /// machine for every shape these tests use (the built-in GEMM always does; a BLAS is asked).
    static var runsKeepBits: Bool { LinearAlgebra.backend is PortableGEMM }

    @Test("Which layers qualify: dense, BLAS-sized, a block of columns a thread, more than one shard")
    func choice() throws {
        let network = try Self.network(Float.self)
        let three = ShardedStep(network: network, examples: 101, workers: 3, minimumWork: 0).wholeBatchWeights
        let two = ShardedStep(network: network, examples: 101, workers: 2, minimumWork: 0).wholeBatchWeights
        #expect(three[2] == false)
        if Self.runsKeepBits {
            #expect(three == [true, true, false])
            #expect(two == [true, true, true])
        }
        #expect(ShardedStep(network: network, examples: 101, workers: 1, minimumWork: 0).wholeBatchWeights == [false, false, false])
        #expect(ShardedStep(network: network, examples: 101, workers: 2, minimumWork: 0, wholeBatchWeights: false).wholeBatchWeights
            == [false, false, false])
        // The small-product kernel's products (m < 8 rows, ≤ 4,096 multiply-adds) stay per
        // shard: 100 → 2 at 16 columns a shard is 3,200 multiply-adds, at 32 it is 6,400 (BLAS).
        let thin = try Network<Float>(sizes: [100, 2], hidden: .tanh, output: .softmax, seed: 1)
        #expect(ShardedStep(network: thin, examples: 32, workers: 2, minimumWork: 0).wholeBatchWeights == [false])
        if Self.runsKeepBits {
            #expect(ShardedStep(network: thin, examples: 64, workers: 2, minimumWork: 0).wholeBatchWeights == [true])
        }
        let normalized = try Network<Float>(
            layers: [Dense(inputSize: 300, outputSize: 64, activation: nil, hasBias: false), BatchNorm(units: 64, activation: .relu),
                     Dense(inputSize: 64, outputSize: 10, activation: .softmax)],
            loss: .categoricalCrossEntropy, initializer: .he, seed: 2)
        // Batch norm between them changes nothing: the product comes after the shards' passes.
        if Self.runsKeepBits {
            #expect(ShardedStep(network: normalized, examples: 64, workers: 2, minimumWork: 0).wholeBatchWeights == [true, false, false])
        }
    }

    @Test("Column runs keep the bits on the built-in GEMM, and are refused on a GEMM whose sums depend on the columns")
    func bitsCheck() {
        for (rows, columns, depths, parts) in [(160, 300, [33, 34, 34], 3), (10, 100, [50, 51], 2), (256, 784, [64, 64], 2)] {
            #expect(ColumnRuns.keepBits(Float.self, rows: rows, columns: columns, depths: depths, parts: parts, on: PortableGEMM()))
            #expect(ColumnRuns.keepBits(Double.self, rows: rows, columns: columns, depths: depths, parts: parts, on: PortableGEMM()))
            #expect(!ColumnRuns.keepBits(Float.self, rows: rows, columns: columns, depths: depths, parts: parts, on: ColumnDependentGEMM()))
            #expect(!ColumnRuns.keepBits(Double.self, rows: rows, columns: columns, depths: depths, parts: parts, on: ColumnDependentGEMM()))
        }
        // The runs: whole blocks of 48, the last one to the end; none for a part past the blocks.
        #expect((0..<2).map { ColumnRuns.run($0, of: 2, columns: 784) } == [0..<384, 384..<784])
        #expect((0..<3).map { ColumnRuns.run($0, of: 3, columns: 100) } == [0..<48, 48..<96, 96..<100])
        #expect((0..<3).map { ColumnRuns.run($0, of: 3, columns: 90) } == [0..<0, 0..<48, 48..<90])
    }

    /// The largest difference between `a` and `b` over the largest magnitude of `b`.
    static func relativeDifference<T: BackpropScalar>(_ a: ContiguousArray<T>, _ b: ContiguousArray<T>) -> Double {
        let scale = b.map { abs(Double($0)) }.max() ?? 0
        let worst = zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
        return scale > 0 ? worst / scale : worst
    }

    @Test("dW for the whole batch has the bits of per-shard dW added in shard order, every run alike",
          arguments: [2, 3], [Convention.deferred, .absorbed])
    func sameGradients(workers: Int, convention: Convention) throws {
        for batchNorm in [false, true] {
            try Self.checkGradients(Float.self, workers: workers, convention: convention, rounding: 1e-6, batchNorm: batchNorm)
            try Self.checkGradients(Double.self, workers: workers, convention: convention, rounding: 1e-14, batchNorm: batchNorm)
        }
    }

    static func checkGradients<T: BackpropScalar>(
        _ type: T.Type, workers: Int, convention: Convention, rounding: Double, batchNorm: Bool
    ) throws {
        let network = try Self.network(T.self, batchNorm: batchNorm)
        let data: Dataset<T> = Generators.random(inputs: 300, outputs: 10, examples: 400, loss: .categoricalCrossEntropy, seed: 22)
        // 101 scattered columns: shards of 50 and 51, or 33, 34 and 34.
        let batch = (0..<101).map { ($0 * 37 + 5) % 400 }
        var generator = SeededGenerator(seed: 23)
        let masks = try DropoutMasks<T>(keepProbabilities: [0.8, 0.7], network: network, examples: 101, using: &generator)
        for masks in [nil, masks] {
            let context = "\(T.self), \(workers) shards, masks: \(masks != nil), batch norm: \(batchNorm)"
            let split = try Self.step(network, data, batch: batch, workers: workers, masks: masks, convention: convention, splitting: true)
            let again = try Self.step(network, data, batch: batch, workers: workers, masks: masks, convention: convention, splitting: true)
            let perShard = try Self.step(network, data, batch: batch, workers: workers, masks: masks, convention: convention, splitting: false)
            #expect(!perShard.wholeBatchWeights.contains(true))
            if Self.runsKeepBits { #expect(split.wholeBatchWeights.contains(true)) }
            #expect(Self.differing(split.gradients.slab, again.gradients.slab) == 0, "reproducible: \(context)")
            for tensor in network.parameters.tensors where tensor.isTrainable {
                let (a, b) = (split.gradients.matrix(tensor).elements, perShard.gradients.matrix(tensor).elements)
                #expect(b.contains { $0 != 0 }, "\(tensor.name) is not all zeros")
                #expect(Self.differing(a, b) == 0, "\(tensor.name): \(context)")
            }
            // And it is the batch's dW: against one thread's pass, to rounding.
            let single = try Self.step(network, data, batch: batch, workers: 1, masks: masks, convention: convention, splitting: true)
            for tensor in network.parameters.tensors {
                let (a, b) = (split.gradients.matrix(tensor).elements, single.gradients.matrix(tensor).elements)
                #expect(Self.relativeDifference(a, b) <= 10 * rounding, "\(tensor.name) against one thread: \(context)")
            }
        }
    }

    @Test("The optimizer's fused pass (dW not summed, biases summed) equals adding, finalizing and updating apart")
    func sameUpdate() throws {
        let network = try Self.network(Float.self)
        let data: Dataset<Float> = Generators.random(inputs: 300, outputs: 10, examples: 128, loss: .categoricalCrossEntropy, seed: 24)
        let batch = Array(0..<128)
        var results: [String: ContiguousArray<Float>] = [:]
        for splitting in [true, false] {
            for fused in [true, false] {
                var trained = network
                var optimizer = Optimizer<Float>(.momentum(beta: 0.9))
                var step = ShardedStep(network: trained, examples: 128, workers: 2, minimumWork: 0, wholeBatchWeights: splitting)
                if !splitting || Self.runsKeepBits { #expect(step.wholeBatchWeights == Array(repeating: splitting, count: 3)) }
                for _ in 0..<3 {
                    let totals = try step.step(
                        data, batch: batch, network: trained, dropout: nil, convention: .absorbed, examples: 128, addingShards: !fused)
                    if fused {
                        step.finishUndecayed(examples: totals.examples, convention: .absorbed)
                        step.finishAndUpdate(&optimizer, network: &trained, examples: totals.examples, convention: .absorbed, l2: 0.3, learningRate: 0.05, threads: 2)
                    } else {
                        step.gradients.finalize(examples: totals.examples, convention: .absorbed, l2: 0.3, parameters: trained.parameters)
                        optimizer.update(&trained, gradients: step.gradients, learningRate: 0.05, threads: 2)
                    }
                }
                results["\(splitting) \(fused)"] = trained.parameters.slab
            }
        }
        #expect(Self.differing(results["true true"]!, results["true false"]!) == 0, "whole-batch dW: fused and apart")
        #expect(Self.differing(results["false true"]!, results["false false"]!) == 0, "per-shard dW: fused and apart")
        #expect(Self.differing(results["true true"]!, results["false true"]!) == 0, "whole-batch and per-shard dW")
        #expect(Self.differing(results["true true"]!, network.parameters.slab) > network.parameters.slab.count / 2)
    }
}

/// The built-in GEMM, one ulp up in the right half of the columns it is given: a GEMM whose
/// sums depend on which columns it is given.
struct ColumnDependentGEMM: LinearAlgebraBackend {
    var name: String { "column-dependent" }
    var version: String { "test" }
    var location: String? { nil }
    var note: String? { nil }
    var threadCount: Int { 1 }
    func setThreadCount(_ count: Int) {}

    func sgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        PortableGEMM().sgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        for j in (n / 2)..<n { for i in 0..<m { c[i + j * ldc] = c[i + j * ldc].nextUp } }
    }

    func dgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        PortableGEMM().dgemm(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        for j in (n / 2)..<n { for i in 0..<m { c[i + j * ldc] = c[i + j * ldc].nextUp } }
    }
}
