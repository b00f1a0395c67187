/// The random draws the course's building blocks take from any `RandomNumberGenerator`, in
/// the sequence ``SeededGenerator`` gives: with a `SeededGenerator`, the normals are its
/// ``SeededGenerator/nextNormal()`` values, the uniforms its ``SeededGenerator/nextUniform()``
/// values and the permutation its ``SeededGenerator/permutation(_:)``, so a seed means the
/// same numbers here as in the rest of Backprop.
///
/// They are not NumPy's: to reproduce a notebook's digits, pass the notebook's own draws to
/// the `randn:` / `U:` / `permutation:` forms instead.
enum CourseRandom {
    /// A uniform `Double` in `[0, 1)` from the top 53 of the next 64 bits.
    static func uniform<G: RandomNumberGenerator>(using generator: inout G) -> Double {
        Double(generator.next() >> 11) * 0x1.0p-53
    }

    /// `count` standard-normal draws by Marsaglia's polar method (both values of each pair
    /// used, the first first), with ``deterministicLog(_:)`` so no `libm` changes a draw.
    static func standardNormals<G: RandomNumberGenerator>(_ count: Int, using generator: inout G) -> [Double] {
        var draws: [Double] = []
        draws.reserveCapacity(count + 1)
        while draws.count < count {
            let u = 2 * uniform(using: &generator) - 1
            let v = 2 * uniform(using: &generator) - 1
            let s = u * u + v * v
            guard s > 0 && s < 1 else { continue }
            let factor = (-2 * deterministicLog(s) / s).squareRoot()
            draws.append(u * factor)
            draws.append(v * factor)
        }
        return Array(draws.prefix(count))
    }

    /// A uniformly random permutation of `0..<count`: Fisher–Yates from the last index down,
    /// each index drawn with Lemire's unbiased multiply-shift.
    static func permutation<G: RandomNumberGenerator>(_ count: Int, using generator: inout G) -> [Int] {
        var indices = Array(0..<count)
        var i = count - 1
        while i > 0 {
            indices.swapAt(i, below(i + 1, using: &generator))
            i -= 1
        }
        return indices
    }

    /// A uniform integer in `0..<bound`.
    private static func below<G: RandomNumberGenerator>(_ bound: Int, using generator: inout G) -> Int {
        let b = UInt64(bound)
        let threshold = (0 &- b) % b
        while true {
            let (high, low) = generator.next().multipliedFullWidth(by: b)
            if low >= threshold { return Int(high) }
        }
    }
}
