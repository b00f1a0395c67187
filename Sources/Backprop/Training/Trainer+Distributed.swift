import Foundation

/// What a trainer does only when its ``Trainer/reducer`` has more than one participant (a
/// data-parallel run on MPI): make sure every rank starts from the same place, evaluate
/// validation data split across the ranks, and catch ranks whose parameters drift apart.
extension Trainer {
    /// Throws unless every rank has the same configuration, network (its parameters included)
    /// and data: ranks started with different options, seeds or files would each train
    /// something else while adding their gradients together.
    func checkRanksAgree(training: Dataset<Scalar>, validation: Dataset<Scalar>?) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let settings = Self.checksum(bytes: try encoder.encode(configuration))
        let model = Self.checksum(bytes: Array((network.layers.map { "\($0)" } + ["\(network.loss)"]).joined(separator: ";").utf8)) ^ Gradients.checksum(network.parameters.slab)
        var data = Self.checksum(bytes: Array("\(training.X.shape) \(training.Y.shape) \(validation.map { "\($0.X.shape) \($0.Y.shape)" } ?? "-")".utf8))
        data ^= Gradients.checksum(training.X.elements) &* 3 ^ Gradients.checksum(training.Y.elements) &* 5
        if let validation { data ^= Gradients.checksum(validation.X.elements) &* 7 ^ Gradients.checksum(validation.Y.elements) &* 11 }
        let all = try reducer.allGather([settings, model, data])
        let what = ["training options (epochs, batch size, optimizer, learning rate, seed …)",
                    "network or its initial parameters (architecture, --seed or --resume checkpoint)",
                    "data (file, splits or their order)"]
        for (r, values) in all.enumerated() where values != all[0] {
            let differing = values.indices.filter { values[$0] != all[0][$0] }.map { what[$0] }
            throw BackpropError.invalidArgument(
                "rank \(r) was started with different \(differing.joined(separator: " and ")) from rank 0; start every rank with the same command on the same data")
        }
    }

    /// Every how many epochs the ranks compare parameter checksums: each epoch when it has at
    /// least 100 optimizer steps, otherwise every ⌈100 / steps⌉ epochs, so the one extra
    /// collective costs at most a hundredth of the steps' own (and always after the last epoch).
    func agreementInterval(batchesPerEpoch: Int) -> Int {
        Swift.max(1, (100 + batchesPerEpoch - 1) / Swift.max(batchesPerEpoch, 1))
    }

    /// Throws when some rank's parameters are no longer bit for bit rank 0's.
    func checkParametersAgree(after epoch: Int) throws {
        let all = try reducer.allGather([Gradients.checksum(network.parameters.slab)])
        if let r = all.indices.first(where: { all[$0] != all[0] }) {
            throw BackpropError.invalidArgument(
                "after epoch \(epoch) the parameters of rank \(r) differ from rank 0's (checksum \(String(all[r][0], radix: 16)) against \(String(all[0][0], radix: 16))): the ranks have drifted apart; check that every rank runs the same build and BLAS")
        }
    }

    /// The validation cost and accuracy, each rank evaluating its contiguous share of the
    /// examples and the sums added across ranks.
    func evaluate(_ data: Dataset<Scalar>) throws -> (loss: Double, accuracy: Double) {
        guard reducer.participants > 1 else {
            let result = try network.evaluate(data, l2: configuration.l2)
            return (result.loss, result.accuracy)
        }
        let mine = reducer.share(reducer.rank, of: data.count)
        var sums = [0.0, 0.0]
        if !mine.isEmpty {
            let part = try Dataset(X: data.X.columns(mine), Y: data.Y.columns(mine), name: data.name)
            let result = try network.summedEvaluation(part)
            sums = [result.summedLoss, Double(result.correct)]
        }
        try reducer.allReduce(sums: &sums)
        let m = Double(data.count)
        return (sums[0] / m + network.l2Penalty(configuration.l2, examples: data.count), sums[1] / m)
    }

    /// FNV-1a over bytes.
    static func checksum(bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return hash
    }
}
