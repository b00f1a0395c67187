import Foundation

/// MNIST-style datasets from IDX image and label files (MNIST, Fashion-MNIST).
///
/// `X` is `(pixels, N)` — each image's pixels row-major down one column, scaled by `1/255`
/// into `[0, 1]` — and `Y` is `(classes, N)` one-hot. `(N, H, W)` images keep their shape as the
/// dataset's ``Dataset/imageShape`` `1×H×W`, for convolutional networks.
///
/// ```swift
/// let train: Dataset<Float> = try IDXDataset.loadFolder(mnistFolder, split: .train)
/// // train.X is (784, 60000), train.Y is (10, 60000)
/// ```
public enum IDXDataset {
    /// Which pair of the standard files to load.
    public enum Split: String, Sendable, CaseIterable {
        /// `train-images-idx3-ubyte` and `train-labels-idx1-ubyte`.
        case train
        /// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`.
        case test

        /// The standard file names, without `.gz`.
        public var fileNames: (images: String, labels: String) {
            switch self {
            case .train: return ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
            case .test: return ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
            }
        }
    }

    /// Loads images and labels from two IDX files (each raw or gzip-compressed).
    ///
    /// - Parameters:
    ///   - imagesURL: a `uint8` file of dimensions `(N, height, width)` (or any `(N, …)`).
    ///   - labelsURL: a `uint8` file of dimensions `(N)`, every label below `classes`.
    ///   - classes: the number of classes, the rows of `Y`.
    ///   - scalarType: the precision of `X` and `Y`, `Float` or `Double`.
    ///   - budget: the memory the files' data and `X`, `Y` may take; checked from the headers
    ///     before the data is read.
    /// - Throws: ``BackpropError/malformedFile(path:reason:)`` for a bad file, no images,
    ///   counts that differ, or a label out of range (naming its index);
    ///   ``BackpropError/tooLarge(_:)`` when `X` or `Y` would not fit `budget`.
    public static func load<T: BackpropScalar>(
        imagesAt imagesURL: URL, labelsAt labelsURL: URL, classes: Int = 10, as scalarType: T.Type = T.self,
        budget: MemoryBudget = .standard
    ) throws -> Dataset<T> {
        guard classes > 0 else { throw BackpropError.invalidArgument("classes must be positive, got \(classes)") }
        // Headers first: every size is checked before any data is inflated or allocated.
        let imagesHeader = try IDX.header(contentsOf: imagesURL, budget: budget)
        let labelsHeader = try IDX.header(contentsOf: labelsURL, budget: budget)
        func shape(_ dimensions: [Int]) -> String { dimensions.map(String.init).joined(separator: ", ") }
        guard imagesHeader.elementType == .uint8, imagesHeader.dimensions.count >= 2 else {
            throw BackpropError.malformedFile(
                path: imagesURL.path,
                reason: "expected uint8 images of dimensions (N, height, width), found \(imagesHeader.elementType)"
                    + " of dimensions (\(shape(imagesHeader.dimensions)))")
        }
        guard labelsHeader.elementType == .uint8, labelsHeader.dimensions.count == 1 else {
            throw BackpropError.malformedFile(
                path: labelsURL.path,
                reason: "expected uint8 labels of dimensions (N), found \(labelsHeader.elementType)"
                    + " of dimensions (\(shape(labelsHeader.dimensions)))")
        }
        let m = imagesHeader.dimensions[0]
        let pixels: Int
        do {
            pixels = try CheckedSize.product(imagesHeader.dimensions.dropFirst(), "pixels per image")
        } catch {
            throw BackpropError.malformedFile(path: imagesURL.path, reason: "\(error)")
        }
        guard m > 0, pixels > 0 else {
            throw BackpropError.malformedFile(
                path: imagesURL.path, reason: "no data: dimensions (\(shape(imagesHeader.dimensions))) hold no pixels")
        }
        guard labelsHeader.dimensions[0] == m else {
            throw BackpropError.malformedFile(
                path: labelsURL.path,
                reason: "\(labelsHeader.dimensions[0]) labels for the \(m) images of \(imagesURL.path)")
        }
        let xElements = try CheckedSize.multiply(pixels, m, "\(imagesURL.path): X")
        try budget.require(elements: xElements, of: T.self, for: "\(imagesURL.path): X (\(pixels), \(m))")
        try budget.require(elements: try CheckedSize.multiply(classes, m, "\(labelsURL.path): Y"), of: T.self,
                           for: "\(labelsURL.path): Y (\(classes), \(m))")
        let images = try IDX.read(contentsOf: imagesURL, budget: budget)
        let labels = try IDX.read(contentsOf: labelsURL, budget: budget)
        guard images.dimensions == imagesHeader.dimensions, labels.dimensions == labelsHeader.dimensions else {
            throw BackpropError.malformedFile(path: imagesURL.path, reason: "changed while being read")
        }
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= classes }) {
            throw BackpropError.malformedFile(
                path: labelsURL.path, reason: "label \(labels.bytes[bad]) at index \(bad) is not below \(classes)")
        }

        // Column j of X is image j's pixels, which are contiguous in the file: one linear pass.
        let scale = (0..<256).map { T(Double($0) / 255) }
        var X = Matrix<T>(rows: pixels, columns: m)
        X.withUnsafeMutableBufferPointer { destination in
            images.bytes.withUnsafeBufferPointer { source in
                scale.withUnsafeBufferPointer { scale in
                    for k in 0..<source.count { destination[k] = scale[Int(source[k])] }
                }
            }
        }
        var Y = Matrix<T>(rows: classes, columns: m)
        Y.withUnsafeMutableBufferPointer { destination in
            for (j, label) in labels.bytes.enumerated() { destination[Int(label) + j * classes] = 1 }
        }
        var dataset = try Dataset(X: X, Y: Y, name: imagesURL.path)
        // (N, H, W) images keep their shape, one channel.
        if imagesHeader.dimensions.count == 3 {
            dataset.imageShape = ImageShape(channels: 1, height: imagesHeader.dimensions[1], width: imagesHeader.dimensions[2])
        }
        return dataset
    }

    /// Loads one split from a folder holding the standard file names
    /// (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
    /// `t10k-labels-idx1-ubyte`), each with or without `.gz`.
    ///
    /// - Throws: ``BackpropError/invalidArgument(_:)`` when a file is missing, and whatever
    ///   ``load(imagesAt:labelsAt:classes:as:budget:)`` throws.
    public static func loadFolder<T: BackpropScalar>(
        _ folder: URL, split: Split, classes: Int = 10, as _: T.Type = T.self, budget: MemoryBudget = .standard
    ) throws -> Dataset<T> {
        func locate(_ name: String) throws -> URL {
            for candidate in [name, name + ".gz"] {
                let url = folder.appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: url.path) { return url }
            }
            throw BackpropError.invalidArgument("\(folder.path): found neither \(name) nor \(name).gz")
        }
        let names = split.fileNames
        var dataset: Dataset<T> = try load(
            imagesAt: try locate(names.images), labelsAt: try locate(names.labels), classes: classes, budget: budget)
        dataset.name = "\(folder.lastPathComponent) \(split.rawValue)"
        return dataset
    }
}
