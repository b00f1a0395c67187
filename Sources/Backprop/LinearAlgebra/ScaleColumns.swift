extension UnsafeMutablePointer where Pointee: BinaryFloatingPoint {
    /// `C ← β C` for the column-major `m × n` matrix at this address with leading dimension
    /// `ldc`: what a GEMM does when `α = 0` or `k = 0`. `β == 0` writes zeros without reading
    /// `C` (so a NaN there does not survive), as BLAS does.
    func scaleColumns(rows m: Int, columns n: Int, leadingDimension ldc: Int, by beta: Pointee) {
        guard beta != 1 else { return }
        for j in 0..<n {
            let column = self + j * ldc
            if beta == 0 {
                column.update(repeating: 0, count: m)
            } else {
                for i in 0..<m { column[i] *= beta }
            }
        }
    }
}
