import Foundation
import Testing
@testable import Backprop

/// Bytes from a hexadecimal string (whitespace ignored).
private func hexBytes(_ text: String) -> Data {
    let digits = text.filter { !$0.isWhitespace }.map { $0 }
    return Data(stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! })
}

/// A `.npy` file with a hand-written header `dict` (version `major`.0, padded to 64 bytes) and
/// `payload`.
private func npyFile(_ dict: String, payload: [UInt8] = [], major: UInt8 = 1) -> Data {
    let lengthBytes = major == 1 ? 2 : 4
    let unpadded = 8 + lengthBytes + dict.utf8.count + 1
    let length = (unpadded + 63) / 64 * 64 - 8 - lengthBytes
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
    for k in 0..<lengthBytes { bytes.append(UInt8((length >> (8 * k)) & 0xFF)) }
    bytes += Array(dict.utf8)
    bytes += Array(repeating: 0x20, count: length - dict.utf8.count - 1) + [0x0A]
    return Data(bytes + payload)
}

/// The message of the error `body` throws, or `nil` when it throws none.
private func errorMessage(_ body: () throws -> Void) -> String? {
    do {
        try body()
        return nil
    } catch {
        return "\(error)"
    }
}

private func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-npy-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct NPYTests {
    /// Exactly what `np.save(f, np.array([[1., 2., 3.], [4., 5., 6.]]))` writes (NumPy 2.4).
    static let numpyFloat64 = hexBytes("""
        934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73
        652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020
        202020202020202020202020202020202020202020202020202020202020200a000000000000f03f0000000000000040
        0000000000000840000000000000104000000000000014400000000000001840
        """)

    @Test func decodesNumPyFloat64Header() throws {
        #expect(Self.numpyFloat64.count == 176)
        let array = try NPY.decode(Self.numpyFloat64)
        #expect(array.shape == [2, 3])
        #expect(array.dataType == .float64)
        #expect(array.order == .c)
        let matrix: Matrix<Double> = try array.matrix()
        #expect(matrix == Matrix([[1, 2, 3], [4, 5, 6]]))
    }

    @Test func encodesExactlyAsNumPy() {
        let matrix = Matrix<Double>([[1, 2, 3], [4, 5, 6]])
        #expect(NPY.encode(matrix) == Self.numpyFloat64)
    }

    @Test func decodesFortranOrderFloat32() throws {
        // np.save(f, np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32)))
        let data = npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                           payload: Array(hexBytes("0000803f00008040000000400000a040000040400000c040")))
        let array = try NPY.decode(data)
        #expect(array.order == .fortran)
        #expect(try array.matrix(Float.self) == Matrix([[1, 2, 3], [4, 5, 6]]))
        #expect(try array.matrix(Double.self) == Matrix([[1, 2, 3], [4, 5, 6]]))
    }

    @Test(arguments: [NPYArray.MemoryOrder.c, .fortran])
    func roundTripsFloatAndDouble(order: NPYArray.MemoryOrder) throws {
        let double = Matrix<Double>([[1.5, -2, 3e-300], [4, .pi, -0.0], [7, 8, 9]]).columns([0, 1])
        let float = Matrix<Float>([[1.5, -2, 3e-30, 1], [4, .pi, -0.0, 2]])
        let decodedDouble = try NPY.decode(NPY.encode(double, order: order))
        let decodedFloat = try NPY.decode(NPY.encode(float, order: order))
        #expect(decodedDouble.shape == [3, 2] && decodedDouble.dataType == .float64 && decodedDouble.order == order)
        #expect(decodedFloat.shape == [2, 4] && decodedFloat.dataType == .float32)
        #expect(try decodedDouble.matrix() == double)
        #expect(try decodedFloat.matrix() == float)
        // Data start on a 64-byte boundary, as NumPy aligns them.
        #expect((NPY.encode(float, order: order).count - float.count * 4) % 64 == 0)
    }

    @Test func roundTripsVectorsAndScalars() throws {
        let column = Matrix<Float>(rows: 3, columns: 1, columnMajor: [1, 2, 3])
        let vector = try NPY.decode(NPY.encode(NPYArray(vector: column)))
        #expect(vector.shape == [3])
        #expect(try vector.matrix() == column)
        // A (1, 3) row also writes as (3,) and reads back as a column.
        let row = Matrix<Float>([[1, 2, 3]])
        #expect(try NPY.decode(NPY.encode(NPYArray(vector: row))).matrix() == column)
        #expect(throws: BackpropError.self) { try NPYArray(vector: Matrix<Float>(rows: 2, columns: 2)) }

        // np.save(f, np.float64(0.125)): a 0-d array, as a saved cost.
        let cost = npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                           payload: Array(hexBytes("000000000000c03f")))
        let scalar = try NPY.decode(cost)
        #expect(scalar.shape == [])
        #expect(try scalar.scalar() == 0.125)
        #expect(try scalar.matrix(Double.self) == Matrix([[0.125]]))
        #expect(NPY.encode(NPYArray(scalar: 0.125)) == cost)
    }

    @Test func readsIntegerAndBigEndianTypes() throws {
        let int64 = npyFile("{'descr': '<i8', 'fortran_order': False, 'shape': (2, 2), }",
                            payload: Array(hexBytes("0100000000000000feffffffffffffff03000000000000000400000000000000")))
        #expect(try NPY.decode(int64).matrix(Double.self) == Matrix([[1, -2], [3, 4]]))
        let int32 = npyFile("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
                            payload: [7, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1, 0, 0])
        #expect(try NPY.decode(int32).doubleValues == [7, -1, 256])
        let uint8 = npyFile("{'descr': '|u1', 'fortran_order': False, 'shape': (1, 3), }", payload: [0, 128, 255])
        #expect(try NPY.decode(uint8).matrix(Float.self) == Matrix([[0, 128, 255]]))
        // np.array([1.5, -2.0], dtype='>f8')
        let bigEndian = npyFile("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }",
                                payload: Array(hexBytes("3ff8000000000000c000000000000000")))
        #expect(try NPY.decode(bigEndian).doubleValues == [1.5, -2])
    }

    @Test func readsVersion2And3Headers() throws {
        let payload: [UInt8] = [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40]
        for major: UInt8 in [2, 3] {
            let data = npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }", payload: payload, major: major)
            #expect(try NPY.decode(data).matrix(Float.self) == Matrix([[1, 2]]))
        }
        // Key order and spacing are free; Python 2's `L` suffix is accepted.
        let loose = npyFile("{\"shape\":(2L,1),\"fortran_order\":True,\"descr\":\"<f4\"}", payload: payload)
        #expect(try NPY.decode(loose).matrix(Float.self) == Matrix([[1], [2]]))
    }

    @Test func writesAndReadsFiles() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("W.npy")
        let matrix = Matrix<Float>([[1, 2], [3, 4], [5, 6]])
        try NPY.write(matrix, to: url, order: .fortran)
        #expect(try NPY.read(contentsOf: url).matrix() == matrix)
        try NPY.write(NPYArray(vector: matrix.column(1)), to: url)
        #expect(try NPY.read(contentsOf: url).shape == [3])
    }

    @Test func rejectsBadFilesWithOneLineMessages() throws {
        func message(_ data: Data) -> String { errorMessage { _ = try NPY.decode(data, source: "bad.npy") } ?? "no error" }
        let good = Array(Self.numpyFloat64)

        #expect(message(Data("PK\u{3}\u{4}not numpy".utf8)).hasPrefix("bad.npy: bad magic"))
        #expect(message(Data()).contains("bad magic"))
        #expect(message(npyFile("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", payload: [0, 0, 0, 0]))
            .contains("unsupported dtype '<f2'"))
        #expect(message(npyFile("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }"))
            .contains("unsupported dtype '<c16'"))
        #expect(message(npyFile("{'descr': [('x', '<f8')], 'fortran_order': False, 'shape': (1,), }"))
            .contains("unsupported dtype"))
        #expect(message(npyFile("['descr', '<f8']")).contains("header is not a dict"))
        #expect(message(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)")).contains("header is not a dict"))
        #expect(message(npyFile("{'descr': '<f8', 'fortran_order': False}")).contains("no 'shape'"))
        // 48 bytes of data needed, 40 present.
        let truncated = message(Data(good.dropLast(8)))
        #expect(truncated == "bad.npy: truncated data: shape (2, 3) of '<f8' needs 48 bytes, found 40")
        // The header itself cut short.
        #expect(message(Data(good.prefix(60))).contains("truncated header"))
        // A huge shape is checked against the file size before anything is allocated.
        let huge = message(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 100000), }"))
        #expect(huge.contains("needs 80000000000000000 bytes, found 0"))
        let overflowing = message(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }"))
        #expect(overflowing.contains("claims more elements"))
        #expect(message(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }")).contains("non-negative"))
        var version = good
        version[6] = 9
        #expect(message(Data(version)).contains("unsupported format version 9.0"))
        for text in [truncated, huge] { #expect(!text.contains("\n")) }
    }

    @Test func rejectsMoreThanTwoDimensionsAsAMatrix() throws {
        let array = try NPYArray(shape: [2, 1, 1], elements: .float32([1, 2]))
        #expect(throws: BackpropError.self) { try array.matrix(Float.self) }
        #expect(throws: BackpropError.self) { try NPYArray(shape: [3], elements: .float32([1, 2])) }
    }
}

