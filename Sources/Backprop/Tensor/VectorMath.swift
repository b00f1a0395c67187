import BackpropKernels

/// Vectorised `exp`, `tanh`, the logistic function and the binary cross-entropy term, written
/// with Swift's SIMD types so that an activation over a layer runs as a few straight loops
/// instead of one libm call per element.
///
/// Each kernel works on a vector of lanes (`SIMD4<Double>`, `SIMD8<Float>`). A buffer whose
/// length is not a multiple of the width finishes with one padded vector, and a single value
/// goes through the same padded vector, so an element's result never depends on where it sits
/// in a buffer, and the scalar ``Activation/sigmoid(_:)`` agrees with a whole-layer forward.
///
/// Method (the same for both precisions):
/// - `exp`: `x = k·ln2 + r` with `|r| ≤ ln2/2` (Cody–Waite: `ln2` split into a short high
///   part, so `k·ln2_hi` is exact, and a low part), `e^r = 1 + r + r²·Q(r)` with a near-minimax
///   `Q`, then `2^k` applied as two exact powers of two `2^{k₁}·2^{k₂}` built from exponent bits,
///   so results near overflow and in the subnormal range are rounded once. `x` is clamped first
///   (NaN passes the clamp), which gives `+∞` above the overflow threshold and `0` below the
///   underflow one.
/// - `tanh`: on `|x| < 0.55` an odd polynomial `x + x³·P(x²)` (relative accuracy near 0,
///   `tanh(±0) = ±0`, subnormals returned as they are); above, `1 − 2/(e^{2|x|} + 1)`, which
///   reaches exactly 1 once `e^{2|x|}` is large. `|x|` is clamped to 20 (`Double`) or 10
///   (`Float`) first, where the result is already exactly 1, so that `e^{2|x|}` needs neither
///   the overflow clamps nor the two-step `2^k`. The sign is copied back from `x`.
/// - logistic: `e = e^{−|z|}`, then `1/(1 + e)` for `z ≥ 0` and `e/(1 + e)` below, one division
///   for the lanes together; never overflows, and `σ(+∞) = 1`, `σ(−∞) = 0`.
/// - `log1p(e)` for `e ∈ [0, 1]` (the cross-entropy term): `s = e/(2 + e)`,
///   `log1p(e) = 2·atanh(s) = 2s + s³·R(s²)` with `s ≤ 1/3`.
///
/// The polynomial coefficients are least-squares/Lawson fits (near minimax) in relative
/// error, made for this file with 50-digit arithmetic. Measured against glibc the kernels stay
/// within 2 ulp (see `VectorMathTests`).
@usableFromInline
enum VectorMath {}

// MARK: - Double kernels (SIMD4<Double>)

extension VectorMath {
    typealias D4 = SIMD4<Double>
    typealias D4Bits = SIMD4<Int64>

    /// `1.5·2^52`: adding it rounds a double of magnitude below `2^51` to an integer held in the
    /// low significand bits.
    private static let doubleShifter: Double = 6_755_399_441_055_744
    private static let doubleShifterBits = Int64(bitPattern: doubleShifter.bitPattern)

    /// `e^r` for `x = k·ln2 + r`, and `x/ln2 + 1.5·2^52`, which holds `k` in its low bits.
    @inline(__always)
    private static func reducedExp(_ x: D4) -> (p: D4, shifted: D4) {
        let shifted = x * 1.4426950408889634 + doubleShifter
        let k = shifted - doubleShifter
        let r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10
        // Q(r) by Estrin's scheme: short dependency chains keep both vector units busy.
        let r2 = r * r, r4 = r2 * r2
        let q01 = 0.5000000000000012 + 0.16666666666666385 * r
        let q23 = 0.04166666666651914 + 0.008333333333507657 * r
        let q45 = 0.0013888888946921557 + 0.0001984126948617718 * r
        let q67 = 2.480148935073469e-05 + 2.7557597167588788e-06 * r
        let q89 = 2.7631687854538417e-07 + 2.4998999839688315e-08 * r
        let q = (q01 + q23 * r2) + ((q45 + q67 * r2) + q89 * r4) * r4
        return (1 + (r + r2 * q), shifted)
    }

