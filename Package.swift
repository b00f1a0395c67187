// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Backprop",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .executable(name: "backprop", targets: ["BackpropMain"]),
        // The commands behind `backprop`, as a library so the fuzz targets in Fuzz/ can drive them.
        .library(name: "BackpropCLI", targets: ["BackpropCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.4.0"),
    ],
    targets: [
        // Kernels in C, each built for several instruction sets in one object and chosen at run
        // time (a portable Swift build cannot use AVX2 or AVX-512 without `unsafeFlags`).
        .target(name: "BackpropKernels"),
        .target(
            name: "Backprop",
            dependencies: [
                "BackpropKernels",
                .product(name: "RealModule", package: "swift-numerics"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .target(
            name: "BackpropCLI",
            dependencies: [
                "Backprop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Only `BackpropCommand.main()`: the executable is named by the product, `backprop`.
        .executableTarget(name: "BackpropMain", dependencies: ["BackpropCLI"]),
        .testTarget(name: "BackpropTests", dependencies: ["Backprop", "BackpropKernels"], resources: [.copy("Derivations"), .copy("FuzzRegressions"), .copy("CourseReference")]),
    ],
    swiftLanguageModes: [.v6]
)
