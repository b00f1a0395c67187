/// `explain` for networks of image layers: per layer, the forward and backward formulas in the
/// course's 4-D shapes (`A_prev (m, n_H_prev, n_W_prev, n_C_prev)`, `W (f, f, n_C_prev, n_C)`,
/// `b (1, 1, 1, n_C)`), in maths and NumPy, and where the cost's 1/m enters under each
/// convention: a convolution's `dW` and `db` sum over examples **and** output positions, but
/// only the example sum carries the 1/m.
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
        self.conventions = conventions
    }

    static func shape(_ image: ImageShape) -> String { "(m, \(image.height), \(image.width), \(image.channels))" }

    /// The explanation as plain text.
    public var text: String {
        var lines = ["Network: " + layers.map(\.description).joined(separator: " → ") + " + \(loss)",
                     "Shapes are the course's: images (m, n_H, n_W, n_C), one example per index i; dense (n_l, m), one example per column.",
                     "Backprop holds each image as a column in C·H·W order (PyTorch's NCHW per example) and converts at the edges.", ""]
        for (index, layer) in layers.enumerated() {
            lines += explain(layer, l: index + 1, last: index == layers.count - 1)
            lines.append("")
        }
        lines.append("Where the 1/m enters (m examples in the batch):")
        for convention in conventions {
            switch convention {
            case .deferred:
                lines.append("  deferred (the course's code): dZ[L] = A[L] − Y, per example; every dZ, dA below is m · ∂J/∂(·).")
                lines.append("    Each dW, db takes 1/m once, for the sum over the m examples: conv dW = (1/m) Σ_i Σ_(h,w) a_slice · dZ[i, h, w, c],")
                lines.append("    db = (1/m) Σ_i Σ_(h,w) dZ[i, h, w, c] — never 1/(m · n_H · n_W): the positions share one filter, they are not examples.")
            case .absorbed:
                lines.append("  absorbed (PyTorch's reduction='mean'): dZ[L] = (A[L] − Y) / m, so every dZ, dA below already carries 1/m;")
                lines.append("    conv dW = Σ_i Σ_(h,w) a_slice · dZ[i, h, w, c] and db = Σ_i Σ_(h,w) dZ[i, h, w, c] take no other factor.")
            }
        }
        lines.append("  dW and db are the same under both; pooling and flatten have no parameters and no 1/m of their own.")
        return lines.joined(separator: "\n") + "\n"
    }

    private func explain(_ layer: any Layer, l: Int, last: Bool) -> [String] {
        if let conv = layer as? Conv2d { return explain(conv, l: l, last: last) }
        if let pool = layer as? Pooling { return explain(pool, l: l) }
        if let flatten = layer as? Flatten {
            return ["Layer \(l): flatten \(Self.shape(flatten.inputImage)) → (\(flatten.outputSize), m)",
                    "  forward:  A[\(l)] = A[\(l - 1)].transpose(0, 3, 1, 2).reshape(m, −1).T   — (c, h, w) order, as nn.Flatten on NCHW",
                    "  backward: dA[\(l - 1)] = dA[\(l)].T.reshape(m, \(flatten.inputImage.channels), \(flatten.inputImage.height), \(flatten.inputImage.width)).transpose(0, 2, 3, 1)"]
        }
        if let dense = layer as? Dense {
            let g = dense.g
            var lines = ["Layer \(l): dense W[\(l)] (\(dense.outputSize), \(dense.inputSize)), b[\(l)] (\(dense.outputSize), 1); Z[\(l)], A[\(l)] (\(dense.outputSize), m)",
                         "  forward:  Z[\(l)] = W[\(l)] A[\(l - 1)] + b[\(l)]        Z = np.dot(W, A_prev) + b",
                         "            A[\(l)] = \(g)(Z[\(l)])"]
            lines.append(last ? "  backward: dZ[\(l)] from the loss (\(loss)): A[\(l)] − Y (deferred) or (A[\(l)] − Y)/m (absorbed)"
                              : "  backward: dZ[\(l)] = dA[\(l)] ⊙ \(g)′(Z[\(l)])")
            lines += ["            dW[\(l)] = (1/m) dZ[\(l)] A[\(l - 1)]ᵀ (deferred) or dZ[\(l)] A[\(l - 1)]ᵀ (absorbed)   dW = np.dot(dZ, A_prev.T)",
                      "            db[\(l)] = (1/m) Σ_columns dZ[\(l)] (deferred) or Σ_columns dZ[\(l)] (absorbed)      db = np.sum(dZ, axis=1, keepdims=True)",
                      "            dA[\(l - 1)] = W[\(l)]ᵀ dZ[\(l)]                                            dA_prev = np.dot(W.T, dZ)"]
            return lines
        }
        return ["Layer \(l): \(layer) (see its kind's documentation)"]
    }

    private func explain(_ conv: Conv2d, l: Int, last: Bool) -> [String] {
        let (input, output, f, s) = (conv.inputImage, conv.outputShape, conv.kernel, conv.stride)
        let (before, after) = conv.padding.amounts(kernel: f)
        let pad = before == after ? "pad = \(before)" : "pad = \(before) before, \(after) after"
        let g = conv.g
        var lines = [
            "Layer \(l): convolution, n_C = \(conv.outputChannels) filters of f × f = \(f) × \(f) over n_C_prev = \(input.channels), stride \(s), padding \(conv.padding) (\(pad))",
            "  A[\(l - 1)] \(Self.shape(input))   W[\(l)] (\(f), \(f), \(input.channels), \(conv.outputChannels))   b[\(l)] (1, 1, 1, \(conv.outputChannels))   Z[\(l)], A[\(l)] \(Self.shape(output))",
            "  n_H = ⌊(n_H_prev + 2·pad − f)/stride⌋ + 1 = ⌊(\(input.height) + \(before + after) − \(f))/\(s)⌋ + 1 = \(output.height);  n_W = ⌊(\(input.width) + \(before + after) − \(f))/\(s)⌋ + 1 = \(output.width)",
            "  forward:",
            "    A_prev_pad = zero_pad(A[\(l - 1)], pad)",
            "    Z[\(l)][i, h, w, c] = Σ_(di, dj, k) A_prev_pad[i, h·\(s) + di, w·\(s) + dj, k] · W[\(l)][di, dj, k, c] + b[\(l)][c]",
            "        Z[i, h, w, c] = conv_single_step(A_prev_pad[i, vs:vs+f, hs:hs+f, :], W[:, :, :, c], b[:, :, :, c])   (vs = h·stride, hs = w·stride)",
            "    A[\(l)] = \(g)(Z[\(l)])",
            "  backward:",
        ]
        lines.append(last ? "    dZ[\(l)] from the loss (\(loss))" : "    dZ[\(l)] = dA[\(l)] ⊙ \(g)′(Z[\(l)])")
        lines += [
            "    dA_prev: scatter W · dZ over each window —  dA_prev_pad[i, vs:vs+f, hs:hs+f, :] += W[:, :, :, c] * dZ[i, h, w, c]",
            "        for every i, h, w, c; then dA[\(l - 1)] = dA_prev_pad[:, pad:pad+n_H_prev, pad:pad+n_W_prev, :] (the padding's share is dropped)",
            "    dW[\(l)][:, :, :, c] = Σ_i Σ_(h,w) A_prev_pad[i, vs:vs+f, hs:hs+f, :] · dZ[i, h, w, c]   — summed over examples and positions",
            "        dW[:, :, :, c] += a_slice * dZ[i, h, w, c]",
            "    db[\(l)][c] = Σ_(i, h, w) dZ[i, h, w, c]   — summed over everything but the channels     db = np.sum(dZ, axis=(0, 1, 2), keepdims=True)",
            "    (the course's conv_backward returns these sums; the 1/m is the convention's, below)",
        ]
        return lines
    }

    private func explain(_ pool: Pooling, l: Int) -> [String] {
        let (input, output, f, s) = (pool.inputImage, pool.outputShape, pool.window, pool.stride)
        let name = pool.mode == .max ? "max" : "average"
        var lines = [
            "Layer \(l): \(name) pooling, f × f = \(f) × \(f), stride \(s), no parameters",
            "  A[\(l - 1)] \(Self.shape(input)) → A[\(l)] \(Self.shape(output));  n_H = ⌊(\(input.height) − \(f))/\(s)⌋ + 1 = \(output.height), n_W = ⌊(\(input.width) − \(f))/\(s)⌋ + 1 = \(output.width)",
        ]
        if pool.mode == .max {
            lines += [
                "  forward:  A[\(l)][i, h, w, c] = max A[\(l - 1)][i, vs:vs+f, hs:hs+f, c]      (Backprop keeps argmax: where the maximum was)",
                "  backward: mask = create_mask_from_window(a_prev_slice)   (x == np.max(x); Backprop, like PyTorch, routes to the first maximum of a tie)",
                "            dA[\(l - 1)][i, vs:vs+f, hs:hs+f, c] += mask * dA[\(l)][i, h, w, c]   — each dA goes to its window's maximum only",
            ]
        } else {
            lines += [
                "  forward:  A[\(l)][i, h, w, c] = mean A[\(l - 1)][i, vs:vs+f, hs:hs+f, c]",
                "  backward: dA[\(l - 1)][i, vs:vs+f, hs:hs+f, c] += distribute_value(dA[\(l)][i, h, w, c], (f, f))   — dA/(f·f) = dA/\(f * f) to every entry",
            ]
        }
        if s < f { lines.append("            windows overlap (stride < f): the shares add") }
        lines.append("  1/m: none of its own; dA[\(l - 1)] carries whatever dA[\(l)] carries")
        return lines
    }
}
