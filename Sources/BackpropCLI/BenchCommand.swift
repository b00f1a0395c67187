import ArgumentParser
import Backprop
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Backprop's speed on the work the peer scripts in shared/bench do.",
        discussion: """
            Each benchmark prints a line 'RESULT name=... key=value ...' like the peers, so one \
            script can put them side by side. Run a release build on a quiet machine.

            Examples:
              backprop bench gemm
              backprop bench mlp --optimizer adam
              backprop bench bnmlp
              backprop bench conv
              backprop bench planar
              backprop bench infer
              backprop bench gradcheck
              backprop bench memory
              mpirun -np 2 backprop bench mpi
            """
    )

    enum Kind: String, ExpressibleByArgument, CaseIterable { case gemm, mlp, bnmlp, conv, planar, infer, gradcheck, memory, mpi }

    @Argument(help: """
        What to measure: gemm, mlp (an MNIST-size epoch), bnmlp (the same with batch norm after \
        each hidden layer), conv (an epoch of a small MNIST CNN), planar (the course network), infer \
        (batch 1 and 1024), gradcheck (a small network's gradient check) or memory (peak memory \
        of training the MNIST-size MLP) or mpi (a data-parallel MNIST-size step under mpirun: \
        compute, communication and the communication left exposed).
        """)
    var kind: Kind

    @Option(help: "Optimizer for mlp and bnmlp: sgd or adam.")
    var optimizer: String = "sgd"
    @Option(help: "Precision: float or double (gemm runs both unless given).")
    var precision: ArchitectureOptions.Precision?
    @Option(help: "Timed repetitions (the median is reported).")
    var repeats: Int = 3
    @Option(help: "Threads: the BLAS's, and the shards a training batch is split into (default: the library's choice or BACKPROP_THREADS).")
    var threads: Int?
    @Option(help: "Synthetic examples per epoch for conv.")
    var examples: Int = 60_000
    @Option(help: "Matrix sizes for gemm, comma-separated.")
    var sizes: String = "256,512,1024,2048"
    @OptionGroup(title: "Memory") var memoryOptions: MemoryOptions

    func validate() throws {
        guard (1...1_000_000).contains(examples) else { throw ValidationError("--examples must be from 1 to 1,000,000, not \(examples)") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be at least 1, not \(repeats)") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, not \(threads)") }
        _ = try gemmSizes()
    }

    /// `--sizes` as positive integers.
    private func gemmSizes() throws -> [Int] {
        let list = sizes.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--sizes '\(BackpropError.excerpt(sizes))' must be positive integers separated by commas, e.g. 256,512")
        }
        return list.map { $0! }
    }

    func run() throws {
        let backend = try requireBackend()
        if let threads { LinearAlgebra.setThreadCount(threads) }
        if kind == .mpi {
            // Only rank 0 prints; MPI starts before anything is said.
            let reducer = try MPIReducer(library: try MPILibrary.load())
            DistributedJob.reducer = reducer
            if reducer.rank != 0 { silenceStandardOutput() }
            if threads == nil { LinearAlgebra.setThreadCount(1) }
        }
        print("# backprop \(backpropVersion), \(backend.name) (\(backend.version)), \(LinearAlgebra.threadCount) threads")
        switch kind {
        case .gemm:
            let list = try gemmSizes()
            if precision != .double { try gemm(Float.self, sizes: list) }
            if precision != .float { try gemm(Double.self, sizes: list) }
        case .mlp:
            if precision == .double { try mlp(Double.self) } else { try mlp(Float.self) }
        case .bnmlp:
            if precision == .double { try mlp(Double.self, batchNorm: true) } else { try mlp(Float.self, batchNorm: true) }
        case .conv:
            if precision == .double { try conv(Double.self) } else { try conv(Float.self) }
        case .planar:
            if precision == .float { try planar(Float.self) } else { try planar(Double.self) }
        case .infer:
            if precision == .double { try infer(Double.self) } else { try infer(Float.self) }
        case .gradcheck:
            try gradientCheck()
        case .memory:
            try memory()
        case .mpi:
            try distributedStep()
        }
    }

    private func median(_ body: () throws -> Void) rethrows -> (median: Double, all: [Double]) {
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<Swift.max(repeats, 1) {
            let start = clock.now
            try body()
            let d = clock.now - start
            times.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        let sorted = times.sorted()
        return (sorted[sorted.count / 2], times)
    }

    private func gemm<S: BackpropScalar>(_: S.Type, sizes: [Int]) throws {
        let budget = try memoryOptions.budget()
        for n in sizes {
            // Three n × n matrices, plus the elements drawn for two of them.
            let elements = try CheckedSize.multiply(try CheckedSize.multiply(n, n, "--sizes \(n)"), 5, "--sizes \(n)")
            try budget.require(elements: elements, of: S.self, for: "--sizes \(n) (three \(n) × \(n) matrices of \(S.dtypeName))")
            var generator = SeededGenerator(seed: 7)
            let a = Matrix<S>(rows: n, columns: n, columnMajor: (0..<(n * n)).map { _ in S(generator.nextUniform()) })
            let b = Matrix<S>(rows: n, columns: n, columnMajor: (0..<(n * n)).map { _ in S(generator.nextUniform()) })
            var c = Matrix<S>(rows: n, columns: n)
            c.formProduct(a, .none, b, .none)  // warm-up
            let reps = Swift.max(1, Int(2e9 / (2 * pow(Double(n), 3))))
            let t = median { for _ in 0..<reps { c.formProduct(a, .none, b, .none) } }
            let gflops = 2 * pow(Double(n), 3) * Double(reps) / t.median / 1e9
            print(String(format: "RESULT name=gemm dtype=%@ n=%d seconds=%.6f gflops=%.1f", S.dtypeName, n, t.median / Double(reps), gflops))
        }
    }

    /// 60,000 synthetic MNIST-size examples: uniform pixels, random one-hot labels.
    private func mnistSizeData<S: BackpropScalar>(_: S.Type, examples m: Int = 60_000, seed: UInt64 = 3) throws -> Dataset<S> {
        var generator = SeededGenerator(seed: seed)
        var X = Matrix<S>(rows: 784, columns: m)
        X.withUnsafeMutableBufferPointer { x in for i in x.indices { x[i] = S(generator.nextUniform()) } }
        var Y = Matrix<S>(rows: 10, columns: m)
        for j in 0..<m { Y[generator.nextBelow(10), j] = 1 }
        return try Dataset(X: X, Y: Y, name: "synthetic")
    }

    /// An epoch of the MNIST-size MLP (784-256-128-10, ReLU, softmax, batch 128) per
    /// repetition after a warm-up epoch. With `batchNorm`, torch_bench.py's `bnmlp`: batch
    /// norm (training mode) after each hidden dense layer, which keeps its bias as
    /// PyTorch's `Linear` does.
    private func mlp<S: BackpropScalar>(_: S.Type, batchNorm: Bool = false) throws {
        let data = try mnistSizeData(S.self)
        let network = try Network<S>(
            sizes: [784, 256, 128, 10], hidden: .relu, output: .softmax, seed: 1,
            batchNorm: batchNorm, biasBeforeBatchNorm: batchNorm)
        var configuration = TrainingConfiguration()
        configuration.batchSize = 128
        configuration.epochs = 1 + Swift.max(repeats, 1)
        guard let algorithm = OptimizerAlgorithm(name: optimizer) else {
            throw ValidationError("--optimizer '\(optimizer)' is not sgd or adam")
        }
        configuration.optimizer = algorithm
        configuration.learningRate = algorithm == .gradientDescent ? 0.1 : 0.001
        var trainer = try Trainer(network: network, configuration: configuration)
        _ = try trainer.fit(training: data)
        let times = trainer.history.dropFirst().map(\.seconds).sorted()
        let t = times[times.count / 2]
        // The products' work: 2 flops a multiply-add, forward and dW in every layer, dA in the
        // layers above the first (no optimizer needs dA[0]): 60.43 GFLOP an epoch here.
        let products = network.layers.compactMap { ($0 as? Dense).map { $0.inputSize * $0.outputSize } }
        let multiplyAdds = 3 * products.reduce(0, +) - products[0]
        let work = 2 * Double(multiplyAdds) * Double(data.count) / 1e9
        print(String(format: "RESULT name=%@ optimizer=%@ dtype=%@ epoch_seconds=%.4f min=%.4f max=%.4f gemm_gflop=%.2f gflops=%.1f",
                     batchNorm ? "bnmlp" : "mlp", optimizer, S.dtypeName, t, times.first!, times.last!, work, work / t))
    }

    /// The small MNIST CNN (torch_bench.py's `cnn`): conv 3×3×16 → ReLU → max-pool 2 →
    /// conv 3×3×32 → ReLU → max-pool 2 → dense 10, batch 128, SGD 0.1, on synthetic 28×28 images;
    /// the median epoch time and the process's peak resident memory.
    private func conv<S: BackpropScalar>(_: S.Type) throws {
        var data = try mnistSizeData(S.self, examples: examples)
        data.imageShape = ImageShape(channels: 1, height: 28, width: 28)
        let layers = try LayerGrammar.layers(
            "conv:16:3,relu,maxpool:2,conv:32:3,relu,maxpool:2,dense:10", image: data.imageShape, features: 784, output: .softmax)
        let network = try Network<S>(layers: layers, loss: .categoricalCrossEntropy, initializer: nil, seed: 1)
        var configuration = TrainingConfiguration()
        configuration.batchSize = 128
        configuration.epochs = 1 + Swift.max(repeats, 1)
        configuration.optimizer = .gradientDescent
        configuration.learningRate = 0.1
        var trainer = try Trainer(network: network, configuration: configuration)
        _ = try trainer.fit(training: data)
        let times = trainer.history.dropFirst().map(\.seconds).sorted()
        let peak = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8))?
            .split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
            .flatMap { Double($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
            .map { $0 / 1024 } ?? .nan
        print(String(format: "RESULT name=conv dtype=%@ examples=%d batch=128 epoch_seconds=%.4f min=%.4f max=%.4f peak_mib=%.1f",
                     S.dtypeName, examples, times[times.count / 2], times.first!, times.last!, peak))
    }

    private func planar<S: BackpropScalar>(_: S.Type) throws {
        let data: Dataset<S> = Generators.flower(examples: 400, seed: 1)
        var configuration = TrainingConfiguration()
        configuration.batchSize = nil
        configuration.epochs = 10_000
        configuration.optimizer = .gradientDescent
        configuration.learningRate = 1.2
        var last = 0.0
        let t = try median {
            var trainer = try Trainer(network: try Network<S>(sizes: [2, 4, 1], hidden: .tanh, output: .sigmoid, seed: 1), configuration: configuration)
            _ = try trainer.fit(training: data)
            last = trainer.history.last!.trainLoss
        }
        print(String(format: "RESULT name=planar dtype=%@ seconds=%.4f us_per_step=%.2f final_cost=%.4f", S.dtypeName, t.median, t.median / 1e4 * 1e6, last))
    }

    private func infer<S: BackpropScalar>(_: S.Type) throws {
        let network = try Network<S>(sizes: [784, 256, 128, 10], hidden: .relu, output: .softmax, seed: 1)
        var generator = SeededGenerator(seed: 5)
        for batch in [1, 1024] {
            let X = Matrix<S>(rows: 784, columns: batch, columnMajor: (0..<(784 * batch)).map { _ in S(generator.nextUniform()) })
            let reps = batch == 1 ? 20_000 : 200
            // A serving loop's shape: the layer outputs are reused from call to call.
            var buffers = InferenceBuffers<S>()
            _ = try network.predict(X, reusing: &buffers)
            let t = try median { for _ in 0..<reps { _ = try network.predict(X, reusing: &buffers) } }
            let each = t.median / Double(reps)
            print(String(format: "RESULT name=infer dtype=%@ batch=%d us_per_call=%.2f examples_per_second=%.0f", S.dtypeName, batch, each * 1e6, Double(batch) / each))
        }
    }

    /// The gradient check of a 4-8-6-3 tanh/softmax network on 64 examples (central differences
    /// over all 115 parameters: 230 forward passes in Double, plus one backward pass).
    private func gradientCheck() throws {
        let network = try Network<Double>(sizes: [4, 8, 6, 3], hidden: .tanh, output: .softmax, seed: 1)
        let data: Dataset<Double> = Generators.random(inputs: 4, outputs: 3, examples: 64, loss: .categoricalCrossEntropy, seed: 2)
        var overall = 0.0
        let t = try median {
            for _ in 0..<100 { overall = try GradientCheck.run(network: network, X: data.X, Y: data.Y).overall }
        }
        print(String(format: "RESULT name=gradcheck network=4-8-6-3 parameters=%d examples=64 ms_per_check=%.3f relative_difference=%.2e",
                     network.parameterCount, t.median / 100 * 1e3, overall))
    }

    /// Peak resident memory (Linux `VmHWM`) of training the MNIST-size MLP for one epoch on
    /// 60,000 synthetic float32 examples and evaluating 10,000 more, against the data's bytes.
    private func memory() throws {
        let training = try mnistSizeData(Float.self)
        let test = try mnistSizeData(Float.self, examples: 10_000, seed: 4)
        let dataBytes = (training.X.count + training.Y.count + test.X.count + test.Y.count) * MemoryLayout<Float>.size
        var configuration = TrainingConfiguration()
        configuration.batchSize = 128
        configuration.epochs = 1
        configuration.optimizer = .adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        configuration.learningRate = 0.001
        let network = try Network<Float>(sizes: [784, 256, 128, 10], hidden: .relu, output: .softmax, seed: 1)
        var trainer = try Trainer(network: network, configuration: configuration)
        _ = try trainer.fit(training: training, validation: test)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kibibytes = Double(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else {
            throw BackpropError.invalidArgument("bench memory reads /proc/self/status (Linux only)")
        }
        let peak = kibibytes * 1024
        print(String(format: "RESULT name=memory peak_mib=%.1f data_mib=%.1f overhead_mib=%.1f",
                     peak / 1_048_576, Double(dataBytes) / 1_048_576, (peak - Double(dataBytes)) / 1_048_576))
    }

    /// One data-parallel epoch of the MNIST-size MLP (global batch 128, float32, 19,200
    /// synthetic examples: 150 steps) per repetition, after a warm-up epoch, with the layer
    /// buckets sent during the backward pass and then without. Per step: the wall time, the
    /// time blocked in MPI (exposed communication), compute (the difference), and the cost of
    /// the step's allreduce alone (the slab and the totals, blocking, timed on its own).
    private func distributedStep() throws {
        guard let reducer = DistributedJob.reducer else { return }
        let data = try mnistSizeData(Float.self, examples: 19_200)
        let network = try Network<Float>(sizes: [784, 256, 128, 10], hidden: .relu, output: .softmax, seed: 1)
        var configuration = TrainingConfiguration()
        configuration.batchSize = 128
        configuration.optimizer = .gradientDescent
        configuration.learningRate = 0.1
        let steps = Double((data.count + 127) / 128)
        configuration.epochs = 1 + Swift.max(repeats, 1)
        func measure(overlap: Bool) throws -> (step: Double, exposed: Double) {
            var trainer = try Trainer(network: network, configuration: configuration)
            trainer.reducer = reducer
            trainer.overlapsCommunication = overlap
            var results: [(step: Double, exposed: Double)] = []
            reducer.waitingSeconds = 0
            _ = try trainer.fit(training: data, onEpoch: { state in
                results.append((state.history.last!.seconds / steps, reducer.waitingSeconds / steps))
                reducer.waitingSeconds = 0
            })
            let sorted = results.dropFirst().sorted { $0.step < $1.step }  // the first epoch warms up
            return sorted[sorted.count / 2]
        }
        let overlapped = try measure(overlap: true)
        let blocking = try measure(overlap: false)
        // The allreduce alone: the gradient slab (float32) and the three totals, 200 times.
        var gradients = Gradients(zerosLike: network.parameters)
        var totals = StepTotals(summedLoss: 1, correct: 1, examples: 1)
        let alone = try median {
            for _ in 0..<200 {
                totals = StepTotals(summedLoss: 1, correct: 1, examples: 1)
                try reducer.allReduce(&gradients, totals: &totals)
            }
        }.median / 200
        let bytes = network.parameters.slab.count * MemoryLayout<Float>.size
        print(String(format: "RESULT name=mpi ranks=%d threads_per_rank=%d slab_bytes=%d step_ms=%.3f compute_ms=%.3f comm_ms=%.3f exposed_ms=%.3f blocking_step_ms=%.3f blocking_exposed_ms=%.3f",
                     reducer.participants, LinearAlgebra.threadCount, bytes, overlapped.step * 1e3, (overlapped.step - overlapped.exposed) * 1e3,
                     alone * 1e3, overlapped.exposed * 1e3, blocking.step * 1e3, blocking.exposed * 1e3))
    }
}