    @inline(__always)
    static func exp(_ x: D4) -> D4 {
        var x = x
        x.replace(with: 710, where: x .> 710)  // e^710 overflows; NaN is left alone
        x.replace(with: -746, where: x .< -746)  // e^-746 rounds to 0
        let (p, shifted) = reducedExp(x)
        let k = shifted - doubleShifter
        // 2^k as 2^k1 · 2^k2, each a normal number for every clamped x.
        let kBits = unsafeBitCast(shifted, to: D4Bits.self) &- doubleShifterBits
        let halfBits = unsafeBitCast(k * 0.5 + doubleShifter, to: D4Bits.self) &- doubleShifterBits
        let scale1 = unsafeBitCast((halfBits &+ 1023) &<< 52, to: D4.self)
        let scale2 = unsafeBitCast((kBits &- halfBits &+ 1023) &<< 52, to: D4.self)
        return (p * scale1) * scale2
    }

    /// ``exp(_:)-(D4)`` for `0 ≤ x ≤ 40` or NaN (`tanh`'s `e^{2|x|}`, `|x|` clamped to 20, where
    /// `tanh` is already 1): the same bits without the clamps, and `2^k` as one power of two
    /// (`k ≤ 58`, so `p·2^k` is exact and equals `(p·2^{k₁})·2^{k₂}`).
    @inline(__always)
    private static func expForTanh(_ x: D4) -> D4 {
        let (p, shifted) = reducedExp(x)
        return p * unsafeBitCast((unsafeBitCast(shifted, to: D4Bits.self) &- (doubleShifterBits - 1023)) &<< 52, to: D4.self)
    }

    @inline(__always)
    static func tanh(_ x: D4) -> D4 {
        let bits = unsafeBitCast(x, to: D4Bits.self)
        let sign = bits & Int64.min
        let a = unsafeBitCast(bits & Int64.max, to: D4.self)
        let small = a .< 0.55
        var result = D4.zero
        if any(small) {
            let u = a * a
            let u2 = u * u, u4 = u2 * u2
            let p01 = -0.333333333333333 + 0.13333333333326622 * u
            let p23 = -0.05396825396376048 + 0.021869488385852624 * u
            let p45 = -0.008863232601394561 + 0.0035920920300082683 * u
            let p67 = -0.0014555428432238393 + 0.0005884444765819013 * u
            let p89 = -0.00023338154247655454 + 8.331641680560771e-05 * u
            let p8910 = p89 - 1.9494669728489172e-05 * u2
            let p = (p01 + p23 * u2) + ((p45 + p67 * u2) + p8910 * u4) * u4
            result = a + (a * u) * p
        }
        if !all(small) {
            var clamped = a
            clamped.replace(with: 20, where: a .> 20)
            let e = expForTanh(clamped + clamped)
            result.replace(with: 1 - 2 / (e + 1), where: .!small)
        }
        return unsafeBitCast(unsafeBitCast(result, to: D4Bits.self) | sign, to: D4.self)
    }

    @inline(__always)
    static func sigmoid(_ z: D4) -> D4 {
        let bits = unsafeBitCast(z, to: D4Bits.self)
        let e = exp(unsafeBitCast(bits | Int64.min, to: D4.self))  // e^{-|z|}
        var numerator = e
        numerator.replace(with: 1, where: z .>= 0)
        return numerator / (1 + e)
    }

    /// `log1p(e)` for `e` in `[0, 1]`.
    @inline(__always)
    static func log1pUnit(_ e: D4) -> D4 {
        let s = e / (2 + e)
        let w = s * s
        let w2 = w * w, w4 = w2 * w2
        let r01 = 0.6666666666666631 + 0.40000000000155117 * w
        let r23 = 0.28571428548117833 + 0.22222223953654785 * w
        let r45 = 0.18181744478836262 + 0.1538654839701575 * w
        let r67 = 0.13301121327384927 + 0.12104945297682317 * w
        let r89 = 0.08344969770874015 + 0.17009759940801547 * w
        let r = (r01 + r23 * w2) + ((r45 + r67 * w2) + r89 * w4) * w4
        return (s + s) + (s * w) * r
    }

    /// `max(z, 0) − z·y + log1p(e^{−|z|})`, binary cross-entropy from the logit `z`.
    @inline(__always)
    static func binaryCrossEntropy(_ z: D4, _ y: D4) -> D4 {
        let bits = unsafeBitCast(z, to: D4Bits.self)
        let e = exp(unsafeBitCast(bits | Int64.min, to: D4.self))
        var positive = z
        positive.replace(with: 0, where: z .< 0)
        return (positive - z * y) + log1pUnit(e)
    }
}

