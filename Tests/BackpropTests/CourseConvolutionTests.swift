import Foundation
import Testing
@testable import Backprop

/// The course's convolution building blocks (Course 4, Week 1) against the NumPy notebook code in
/// `Tests/Interop/course_conv_reference.py`, saved under `CourseReference/<case>/`; and the
/// network's own ``Conv2d`` and ``Pooling`` layers against the same values through the layout
/// conversions (``NDArray``).
struct CourseConvolutionTests {
    static func array(_ folder: String, _ name: String) throws -> NDArray<Double> {
        let npy = try CourseReferenceTests.array(folder, name)
        return NDArray(shape: npy.shape, elements: npy.doubleValues)
    }

    static func int(_ folder: String, _ name: String) throws -> Int {
        Int(try CourseReferenceTests.array(folder, name).scalar())
    }

    static func expectClose(_ a: NDArray<Double>, _ b: NDArray<Double>, _ what: String, tolerance: Double = 1e-12,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.shape == b.shape, "\(what): shape \(a.shapeDescription) vs \(b.shapeDescription)", sourceLocation: sourceLocation)
        let difference = zip(a.elements, b.elements).map { abs($0 - $1) }.max() ?? 0
        let scale = Swift.max(b.elements.map(abs).max() ?? 0, 1)
        #expect(difference <= tolerance * scale, "\(what): max difference \(difference)", sourceLocation: sourceLocation)
    }

    @Test("zero_pad and conv_single_step as the notebook")
    func padAndSingleStep() throws {
        let x = try Self.array("zero_pad", "x")
        let padded = zero_pad(x, 3)
        #expect(padded == (try Self.array("zero_pad", "x_pad")))
        #expect(padded.shape == [4, 9, 9, 2])
        let z = conv_single_step(try Self.array("conv_single_step", "a_slice_prev"), try Self.array("conv_single_step", "W"),
                                 try Self.array("conv_single_step", "b"))
        #expect(abs(z - (try CourseReferenceTests.array("conv_single_step", "Z").scalar())) < 1e-12)
    }

    @Test("conv_forward and conv_backward: Z, dA_prev, dW, db; the Conv2d layer gives the same Z and gradients",
          arguments: ["conv_forward", "conv_forward_valid", "conv_forward_floor"])
    func convolution(case folder: String) throws {
        let (A_prev, W, b) = (try Self.array(folder, "A_prev"), try Self.array(folder, "W"), try Self.array(folder, "b"))
        let hparameters = ConvolutionHyperparameters(stride: try Self.int(folder, "stride"), pad: try Self.int(folder, "pad"))
        let (Z, cache) = conv_forward(A_prev, W, b, hparameters)
        Self.expectClose(Z, try Self.array(folder, "Z"), "\(folder) Z")
        let dZ = try Self.array(folder, "dZ")
        let (dA_prev, dW, db) = conv_backward(dZ, cache)
        Self.expectClose(dA_prev, try Self.array(folder, "dA_prev"), "\(folder) dA_prev")
        Self.expectClose(dW, try Self.array(folder, "dW"), "\(folder) dW")
        Self.expectClose(db, try Self.array(folder, "db"), "\(folder) db")

        // The layer, through the edge conversions (floored sizes are the course's, not 'valid').
        guard folder != "conv_forward_floor" else { return }
        let conv = try Conv2d(input: A_prev.image, outputChannels: W.shape[3], kernel: W.shape[0], stride: hparameters.stride,
                              padding: hparameters.pad == 0 ? .valid : .size(hparameters.pad))
        let flat = try Flatten(input: conv.outputShape)
        var network = try Network<Double>(
            layers: [conv, flat, Dense(inputSize: flat.outputSize, outputSize: 2, activation: .softmax)], loss: .categoricalCrossEntropy)
        try network.setParameter("0.weight", to: W.convolutionWeight())
        try network.setParameter("0.bias", to: Matrix(rows: W.shape[3], columns: 1, columnMajor: b.elements))
        let pass = try network.forward(A_prev.nchwColumns()).pass
        Self.expectClose(NDArray(nchwColumns: pass.layers[0].saved[0], image: conv.outputShape), Z, "\(folder) layer Z")
        var saved = pass.layers[0].saved
        var gradients = [Matrix<Double>(shape: saved[0].shape)]
        var dX: Matrix<Double>? = Matrix(rows: conv.inputSize, columns: A_prev.shape[0])
        var slab = network.parameters.zeroSlab()
        network.parameters.withViews { views in
            slab.withUnsafeMutableBufferPointer { g in
                let gradientViews = MutableParameterViews(base: g.baseAddress, tensors: network.parameters.tensors[...]).layer(0..<2)
                conv.backward(.outputGradient(dZ.nchwColumns()), input: A_prev.nchwColumns(), output: saved[0], saved: saved,
                              parameters: views.layer(0..<2), gradients: &gradients, parameterGradients: gradientViews, inputGradient: &dX)
            }
        }
        saved.removeAll()
        let tensors = network.parameters.tensors
        Self.expectClose(NDArray(nchwColumns: dX!, image: A_prev.image), dA_prev, "\(folder) layer dA_prev")
        let layerdW = Matrix(rows: tensors[0].shape.rows, columns: tensors[0].shape.columns, columnMajor: slab[tensors[0].range])
        Self.expectClose(NDArray(convolutionWeight: layerdW, kernel: W.shape[0]), dW, "\(folder) layer dW")
        Self.expectClose(NDArray(shape: [1, 1, 1, W.shape[3]], elements: Array(slab[tensors[1].range])), db, "\(folder) layer db")
    }

    @Test("create_mask_from_window and distribute_value as the notebook")
    func maskAndSpread() throws {
        let x = try Self.array("create_mask_from_window", "x")
        #expect(create_mask_from_window(x) == (try Self.array("create_mask_from_window", "mask")))
        #expect(distribute_value(2.0, (2, 2)) == (try Self.array("distribute_value", "a")))
        // Ties: the course marks every maximum.
        #expect(create_mask_from_window(NDArray<Double>(shape: [2, 2], elements: [1, 3, 3, 0])).elements == [0, 1, 1, 0])
    }

    @Test("pool_forward and pool_backward, max and average; the Pooling layer gives the same A and dA_prev",
          arguments: ["pool", "pool_stride2", "pool_2x2"])
    func pooling(case folder: String) throws {
        let A_prev = try Self.array(folder, "A_prev")
        let hparameters = PoolingHyperparameters(f: try Self.int(folder, "f"), stride: try Self.int(folder, "stride"))
        for (mode, name) in [(Pooling.Mode.max, "max"), (.average, "average")] {
            let (A, cache) = pool_forward(A_prev, hparameters, mode: mode)
            Self.expectClose(A, try Self.array(folder, "A_" + name), "\(folder) A \(name)")
            let dA = try Self.array(folder, "dA_" + name)
            let dA_prev = pool_backward(dA, cache, mode: mode)
            Self.expectClose(dA_prev, try Self.array(folder, "dA_prev_" + name), "\(folder) dA_prev \(name)")

            let layer = try Pooling(mode, input: A_prev.image, window: hparameters.f, stride: hparameters.stride)
            let X = A_prev.nchwColumns()
            var saved = layer.savedShapes(examples: X.columns).map { Matrix<Double>(shape: $0) }
            var output = Matrix<Double>(rows: layer.outputSize, columns: X.columns)
            var gradients: [Matrix<Double>] = []
            var dX: Matrix<Double>? = Matrix(rows: layer.inputSize, columns: X.columns)
            Parameters<Double>(specs: [[]], moduleIndices: [0]).withViews { views in
                layer.forward(X, parameters: views, mode: .training, saved: &saved, output: &output)
                layer.backward(.outputGradient(dA.nchwColumns()), input: X, output: output, saved: saved, parameters: views,
                               gradients: &gradients, parameterGradients: MutableParameterViews(base: nil, tensors: []), inputGradient: &dX)
            }
            Self.expectClose(NDArray(nchwColumns: output, image: layer.outputShape), A, "\(folder) layer A \(name)")
            Self.expectClose(NDArray(nchwColumns: dX!, image: layer.inputImage), dA_prev, "\(folder) layer dA_prev \(name)")
        }
    }
}
