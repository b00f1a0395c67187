import Backprop
import Foundation

/// The files a notebook writes, read with the notebook's habits in mind: a label vector saved
/// with shape `(m,)`, labels outside what the loss expects, a dictionary saved with `np.save`
/// or positionally with `np.savez(f, params)` (those two are named by the NPY and NPZ readers).
enum NotebookFiles {
    /// `Y` from `path` for a network with `outputs` output units: a `.npy` of shape
    /// `(outputs, m)`. A 1-D vector `(m,)` is refused with the shape expected.
    static func labels<S: BackpropScalar>(
        _ path: String, as _: S.Type, option: String, outputs: Int, examples: Int, budget: MemoryBudget
    ) throws -> Matrix<S> {
        if path.lowercased().hasSuffix(".npy"), FileManager.default.fileExists(atPath: path),
           let array = try? NPY.read(contentsOf: URL(fileURLWithPath: path)), array.shape.count == 1 {
            let n = array.shape[0]
            throw BackpropError.invalidArgument(
                "\(option) \(path): a label vector of shape (\(n),); expected (\(outputs), \(examples)), one column per example as in the course"
                    + (outputs == 1 ? " — save Y.reshape(1, -1)" : " (one-hot columns)"))
        }
        return try readMatrix(path, as: S.self, option: option, budget: budget)
    }

    /// Prints a warning when `Y` holds finite labels outside what `loss` expects: the analysis
    /// commands compute with them as given (training refuses them).
    static func warnAboutLabels<S>(_ Y: Matrix<S>, loss: Loss, option: String) {
        if let warning = loss.labelWarning(Y, source: option) {
            FileHandle.standardError.write(Data("Warning: \(warning)\n".utf8))
        }
    }

    /// The course's name of every ledger entry that a notebook's `grads` can hold (`dW1`,
    /// `db1`, `dZ1`, `dA0`, …), under `convention`.
    static func courseGradients(_ ledger: Ledger<Double>) -> [String: Matrix<Double>] {
        var result: [String: Matrix<Double>] = [:]
        for page in ledger.layers {
            for (name, matrix) in page.entries {
                let label = LedgerCommand.label(name, layer: page.layer, kind: page.kind)
                if ["dW", "db", "dZ", "dA"].contains(where: { label.hasPrefix($0) }) { result[label] = matrix }
            }
        }
        return result
    }
}