// MARK: - Float kernels (SIMD8<Float>)

extension VectorMath {
    typealias F8 = SIMD8<Float>
    typealias F8Bits = SIMD8<Int32>

    /// `1.5·2^23`, the single-precision rounding constant.
    private static let floatShifter: Float = 12_582_912
    private static let floatShifterBits = Int32(bitPattern: floatShifter.bitPattern)

    /// `e^r` and the shifted `k`, as for `Double`.
    @inline(__always)
    private static func reducedExp(_ x: F8) -> (p: F8, shifted: F8) {
        let shifted = x * 1.442695021 + floatShifter
        let k = shifted - floatShifter
        let r = (x - k * 0.693145751953125) - k * 1.4286067653e-06
        var q = F8(repeating: 1.381314236e-03)
        q = q * r + 8.369419043e-03
        q = q * r + 4.166845683e-02
        q = q * r + 1.666651479e-01
        q = q * r + 4.999999305e-01
        return (1 + (r + (r * r) * q), shifted)
    }

    @inline(__always)
    static func exp(_ x: F8) -> F8 {
        var x = x
        x.replace(with: 89, where: x .> 89)
        x.replace(with: -104, where: x .< -104)
        let (p, shifted) = reducedExp(x)
        let k = shifted - floatShifter
        let kBits = unsafeBitCast(shifted, to: F8Bits.self) &- floatShifterBits
        let halfBits = unsafeBitCast(k * 0.5 + floatShifter, to: F8Bits.self) &- floatShifterBits
        let scale1 = unsafeBitCast((halfBits &+ 127) &<< 23, to: F8.self)
        let scale2 = unsafeBitCast((kBits &- halfBits &+ 127) &<< 23, to: F8.self)
        return (p * scale1) * scale2
    }

    /// ``exp(_:)-(F8)`` for `0 ≤ x ≤ 20` or NaN (`|x|` clamped to 10), as for `Double`.
    @inline(__always)
    private static func expForTanh(_ x: F8) -> F8 {
        let (p, shifted) = reducedExp(x)
        return p * unsafeBitCast((unsafeBitCast(shifted, to: F8Bits.self) &- (floatShifterBits - 127)) &<< 23, to: F8.self)
    }

    @inline(__always)
    static func tanh(_ x: F8) -> F8 {
        let bits = unsafeBitCast(x, to: F8Bits.self)
        let sign = bits & Int32.min
        let a = unsafeBitCast(bits & Int32.max, to: F8.self)
        let small = a .< 0.55
        var result = F8.zero
        if any(small) {
            let u = a * a
            var p = F8(repeating: -6.274232911e-03)
            p = p * u + 2.107167397e-02
            p = p * u - 5.385230854e-02
            p = p * u + 1.333258612e-01
            p = p * u - 3.333331756e-01
            result = a + (a * u) * p
        }
        if !all(small) {
            var clamped = a
            clamped.replace(with: 10, where: a .> 10)
            let e = expForTanh(clamped + clamped)
            result.replace(with: 1 - 2 / (e + 1), where: .!small)
        }
        return unsafeBitCast(unsafeBitCast(result, to: F8Bits.self) | sign, to: F8.self)
    }

    @inline(__always)
    static func sigmoid(_ z: F8) -> F8 {
        let bits = unsafeBitCast(z, to: F8Bits.self)
        let e = exp(unsafeBitCast(bits | Int32.min, to: F8.self))
        var numerator = e
        numerator.replace(with: 1, where: z .>= 0)
        return numerator / (1 + e)
    }
}

// MARK: - Buffers

/// A kernel `VectorMath` can map over a buffer: one SIMD vector type and its function.
private protocol VectorKernel {
    associatedtype Vector: SIMD where Vector.Scalar: BackpropScalar
    static func apply(_ v: Vector) -> Vector
}

