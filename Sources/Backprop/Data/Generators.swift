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
