// swift-tools-version: 6.1
// Benchmarks live in their own package so library users never pull benchmark dependencies.
import PackageDescription

let package = Package(
    name: "DSToolboxBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "DSToolbox", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "ToolboxCore", package: "DSToolbox"), .product(name: "SEGYKit", package: "DSToolbox")],
            path: "Sources/BenchmarkSupport"
        ),
        .executableTarget(
            name: "CoreBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "ToolboxCore", package: "DSToolbox"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/CoreBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "SEGYBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "SEGYKit", package: "DSToolbox"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/SEGYBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LearnBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "LearnKit", package: "DSToolbox"),
                .product(name: "ToolboxCore", package: "DSToolbox"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/LearnBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "FeatureBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "FeatureKit", package: "DSToolbox"),
                .product(name: "ToolboxCore", package: "DSToolbox"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/FeatureBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "DriftBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "DriftKit", package: "DSToolbox"),
                .product(name: "ToolboxCore", package: "DSToolbox"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/DriftBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "VectorBenchmarks",
            dependencies: [
                .product(name: "VectorKit", package: "DSToolbox"),
                .product(name: "ToolboxCore", package: "DSToolbox"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/VectorBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TrackBenchmarks",
            dependencies: [
                .product(name: "TrackKit", package: "DSToolbox"),
                .product(name: "ToolboxCore", package: "DSToolbox"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/TrackBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "TuneBenchmarks",
            dependencies: [
                .product(name: "TuneKit", package: "DSToolbox"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/TuneBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Runs one workload and prints its best time, for Compare/run.sh to set beside the
        // Python reference on the same data.
        .executableTarget(
            name: "CompareRunner",
            dependencies: ["BenchmarkSupport", .product(name: "ToolboxCore", package: "DSToolbox"),
                           .product(name: "SEGYKit", package: "DSToolbox"), .product(name: "LearnKit", package: "DSToolbox"),
                           .product(name: "FeatureKit", package: "DSToolbox"), .product(name: "DriftKit", package: "DSToolbox"),
                           .product(name: "VectorKit", package: "DSToolbox"), .product(name: "TrackKit", package: "DSToolbox"),
                           .product(name: "TuneKit", package: "DSToolbox"), .product(name: "ToolboxTesting", package: "DSToolbox"),
                           .product(name: "PostgresStore", package: "DSToolbox")],
            path: "Sources/CompareRunner"
        ),
    ]
)