private enum DoubleExp: VectorKernel { static func apply(_ v: SIMD4<Double>) -> SIMD4<Double> { VectorMath.exp(v) } }
private enum DoubleTanh: VectorKernel { static func apply(_ v: SIMD4<Double>) -> SIMD4<Double> { VectorMath.tanh(v) } }
private enum DoubleSigmoid: VectorKernel { static func apply(_ v: SIMD4<Double>) -> SIMD4<Double> { VectorMath.sigmoid(v) } }
private enum FloatExp: VectorKernel { static func apply(_ v: SIMD8<Float>) -> SIMD8<Float> { VectorMath.exp(v) } }
private enum FloatTanh: VectorKernel { static func apply(_ v: SIMD8<Float>) -> SIMD8<Float> { VectorMath.tanh(v) } }
private enum FloatSigmoid: VectorKernel { static func apply(_ v: SIMD8<Float>) -> SIMD8<Float> { VectorMath.sigmoid(v) } }

extension VectorMath {
    /// The elementwise functions with a vector kernel.
    @usableFromInline
    enum Function: Sendable {
        case exp, tanh, sigmoid
    }

    /// `destination[i] = function(source[i])`; the buffers have the same count.
    static func apply<T: BackpropScalar>(
        _ function: Function, _ source: UnsafeBufferPointer<T>, into destination: UnsafeMutableBufferPointer<T>
    ) {
        precondition(source.count == destination.count, "buffer lengths differ")
        guard let s = source.baseAddress, let d = destination.baseAddress else { return }
        apply(function, s, into: d, count: source.count)
    }

    /// `values[i] = function(values[i])`.
    static func apply<T: BackpropScalar>(_ function: Function, inPlace values: UnsafeMutableBufferPointer<T>) {
        guard let p = values.baseAddress else { return }
        apply(function, p, into: p, count: values.count)
    }

    /// Applies `kernel` to `count` values from `source` into `destination`, which may be the
    /// same memory (in place) but must not otherwise overlap it.
    @inline(__always)
    private static func map<K: VectorKernel>(
        _: K.Type, _ source: UnsafePointer<K.Vector.Scalar>,
        into destination: UnsafeMutablePointer<K.Vector.Scalar>, count: Int
    ) {
        let width = K.Vector.scalarCount
        let stride = MemoryLayout<K.Vector.Scalar>.stride
        let input = UnsafeRawPointer(source), output = UnsafeMutableRawPointer(destination)
        var i = 0
        while i + width <= count {
            let v = input.loadUnaligned(fromByteOffset: i * stride, as: K.Vector.self)
            output.storeBytes(of: K.apply(v), toByteOffset: i * stride, as: K.Vector.self)
            i += width
        }
        guard i < count else { return }
        var v = K.Vector()
        for lane in 0..<(count - i) { v[lane] = source[i + lane] }
        let result = K.apply(v)
        for lane in 0..<(count - i) { destination[i + lane] = result[lane] }
    }

