import ArgumentParser
import Backprop

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Write out every forward and backward equation of a network, with shapes.",
        discussion: """
            For exactly the architecture given: the forward equations with the shape of each \
            quantity, the cost, the chain-rule steps that turn ∂L/∂A · ∂A/∂Z into A − Y, and \
            every backward equation in maths and NumPy form, under the 1/m convention asked \
            for: 'deferred' (the course's code: dZ[L] = A − Y, 1/m in each dW, db), 'absorbed' \
            (PyTorch's reduction='mean': dZ[L] = (A − Y)/m) or 'both' side by side.

            Nothing is computed: --l2 and --dropout only add where λ and the masks enter. \
            --initializer, --seed and --precision do not change the equations.

            Examples:
              backprop explain
              backprop explain --layers 2,4,1 --hidden tanh --output sigmoid \\
                --convention deferred
              backprop explain --layers 4,8,6,3 --hidden relu --output softmax \\
                --format markdown
              backprop explain --layers 3,5,2 --output identity --l2 --dropout \\
                --format latex
              backprop explain --batch-norm --convention both
              backprop explain --arch conv:16:3,relu,maxpool:2,dense:10 --image 1x28x28
              backprop explain --arch conv:4:3,relu,avgpool:2,dense:3 --image 1x8x8 \\
                --format latex
            """
    )

    enum ConventionChoice: String, ExpressibleByArgument, CaseIterable {
        case deferred, absorbed, both

        var conventions: [Convention] {
            switch self {
            case .deferred: [.deferred]
            case .absorbed: [.absorbed]
            case .both: Convention.allCases
            }
        }
    }

    @OptionGroup var architecture: ArchitectureOptions

    @Option(help: "Where 1/m goes: deferred (the course), absorbed (PyTorch's mean) or both side by side.")
    var convention: ConventionChoice = .both

    @Option(help: "Output: text (terminal, Unicode), markdown (GitHub) or latex (align* environments).")
    var format: ExplanationStyle = .text

    @Flag(help: "Include L2 regularisation: λ/(2m) Σ‖W‖² in the cost, (λ/m) W[l] in each dW[l].")
    var l2 = false

    @Flag(help: "Include inverted dropout on the hidden layers: A = A ⊙ D / p forward, dA = dA ⊙ D / p backward.")
    var dropout = false

    func validate() throws {
        if dropout, let sizes = try? architecture.sizes(), sizes.count < 3 {
            throw ValidationError("--dropout needs a hidden layer; --layers \(sizes.map(String.init).joined(separator: ",")) has none")
        }
    }

    func run() throws {
        if architecture.arch != nil {
            // Image layers: the convolution's own explanation, in the course's 4-D shapes.
            let network: Network<Double> = try architecture.makeNetwork(Double.self, budget: .standard)
            print(ConvolutionExplanation(layers: network.layers, loss: network.loss, conventions: convention.conventions).rendered(format), terminator: "")
            return
        }
        let sizes = try architecture.sizes()
        let (hidden, output) = try architecture.activations(outputs: sizes.last)
        let explanation: Explanation
        do {
            explanation = try Explanation(
                sizes: sizes, hidden: hidden, output: output, loss: architecture.resolvedLoss(outputs: sizes.last),
                conventions: convention.conventions, l2: l2, dropout: dropout, batchNorm: architecture.batchNorm)
        } catch let error as BackpropError {
            throw ValidationError("\(error)")
        }
        print(explanation.rendered(format), terminator: "")
    }
}

extension ExplanationStyle: ExpressibleByArgument {}
