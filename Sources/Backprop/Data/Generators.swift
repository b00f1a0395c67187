import RealModule

/// Small seeded datasets built in, so every command has something to run on.
public enum Generators {
    /// The course's planar "flower": `m` points in two classes forming the petals of
    /// `r = 4 sin 4t`, with the course's noise (σ = 0.2 on `t` and on `r`). `X` is `(2, m)`,
    /// `Y` is `(1, m)`. The course's network 2-4-1 (tanh, sigmoid) reaches about 90% on it.
    public static func flower<T: BackpropScalar>(examples m: Int = 400, seed: UInt64 = 1) -> Dataset<T> {
        var generator = SeededGenerator(seed: seed)
        var X = Matrix<T>(rows: 2, columns: m)
        var Y = Matrix<T>(rows: 1, columns: m)
        let perClass = m / 2
        for j in 0..<m {
            let label = j < perClass ? 0 : 1
            let position = label == 0 ? j : j - perClass
            let count = label == 0 ? perClass : m - perClass
            let start = Double(label) * 3.12
            let fraction = count > 1 ? Double(position) / Double(count - 1) : 0
            let t = start + 3.12 * fraction + generator.nextNormal() * 0.2
            let r = 4 * Double.sin(4 * t) + generator.nextNormal() * 0.2
            X[0, j] = T(r * Double.sin(t))
            X[1, j] = T(r * Double.cos(t))
            Y[0, j] = T(label)
        }
        return try! Dataset(X: X, Y: Y, name: "flower")
    }

    /// Random standard-normal features and random labels shaped for `loss`: 0/1 entries for
    /// BCE, one-hot columns for CE, standard-normal targets for MSE. For gradient checks.
    public static func random<T: BackpropScalar>(
        inputs nx: Int, outputs ny: Int, examples m: Int, loss: Loss, seed: UInt64 = 1
    ) -> Dataset<T> {
        var generator = SeededGenerator(seed: seed)
        var X = Matrix<T>(rows: nx, columns: m)
        for i in 0..<X.count { X.elements[i] = T(generator.nextNormal()) }
        var Y = Matrix<T>(rows: ny, columns: m)
        for j in 0..<m {
            switch loss {
            case .binaryCrossEntropy:
                for i in 0..<ny { Y[i, j] = generator.nextUniform() < 0.5 ? 0 : 1 }
            case .categoricalCrossEntropy:
                Y[generator.nextBelow(ny), j] = 1
            case .meanSquaredError:
                for i in 0..<ny { Y[i, j] = T(generator.nextNormal()) }
            }
        }
        return try! Dataset(X: X, Y: Y, name: "random")
    }
}

extension Generators {
    /// Two interleaving half circles, as scikit-learn's `make_moons`: `⌊m/2⌋` points of class 0
    /// on `(cos t, sin t)` and the rest of class 1 on `(1 − cos t, ½ − sin t)`, `t` evenly
    /// spaced over `[0, π]`, each coordinate plus normal noise of standard deviation `noise`.
    /// `X` is `(2, m)`, `Y` is `(1, m)`.
    public static func moons<T: BackpropScalar>(
        examples m: Int = 400, noise: Double = 0.1, seed: UInt64 = 1
    ) -> Dataset<T> {
        precondition(m >= 0 && noise >= 0, "moons needs m ≥ 0 and noise ≥ 0")
        var generator = SeededGenerator(seed: seed)
        let outer = m / 2
        return planar(m, name: "moons") { j in
            let label = j < outer ? 0 : 1
            let (position, count) = label == 0 ? (j, outer) : (j - outer, m - outer)
            let t = Double.pi * evenlySpaced(position, count)
            let x = label == 0 ? Double.cos(t) : 1 - Double.cos(t)
            let y = label == 0 ? Double.sin(t) : 0.5 - Double.sin(t)
            return (x + noise * generator.nextNormal(), y + noise * generator.nextNormal(), label)
        }
    }