    /// `function` over `count` contiguous values; `destination` may equal `source`.
    ///
    /// `Float` and `Double` run the C kernels of `BackpropKernels`, at the instruction set
    /// ``KernelInstructionSet/current``: the same algorithm as the Swift kernels here, the same
    /// bits, on 512-bit vectors where the CPU has them (see ``reference(_:_:into:count:)``).
    static func apply<T: BackpropScalar>(
        _ function: Function, _ source: UnsafePointer<T>,
        into destination: UnsafeMutablePointer<T>, count: Int
    ) {
        if T.self == Double.self {
            let s = UnsafeRawPointer(source).assumingMemoryBound(to: Double.self)
            let d = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Double.self)
            switch function {
            case .exp: bp_exp_f64(s, d, count)
            case .tanh: bp_tanh_f64(s, d, count)
            case .sigmoid: bp_sigmoid_f64(s, d, count)
            }
        } else if T.self == Float.self {
            let s = UnsafeRawPointer(source).assumingMemoryBound(to: Float.self)
            let d = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Float.self)
            switch function {
            case .exp: bp_exp_f32(s, d, count)
            case .tanh: bp_tanh_f32(s, d, count)
            case .sigmoid: bp_sigmoid_f32(s, d, count)
            }
        } else {
            for i in 0..<count { destination[i] = scalarFallback(function, source[i]) }
        }
    }

    /// `function` over `count` values with the Swift kernels: the reference the C kernels are
    /// tested against bit for bit (`VectorMathTests`).
    static func reference<T: BackpropScalar>(
        _ function: Function, _ source: UnsafePointer<T>,
        into destination: UnsafeMutablePointer<T>, count: Int
    ) {
        if T.self == Double.self {
            let s = UnsafeRawPointer(source).assumingMemoryBound(to: Double.self)
            let d = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Double.self)
            switch function {
            case .exp: map(DoubleExp.self, s, into: d, count: count)
            case .tanh: map(DoubleTanh.self, s, into: d, count: count)
            case .sigmoid: map(DoubleSigmoid.self, s, into: d, count: count)
            }
        } else if T.self == Float.self {
            let s = UnsafeRawPointer(source).assumingMemoryBound(to: Float.self)
            let d = UnsafeMutableRawPointer(destination).assumingMemoryBound(to: Float.self)
            switch function {
            case .exp: map(FloatExp.self, s, into: d, count: count)
            case .tanh: map(FloatTanh.self, s, into: d, count: count)
            case .sigmoid: map(FloatSigmoid.self, s, into: d, count: count)
            }
        } else {
            for i in 0..<count { destination[i] = scalarFallback(function, source[i]) }
        }
    }

    /// `function` of one value, through the same vector kernel the buffers use.
    @usableFromInline
    static func apply<T: BackpropScalar>(_ function: Function, _ x: T) -> T {
        var value = x
        withUnsafeMutablePointer(to: &value) { apply(function, $0, into: $0, count: 1) }
        return value
    }

    /// libm, for a scalar type other than `Float` and `Double`.
    private static func scalarFallback<T: BackpropScalar>(_ function: Function, _ x: T) -> T {
        switch function {
        case .exp: return T.exp(x)
        case .tanh: return T.tanh(x)
        case .sigmoid:
            if x >= 0 { return 1 / (1 + T.exp(-x)) }
            let e = T.exp(x)
            return e / (1 + e)
        }
    }

    /// Replaces `values[i]` by `e^{values[i] − shift}` and returns their sum (softmax).
    static func exponentiate<T: BackpropScalar>(_ buffer: UnsafeMutableBufferPointer<T>, minus shift: T) -> T {
        guard let values = buffer.baseAddress else { return 0 }
        let count = buffer.count
        if T.self == Double.self {
            let p = UnsafeMutableRawPointer(values).assumingMemoryBound(to: Double.self)
            return unsafeBitCast(exponentiate(DoubleExp.self, p, count: count, minus: unsafeBitCast(shift, to: Double.self)), to: T.self)
        } else if T.self == Float.self {
            let p = UnsafeMutableRawPointer(values).assumingMemoryBound(to: Float.self)
            return unsafeBitCast(exponentiate(FloatExp.self, p, count: count, minus: unsafeBitCast(shift, to: Float.self)), to: T.self)
        }
        var total: T = 0
        for i in 0..<count {
            values[i] = T.exp(values[i] - shift)
            total += values[i]
        }
        return total
    }

    /// `values[i] = e^{values[i] − shift}` with the exp kernel `K`; returns their sum.
    @inline(__always)
    private static func exponentiate<K: VectorKernel>(
        _: K.Type, _ values: UnsafeMutablePointer<K.Vector.Scalar>, count: Int, minus shift: K.Vector.Scalar
    ) -> K.Vector.Scalar {
        let width = K.Vector.scalarCount
        let stride = MemoryLayout<K.Vector.Scalar>.stride
        let raw = UnsafeMutableRawPointer(values)
        var sums = K.Vector()
        var i = 0
        while i + width <= count {
            let e = K.apply(raw.loadUnaligned(fromByteOffset: i * stride, as: K.Vector.self) - K.Vector(repeating: shift))
            raw.storeBytes(of: e, toByteOffset: i * stride, as: K.Vector.self)
            sums += e
            i += width
        }
        var total = sums.sum()
        if i < count {
            var v = K.Vector()
            for lane in 0..<(count - i) { v[lane] = values[i + lane] }
            let e = K.apply(v - K.Vector(repeating: shift))
            for lane in 0..<(count - i) {
                values[i + lane] = e[lane]
                total += e[lane]
            }
        }
        return total
    }

    /// Four values from `p` (fewer at the end, padded with `padding`) widened to `Double`.
    @inline(__always)
    private static func loadDoubles<T: BackpropScalar>(
        _ p: UnsafePointer<T>, at i: Int, count: Int, padding: Double
    ) -> D4 {
        if T.self == Double.self, i + 4 <= count {
            return UnsafeRawPointer(p).loadUnaligned(fromByteOffset: i * 8, as: D4.self)
        }
        if T.self == Float.self, i + 4 <= count {
            let f = UnsafeRawPointer(p).loadUnaligned(fromByteOffset: i * 4, as: SIMD4<Float>.self)
            return D4(Double(f[0]), Double(f[1]), Double(f[2]), Double(f[3]))
        }
        var v = D4(repeating: padding)
        for lane in 0..<Swift.min(4, count - i) { v[lane] = Double(p[i + lane]) }
        return v
    }

    /// `Σ_i e^{x_i − shift}`, computed and summed in `Double` (log-sum-exp for cross-entropy).
    static func sumOfExponentials<T: BackpropScalar>(_ buffer: UnsafeBufferPointer<T>, minus shift: Double) -> Double {
        guard let x = buffer.baseAddress else { return 0 }
        let count = buffer.count
        var sums = D4.zero
        var i = 0
        while i < count {
            // Padding lanes hold −∞, whose exponential is 0.
            sums += exp(loadDoubles(x, at: i, count: count, padding: -.infinity) - shift)
            i += 4
        }
        return sums.sum()
    }

    /// `Σ_i [max(z_i, 0) − z_i·y_i + log1p(e^{−|z_i|})]`, binary cross-entropy from logits,
    /// computed and summed in `Double`: four running sums (element `i` into sum `i mod 4`, in
    /// order), then their total, then the last `count mod 4` terms. The groups of four run in
    /// the C kernels for `Float` and `Double` (the same bits as ``referenceBinaryCrossEntropySum(logits:labels:)``).
    static func binaryCrossEntropySum<T: BackpropScalar>(
        logits: UnsafeBufferPointer<T>, labels: UnsafeBufferPointer<T>
    ) -> Double {
        precondition(logits.count == labels.count, "buffer lengths differ")
        guard let z = logits.baseAddress, let y = labels.baseAddress else { return 0 }
        let count = logits.count
        var sums = D4.zero
        var i = 0
        withUnsafeMutableBytes(of: &sums) { raw in
            let out = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            if T.self == Double.self {
                i = bp_bce_sums_f64(UnsafeRawPointer(z).assumingMemoryBound(to: Double.self),
                                    UnsafeRawPointer(y).assumingMemoryBound(to: Double.self), count, out)
            } else if T.self == Float.self {
                i = bp_bce_sums_f32(UnsafeRawPointer(z).assumingMemoryBound(to: Float.self),
                                    UnsafeRawPointer(y).assumingMemoryBound(to: Float.self), count, out)
            }
        }
        return finishBinaryCrossEntropySum(sums, from: i, z, y, count: count)
    }

    /// ``binaryCrossEntropySum(logits:labels:)`` with the Swift kernels only: the reference.
    static func referenceBinaryCrossEntropySum<T: BackpropScalar>(
        logits: UnsafeBufferPointer<T>, labels: UnsafeBufferPointer<T>
    ) -> Double {
        precondition(logits.count == labels.count, "buffer lengths differ")
        guard let z = logits.baseAddress, let y = labels.baseAddress else { return 0 }
        return finishBinaryCrossEntropySum(.zero, from: 0, z, y, count: logits.count)
    }

    /// The groups of four from `start` on (all of them for the reference, none after the C
    /// kernels), the total of the four sums, and the last `count mod 4` terms.
    private static func finishBinaryCrossEntropySum<T: BackpropScalar>(
        _ sums: D4, from start: Int, _ z: UnsafePointer<T>, _ y: UnsafePointer<T>, count: Int
    ) -> Double {
        var sums = sums
        var i = start
        while i + 4 <= count {
            sums += binaryCrossEntropy(loadDoubles(z, at: i, count: count, padding: 0),
                                       loadDoubles(y, at: i, count: count, padding: 0))
            i += 4
        }
        var total = sums.sum()
        if i < count {
            let terms = binaryCrossEntropy(loadDoubles(z, at: i, count: count, padding: 0),
                                           loadDoubles(y, at: i, count: count, padding: 0))
            for lane in 0..<(count - i) { total += terms[lane] }
        }
        return total
    }
}
