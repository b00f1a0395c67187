import Foundation
import Testing
@testable import Backprop

/// The message of the error `body` throws, or `nil` when it throws none.
private func thrownMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}

@Suite("Checked sizes and the memory budget")
struct MemoryBudgetTests {
    @Test("checked arithmetic returns exact values and names what overflowed")
    func checkedArithmetic() throws {
        #expect(try CheckedSize.multiply(3, 7, "x") == 21)
        #expect(try CheckedSize.add(3, 7, "x") == 10)
        #expect(try CheckedSize.product([2, 3, 4], "x") == 24)
        #expect(try CheckedSize.product([Int](), "x") == 1)
        #expect(try CheckedSize.product([0, Int.max, Int.max], "x") == 0)
        #expect(try CheckedSize.sum([1, 2, 3], "x") == 6)
        let overflow = thrownMessage { _ = try CheckedSize.product([4_294_967_295, 4_294_967_295, 4_294_967_295], "IDX dimensions") }
        #expect(overflow == "IDX dimensions: 4294967295 × 4294967295 × 4294967295 overflows a 64-bit size")
        #expect(thrownMessage { _ = try CheckedSize.add(Int.max, 1, "steps") } == "steps: 9223372036854775807 + 1 overflows a 64-bit size")
        #expect(thrownMessage { _ = try CheckedSize.multiply(-1, 2, "rows") } == "rows: a size is negative (-1, 2)")
    }

    @Test("the budget refuses what does not fit, naming both sizes")
    func budgetRefuses() throws {
        let budget = MemoryBudget(bytes: 12_000_000_000, origin: "--max-memory")
        try budget.require(bytes: 12_000_000_000, for: "exactly the budget")
        let message = thrownMessage {
            try budget.require(elements: 2_000_000_000, of: Double.self, for: "the network 2-1000000000-1", purpose: "its weights")
        }
        #expect(message == "the network 2-1000000000-1 needs 16 GB for its weights; the memory budget is 12 GB (--max-memory)")
        let overflow = thrownMessage { try budget.require(elements: Int.max / 2, of: Double.self, for: "X") }
        #expect(overflow?.hasPrefix("X needs more memory than any machine has") == true)
        do {
            try MemoryBudget(bytes: 10).require(bytes: 11, for: "a tensor")
            Issue.record("no error")
        } catch {
            guard case .tooLarge = error else { Issue.record("wrong case \(error)"); return }
        }
    }

    @Test("budget sizes parse in decimal and binary units, and nonsense does not")
    func parsing() {
        #expect(MemoryBudget(parsing: "12G")?.bytes == 12_000_000_000)
        #expect(MemoryBudget(parsing: "512MB")?.bytes == 512_000_000)
        #expect(MemoryBudget(parsing: "2GiB")?.bytes == 2_147_483_648)
        #expect(MemoryBudget(parsing: "1.5k")?.bytes == 1500)
        #expect(MemoryBudget(parsing: "800000000")?.bytes == 800_000_000)
        #expect(MemoryBudget(parsing: "800000000B")?.bytes == 800_000_000)
        for bad in ["", "0", "-5G", "lots", "1e400G", "12 parsecs", "nan", "inf", "101%", "1..5G"] {
            #expect(MemoryBudget(parsing: bad) == nil, "\(bad)")
        }
        if let available = MemoryBudget.availableMemory {
            #expect(MemoryBudget(parsing: "50%")?.bytes == available / 2)
            #expect(MemoryBudget.standard.bytes == Int(Double(available) * 0.75))
        }
    }

    @Test("byte counts read like people write them")
    func text() {
        #expect(MemoryBudget.text(bytes: 512) == "512 B")
        #expect(MemoryBudget.text(bytes: 3_400_000) == "3.4 MB")
        #expect(MemoryBudget.text(bytes: 16_000_000_000) == "16 GB")
        #expect(MemoryBudget.text(bytes: Int.max) == "9.2 EB")
    }

