/// `explain` for networks of image layers: per layer, the forward and backward formulas in the
/// course's 4-D shapes (`A_prev (m, n_H_prev, n_W_prev, n_C_prev)`, `W (f, f, n_C_prev, n_C)`,
/// `b (1, 1, 1, n_C)`), in maths and NumPy, and where the cost's 1/m enters under each
/// convention: a convolution's `dW` and `db` sum over examples **and** output positions, but
/// only the example sum carries the 1/m.
///
/// ``rendered(_:)`` writes it for a terminal, as GitHub markdown or as LaTeX, from the same
/// formulas (the internal `ConvolutionExplanationRenderer`).
public struct ConvolutionExplanation: Sendable {
    /// The layers explained.
    public let layers: [any Layer]
    /// The loss on the output.
    public let loss: Loss
    /// The conventions shown.
    public let conventions: [Convention]

    /// The explanation of `layers` under `conventions`.
    public init(layers: [any Layer], loss: Loss, conventions: [Convention] = Convention.allCases) {
        self.layers = layers
        self.loss = loss
        self.conventions = Convention.allCases.filter(conventions.contains)
    }

    /// The explanation as plain text.
    public var text: String { rendered(.text) }

    /// The explanation in one of the three styles.
    public func rendered(_ style: ExplanationStyle) -> String {
        ConvolutionExplanationRenderer(explanation: self, style: style).render()
    }

    // MARK: The model the renderer writes

    /// `conv 1×28×28→16×26×26 3×3 relu → … + ce`.
    var title: String { layers.map(\.description).joined(separator: " → ") + " + \(loss)" }

    /// What precedes the layers.
    var preamble: [String] {
        ["Shapes are the course's: images (m, n_H, n_W, n_C), one example per index i; dense (n_l, m), one example per column.",
         "Backprop holds each image as a column in C·H·W order (PyTorch's NCHW per example) and converts at the edges."]
    }

    /// One layer's part.
    var parts: [ConvolutionExplanationPart] {
        layers.enumerated().map { index, layer in part(layer, l: index + 1, last: index == layers.count - 1) }
    }

    /// The 1/m section: per convention its headline, and per parameter its gradient.
    var oneOverM: ConvolutionExplanationScaling {
        var rows: [ConvolutionExplanationScaling.Row] = [
            .init(symbol: "dZ[L]", latexSymbol: "dZ^{[L]}",
                  deferred: ("A[L] − Y", "A^{[L]} - Y"), absorbed: ("(A[L] − Y) / m", "\\tfrac{1}{m}(A^{[L]} - Y)"))
        ]
        for (index, layer) in layers.enumerated() {
            let l = index + 1
            if layer is Conv2d {
                let dWSum = "Σ_i Σ_(h,w) a_slice · dZ[\(l)][i, h, w, c]"
                let dWLatex = "\\sum_i \\sum_{h,w} a_{\\text{slice}} \\, dZ^{[\(l)]}_{i,h,w,c}"
                let dbSum = "Σ_i Σ_(h,w) dZ[\(l)][i, h, w, c]"
                let dbLatex = "\\sum_i \\sum_{h,w} dZ^{[\(l)]}_{i,h,w,c}"
                rows.append(.init(symbol: "dW[\(l)][:, :, :, c]", latexSymbol: "dW^{[\(l)]}_{:,:,:,c}",
                                  deferred: ("(1/m) " + dWSum, "\\tfrac{1}{m} " + dWLatex), absorbed: (dWSum, dWLatex)))
                rows.append(.init(symbol: "db[\(l)][c]", latexSymbol: "db^{[\(l)]}_{c}",
                                  deferred: ("(1/m) " + dbSum, "\\tfrac{1}{m} " + dbLatex), absorbed: (dbSum, dbLatex)))
            } else if layer is Dense {
                rows.append(.init(symbol: "dW[\(l)]", latexSymbol: "dW^{[\(l)]}",
                                  deferred: ("(1/m) dZ[\(l)] A[\(l - 1)]ᵀ", "\\tfrac{1}{m} dZ^{[\(l)]} A^{[\(l - 1)]\\top}"),
                                  absorbed: ("dZ[\(l)] A[\(l - 1)]ᵀ", "dZ^{[\(l)]} A^{[\(l - 1)]\\top}")))
                rows.append(.init(symbol: "db[\(l)]", latexSymbol: "db^{[\(l)]}",
                                  deferred: ("(1/m) Σ_columns dZ[\(l)]", "\\tfrac{1}{m} \\textstyle\\sum_{\\text{columns}} dZ^{[\(l)]}"),
                                  absorbed: ("Σ_columns dZ[\(l)]", "\\textstyle\\sum_{\\text{columns}} dZ^{[\(l)]}")))
            }
        }
        return ConvolutionExplanationScaling(
            headlines: [
                .deferred: "deferred (the course's code): dZ[L] = A[L] − Y, per example; every dZ, dA below is m · ∂J/∂(·). Each dW, db takes 1/m once, for the sum over the m examples — never 1/(m · n_H · n_W): the positions share one filter, they are not examples.",
                .absorbed: "absorbed (PyTorch's reduction='mean'): dZ[L] = (A[L] − Y) / m, so every dZ, dA below already carries 1/m; the conv dW = Σ_i Σ_(h,w) a_slice · dZ[i, h, w, c] and db take no other factor.",
            ],
            rows: rows,
            closing: "dW and db are the same under both; pooling and flatten have no parameters and no 1/m of their own.")
    }

