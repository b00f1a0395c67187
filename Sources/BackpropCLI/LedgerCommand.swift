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
              backprop ledger --layers 4,5,3 --hidden relu --output softmax \\
                --precision float
            """
    )

    @OptionGroup var architecture: ArchitectureOptions
    @OptionGroup var builtIn: BuiltInDataOptions
    @OptionGroup(title: "Memory") var memory: MemoryOptions

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
        let budget = try memory.budget()
        let network: Network<S> = try architecture.makeNetwork(S.self, budget: budget)
        let data = try builtIn.dataset(for: network, seed: architecture.seed, budget: budget)
        let deferred = try network.gradients(data.X, data.Y, convention: .deferred)
        let absorbed = try network.gradients(data.X, data.Y, convention: .absorbed)
        let m = data.count
        print("Where does 1/m go? \(network.summary), \(S.dtypeName), m = \(m)")
        print("cost J = \(deferred.cost) (deferred), \(absorbed.cost) (absorbed)\n")
        var table = TextTable(columns: ["quantity", "shape", "‖deferred‖", "‖absorbed‖", "deferred / absorbed", "max |deferred − absorbed| / max |absorbed|"])
        for l in stride(from: network.depth, through: 1, by: -1) {
            let d = deferred[layer: l], a = absorbed[layer: l]
            let parameters = Set(d.parameterGradientNames)
            for (name, x) in d.entries where Self.isGradient(name) {
                // Batch norm hands its dZ to a linear layer, whose page shows it as its dZ.
                if name == "dA_prev" && d.kind is BatchNorm && l > 1 { continue }
                guard let y = a[name] else { continue }
                let isParameter = parameters.contains(name)
                let ratio = x.norm() / y.norm()
                let ratioText = abs(ratio - Double(m)) <= 1e-6 * Double(m) ? "\(m) (= m)" : String(format: "%.12g", ratio)
                let difference = isParameter
                    ? format(Double((x - y).maxAbs()) / Swift.max(Double(y.maxAbs()), .leastNormalMagnitude)) : ""
                let shape = d.courseArray(name)?.shapeDescription ?? x.shape.description
                table.add([Self.label(name, layer: l, kind: d.kind), shape, format(x.norm()), format(y.norm()), ratioText, difference])
            }
        }
        if network.layers.contains(where: { $0.mixesExamples || $0 is any ImageLayer }) {
            print("forward (the same under both conventions):")
            for page in deferred.layers {
                let shapes = (page.forwardNames + page.derivedNames.filter { !Self.isGradient($0) }).compactMap { name in
                    page[name].map { "\(Self.label(name, layer: page.layer, kind: page.kind)) \(page.courseArray(name)?.shapeDescription ?? $0.shape.description)" }
                }
                print("  layer \(page.layer) (\(page.kind)): " + shapes.joined(separator: ", "))
            }
            print("")
        }
        print(table.render())
        print("""

            dZ and dA carry a factor m under 'deferred' (per-example derivatives) and none under \
            'absorbed' (true ∂J/∂Z); dW and db agree. Putting 1/m in both places (or neither) is \
            the classic bug: `backprop gradcheck` catches it.
            """)
        if network.layers.contains(where: { $0 is BatchNorm }) {
            print("""

                Batch norm: its dZ (the dZ handed to the dense layer below, dA_prev on its page) \
                carries the layer's own 1/m from μ and σ² under both conventions, in \
                dZ = (1/(m √(σ²+ε))) (m dẐ − Σ dẐ − Ẑ ⊙ Σ dẐ ⊙ Ẑ); under 'absorbed' dZ̃ also carries \
                the loss's 1/m. dγ = Σ dZ̃ ⊙ Ẑ and dβ = Σ dZ̃ agree either way. `backprop explain \
                --batch-norm` derives it term by term.
                """)
        }
        if network.layers.contains(where: { $0 is any ImageLayer }) {
            print("""

                Images are shown in the course's layout (m, n_H, n_W, n_C), a convolution's dW as \
                (f, f, n_C_prev, n_C) and db as (1, 1, 1, n_C). A convolution's dW and db sum over \
                the examples and over every output position, but only the example sum carries the \
                cost's 1/m: under 'deferred' dW = (1/m) Σ_i Σ_(h,w) a_slice · dZ[i, h, w, c], under \
                'absorbed' dZ already holds the 1/m and dW = Σ_i Σ_(h,w) a_slice · dZ[i, h, w, c]. \
                Max pooling keeps argmax (shown as the winner's place in its window, di·f + dj) and \
                hands each dA to it: its page's mask is create_mask_from_window for every window at \
                once, 1 at each winner of A_prev (m, n_H_prev, n_W_prev, n_C), 0 elsewhere. Average \
                pooling's spread is distribute_value's share dA/(f·f) for each output; neither has a \
                1/m of its own.
                """)
        }
        if values {
            for (label, ledger) in [("deferred", deferred), ("absorbed", absorbed)] {
                print("\n== \(label) ==")
                for page in ledger.layers {
                    for (name, matrix) in page.entries {
                        let label = Self.label(name, layer: page.layer, kind: page.kind)
                        if let course = page.courseArray(name) {
                            print(Self.render(course, label: label))
                        } else {
                            print("\(label) \(matrix.shape) =\n\(matrix)")
                        }
                    }
                }
            }
        }
    }
}

extension LedgerCommand {
    /// Whether a page entry is a gradient, shown under both conventions (`dZ`, `dW`, …, and an
    /// average pool's spread `dA/(f·f)`); the rest are the forward pass's, the same under both.
    static func isGradient(_ name: String) -> Bool { name.hasPrefix("d") || name == "spread" }

    /// A 4-D entry in the course's layout, one `n_H × n_W` grid per example `i` and channel `c`
    /// (`mask2[0, :, :, 1]`); a weight `(f, f, n_C_prev, n_C)` has a grid per `[:, :, k, c]`.
    static func render<S: BackpropScalar>(_ array: NDArray<S>, label: String) -> String {
        guard array.shape.count == 4 else { return "\(label) \(array.shapeDescription) = \(array.elements)" }
        let (d0, d1, d2, d3) = (array.shape[0], array.shape[1], array.shape[2], array.shape[3])
        let text = (0..<array.count).map { k -> String in
            let x = Double(array.elements[k])
            return x == x.rounded() && abs(x) < 1e6 ? String(Int(x)) : String(format: "%.4g", x)
        }
        let width = text.map(\.count).max() ?? 1
        let weight = label.hasPrefix("dW") || label.hasPrefix("W")
        var lines = ["\(label) \(array.shapeDescription) ="]
        for i in 0..<(weight ? d2 : d0) {
            for c in 0..<d3 {
                lines.append(weight ? "  [:, :, \(i), \(c)]" : "  [\(i), :, :, \(c)]")
                for h in 0..<(weight ? d0 : d1) {
                    let row = (0..<(weight ? d1 : d2)).map { w in
                        let k = weight ? ((h * d1 + w) * d2 + i) * d3 + c : ((i * d1 + h) * d2 + w) * d3 + c
                        return String(repeating: " ", count: width - text[k].count) + text[k]
                    }
                    lines.append("    " + row.joined(separator: " "))
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// A page entry's name with its layer: `dZ2`, `dγ2`; the gradient a layer hands down is
    /// `dA1` (`dZ1` when the layer below is linear, as before batch norm).
    static func label(_ name: String, layer l: Int, kind: any Layer) -> String {
        if name == "dA_prev" { return kind is BatchNorm ? "dZ\(l - 1)" : "dA\(l - 1)" }
        let plain = name.unicodeScalars.last.map { $0.isASCII && $0.properties.isAlphabetic } ?? false
        return plain ? name + "\(l)" : name + "[\(l)]"
    }
}