    @Test("a network's footprint counts its weights and a batch's passes")
    func footprint() throws {
        let footprint = try NetworkFootprint(sizes: [2, 4, 1])
        #expect(footprint.parameterCount == 17)
        #expect(footprint.unitCount == 5)
        // SGD: weights + gradients = 34, activations (4 × 5 + 2) × 10 = 220; 254 doubles.
        try footprint.requirePasses(of: Double.self, examples: 10, within: MemoryBudget(bytes: 254 * 8))
        #expect(thrownMessage { try footprint.requirePasses(of: Double.self, examples: 10, within: MemoryBudget(bytes: 254 * 8 - 1)) } != nil)
        // Adam keeps two moment buffers more: 34 more doubles.
        let adam = OptimizerAlgorithm.adam(beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
        try footprint.requirePasses(of: Double.self, examples: 10, optimizer: adam, within: MemoryBudget(bytes: 288 * 8))
        #expect(thrownMessage { _ = try NetworkFootprint(sizes: [2, 4_611_686_018_427_387_904, 1]) }?.contains("overflows") == true)
        let network = try Network<Float>(sizes: [3, 5, 2], hidden: .relu, output: .softmax)
        #expect(NetworkFootprint(network).parameterCount == network.parameterCount)
    }

    @Test("a network larger than its budget is refused before its weights are allocated")
    func networkRefused() {
        let message = thrownMessage {
            _ = try Network<Float>(sizes: [2, 1_000_000_000, 1], hidden: .tanh, output: .sigmoid, budget: MemoryBudget(bytes: 1 << 30))
        }
        #expect(message?.hasPrefix("the network 2-1000000000-1 needs 16 GB for its weights; the memory budget is 1.1 GB") == true)
        #expect(thrownMessage { _ = try Network<Double>(sizes: [2, 3_037_000_500, 3_037_000_500, 1], hidden: .tanh, output: .sigmoid) }?
            .contains("overflows") == true)
    }

    @Test("an IDX header that claims too much is refused before the data is read")
    func idxHeaders() {
        // (0, 2^32−1, 2^32−1, 2^32−1): the product with the leading 0 is 0, the pixels overflow.
        var overflow = Data([0, 0, 8, 4])
        for size in [0, UInt32.max, UInt32.max, UInt32.max] { withUnsafeBytes(of: size.bigEndian) { overflow.append(contentsOf: $0) } }
        #expect((try? IDX.decode(overflow))?.count == 0)
        // 16 MB of uint8 declared in 20 bytes, against a 1 MB budget.
        var claim = Data([0, 0, 8, 3])
        for size in [UInt32(16), 1024, 1024] { withUnsafeBytes(of: size.bigEndian) { claim.append(contentsOf: $0) } }
        let message = thrownMessage { _ = try IDX.decode(claim, source: "claim.idx", budget: MemoryBudget(bytes: 1_000_000)) }
        #expect(message?.contains("claim.idx: truncated data") == true)
    }

