// swift-tools-version: 6.0
// libFuzzer targets for Backprop's file parsers. Linux only; see README.md.
import PackageDescription

let fuzzTargets = ["FuzzSafeTensors", "FuzzNPY", "FuzzNPZ", "FuzzIDX", "FuzzCSV", "FuzzDerivation"]

let package = Package(
    name: "BackpropFuzz",
    dependencies: [
        .package(name: "Backprop", path: ".."),
    ],
    targets: fuzzTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: [.product(name: "Backprop", package: "Backprop")],
            // No top-level code: libFuzzer supplies main() and calls LLVMFuzzerTestOneInput.
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    },
    swiftLanguageModes: [.v6]
)
