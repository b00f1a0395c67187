/// A layer kind that ONNX export can write: it adds the nodes computing its output from its
/// input. Its parameters are already initializers, named by their course symbols (`W2`, `b2`).
protocol ONNXExportable {
    func addONNXNodes<Scalar: BackpropScalar>(
        to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int, parameters: [String])
}

extension Dense: ONNXExportable {
    /// `Gemm(A_prev, W, b, transB = 1)` (PyTorch's `nn.Linear` layout), then the activation's nodes;
    /// an identity activation lets the `Gemm` write the output itself.
    func addONNXNodes<Scalar: BackpropScalar>(
        to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int, parameters: [String]
    ) {
        let linearOutput = g.block.hasONNXNode ? "Z\(l)" : output
        builder.addNode(
            "Gemm", inputs: [input] + parameters, output: linearOutput, name: "gemm\(l)",
            attributes: [.int("transB", 1)])
        g.block.addONNXNodes(to: &builder, input: linearOutput, output: output, layer: l)
    }
}

extension BatchNorm: ONNXExportable {
    /// `BatchNormalization(A_prev, γ, β, running_mean, running_var)` in inference form (the
    /// running estimates), then the activation's nodes.
    func addONNXNodes<Scalar: BackpropScalar>(
        to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int, parameters: [String]
    ) {
        let normalized = g.block.hasONNXNode ? "Zt\(l)" : output
        // ONNX's momentum weighs the running value (PyTorch's 1 − momentum); it only matters
        // for training-mode graphs.
        builder.addNode(
            "BatchNormalization", inputs: [input] + parameters.prefix(4), output: normalized, name: "batchnorm\(l)",
            attributes: [.float("epsilon", Float(epsilon)), .float("momentum", Float(1 - (momentum ?? 0.1)))])
        g.block.addONNXNodes(to: &builder, input: normalized, output: output, layer: l)
    }
}

extension Conv2d: ONNXExportable {
    /// `Conv(A_prev, W, b)` with the kernel, strides and pads, then the activation's nodes.
    func addONNXNodes<Scalar: BackpropScalar>(
        to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int, parameters: [String]
    ) {
        let convolved = g.block.hasONNXNode ? "Z\(l)" : output
        let (before, after) = (geometry.padBefore, geometry.padAfter)
        builder.addNode(
            "Conv", inputs: [input] + parameters, output: convolved, name: "conv\(l)",
            attributes: [.ints("kernel_shape", [kernel, kernel]), .ints("strides", [stride, stride]),
                         .ints("pads", [before, before, after, after])])
        g.block.addONNXNodes(to: &builder, input: convolved, output: output, layer: l)
    }
}

extension Pooling: ONNXExportable {
    /// `MaxPool` or `AveragePool` with the window and strides (no padding).
    func addONNXNodes<Scalar: BackpropScalar>(
        to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int, parameters: [String]
    ) {
        builder.addNode(
            mode == .max ? "MaxPool" : "AveragePool", inputs: [input], output: output, name: "pool\(l)",
            attributes: [.ints("kernel_shape", [window, window]), .ints("strides", [stride, stride])])
    }
}

extension Flatten: ONNXExportable {
    /// `Flatten(axis = 1)`: `(batch, C, H, W)` to `(batch, C·H·W)` in (c, h, w) order.
    func addONNXNodes<Scalar: BackpropScalar>(
        to builder: inout ONNXGraphBuilder<Scalar>, input: String, output: String, layer l: Int, parameters: [String]
    ) {
        builder.addNode("Flatten", inputs: [input], output: output, name: "flatten\(l)", attributes: [.int("axis", 1)])
    }
}
