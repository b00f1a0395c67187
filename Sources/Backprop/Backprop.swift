/// Backprop: neural networks trained by backpropagation with every derivative in plain sight.
public enum Backprop {
    /// The library's version.
    public static let version = "0.1.0"
}
