// swift-tools-version: 6.0
// libFuzzer targets for Backprop's file parsers and its command line. Linux only; see README.md.
import PackageDescription

/// Targets that feed one parser from the library.
let parserTargets = ["FuzzSafeTensors", "FuzzNPY", "FuzzNPZ", "FuzzIDX", "FuzzCSV", "FuzzDerivation"]
/// Targets that drive the `backprop` commands (through FuzzSupport).
let commandTargets = ["FuzzCommandLine", "FuzzCheckpointResume"]

// No top-level code: libFuzzer supplies main() and calls LLVMFuzzerTestOneInput.
let fuzzerSettings: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "BackpropFuzz",
    dependencies: [
        .package(name: "Backprop", path: ".."),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: parserTargets.map { name in
        .executableTarget(
            name: name,
            dependencies: [.product(name: "Backprop", package: "Backprop")],
            swiftSettings: fuzzerSettings
        )
    } + commandTargets.map { name in
        .executableTarget(name: name, dependencies: ["FuzzSupport"], swiftSettings: fuzzerSettings)
    } + [
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "Backprop", package: "Backprop"),
                .product(name: "BackpropCLI", package: "Backprop"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