extension NPYTests {
    @Suite struct NPZArchives {
        /// `np.savez_compressed(f, W=np.array([[1.5, -2.0], [0.25, 4.0]], dtype=np.float32),
        /// b=np.array([0.5, -0.5]), cost=np.float64(0.125), labels=np.array([3, 1, 2], dtype=np.uint8))`
        /// with NumPy 2.4 (deflated entries with Zip64 extra fields).
        static let numpyCompressed = Data(base64Encoded: """
            UEsDBC0AAAAIAAAAIQDqTMYF//////////8FABQAVy5ucHkBABAAkAAAAAAAAABTAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6l
            oG6TZqKuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6CkaaOgq1CmQDLgaGA/YMQIKBocEOiB0AUEsDBC0AAAAIAAAA
            IQDtxnjr//////////8FABQAYi5ucHkBABAAkAAAAAAAAABMAAAAAAAAAJvsF+obEMnIUMZQrZ6SWpxcpG6loG6TZqGuo6Cell9U
            UpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6mjoKtQoUAC4GMHhgD6X3AwBQSwMELQAAAAgAAAAhANLKFvz//////////wgAFABj
            b3N0Lm5weQEAEACIAAAAAAAAAEcAAAAAAAAAm+wX6hsQychQxlCtnpJanFykbqWgbpNmoa6joJ6WX1RSlJgXn1+UkgoSd0vMKU4F
            ihdnJBakAvkamjoKtQoUAS4GMDhgDwBQSwMELQAAAAgAAAAhABFUIO7//////////woAFABsYWJlbHMubnB5AQAQAIMAAAAAAAAA
            RwAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBeU2qorqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RrGOpo6CrUKFAAu
            ZkYmAFBLAQItAy0AAAAIAAAAIQDqTMYFUwAAAJAAAAAFAAAAAAAAAAAAAACAAQAAAABXLm5weVBLAQItAy0AAAAIAAAAIQDtxnjr
            TAAAAJAAAAAFAAAAAAAAAAAAAACAAYoAAABiLm5weVBLAQItAy0AAAAIAAAAIQDSyhb8RwAAAIgAAAAIAAAAAAAAAAAAAACAAQ0B
            AABjb3N0Lm5weVBLAQItAy0AAAAIAAAAIQARVCDuRwAAAIMAAAAKAAAAAAAAAAAAAACAAY4BAABsYWJlbHMubnB5UEsFBgAAAAAE
            AAQA1AAAABECAAAAAA==
            """, options: .ignoreUnknownCharacters)!

