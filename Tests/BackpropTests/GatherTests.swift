import BackpropKernels
import Testing
@testable import Backprop

/// `bp_gather_columns` (a batch's columns copied out of the data set, prefetching ahead):
/// exactly the columns asked for, in order, repeats and every count around the prefetch
/// distance included, and the training pass's gather built on it.
struct GatherTests {
    @Test("The columns asked for, in order, for counts 0 to 9 and 200, repeats included, Float and Double")
    func columns() {
        var generator = SeededGenerator(seed: 4)
        let source = Matrix<Double>(rows: 7, columns: 50, columnMajor: (0..<350).map { _ in generator.nextNormal() })
        let single = Matrix<Float>(rows: 3, columns: 50, columnMajor: (0..<150).map { _ in Float(generator.nextNormal()) })
        for count in Array(0...9) + [200] {
            let indices = (0..<count).map { _ in Int(generator.nextUniform() * 50) % 50 }
            var target = Matrix<Double>(rows: 7, columns: count, repeating: .nan)
            var small = Matrix<Float>(rows: 3, columns: count, repeating: .nan)
            source.withUnsafeBufferPointer { s in target.withUnsafeMutableBufferPointer { t in indices.withUnsafeBufferPointer { i in
                if count > 0 { bp_gather_columns(s.baseAddress!, 7 * 8, i.baseAddress!, count, t.baseAddress!) }
            } } }
            single.withUnsafeBufferPointer { s in small.withUnsafeMutableBufferPointer { t in indices.withUnsafeBufferPointer { i in
                if count > 0 { bp_gather_columns(s.baseAddress!, 3 * 4, i.baseAddress!, count, t.baseAddress!) }
            } } }
            #expect(bitwiseEqual(target, source.columns(indices)), "Double, \(count) columns")
            #expect(bitwiseEqual(small, single.columns(indices)), "Float, \(count) columns")
        }
    }

    @Test("A training pass gathers a shuffled batch as Matrix.columns does")
    func pass() throws {
        let network = try Network<Double>(sizes: [5, 4, 2], hidden: .tanh, output: .softmax, seed: 1)
        let data: Dataset<Double> = Generators.random(inputs: 5, outputs: 2, examples: 30, loss: .categoricalCrossEntropy, seed: 2)
        let batch = [29, 3, 3, 17, 0, 11, 28, 5, 9]
        var pass = Pass(network: network, examples: batch.count)
        pass.gather(data, batch[...])
        #expect(bitwiseEqual(pass.X, data.X.columns(batch)) && bitwiseEqual(pass.Y, data.Y.columns(batch)))
    }
}
