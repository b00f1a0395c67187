/// A layer whose examples are images: it reads its input as `C × H × W` (``ImageShape``) and,
/// unless it flattens them, gives images too. A network checks that each image layer gets the
/// images it expects and that no dense layer gets images without a ``Flatten`` first (PyTorch's
/// `nn.Linear` refuses an NCHW batch just so).
public protocol ImageLayer: Layer {
    /// The image one example is on the way in.
    var inputImage: ImageShape { get }
    /// The image one example is on the way out; `nil` for a layer that gives vectors (``Flatten``).
    var outputImage: ImageShape? { get }
}

enum ImageLayers {
    /// Throws a one-line error when a layer gets images it does not expect, or vectors where
    /// it needs images.
    static func validate(_ layers: [any Layer]) throws {
        for l in layers.indices {
            let layer = layers[l]
            let previous: (any Layer)? = l == 0 ? nil : layers[l - 1]
            let incoming: ImageShape? = (previous as? any ImageLayer)?.outputImage
            if let image = layer as? any ImageLayer {
                guard let previous else { continue }
                guard let incoming else {
                    throw BackpropError.invalidArgument(
                        "layer \(l + 1) (\(layer)) takes images \(image.inputImage), but layer \(l) (\(previous)) gives vectors of \(previous.outputSize) features")
                }
                guard incoming == image.inputImage else {
                    throw BackpropError.invalidArgument(
                        "layer \(l + 1) (\(layer)) takes images \(image.inputImage), but layer \(l) (\(previous)) gives \(incoming)")
                }
            } else if let incoming, let previous {
                throw BackpropError.invalidArgument(
                    "layer \(l + 1) (\(layer)) takes vectors, but layer \(l) (\(previous)) gives images \(incoming); put a flatten between them")
            }
        }
    }
}

extension LayerLedger {
    /// The entry called `name` in the course's convolution layout, for a page of an image layer:
    /// activations and their gradients as `(m, n_H, n_W, n_C)`, a convolution's `dW` as
    /// `(f, f, n_C_prev, n_C)` and `db` as `(1, 1, 1, n_C)`; a max pool's `mask` as its input
    /// `(m, n_H_prev, n_W_prev, n_C)` and its `argmax` as each winner's place in its window,
    /// `di·f + dj`, per output `(m, n_H, n_W, n_C)`. `nil` for an entry that is not an image
    /// tensor (a dense page, a flatten's output).
    public func courseArray(_ name: String) -> NDArray<Scalar>? {
        guard let image = kind as? any ImageLayer, let value = self[name] else { return nil }
        if let conv = kind as? Conv2d, parameterGradientNames.contains(name) {
            return name.hasPrefix("dW") ? NDArray(convolutionWeight: value, kernel: conv.kernel)
                : NDArray(shape: [1, 1, 1, conv.outputChannels], elements: Array(value.elements))
        }
        if name == "dA_prev" || name == "mask" { return NDArray(nchwColumns: value, image: image.inputImage) }
        if let pool = kind as? Pooling, name == "argmax" {
            return NDArray(nchwColumns: pool.windowOffsets(value), image: pool.outputShape)
        }
        guard let output = image.outputImage, value.rows == output.featureCount else { return nil }
        return NDArray(nchwColumns: value, image: output)
    }
}