        @Test func readsNumPySavezCompressed() throws {
            let archive = try NPZ.decode(Self.numpyCompressed)
            #expect(archive.names == ["W", "b", "cost", "labels"])
            #expect(try archive.matrix(named: "W", as: Float.self) == Matrix([[1.5, -2], [0.25, 4]]))
            #expect(try archive.matrix(named: "b", as: Double.self) == Matrix([[0.5], [-0.5]]))
            #expect(try archive["cost"]?.scalar() == 0.125)
            #expect(archive["labels"]?.elements == .uint8([3, 1, 2]))
            let missing = errorMessage { _ = try archive.matrix(named: "W2", as: Float.self) }
            #expect(missing == "NPZ data: no array 'W2' (it holds 'W', 'b', 'cost', 'labels')")
        }

        @Test(arguments: [false, true])
        func roundTripsThreeArrays(compressed: Bool) throws {
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let url = folder.appendingPathComponent("params.npz")
            let W1 = Matrix<Float>([[1, 2, 3], [4, 5, 6]])
            let b1 = Matrix<Float>(rows: 2, columns: 1, columnMajor: [0.5, -0.5])
            let W2 = Matrix<Float>([[7, 8]])
            try NPZ.write([("W1", W1), ("b1", b1), ("W2", W2)], to: url, compressed: compressed)
            // Written again over the old file: the rename replaces it, leaving no temporary file.
            try NPZ.write([("W1", W1), ("b1", b1), ("W2", W2)], to: url, compressed: compressed)
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["params.npz"])
            let archive = try NPZ.read(contentsOf: url)
            #expect(archive.names == ["W1", "b1", "W2"])
            #expect(try archive.matrix(named: "W1") == W1)
            #expect(try archive.matrix(named: "b1") == b1)
            #expect(try archive.matrix(named: "W2") == W2)
            #expect(archive["b1"]?.shape == [2, 1])

