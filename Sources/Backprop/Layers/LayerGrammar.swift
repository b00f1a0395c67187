import Foundation

/// Layer stacks from one line of text, as `backprop train --arch` takes them:
/// `conv:16:3,relu,maxpool:2,conv:32:3,relu,maxpool:2,dense:10`.
///
/// Items, separated by commas:
/// - `conv:N:F[:S[:P]]` — N filters of F×F, stride S (default 1), padding P: `valid` (the
///   default), `same` or a whole number;
/// - `maxpool:F[:S]`, `avgpool:F[:S]` — F×F windows, stride S (default F);
/// - `flatten` — images to vectors (put in by itself before the first `dense` after images);
/// - `dense:N` — N units;
/// - an activation (`relu`, `tanh`, `sigmoid`, `leaky_relu[:slope]`, `identity`, `softmax`) —
///   applied to the convolution or dense layer just before it, as PyTorch's module after it.
///
/// The last dense layer takes `output` when no activation follows it. Each item's sizes follow
/// from the one before, starting from the data's image (or its feature vectors).
public enum LayerGrammar {
    /// The layers `text` describes on inputs of `image` (or `features`-long vectors when `nil`).
    /// - Throws: one line naming the item (`--arch item 3 'maxpool:9'`) and the shapes when an
    ///   item is malformed or does not fit what comes into it; nothing is allocated.
    public static func layers(
        _ text: String, image: ImageShape?, features: Int, output: Activation, source: String = "--arch"
    ) throws -> [any Layer] {
        enum Flow { case image(ImageShape), vector(Int) }
        var flow: Flow = image.map(Flow.image) ?? .vector(features)
        var layers: [any Layer] = []
        var activated: [Bool] = []
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BackpropError.invalidArgument("\(source) is empty; give layers such as conv:16:3,relu,maxpool:2,dense:10")
        }
        for (index, item) in items.enumerated() {
            let name = "\(source) item \(index + 1) '\(BackpropError.excerpt(item))'"
            func fail(_ reason: String) -> BackpropError { .invalidArgument("\(name): \(reason)") }
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            func number(_ at: Int, _ what: String) throws -> Int {
                guard let value = Int(parts[at]), value > 0, value <= 1 << 24 else {
                    throw fail("\(what) '\(BackpropError.excerpt(parts[at]))' must be a whole number from 1 to 2^24")
                }
                return value
            }
            func images(_ what: String) throws -> ImageShape {
                switch flow {
                case let .image(shape): return shape
                case let .vector(n):
                    let from = layers.isEmpty ? "the data are vectors of \(n) features (no image shape; IDX image folders have one)"
                        : "item \(index) gives vectors of \(n) features"
                    throw fail("\(what) takes images, but \(from)")
                }
            }
            func wrap<L>(_ make: () throws -> L) throws -> L {
                do { return try make() } catch let error as BackpropError { throw fail("\(error)") }
            }
            switch parts[0] {
            case "conv", "conv2d":
                guard (3...5).contains(parts.count) else { throw fail("write conv:filters:kernel[:stride[:padding]], e.g. conv:16:3") }
                let input = try images("a convolution")
                let (filters, kernel) = (try number(1, "the filter count"), try number(2, "the kernel size"))
                let stride = parts.count > 3 ? try number(3, "the stride") : 1
                guard parts.count < 5 || Padding(text: parts[4]) != nil else {
                    throw fail("padding '\(BackpropError.excerpt(parts[4]))' is not valid, same or a whole number")
                }
                let padding = parts.count > 4 ? Padding(text: parts[4])! : .valid
                let conv = try wrap { try Conv2d(input: input, outputChannels: filters, kernel: kernel, stride: stride, padding: padding) }
                layers.append(conv)
                activated.append(false)
                flow = .image(conv.outputShape)
            case "maxpool", "avgpool", "max_pool", "avg_pool":
                guard (2...3).contains(parts.count) else { throw fail("write \(parts[0]):window[:stride], e.g. \(parts[0]):2") }
                let input = try images("pooling")
                let window = try number(1, "the window")
                let stride = parts.count > 2 ? try number(2, "the stride") : window
                let pool = try wrap { try Pooling(parts[0].hasPrefix("max") ? .max : .average, input: input, window: window, stride: stride) }
                layers.append(pool)
                activated.append(true)
                flow = .image(pool.outputShape)
            case "flatten":
                guard parts.count == 1 else { throw fail("flatten takes no numbers") }
                let input = try images("flatten")
                layers.append(try wrap { try Flatten(input: input) })
                activated.append(true)
                flow = .vector(input.featureCount)
            case "dense", "linear":
                guard parts.count == 2 else { throw fail("write dense:units, e.g. dense:10") }
                let units = try number(1, "the unit count")
                if case let .image(shape) = flow {
                    layers.append(try wrap { try Flatten(input: shape) })
                    activated.append(true)
                    flow = .vector(shape.featureCount)
                }
                guard case let .vector(n) = flow else { preconditionFailure("flattened above") }
                layers.append(Dense(inputSize: n, outputSize: units, activation: nil))
                activated.append(false)
                flow = .vector(units)
            default:
                guard let activation = Activation(name: item) else {
                    throw fail("not a layer (conv, maxpool, avgpool, flatten, dense) or an activation (relu, tanh, sigmoid, leaky_relu, identity, softmax)")
                }
                guard let last = layers.indices.last, !activated[last] else {
                    throw fail("an activation follows a convolution or dense layer, once (here it follows \(layers.last.map { "\($0)" } ?? "nothing"))")
                }
                if var conv = layers[last] as? Conv2d {
                    conv.activation = activation
                    layers[last] = conv
                } else if var dense = layers[last] as? Dense {
                    dense.activation = activation
                    layers[last] = dense
                }
                activated[last] = true
            }
        }
        if let last = layers.indices.last, var dense = layers[last] as? Dense, !activated[last] {
            dense.activation = output
            layers[last] = dense
        }
        return layers
    }
}
