/// An n-dimensional array in NumPy's C order (row-major, last index fastest): the course's
/// convolution shapes `A_prev (m, n_H, n_W, n_C)`, `W (f, f, n_C_prev, n_C)`, `b (1, 1, 1, n_C)`,
/// a slice `(f, f, n_C_prev)`, a pooling window `(f, f)`.
///
/// The course's building blocks take and return these, so a learner compares with the
/// notebook directly; a network keeps images as `(C·H·W, m)` matrices instead
/// (``ImageShape``), and the conversions here are the edge between the two.
public struct NDArray<Scalar: BackpropScalar>: Sendable, Equatable, CustomStringConvertible {
    /// The four dimensions.
    public let shape: [Int]
    /// The elements in C order.
    public internal(set) var elements: [Scalar]

    /// An array of `shape` filled with `value`.
    /// - Precondition: non-negative dimensions.
    public init(shape: [Int], repeating value: Scalar = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "a shape of non-negative dimensions, not \(shape)")
        self.shape = shape
        self.elements = Array(repeating: value, count: shape.reduce(1, *))
    }

    /// An array of `shape` from its elements in C order (`np.ndarray.ravel()`).
    /// - Precondition: dimensions whose product is `elements.count`.
    public init(shape: [Int], elements: [Scalar]) {
        precondition(shape.allSatisfy { $0 >= 0 } && shape.reduce(1, *) == elements.count,
                     "\(elements.count) elements cannot fill a \(shape) array")
        self.shape = shape
        self.elements = elements
    }

    /// The element at `index` (one subscript per dimension).
    public subscript(index: Int...) -> Scalar {
        get { elements[offset(index)] }
        set { elements[offset(index)] = newValue }
    }

    func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count && zip(index, shape).allSatisfy { (0..<$1).contains($0) },
                     "index \(index) is outside the \(shapeDescription) array")
        return zip(index, shape).reduce(0) { $0 * $1.1 + $1.0 }
    }

    /// The number of elements.
    public var count: Int { elements.count }

    /// The element at `[i, j, k, l]` of a 4-D array.
    public subscript(i: Int, j: Int, k: Int, l: Int) -> Scalar {
        get { elements[index(i, j, k, l)] }
        set { elements[index(i, j, k, l)] = newValue }
    }

    @inline(__always)
    func index(_ i: Int, _ j: Int, _ k: Int, _ l: Int) -> Int { ((i * shape[1] + j) * shape[2] + k) * shape[3] + l }

    /// `(d0, d1, d2, d3)`, as NumPy prints a shape.
    public var shapeDescription: String { "(" + shape.map(String.init).joined(separator: ", ") + ")" }

    public var description: String { "NDArray\(shapeDescription) \(elements)" }

    // MARK: The edge to a network's layout

    /// The course's `(m, n_H, n_W, n_C)` array of a `(C·H·W, m)` batch matrix of `image`s.
    /// - Precondition: `X` has `image.featureCount` rows.
    public init(nchwColumns X: Matrix<Scalar>, image: ImageShape) {
        precondition(X.rows == image.featureCount, "\(X.shape) is not a batch of \(image) images")
        let (C, H, W, m) = (image.channels, image.height, image.width, X.columns)
        self.init(shape: [m, H, W, C])
        for e in 0..<m {
            for c in 0..<C {
                for h in 0..<H {
                    for w in 0..<W { self[e, h, w, c] = X[(c * H + h) * W + w, e] }
                }
            }
        }
    }

    /// This `(m, n_H, n_W, n_C)` array as a `(C·H·W, m)` batch matrix (C·H·W per column).
    public func nchwColumns() -> Matrix<Scalar> {
        let (m, H, W, C) = (shape[0], shape[1], shape[2], shape[3])
        var X = Matrix<Scalar>(rows: C * H * W, columns: m)
        for e in 0..<m {
            for c in 0..<C {
                for h in 0..<H {
                    for w in 0..<W { X[(c * H + h) * W + w, e] = self[e, h, w, c] }
                }
            }
        }
        return X
    }

    /// The one image `(n_H, n_W, n_C)` of these `(m, n_H, n_W, n_C)`.
    public var image: ImageShape { ImageShape(channels: shape[3], height: shape[1], width: shape[2]) }

    /// The course's `W (f, f, n_C_prev, n_C)` of a convolution weight held as PyTorch's
    /// `(out_c, in_c·f·f)` matrix.
    public init(convolutionWeight W: Matrix<Scalar>, kernel f: Int) {
        let (outC, inC) = (W.rows, W.columns / (f * f))
        precondition(W.columns == inC * f * f, "\(W.shape) is not a weight of \(f)×\(f) filters")
        self.init(shape: [f, f, inC, outC])
        for o in 0..<outC {
            for c in 0..<inC {
                for i in 0..<f {
                    for j in 0..<f { self[i, j, c, o] = W[o, (c * f + i) * f + j] }
                }
            }
        }
    }

    /// This `W (f, f, n_C_prev, n_C)` as PyTorch's `(out_c, in_c·f·f)` matrix.
    public func convolutionWeight() -> Matrix<Scalar> {
        let (f, inC, outC) = (shape[0], shape[2], shape[3])
        var W = Matrix<Scalar>(rows: outC, columns: inC * f * f)
        for o in 0..<outC {
            for c in 0..<inC {
                for i in 0..<f {
                    for j in 0..<f { W[o, (c * f + i) * f + j] = self[i, j, c, o] }
                }
            }
        }
        return W
    }
}