            let mixed: [(name: String, array: NPYArray)] = [
                ("cost", NPYArray(scalar: 0.5)), ("y", try NPYArray(shape: [2], elements: .uint8([1, 0]))),
            ]
            try NPZ.write(mixed, to: url, compressed: compressed)
            let reread = try NPZ.read(contentsOf: url)
            #expect(try reread["cost"]?.scalar() == 0.5)
            #expect(reread["y"]?.elements == .uint8([1, 0]))
        }

        @Test func rejectsBadArchives() throws {
            let notZip = errorMessage { _ = try NPZ.decode(Data("hello".utf8), source: "bad.npz") }
            #expect(notZip?.hasPrefix("bad.npz: not a readable zip archive") == true)
            let folder = try temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            #expect(throws: BackpropError.self) {
                try NPZ.write([("W", Matrix<Float>([[1]])), ("W", Matrix<Float>([[2]]))], to: folder.appendingPathComponent("x.npz"))
            }
            // A corrupt entry names the archive and the entry.
            let url = folder.appendingPathComponent("broken.npz")
            try NPZ.write([("W", NPYArray(scalar: 1))], to: url)
            var bytes = try Data(contentsOf: url)
            let magic = bytes.firstRange(of: Data([0x93, 0x4E, 0x55, 0x4D]))!
            bytes[magic.lowerBound + 1] = 0x41
            let corrupt = errorMessage { _ = try NPZ.decode(bytes, source: "broken.npz") }
            #expect(corrupt?.hasPrefix("broken.npz [W.npy]: ") == true)
        }
    }
}