    static func shape(_ image: ImageShape) -> String { "(m, \(image.height), \(image.width), \(image.channels))" }
    static func latexShape(_ image: ImageShape) -> String { "(m, \(image.height), \(image.width), \(image.channels))" }

    private func part(_ layer: any Layer, l: Int, last: Bool) -> ConvolutionExplanationPart {
        if let conv = layer as? Conv2d { return part(conv, l: l, last: last) }
        if let pool = layer as? Pooling { return part(pool, l: l) }
        if let flatten = layer as? Flatten {
            let image = flatten.inputImage
            return ConvolutionExplanationPart(
                title: "Layer \(l): flatten \(Self.shape(image)) → (\(flatten.outputSize), m)",
                facts: [.init("(c, h, w) order, as nn.Flatten on NCHW: feature (c·\(image.height) + h)·\(image.width) + w of example i")],
                forward: [.init("A[\(l)][(c·n_H + h)·n_W + w, i] = A[\(l - 1)][i, h, w, c]",
                                latex: "A^{[\(l)]}_{(c n_H + h) n_W + w,\\, i} &= A^{[\(l - 1)]}_{i,h,w,c}",
                                numpy: "A = A_prev.transpose(0, 3, 1, 2).reshape(m, -1).T")],
                backward: [.init("dA[\(l - 1)][i, h, w, c] = dA[\(l)][(c·n_H + h)·n_W + w, i]",
                                 latex: "dA^{[\(l - 1)]}_{i,h,w,c} &= dA^{[\(l)]}_{(c n_H + h) n_W + w,\\, i}",
                                 numpy: "dA_prev = dA.T.reshape(m, \(image.channels), \(image.height), \(image.width)).transpose(0, 2, 3, 1)")],
                closing: ["1/m: none of its own; dA[\(l - 1)] carries whatever dA[\(l)] carries"])
        }
        if let dense = layer as? Dense {
            let g = dense.g
            return ConvolutionExplanationPart(
                title: "Layer \(l): dense W[\(l)] (\(dense.outputSize), \(dense.inputSize)), b[\(l)] (\(dense.outputSize), 1); Z[\(l)], A[\(l)] (\(dense.outputSize), m)",
                facts: [],
                forward: [.init("Z[\(l)] = W[\(l)] A[\(l - 1)] + b[\(l)]", latex: "Z^{[\(l)]} &= W^{[\(l)]} A^{[\(l - 1)]} + b^{[\(l)]}", numpy: "Z = np.dot(W, A_prev) + b"),
                          .init("A[\(l)] = \(g)(Z[\(l)])", latex: "A^{[\(l)]} &= \\mathrm{\(Self.latexName(g))}(Z^{[\(l)]})")],
                backward: [last ? .init("dZ[\(l)] from the loss (\(loss)): A[\(l)] − Y, or (A[\(l)] − Y)/m absorbed",
                                        latex: "dZ^{[\(l)]} &= A^{[\(l)]} - Y \\quad\\text{(absorbed: } \\tfrac{1}{m}(A^{[\(l)]} - Y)\\text{)}", numpy: "dZ = AL - Y")
                                : .init("dZ[\(l)] = dA[\(l)] ⊙ \(g)′(Z[\(l)])", latex: "dZ^{[\(l)]} &= dA^{[\(l)]} \\odot \\mathrm{\(Self.latexName(g))}'(Z^{[\(l)]})"),
                           .init("dW[\(l)] = dZ[\(l)] A[\(l - 1)]ᵀ", latex: "dW^{[\(l)]} &= dZ^{[\(l)]} A^{[\(l - 1)]\\top}", numpy: "dW = np.dot(dZ, A_prev.T)", note: "times 1/m under deferred"),
                           .init("db[\(l)] = Σ_columns dZ[\(l)]", latex: "db^{[\(l)]} &= \\textstyle\\sum_{\\text{columns}} dZ^{[\(l)]}", numpy: "db = np.sum(dZ, axis=1, keepdims=True)", note: "times 1/m under deferred"),
                           .init("dA[\(l - 1)] = W[\(l)]ᵀ dZ[\(l)]", latex: "dA^{[\(l - 1)]} &= W^{[\(l)]\\top} dZ^{[\(l)]}", numpy: "dA_prev = np.dot(W.T, dZ)")],
                closing: [])
        }
        return ConvolutionExplanationPart(title: "Layer \(l): \(layer) (see its kind's documentation)", facts: [], forward: [], backward: [], closing: [])
    }

