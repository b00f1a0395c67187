import ArgumentParser
import Backprop
import Foundation

struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Show the backprop ledger under both 1/m conventions, side by side.",
        discussion: """
            Answers "where does the 1/m go?" by running the code: under 'deferred' (the course) \
            dZ[L] = A - Y and each dW, db takes 1/m; under 'absorbed' (PyTorch's mean) \
            dZ[L] = (A - Y)/m and no dW, db takes another. dZ and dA differ by exactly m; dW and \
            db agree (bit for bit when m is a power of two, to rounding otherwise).

            Examples:
              backprop ledger
              backprop ledger --examples 32
              backprop ledger --layers 2,3,1 --examples 3 --values
              backprop ledger --layers 4,5,3 --hidden relu --output softmax --precision float
            """
    )

    @OptionGroup var architecture: ArchitectureOptions
    @OptionGroup var builtIn: BuiltInDataOptions

    @Flag(help: "Also print every matrix of both ledgers (for small networks).")
    var values = false

    func run() throws {
        _ = try requireBackend()
        switch architecture.precision {
        case .float: try show(Float.self)
        case .double: try show(Double.self)
        }
    }

    private func show<S: BackpropScalar>(_: S.Type) throws {
        let network: Network<S> = try architecture.makeNetwork(S.self)
        let data = try builtIn.dataset(for: network, seed: architecture.seed)
        let deferred = try network.gradients(data.X, data.Y, convention: .deferred)
        let absorbed = try network.gradients(data.X, data.Y, convention: .absorbed)
        let m = data.count
        print("Where does 1/m go? \(network.summary), \(S.dtypeName), m = \(m)")
        print("cost J = \(deferred.cost) (deferred), \(absorbed.cost) (absorbed)\n")
        var table = TextTable(columns: ["quantity", "shape", "‖deferred‖", "‖absorbed‖", "deferred / absorbed", "max |deferred − absorbed| / max |absorbed|"])
        for l in stride(from: network.depth, through: 1, by: -1) {
            let d = deferred[layer: l], a = absorbed[layer: l]
            let rows: [(String, Matrix<S>, Matrix<S>, Bool)] = [
                ("dZ\(l)", d.dZ, a.dZ, false), ("dA\(l - 1)", d.dAPrevious, a.dAPrevious, false),
                ("dW\(l)", d.dW, a.dW, true), ("db\(l)", d.db, a.db, true),
            ]
            for (name, x, y, isParameter) in rows {
                let ratio = x.norm() / y.norm()
                let ratioText = abs(ratio - Double(m)) <= 1e-6 * Double(m) ? "\(m) (= m)" : String(format: "%.12g", ratio)
                let difference = isParameter
                    ? format(Double((x - y).maxAbs()) / Swift.max(Double(y.maxAbs()), .leastNormalMagnitude)) : ""
                table.add([name, x.shape.description, format(x.norm()), format(y.norm()), ratioText, difference])
            }
        }
        print(table.render())
        print("""

            dZ and dA carry a factor m under 'deferred' (per-example derivatives) and none under \
            'absorbed' (true ∂J/∂Z); dW and db agree. Putting 1/m in both places (or neither) is \
            the classic bug: `backprop gradcheck` catches it.
            """)
        if values {
            for (label, ledger) in [("deferred", deferred), ("absorbed", absorbed)] {
                print("\n== \(label) ==")
                for page in ledger.layers {
                    for (name, matrix) in [("Z\(page.layer)", page.Z), ("A\(page.layer)", page.A), ("dZ\(page.layer)", page.dZ),
                                           ("dA\(page.layer - 1)", page.dAPrevious), ("dW\(page.layer)", page.dW), ("db\(page.layer)", page.db)] {
                        print("\(name) \(matrix.shape) =\n\(matrix)")
                    }
                }
            }
        }
    }
}
