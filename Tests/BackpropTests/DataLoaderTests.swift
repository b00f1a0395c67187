import Foundation
import Testing
@testable import Backprop

/// The message of the error `body` throws, or `nil` when it throws none.
private func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}

private func hexBytes(_ text: String) -> Data {
    let digits = text.filter { !$0.isWhitespace }.map { $0 }
    return Data(stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! })
}

/// A fresh temporary folder, removed by the caller.
private func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// `/work/shared/data`-style folder beside the package: `<package root>/../shared/data`.
private let sharedData = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared/data")

/// The data loaders: IDX (MNIST), CSV tables, and preprocessing.
@Suite struct DataLoaderTests {}

extension DataLoaderTests {
    @Suite struct IDXFiles {
        /// Three 2×2 uint8 images: header 00 00 08 03, dimensions 3, 2, 2, then the pixels.
        static let images = hexBytes("0000080300000003000000020000000200ff3366ff0000ff01020304")
        /// Three uint8 labels 7, 0, 9.
        static let labels = hexBytes("0000080100000003070009")
        /// `images` compressed by Python's `gzip.GzipFile(filename='imgs', mtime=0)` (FNAME set).
        static let imagesGzip = Data(base64Encoded: "H4sICAAAAAAC/2ltZ3MAY2DgYGZgYABhJjD+b5z2n4HhPyMTMwsAbfwb4hwAAAA=")!
        /// `labels` in a hand-built gzip member with FEXTRA, FNAME, FCOMMENT and FHCRC all set.
        static let labelsGzipAllFlags = Data(base64Encoded: "H4sIHgAAAAAA/wQAYWIBAmxhYmVscwBhIGNvbW1lbnQA7g9jYOBgZGBgYGZn4AQApRLTcgsAAAA=")!

        @Test func decodesRawAndGzip() throws {
            let raw = try IDX.decode(IDXFiles.images)
            #expect(raw.elementType == .uint8)
            #expect(raw.dimensions == [3, 2, 2])
            #expect(raw.bytes == [0, 255, 51, 102, 255, 0, 0, 255, 1, 2, 3, 4])
            #expect(try IDX.decode(IDXFiles.imagesGzip) == raw)
            let labels = try IDX.decode(IDXFiles.labelsGzipAllFlags)
            #expect(labels.dimensions == [3])
            #expect(labels.doubleValues == [7, 0, 9])
        }

        @Test func loadsADatasetFromRawAndGzipFiles() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            try IDXFiles.imagesGzip.write(to: folder.appendingPathComponent("t10k-images-idx3-ubyte.gz"))
            try IDXFiles.labels.write(to: folder.appendingPathComponent("t10k-labels-idx1-ubyte"))
            let test: Dataset<Float> = try IDXDataset.loadFolder(folder, split: .test)
            #expect(test.X.shape == Shape(4, 3))
            #expect(test.Y.shape == Shape(10, 3))
            // Image 0 is [[0, 255], [51, 102]]: its pixels row-major down column 0, over 255.
            #expect(test.X.column(0) == Matrix(rows: 4, columns: 1, columnMajor: [0, 1, 0.2, 0.4]))
            #expect(test.X[3, 2] == Float(4.0 / 255.0))
            for (j, label) in [7, 0, 9].enumerated() {
                #expect((0..<10).map { test.Y[$0, j] } == (0..<10).map { $0 == label ? 1 : 0 })
            }
            let missing = errorMessage { let _: Dataset<Float> = try IDXDataset.loadFolder(folder, split: .train) }
            #expect(missing?.contains("train-images-idx3-ubyte") == true)
        }

        @Test func rejectsBadFiles() throws {
            func message(_ bytes: Data) -> String { errorMessage { _ = try IDX.decode(bytes, source: "bad-idx") } ?? "no error" }
            #expect(message(hexBytes("01000803 00000001 00")).hasPrefix("bad-idx: bad magic"))
            #expect(message(hexBytes("00000703 00000001 00")).contains("unsupported element type 0x7"))
            #expect(message(IDXFiles.images.dropLast(2))
                == "bad-idx: truncated data: dimensions 3 × 2 × 2 of uint8 need 12 bytes, found 10")
            #expect(message(hexBytes("00000803 000000")).contains("truncated header"))
            #expect(message(hexBytes("00000803 ffffffff ffffffff ffffffff 00")).contains("need 79228162458924105385300197375 bytes") == false)
            #expect(message(hexBytes("00000803 ffffffff ffffffff ffffffff 00")).contains("truncated data"))
            #expect(message(IDXFiles.labels + Data([1])).contains("1 unexpected bytes"))

