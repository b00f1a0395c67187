import Backprop
import Foundation

/// The first convolution's filters as an image grid (SVG): one row per filter, one `f × f` tile
/// per input channel, each filter's weights scaled from its own minimum (black) to maximum (white).
enum FilterGrid {
    /// The grid for `network`'s first layer, or `nil` when it is not a convolution.
    static func svg<S: BackpropScalar>(_ network: Network<S>) -> String? {
        guard let conv = network.layers.first as? Conv2d else { return nil }
        let W = network.parameters.matrix(network.parameters.tensors(layer: 1).first!)
        let (f, channels, filters) = (conv.kernel, conv.inputImage.channels, conv.outputChannels)
        let cell = Swift.max(4, 48 / f)
        let tile = f * cell + 6
        let (columns, perRow) = (channels, Swift.min(filters, Swift.max(1, 16 / channels)))
        let rows = (filters + perRow - 1) / perRow
        let (width, height) = (perRow * columns * tile + 20, rows * tile + 50)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" font-family="sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="10" y="20" font-size="13">Layer 1 filters: \(filters) × \(channels) channel(s) of \(f)×\(f) (each scaled min → black, max → white)</text>

            """
        for o in 0..<filters {
            let values = (0..<(channels * f * f)).map { Double(W[o, $0]) }
            let (low, high) = (values.min() ?? 0, values.max() ?? 0)
            let span = high > low ? high - low : 1
            for c in 0..<channels {
                let x0 = 10 + ((o % perRow) * columns + c) * tile
                let y0 = 35 + (o / perRow) * tile
                for i in 0..<f {
                    for j in 0..<f {
                        let level = Int((255 * (values[(c * f + i) * f + j] - low) / span).rounded())
                        svg += "<rect x=\"\(x0 + j * cell)\" y=\"\(y0 + i * cell)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"rgb(\(level),\(level),\(level))\"/>\n"
                    }
                }
            }
        }
        return svg + "</svg>\n"
    }
}