    private func part(_ conv: Conv2d, l: Int, last: Bool) -> ConvolutionExplanationPart {
        let (input, output, f, s) = (conv.inputImage, conv.outputShape, conv.kernel, conv.stride)
        let (before, after) = conv.padding.amounts(kernel: f)
        let pad = before == after ? "pad = \(before)" : "pad = \(before) before, \(after) after"
        let g = conv.g
        let sh = s == 1 ? "h" : "\(s)h", sw = s == 1 ? "w" : "\(s)w"
        let window = "A_{\\text{pad}}^{[\(l - 1)]}{}_{i,\\, \(sh) + d_i,\\, \(sw) + d_j,\\, k}"
        let dZ: ConvolutionExplanationStep = last
            ? .init("dZ[\(l)] from the loss (\(loss))", latex: "dZ^{[\(l)]} &= \\text{from the loss (\(loss))}")
            : .init("dZ[\(l)] = dA[\(l)] ⊙ \(g)′(Z[\(l)])", latex: "dZ^{[\(l)]} &= dA^{[\(l)]} \\odot \\mathrm{\(Self.latexName(g))}'(Z^{[\(l)]})",
                    numpy: "dZ = dA * \(g)_derivative(Z)")
        return ConvolutionExplanationPart(
            title: "Layer \(l): convolution, n_C = \(conv.outputChannels) filters of f × f = \(f) × \(f) over n_C_prev = \(input.channels), stride \(s), padding \(conv.padding) (\(pad))",
            facts: [
                .init("A[\(l - 1)] \(Self.shape(input))   W[\(l)] (\(f), \(f), \(input.channels), \(conv.outputChannels))   b[\(l)] (1, 1, 1, \(conv.outputChannels))   Z[\(l)], A[\(l)] \(Self.shape(output))",
                      latex: "A^{[\(l - 1)]} \\in \(Self.latexShape(input)),\\; W^{[\(l)]} \\in (\(f), \(f), \(input.channels), \(conv.outputChannels)),\\; b^{[\(l)]} \\in (1, 1, 1, \(conv.outputChannels)),\\; Z^{[\(l)]}, A^{[\(l)]} \\in \(Self.latexShape(output))"),
                .init("n_H = ⌊(n_H_prev + 2·pad − f)/stride⌋ + 1 = ⌊(\(input.height) + \(before + after) − \(f))/\(s)⌋ + 1 = \(output.height);  n_W = ⌊(\(input.width) + \(before + after) − \(f))/\(s)⌋ + 1 = \(output.width)",
                      latex: "n_H = \\left\\lfloor \\tfrac{n_{H,\\text{prev}} + 2p - f}{s} \\right\\rfloor + 1 = \\left\\lfloor \\tfrac{\(input.height) + \(before + after) - \(f)}{\(s)} \\right\\rfloor + 1 = \(output.height),\\quad n_W = \(output.width)"),
            ],
            forward: [
                .init("A_prev_pad = zero_pad(A[\(l - 1)], pad)", latex: "A_{\\text{pad}}^{[\(l - 1)]} &= \\operatorname{zero\\_pad}(A^{[\(l - 1)]}, \(before))",
                      numpy: "A_prev_pad = zero_pad(A_prev, pad)"),
                .init("Z[\(l)][i, h, w, c] = Σ_(di, dj, k) A_prev_pad[i, h·\(s) + di, w·\(s) + dj, k] · W[\(l)][di, dj, k, c] + b[\(l)][c]",
                      latex: "Z^{[\(l)]}_{i,h,w,c} &= \\sum_{d_i, d_j, k} \(window) \\, W^{[\(l)]}_{d_i,d_j,k,c} + b^{[\(l)]}_c",
                      numpy: "Z[i, h, w, c] = conv_single_step(A_prev_pad[i, vs:vs+f, hs:hs+f, :], W[:, :, :, c], b[:, :, :, c])",
                      note: "vs = h·stride, hs = w·stride"),
                .init("A[\(l)] = \(g)(Z[\(l)])", latex: "A^{[\(l)]} &= \\mathrm{\(Self.latexName(g))}(Z^{[\(l)]})"),
            ],
            backward: [
                dZ,
                .init("dA_prev_pad[i, vs:vs+f, hs:hs+f, :] += W[\(l)][:, :, :, c] · dZ[\(l)][i, h, w, c]",
                      latex: "dA_{\\text{pad}}^{[\(l - 1)]}{}_{i,\\, \(sh) + d_i,\\, \(sw) + d_j,\\, k} &\\mathrel{+}= W^{[\(l)]}_{d_i,d_j,k,c} \\, dZ^{[\(l)]}_{i,h,w,c}",
                      numpy: "da_prev_pad[vs:vs+f, hs:hs+f, :] += W[:, :, :, c] * dZ[i, h, w, c]",
                      note: "dA_prev: scatter W · dZ over each window, for every i, h, w, c"),
                .init("dA[\(l - 1)] = dA_prev_pad[:, pad:pad+n_H_prev, pad:pad+n_W_prev, :]",
                      latex: "dA^{[\(l - 1)]} &= dA_{\\text{pad}}^{[\(l - 1)]} \\text{ without its padding}",
                      numpy: before + after == 0 ? "dA_prev[i] = da_prev_pad" : "dA_prev[i] = da_prev_pad[\(before):-\(after), \(before):-\(after), :]",
                      note: "the padding's share is dropped"),
                .init("dW[\(l)][:, :, :, c] = Σ_i Σ_(h,w) A_prev_pad[i, vs:vs+f, hs:hs+f, :] · dZ[\(l)][i, h, w, c]",
                      latex: "dW^{[\(l)]}_{d_i,d_j,k,c} &= \\sum_i \\sum_{h,w} \(window) \\, dZ^{[\(l)]}_{i,h,w,c}",
                      numpy: "dW[:, :, :, c] += a_slice * dZ[i, h, w, c]",
                      note: "summed over examples and positions; only the example sum carries 1/m"),
                .init("db[\(l)][c] = Σ_(i, h, w) dZ[\(l)][i, h, w, c]",
                      latex: "db^{[\(l)]}_c &= \\sum_{i,h,w} dZ^{[\(l)]}_{i,h,w,c}",
                      numpy: "db = np.sum(dZ, axis=(0, 1, 2), keepdims=True)",
                      note: "summed over everything but the channels"),
            ],
            closing: ["the course's conv_backward returns these sums; the 1/m is the convention's (below): (1/m) on the example sum under deferred, in dZ under absorbed"])
    }

