// swift-tools-version: 6.2
// A throwaway package that depends on Backprop by path, built in CI (.ci/run) to prove that
// Backprop stays usable as a dependency: SwiftPM refuses a dependency whose targets use
// `unsafeFlags`, so the fast kernels must come from run-time dispatch, not build flags.
import PackageDescription

let package = Package(
    name: "UsesBackprop",
    dependencies: [.package(name: "Backprop", path: "../..")],
    targets: [
        .executableTarget(name: "UsesBackprop", dependencies: [.product(name: "Backprop", package: "Backprop")])
    ],
    swiftLanguageModes: [.v6]
)
