/// The seeded random number generator behind every initialiser, shuffle and dropout mask.
///
/// The algorithm is fixed and documented so that the same seed gives the same numbers on every
/// platform and in every language that implements it:
///
/// - **State**: xoshiro256** (Blackman and Vigna), its four 64-bit words filled from the seed
///   by SplitMix64 (`x += 0x9E3779B97F4A7C15; z = x; z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
///   z = (z ^ (z >> 27)) * 0x94D049BB133111EB; z ^= z >> 31`).
/// - **Uniform** `Double` in `[0, 1)`: the top 53 bits of the next output, times `2⁻⁵³`.
/// - **Normal**: Marsaglia's polar method on two uniforms mapped to `(−1, 1)`, using a logarithm
///   computed here from IEEE additions, multiplications and divisions only (see
///   ``deterministicLog(_:)``), so no platform's `libm` can change a weight.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)
    private var spareNormal: Double?

    /// A generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotate(state.3, 45)
        return result
    }

    /// A uniform `Double` in `[0, 1)` from the top 53 bits.
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal sample (Marsaglia's polar method; the second value of each pair is
    /// kept for the next call).
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            let u = 2 * nextUniform() - 1
            let v = 2 * nextUniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * deterministicLog(s) / s).squareRoot()
                spareNormal = v * factor
                return u * factor
            }
        }
    }

    /// A uniformly random permutation of `0..<count` (Fisher–Yates, drawing with
    /// ``nextBelow(_:)`` from the last index down).
    public mutating func permutation(_ count: Int) -> [Int] {
        var indices = Array(0..<count)
        var i = count - 1
        while i > 0 {
            indices.swapAt(i, nextBelow(i + 1))
            i -= 1
        }
        return indices
    }

    /// A uniform integer in `0..<bound` (Lemire's multiply-shift with rejection, so it is
    /// unbiased and the same everywhere).
    public mutating func nextBelow(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        let threshold = (0 &- b) % b
        while true {
            let (high, low) = next().multipliedFullWidth(by: b)
            if low >= threshold { return Int(high) }
        }
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// The natural logarithm of a positive, finite `x`, from IEEE-exact basic operations only.
///
/// `x = 2^e · f` with `f ∈ [√½, √2)`; then `ln f = 2 atanh(t)`, `t = (f − 1)/(f + 1)`, summed as
/// the odd series in `t²` (|t| < 0.172, so 18 terms reach full `Double` precision). Accurate to
/// a few ulps and, unlike `libm`'s `log`, bit-identical on every platform.
public func deterministicLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "deterministicLog needs a positive finite number")
    var e = Double(x.exponent)
    var f = x.significand  // in [1, 2)
    if f > 1.4142135623730951 {
        f /= 2
        e += 1
    }
    let t = (f - 1) / (f + 1)
    let t2 = t * t
    var term = t
    var sum = 0.0
    var k = 1.0
    for _ in 0..<18 {
        sum += term / k
        term *= t2
        k += 2
    }
    return 2 * sum + e * 0.6931471805599453
}