    private func part(_ pool: Pooling, l: Int) -> ConvolutionExplanationPart {
        let (input, output, f, s) = (pool.inputImage, pool.outputShape, pool.window, pool.stride)
        let sh = s == 1 ? "h" : "\(s)h", sw = s == 1 ? "w" : "\(s)w"
        let entry = "{}_{i,\\, \(sh) + d_i,\\, \(sw) + d_j,\\, c}"
        var facts: [ConvolutionExplanationFact] = [
            .init("A[\(l - 1)] \(Self.shape(input)) → A[\(l)] \(Self.shape(output));  n_H = ⌊(\(input.height) − \(f))/\(s)⌋ + 1 = \(output.height), n_W = ⌊(\(input.width) − \(f))/\(s)⌋ + 1 = \(output.width)",
                  latex: "A^{[\(l - 1)]} \\in \(Self.latexShape(input)) \\to A^{[\(l)]} \\in \(Self.latexShape(output)),\\quad n_H = \\left\\lfloor \\tfrac{\(input.height) - \(f)}{\(s)} \\right\\rfloor + 1 = \(output.height),\\; n_W = \(output.width)"),
        ]
        if s < f { facts.append(.init("windows overlap (stride < f): the shares add")) }
        let forward: [ConvolutionExplanationStep]
        let backward: [ConvolutionExplanationStep]
        if pool.mode == .max {
            forward = [.init("A[\(l)][i, h, w, c] = max A[\(l - 1)][i, vs:vs+f, hs:hs+f, c]",
                             latex: "A^{[\(l)]}_{i,h,w,c} &= \\max_{d_i, d_j < \(f)} A^{[\(l - 1)]}\(entry)",
                             numpy: "A[i, h, w, c] = np.max(a_prev_slice)",
                             note: "Backprop keeps argmax: where the maximum was")]
            backward = [.init("mask = create_mask_from_window(a_prev_slice)",
                              latex: "M^{[\(l)]}_{i,h,w,c}(d_i, d_j) &= \\bigl[A^{[\(l - 1)]}\(entry) = A^{[\(l)]}_{i,h,w,c}\\bigr]",
                              numpy: "mask = create_mask_from_window(a_prev_slice)",
                              note: "x == np.max(x); Backprop, like PyTorch, routes to the first maximum of a tie; the ledger's mask\(l) (m, \(input.height), \(input.width), \(input.channels)) shows every window's"),
                        .init("dA[\(l - 1)][i, vs:vs+f, hs:hs+f, c] += mask * dA[\(l)][i, h, w, c]",
                              latex: "dA^{[\(l - 1)]}\(entry) &\\mathrel{+}= M^{[\(l)]}_{i,h,w,c}(d_i, d_j) \\, dA^{[\(l)]}_{i,h,w,c}",
                              numpy: "dA_prev[i, vs:vs+f, hs:hs+f, c] += mask * dA[i, h, w, c]",
                              note: "each dA goes to its window's maximum only")]
        } else {
            forward = [.init("A[\(l)][i, h, w, c] = mean A[\(l - 1)][i, vs:vs+f, hs:hs+f, c]",
                             latex: "A^{[\(l)]}_{i,h,w,c} &= \\tfrac{1}{\(f * f)} \\sum_{d_i, d_j < \(f)} A^{[\(l - 1)]}\(entry)",
                             numpy: "A[i, h, w, c] = np.mean(a_prev_slice)")]
            backward = [.init("dA[\(l - 1)][i, vs:vs+f, hs:hs+f, c] += distribute_value(dA[\(l)][i, h, w, c], (f, f))",
                              latex: "dA^{[\(l - 1)]}\(entry) &\\mathrel{+}= \\tfrac{1}{\(f) \\cdot \(f)} \\, dA^{[\(l)]}_{i,h,w,c}",
                              numpy: "dA_prev[i, vs:vs+f, hs:hs+f, c] += distribute_value(dA[i, h, w, c], (f, f))",
                              note: "dA/(f·f) = dA/\(f * f) to every entry; the ledger's spread\(l) is that share per output")]
        }
        return ConvolutionExplanationPart(
            title: "Layer \(l): \(pool.mode == .max ? "max" : "average") pooling, f × f = \(f) × \(f), stride \(s), no parameters",
            facts: facts, forward: forward, backward: backward,
            closing: ["1/m: none of its own; dA[\(l - 1)] carries whatever dA[\(l)] carries"])
    }

