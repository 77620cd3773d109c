// swift-tools-version: 6.1
// Strata hot-path benchmarks (ordo-one package-benchmark).
//
// A separate package so the main `swift build` / `swift test` never builds package-benchmark.
// The main package exports no library products, so the library targets are re-declared here;
// `Sources/<Target>` are relative symlinks to `../../Sources/<Target>`. There is deliberately no
// `.package(name: "strata", path: "..")`: it would bring no usable product, only target names that
// clash with these (and the server's whole dependency graph).
//
// Run:  cd Benchmarks && swift package --allow-writing-to-package-directory benchmark
//       (PromQL engine only: add `--target PromQLBenchmarks`)
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "strata-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        .systemLibrary(name: "CSnappy", path: "Sources/CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .target(name: "CRE2", path: "Sources/CRE2", linkerSettings: [.linkedLibrary("re2")]),
        .target(name: "StrataModel", dependencies: ["CRE2"], path: "Sources/StrataModel", swiftSettings: swiftSettings),
        .target(name: "StrataChunks", dependencies: ["StrataModel"], path: "Sources/StrataChunks",
                swiftSettings: swiftSettings),
        .target(name: "StrataWire", dependencies: ["StrataModel", "CSnappy"], path: "Sources/StrataWire",
                swiftSettings: swiftSettings),
        .target(name: "StrataPromQL", dependencies: ["StrataModel", "StrataChunks"], path: "Sources/StrataPromQL",
                swiftSettings: swiftSettings),
        .target(name: "StrataBlocks", dependencies: ["StrataModel"], path: "Sources/StrataBlocks",
                swiftSettings: swiftSettings),
        .target(
            name: "StrataTSDB",
            dependencies: ["StrataModel", "StrataChunks", "StrataBlocks", .product(name: "Logging", package: "swift-log")],
            path: "Sources/StrataTSDB",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "StrataBenchmarks",
            dependencies: [
                "StrataModel", "StrataChunks", "StrataWire", "StrataTSDB",
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/StrataBenchmarks",
            swiftSettings: swiftSettings + [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // PromQL engine over an in-memory fleet; its own executable so it builds and runs
        // without the ingestion benchmarks (`--target PromQLBenchmarks`).
        .executableTarget(
            name: "PromQLBenchmarks",
            dependencies: [
                "StrataModel", "StrataChunks", "StrataPromQL",
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/PromQLBenchmarks",
            swiftSettings: swiftSettings + [.swiftLanguageMode(.v6)],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
