/// A run of a buffer as a buffer of its own: the optimizer's and the finalize pass's ranges of
/// the parameter and gradient slabs.
extension UnsafeMutableBufferPointer {
    /// The elements `range` as a buffer of their own.
    @inline(__always)
    func slice(_ range: Range<Int>) -> UnsafeMutableBufferPointer { UnsafeMutableBufferPointer(rebasing: self[range]) }
}

extension UnsafeBufferPointer {
    /// The elements `range` as a buffer of their own.
    @inline(__always)
    func slice(_ range: Range<Int>) -> UnsafeBufferPointer { UnsafeBufferPointer(rebasing: self[range]) }
}