            // gzip: a corrupted byte in the deflate stream, a cut file, a wrong trailer.
            var corrupt = IDXFiles.imagesGzip
            corrupt[corrupt.count - 12] ^= 0xFF
            #expect(message(corrupt).hasPrefix("bad-idx: gzip: "))
            #expect(message(IDXFiles.imagesGzip.prefix(IDXFiles.imagesGzip.count - 12)).hasPrefix("bad-idx: gzip: "))
            var wrongSize = IDXFiles.imagesGzip
            wrongSize[wrongSize.count - 4] &+= 1
            #expect(message(wrongSize).contains("size mismatch"))
            var wrongCRC = IDXFiles.imagesGzip
            wrongCRC[wrongCRC.count - 8] &+= 1
            #expect(message(wrongCRC).contains("CRC-32 mismatch"))
            var wrongHeaderCRC = IDXFiles.labelsGzipAllFlags
            wrongHeaderCRC[30] &+= 1
            #expect(message(wrongHeaderCRC).contains("header CRC mismatch"))
        }

        @Test func rejectsBadLabelsAndCounts() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let imagesURL = folder.appendingPathComponent("images")
            let labelsURL = folder.appendingPathComponent("labels")
            try IDXFiles.images.write(to: imagesURL)
            try hexBytes("0000080100000003070c09").write(to: labelsURL)
            let badLabel = errorMessage { let _: Dataset<Double> = try IDXDataset.load(imagesAt: imagesURL, labelsAt: labelsURL) }
            #expect(badLabel == "\(labelsURL.path): label 12 at index 1 is not below 10")
            try hexBytes("00000801000000020700").write(to: labelsURL)
            let counts = errorMessage { let _: Dataset<Double> = try IDXDataset.load(imagesAt: imagesURL, labelsAt: labelsURL) }
            #expect(counts == "\(labelsURL.path): 2 labels for the 3 images of \(imagesURL.path)")
        }

        /// Loads the 60,000 training images and reports the time; run with
        /// `BACKPROP_SLOW_TESTS=1` (best in a release build: `-c release -Xswiftc -enable-testing`).
        @Test(.enabled(if: ProcessInfo.processInfo.environment["BACKPROP_SLOW_TESTS"] != nil))
        func loadsMNISTTrainingSet() throws {
            let folder = sharedData.appendingPathComponent("mnist")
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("train-images-idx3-ubyte.gz").path) else {
                print("note: \(folder.path) not found; skipping the MNIST check")
                return
            }
            let clock = ContinuousClock()
            var train: Dataset<Float>?
            let elapsed = try clock.measure { train = try IDXDataset.loadFolder(folder, split: .train) }
            print("MNIST train loaded in \(elapsed)")
            #expect(train?.X.shape == Shape(784, 60000))
            #expect(train?.Y[5, 0] == 1)  // the first training digit is a 5
        }

        @Test func loadsMNISTTestSet() throws {
            let folder = sharedData.appendingPathComponent("mnist")
            guard FileManager.default.fileExists(atPath: folder.appendingPathComponent("t10k-images-idx3-ubyte.gz").path) else {
                print("note: \(folder.path) not found; skipping the MNIST check")
                return
            }
            let test: Dataset<Float> = try IDXDataset.loadFolder(folder, split: .test)
            #expect(test.X.shape == Shape(784, 10000))
            #expect(test.Y.shape == Shape(10, 10000))
            #expect(test.count == 10000)
            #expect(test.Y[7, 0] == 1)  // the first test digit is a 7
            #expect(test.X.elements.min() == 0 && test.X.elements.max() == 1)
            #expect((0..<10000).allSatisfy { j in (0..<10).reduce(Float(0)) { $0 + test.Y[$1, j] } == 1 })
        }
    }

    @Suite struct CSVFiles {
        private func table(_ name: String) -> URL? {
            let url = sharedData.appendingPathComponent("tabular/\(name)")
            guard FileManager.default.fileExists(atPath: url.path) else {
                print("note: \(url.path) not found; skipping")
                return nil
            }
            return url
        }

        @Test func loadsIrisOneHot() throws {
            guard let url = table("iris.csv") else { return }
            let iris: LabeledDataset<Double> = try CSVLoader.load(contentsOf: url)
            #expect(iris.X.shape == Shape(4, 150))
            #expect(iris.Y.shape == Shape(3, 150))
            #expect(iris.classNames == ["0", "1", "2"])
            #expect(iris.featureNames.first == "sepal length (cm)")
            #expect(iris.X[0, 0] == 5.1 && iris.X[3, 0] == 0.2)  // the first row: 5.1, 3.5, 1.4, 0.2
            #expect((0..<3).map { k in (0..<150).filter { iris.Y[k, $0] == 1 }.count } == [50, 50, 50])
            #expect(iris.classIndices.first == 0 && iris.classIndices.last == 2)
        }

        @Test func loadsBreastCancerBinary() throws {
            guard let url = table("breast_cancer.csv") else { return }
            let cancer: LabeledDataset<Float> = try CSVLoader.load(contentsOf: url)
            #expect(cancer.X.shape == Shape(30, 569))
            #expect(cancer.Y.shape == Shape(1, 569))
            #expect(cancer.Y.elements.filter { $0 == 1 }.count == 357)
            let oneHot: LabeledDataset<Float> = try CSVLoader.load(contentsOf: url, labelEncoding: .oneHot)
            #expect(oneHot.Y.shape == Shape(2, 569))
        }

        @Test func handlesLabelsByNameIndexAndText() throws {
            let text = """
                "name, quoted",species,width
                1.5,versicolor,2
                -2e1,setosa,3

                3,virginica,4\r
                4,setosa,5
                """
            let byName: LabeledDataset<Double> = try CSVLoader.decode(Data(text.utf8), labelColumn: .name("species"))
            #expect(byName.featureNames == ["name, quoted", "width"])
            #expect(byName.classNames == ["setosa", "versicolor", "virginica"])
            #expect(byName.X == Matrix([[1.5, -20, 3, 4], [2, 3, 4, 5]]))
            #expect(byName.classIndices == [1, 0, 2, 0])
            #expect(byName.Y.shape == Shape(3, 4))
            // The last column as labels: integers sort numerically, so "10" comes after "2".
            let numeric: LabeledDataset<Double> = try CSVLoader.decode(Data("a,b\n1,10\n2,2\n3,10\n".utf8))
            #expect(numeric.classNames == ["2", "10"])
            #expect(numeric.Y == Matrix([[1, 0, 1]]))
            let byIndex: LabeledDataset<Double> = try CSVLoader.decode(Data("y,x\n1,5\n0,6\n".utf8), labelColumn: .index(0))
            #expect(byIndex.X == Matrix([[5, 6]]) && byIndex.Y == Matrix([[1, 0]]))
            #expect(throws: BackpropError.self) {
                let _: LabeledDataset<Double> = try CSVLoader.decode(Data(text.utf8), labelColumn: .name("species"), labelEncoding: .binary)
            }
        }

        @Test(arguments: [
            ("a,b,target\n1,2,0\n3,x,1\n", "line 3, column 'b': 'x' is not a number"),
            ("a,b,target\n1,2,0\n3,,1\n", "line 3, column 'b': missing value"),
            ("a,b,target\n1,2,0\n\n3,4\n", "line 4: 2 cells but the header has 3 columns (missing column 'target')"),
            ("a,b,target\n1,2,0,9\n", "line 2: 4 cells but the header has 3 columns (extra cells after column 'target')"),
            ("a,b,target\n1,nan,0\n", "line 2, column 'b': 'nan' is not a finite"),
            ("a,b,target\n1,2,0\ninf,2,0\n", "line 3, column 'a': 'inf' is not a finite"),
            ("a,b,target\n1,2,\n", "line 2, column 'target': missing value"),
            ("", "line 1: empty file"),
            ("a,b,target\n", "line 2: no data rows after the header"),
            ("a,\"b,target\n1,2,3\n", "line 1, column 2: unterminated quoted field"),
        ])
        func reportsFileLineAndColumn(text: String, expected: String) {
            let message = errorMessage {
                let _: LabeledDataset<Float> = try CSVLoader.decode(Data(text.utf8), source: "data/bad.csv")
            }
            #expect(message?.hasPrefix("data/bad.csv: \(expected)") == true, "got \(message ?? "no error")")
            #expect(message?.contains("\n") == false)
        }

        @Test func loadErrorsNameTheFile() throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let url = folder.appendingPathComponent("broken.csv")
            try Data("f1,f2,label\n0.5,1,0\n0.25,abc,1\n".utf8).write(to: url)
            let message = errorMessage { let _: LabeledDataset<Double> = try CSVLoader.load(contentsOf: url) }
            #expect(message == "\(url.path): line 3, column 'f2': 'abc' is not a number")
        }
    }

    @Suite struct Preprocessing {
        @Test func standardizerCentresAndScalesTraining() throws {
            var generator = SeededGenerator(seed: 3)
            var X = Matrix<Double>(rows: 3, columns: 200)
            for j in 0..<200 {
                X[0, j] = 10 + 4 * generator.nextNormal()
                X[1, j] = -3 + 0.01 * generator.nextNormal()
                X[2, j] = 7  // constant: centred only
            }
            let standardizer = try Standardizer(fittedTo: X)
            let Z = try standardizer.transform(X)
            for i in 0..<2 {
                let row = (0..<200).map { Z[i, $0] }
                let mean = row.reduce(0, +) / 200
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 200
                #expect(abs(mean) < 1e-12)
                #expect(abs(variance - 1) < 1e-12)
            }
            #expect((0..<200).allSatisfy { Z[2, $0] == 0 })
            #expect(standardizer.standardDeviations[2] == 1)
            #expect(maxAbsDifference(try standardizer.inverseTransform(Z), X) < 1e-12)
            // Applied unchanged to another set; a wrong feature count is refused.
            let other = try standardizer.transform(Matrix<Float>(rows: 3, columns: 1, columnMajor: [10, -3, 7]))
            #expect(abs(other[0, 0] - Float((10 - standardizer.means[0]) / standardizer.standardDeviations[0])) < 1e-6)
            #expect(throws: BackpropError.self) { try standardizer.transform(Matrix<Float>(rows: 2, columns: 1)) }
        }

        @Test func splitsShufflesAndSlicesBySeed() throws {
            var X = Matrix<Double>(rows: 1, columns: 10)
            for j in 0..<10 { X[0, j] = Double(j) }
            let dataset = try Dataset(X: X, Y: X, name: "ten")
            let split = try dataset.split(validation: 0.2, test: 0.1, seed: 7)
            #expect(split.train.count == 7 && split.validation.count == 2 && split.test.count == 1)
            let all = (split.train.X.elements + split.validation.X.elements + split.test.X.elements).sorted()
            #expect(all == (0..<10).map(Double.init))
            #expect(split.train.Y == split.train.X)  // labels travel with their examples
            #expect(split.validation.name == "ten (validation)")
            let again = try dataset.split(validationCount: 2, testCount: 1, seed: 7)
            #expect(again.train.X == split.train.X && again.test.X == split.test.X)
            #expect(throws: BackpropError.self) { try dataset.split(validationCount: 8, testCount: 3, seed: 1) }
            #expect(throws: BackpropError.self) { try dataset.split(validation: 0.7, test: 0.7, seed: 1) }

            let shuffled = dataset.shuffled(seed: 7)
            var generator = SeededGenerator(seed: 7)
            #expect(shuffled.X.elements.map { Int($0) } == generator.permutation(10))
            #expect(shuffled.X != dataset.X && shuffled.X.elements.sorted() == dataset.X.elements.sorted())
            #expect(dataset.prefix(3).X == Matrix([[0, 1, 2]]))
            #expect(dataset.prefix(30).count == 10)
        }
    }
}