    @Test("a CSV label column with more classes than the limit is refused, saying why")
    func tooManyClasses() {
        let rows = (0..<1001).map { "\($0 % 3),id\($0)" }.joined(separator: "\n")
        let message = thrownMessage {
            let _: LabeledDataset<Double> = try CSVLoader.decode(Data(("a,label\n" + rows + "\n").utf8), source: "ids.csv")
        }
        #expect(message == "ids.csv: column 'label' has 1001 distinct labels in 1001 rows; at most 1000 classes are supported"
            + " (is it an ID or a continuous column? pick the label column with --label)")
        let small = thrownMessage {
            let _: LabeledDataset<Double> = try CSVLoader.decode(
                Data("a,label\n1,w\n2,x\n3,y\n4,z\n".utf8), source: "s.csv", labelEncoding: .oneHot, budget: MemoryBudget(bytes: 100))
        }
        #expect(small == "s.csv: Y (4, 4), one-hot over 4 classes needs 128 B; the memory budget is 100 B")
    }

    @Test("a CSV cell with a NUL or other control byte, or of 50 MB, is not a number; the message quotes an excerpt")
    func csvCells() {
        func message(_ text: String) -> String? {
            thrownMessage { let _: LabeledDataset<Double> = try CSVLoader.decode(Data(text.utf8), source: "c.csv") }
        }
        #expect(message("a,b,label\n1,2,0\n1\u{0},3,1\n") == "c.csv: line 3, column 'a': '1\\0' holds a control character, so it is not a number")
        #expect(message("a,b,label\n1,2,0\n\u{1b}[1m,3,1\n") == "c.csv: line 3, column 'a': '\\u{1b}[1m' holds a control character, so it is not a number")
        let huge = message("a,b,label\n1,2,0\n" + String(repeating: "9", count: 1_000_000) + ",3,1\n")
        #expect(huge == "c.csv: line 3, column 'a': '" + String(repeating: "9", count: 40)
            + "… (1000000 bytes)' is longer than 400 characters, so it is not read as a number")
        #expect(NumberText.double("1e308") == 1e308)
        #expect(NumberText.double(" 1") == nil)
        #expect(NumberText.double(String(repeating: "1", count: 401)) == nil)
    }

    @Test("excerpts and single lines escape control characters and cut long text")
    func messageText() {
        #expect(BackpropError.excerpt("short") == "short")
        #expect(BackpropError.excerpt("a\nb\u{0}c\u{7f}") == "a\\nb\\0c\\u{7f}")
        #expect(BackpropError.excerpt(String(repeating: "x", count: 50), limit: 3) == "xxx… (50 bytes)")
        #expect(BackpropError.singleLine("one\ntwo\r\nthree") == "one\\ntwo\\rthree")
        #expect(BackpropError.singleLine(String(repeating: "y", count: 10), limit: 4) == "yyyy… (cut at 4 characters)")
    }

    @Test("a full disk is put into words, naming the file")
    func fullDisk() {
        let cocoa = NSError(domain: NSCocoaErrorDomain, code: NSFileWriteOutOfSpaceError)
        #expect("\(BackpropError.writeFailure(path: "run/model.safetensors", cocoa))" == "no space left on device while writing run/model.safetensors")
        let nested = NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [
            NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC)),
        ])
        #expect("\(BackpropError.writeFailure(path: "p.csv", nested))" == "no space left on device while writing p.csv")
        #expect("\(BackpropError.writeFailure(path: "p.npz", errno: ENOSPC))" == "no space left on device while writing p.npz")
        #expect("\(BackpropError.writeFailure(path: "p.npz", errno: EACCES))" == "p.npz: cannot write: Permission denied")
    }
}

@Suite("Standardisation of extreme features")
struct StandardizerTests {
    @Test("features of ±1e308 give a finite mean and deviation, and standardise to finite values")
    func extremeFeatures() throws {
        let X = Matrix<Double>([[1e308, -1e308, 1e308, -1e308], [1, 2, 3, 4]])
        let standardizer = try Standardizer(fittedTo: X)
        #expect(standardizer.means[0] == 0)
        #expect(standardizer.standardDeviations[0] == 1e308)
        #expect(standardizer.means[1] == 2.5)
        #expect(abs(standardizer.standardDeviations[1] - 1.25.squareRoot()) < 1e-15)
        let Z = try standardizer.transform(X)
        #expect(Z.isFinite)
        #expect(Z[0, 0] == 1 && Z[0, 1] == -1)
        // All of one sign near the top of the range: the difference x − μ itself is in range.
        let big = Matrix<Double>([[1.7e308, 1.6e308, -1.7e308]])
        let fitted = try Standardizer(fittedTo: big)
        #expect(fitted.means[0].isFinite && fitted.standardDeviations[0].isFinite)
        let standardized = try fitted.transform(big)
        #expect(standardized.isFinite)
        let mean = standardized.elements.reduce(0, +) / 3
        #expect(abs(mean) < 1e-12)
    }

    @Test("the fit matches the textbook mean and population deviation")
    func ordinaryFeatures() throws {
        let X = Matrix<Float>([[2, 4, 4, 4, 5, 5, 7, 9], [3, 3, 3, 3, 3, 3, 3, 3]])
        let standardizer = try Standardizer(fittedTo: X)
        #expect(standardizer.means == [5, 3])
        #expect(standardizer.standardDeviations == [2, 1])  // a constant feature keeps σ = 1
    }

    @Test("NaN or an infinity is reported as such; a non-finite mean is refused")
    func nonFinite() {
        #expect(thrownMessage { _ = try Standardizer(fittedTo: Matrix<Double>([[1, .nan]])) } == "standardizer: feature 0 holds NaN or an infinity")
        #expect(thrownMessage { _ = try Standardizer(fittedTo: Matrix<Double>([[1, 2], [.infinity, 0]])) } == "standardizer: feature 1 holds NaN or an infinity")
        #expect(thrownMessage { _ = try Standardizer(means: [.nan], standardDeviations: [1]) } == "standardizer: mean nan of feature 0 is not finite")
    }
}