    /// Two concentric circles, as scikit-learn's `make_circles`: `⌊m/2⌋` points of class 0 on
    /// the unit circle and the rest of class 1 on a circle of radius `factor`, angles evenly
    /// spaced over `[0, 2π)`, plus normal noise of standard deviation `noise`. `X` is `(2, m)`,
    /// `Y` is `(1, m)`.
    public static func circles<T: BackpropScalar>(
        examples m: Int = 400, noise: Double = 0.05, factor: Double = 0.5, seed: UInt64 = 1
    ) -> Dataset<T> {
        precondition(m >= 0 && noise >= 0 && factor > 0 && factor < 1, "circles needs m ≥ 0, noise ≥ 0, 0 < factor < 1")
        var generator = SeededGenerator(seed: seed)
        let outer = m / 2
        return planar(m, name: "circles") { j in
            let label = j < outer ? 0 : 1
            let (position, count) = label == 0 ? (j, outer) : (j - outer, m - outer)
            let t = 2 * Double.pi * Double(position) / Double(Swift.max(count, 1))
            let r = label == 0 ? 1 : factor
            return (r * Double.cos(t) + noise * generator.nextNormal(),
                    r * Double.sin(t) + noise * generator.nextNormal(), label)
        }
    }

    /// The CS231n spiral: `classes` arms, class `k` with radius `r` evenly spaced over
    /// `[0, 1]` and angle evenly spaced over `[4k, 4k + 4]` plus normal noise of standard
    /// deviation `noise`, at `(r sin t, r cos t)`. The `m` examples are shared out as evenly as
    /// possible, class by class. `X` is `(2, m)`, `Y` is `(classes, m)` one-hot — a set a
    /// linear classifier cannot separate.
    public static func spirals<T: BackpropScalar>(
        classes: Int = 3, examples m: Int = 300, noise: Double = 0.2, seed: UInt64 = 1
    ) -> Dataset<T> {
        precondition(classes >= 1 && m >= 0 && noise >= 0, "spirals needs classes ≥ 1, m ≥ 0, noise ≥ 0")
        var generator = SeededGenerator(seed: seed)
        var X = Matrix<T>(rows: 2, columns: m)
        var Y = Matrix<T>(rows: classes, columns: m)
        var j = 0
        for k in 0..<classes {
            let count = m / classes + (k < m % classes ? 1 : 0)
            for position in 0..<count {
                let r = evenlySpaced(position, count)
                let t = 4 * (Double(k) + evenlySpaced(position, count)) + noise * generator.nextNormal()
                X[0, j] = T(r * Double.sin(t))
                X[1, j] = T(r * Double.cos(t))
                Y[k, j] = 1
                j += 1
            }
        }
        return try! Dataset(X: X, Y: Y, name: "spirals")
    }

    /// XOR: four clusters of normal noise (standard deviation `noise`) around the corners
    /// `(±1, ±1)`; class 1 where the coordinates' signs differ. The first half of the examples
    /// (around `(1, 1)` and `(−1, −1)`) is class 0, the second half (around `(1, −1)` and
    /// `(−1, 1)`) class 1. `X` is `(2, m)`, `Y` is `(1, m)`.
    public static func xor<T: BackpropScalar>(
        examples m: Int = 400, noise: Double = 0.3, seed: UInt64 = 1
    ) -> Dataset<T> {
        precondition(m >= 0 && noise >= 0, "xor needs m ≥ 0 and noise ≥ 0")
        var generator = SeededGenerator(seed: seed)
        let zeros = m / 2
        let corners: [(Double, Double)] = [(1, 1), (-1, -1), (1, -1), (-1, 1)]
        return planar(m, name: "xor") { j in
            let label = j < zeros ? 0 : 1
            let (position, count) = label == 0 ? (j, zeros) : (j - zeros, m - zeros)
            let corner = corners[2 * label + (2 * position >= count ? 1 : 0)]
            return (corner.0 + noise * generator.nextNormal(), corner.1 + noise * generator.nextNormal(), label)
        }
    }

    /// `position / (count − 1)`: `count` points evenly spaced over `[0, 1]` (0 when `count` is 1).
    private static func evenlySpaced(_ position: Int, _ count: Int) -> Double {
        count > 1 ? Double(position) / Double(count - 1) : 0
    }

    /// A 2-D binary dataset whose example `j` is `point(j)`: `(x, y, label)`.
    private static func planar<T: BackpropScalar>(
        _ m: Int, name: String, point: (Int) -> (Double, Double, Int)
    ) -> Dataset<T> {
        var X = Matrix<T>(rows: 2, columns: m)
        var Y = Matrix<T>(rows: 1, columns: m)
        for j in 0..<m {
            let (x, y, label) = point(j)
            X[0, j] = T(x)
            X[1, j] = T(y)
            Y[0, j] = T(label)
        }
        return try! Dataset(X: X, Y: Y, name: name)
    }
}