    /// An activation's name as LaTeX text (`leaky\_relu`).
    static func latexName(_ g: Activation) -> String { g.description.replacingOccurrences(of: "_", with: "\\_") }
}

/// One layer's part of a ``ConvolutionExplanation``.
struct ConvolutionExplanationPart: Sendable {
    var title: String
    /// Shapes and sizes.
    var facts: [ConvolutionExplanationFact]
    var forward: [ConvolutionExplanationStep]
    var backward: [ConvolutionExplanationStep]
    /// Lines after the formulas (where the 1/m is).
    var closing: [String]
}

/// A line of prose or shapes, with its LaTeX form when it has maths.
struct ConvolutionExplanationFact: Sendable {
    var text: String
    var latex: String?

    init(_ text: String, latex: String? = nil) {
        self.text = text
        self.latex = latex
    }
}

/// One formula: its maths in Unicode, in LaTeX (an `align*` row, `&=` at the equals sign), the
/// course's NumPy for it, and a note.
struct ConvolutionExplanationStep: Sendable {
    var maths: String
    var latex: String
    var numpy: String?
    var note: String?

    init(_ maths: String, latex: String, numpy: String? = nil, note: String? = nil) {
        self.maths = maths
        self.latex = latex
        self.numpy = numpy
        self.note = note
    }
}

/// Where the 1/m enters: each convention's headline and every parameter gradient under each.
struct ConvolutionExplanationScaling: Sendable {
    struct Row: Sendable {
        var symbol: String
        var latexSymbol: String
        var deferred: (text: String, latex: String)
        var absorbed: (text: String, latex: String)

        func form(_ convention: Convention) -> (text: String, latex: String) {
            convention == .deferred ? deferred : absorbed
        }
    }

    var headlines: [Convention: String]
    var rows: [Row]
    var closing: String
}
