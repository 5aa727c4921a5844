// swift-tools-version: 6.1
import PackageDescription

/// Strict settings shared by every Swift target in the package.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "DSToolbox",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ToolboxCore", targets: ["ToolboxCore"]),
        .library(name: "ToolboxTesting", targets: ["ToolboxTesting"]),
        .library(name: "SEGYKit", targets: ["SEGYKit"]),
        .library(name: "LearnKit", targets: ["LearnKit"]),
        .library(name: "FeatureKit", targets: ["FeatureKit"]),
        .library(name: "DriftKit", targets: ["DriftKit"]),
        .library(name: "VectorKit", targets: ["VectorKit"]),
        .library(name: "TrackKit", targets: ["TrackKit"]),
        .library(name: "TuneKit", targets: ["TuneKit"]),
        .library(name: "DSToolbox", targets: ["DSToolbox"]),
        .library(name: "Workflows", targets: ["Workflows"]),
        // Server pieces (SwiftNIO, Hummingbird) are products of their own: importing the
        // umbrella or a kit never builds a server.
        .library(name: "ToolboxHTTP", targets: ["ToolboxHTTP"]),
        .library(name: "TrackServer", targets: ["TrackServer"]),
        .library(name: "ServeKit", targets: ["ServeKit"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
        .executable(name: "dstoolbox", targets: ["dstoolbox"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // `make docs` (swift package generate-documentation); a plugin, never linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // System libraries: OpenBLAS provides CBLAS and the Fortran LAPACK symbols.
        .systemLibrary(
            name: "CBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CLAPACK",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev", "liblapack-dev"])]
        ),
        // C helpers Swift cannot spell (a prefetch hint, printf of one double, closing a spawned child's descriptors).
        .target(name: "CToolboxSupport"),
        .target(
            name: "ToolboxCore",
            dependencies: ["CBLAS", "CLAPACK", "CToolboxSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        // SEG-Y and Seismic Unix I/O; depends on nothing else in the package.
        .target(
            name: "SEGYKit",
            swiftSettings: strictSettings
        ),
        .target(
            name: "LearnKit",
            dependencies: ["ToolboxCore", "CToolboxSupport"],
            swiftSettings: strictSettings
        ),
        // Preprocessing, decomposition and feature extraction; depends on ToolboxCore only.
        .target(
            name: "FeatureKit",
            dependencies: ["ToolboxCore"],
            swiftSettings: strictSettings
        ),
        // Two-sample tests, distances and drift reports; depends on ToolboxCore only.
        .target(
            name: "DriftKit",
            dependencies: ["ToolboxCore"],
            swiftSettings: strictSettings
        ),
        // Vector indexes (flat, IVF), k-means, FAISS interop and retrieval; text chunking and
        // TF-IDF come from FeatureKit.
        .target(
            name: "VectorKit",
            dependencies: ["ToolboxCore", "FeatureKit", "CBLAS"],
            swiftSettings: strictSettings
        ),
        // Experiment tracking and the model registry on SQLite (GRDB).
        .target(
            name: "TrackKit",
            dependencies: ["ToolboxCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        // Hyperparameter search (Optuna's samplers, pruners and studies).
        .target(
            name: "TuneKit",
            dependencies: ["ToolboxCore", "LearnKit", "TrackKit", "CToolboxSupport", .product(name: "Yams", package: "Yams"), .product(name: "GRDB", package: "GRDB.swift")],
            // Storage calls run on the calling study's executor: no thread hop per call.
            swiftSettings: strictSettings + [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]
        ),
        // The HTTP layer the servers share (Hummingbird): API keys stored hashed with scopes,
        // JSON errors, body limits, the listening line.
        .target(
            name: "ToolboxHTTP",
            dependencies: ["ToolboxCore", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "HummingbirdCore", package: "hummingbird"), .product(name: "NIOHTTPTypes", package: "swift-nio-extras")],
            swiftSettings: strictSettings
        ),
        // The MLflow-compatible tracking server over any TrackKit store.
        .target(
            name: "TrackServer",
            dependencies: ["ToolboxCore", "ToolboxHTTP", "TrackKit", .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: strictSettings
        ),
        // The model server: KServe V1 and Open Inference V2 over models from files or a registry.
        .target(
            name: "ServeKit",
            dependencies: ["ToolboxCore", "ToolboxHTTP", "TrackKit", "LearnKit", "DriftKit", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // The tracking store and study storage on PostgreSQL (postgres-nio), for teams on many machines.
        .target(
            name: "PostgresStore",
            dependencies: ["ToolboxCore", "TrackKit", "TuneKit", .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: strictSettings
        ),
        // A child process for the PostgreSQL store's crash and outage tests (not a product).
        .executableTarget(
            name: "PostgresStoreProbe",
            dependencies: ["PostgresStore", "TrackKit", "ToolboxCore"],
            swiftSettings: strictSettings
        ),
        // A child process for TrackKit's multi-process and crash tests (not a product).
        .executableTarget(
            name: "TrackKitProbe",
            dependencies: ["TrackKit"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "ToolboxTesting",
            dependencies: ["ToolboxCore"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "DSToolbox",
            dependencies: ["ToolboxCore", "SEGYKit", "LearnKit", "FeatureKit", "DriftKit", "VectorKit", "TrackKit", "TuneKit"],
            swiftSettings: strictSettings
        ),
        // Workflow files (schema, data contracts, runner, HTML report) over every library kit.
        .target(
            name: "Workflows",
            dependencies: ["DSToolbox", "ToolboxCore", "SEGYKit", "LearnKit", "FeatureKit", "DriftKit", "TrackKit", "TuneKit", .product(name: "Yams", package: "Yams")],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "dstoolbox",
            dependencies: [
                "DSToolbox", "Workflows", "TrackServer", "ToolboxHTTP", "ServeKit", "PostgresStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ToolboxCoreTests",
            dependencies: [
                "ToolboxCore", "ToolboxTesting",
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SEGYKitTests",
            dependencies: ["SEGYKit", "ToolboxCore", "ToolboxTesting"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "FeatureKitTests",
            dependencies: ["FeatureKit", "ToolboxCore", "ToolboxTesting", "SEGYKit"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TuneKitTests",
            dependencies: ["TuneKit", "ToolboxCore", "ToolboxTesting"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "LearnKitTests",
            dependencies: ["LearnKit", "ToolboxCore", "ToolboxTesting"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DriftKitTests",
            dependencies: ["DriftKit", "ToolboxCore", "ToolboxTesting"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VectorKitTests",
            dependencies: ["VectorKit", "FeatureKit", "ToolboxCore", "ToolboxTesting"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TrackKitTests",
            dependencies: ["TrackKit", "TrackKitProbe", "ToolboxCore", "ToolboxTesting", .product(name: "GRDB", package: "GRDB.swift")],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        // The store conformance suite every TrackingStore's tests run (SQLite, remote, PostgreSQL).
        .target(
            name: "StoreConformance",
            dependencies: ["TrackKit", "ToolboxCore", "PostgresStore"],
            path: "Tests/StoreConformance",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "TrackServerTests",
            dependencies: ["StoreConformance", "TrackServer", "ToolboxHTTP", "TrackKit", "DSToolbox", "TrackKitProbe", "ToolboxCore", "ToolboxTesting", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird")],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PostgresStoreTests",
            dependencies: ["StoreConformance", "PostgresStore", "PostgresStoreProbe", "TrackKit", "TuneKit", "ToolboxCore", "ToolboxTesting"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ServeKitTests",
            dependencies: ["ServeKit", "ToolboxHTTP", "TrackKit", "DSToolbox", "ToolboxCore", "ToolboxTesting", .product(name: "HTTPTypes", package: "swift-http-types"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird")],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        // The contract across every kit: registry, workflow specs, labels and names end to end.
        .testTarget(
            name: "ContractTests",
            dependencies: ["DSToolbox", "ToolboxTesting"],
            swiftSettings: strictSettings
        ),
        // Examples: executables, each run end to end by a test (Tests/ExamplesTests).
        .executableTarget(
            name: "SeismicClassification",
            dependencies: ["DSToolbox", "Workflows", "ServeKit", "ToolboxHTTP"],
            path: "Examples/SeismicClassification",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "SemanticSearch",
            dependencies: ["DSToolbox", "Workflows"],
            path: "Examples/SemanticSearch",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "CustomEstimator",
            dependencies: ["DSToolbox", "Workflows", "ServeKit", "ToolboxHTTP", "ToolboxTesting"],
            path: "Examples/CustomEstimator",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ShouldCost",
            dependencies: ["DSToolbox", "Workflows"],
            path: "Examples/ShouldCost",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "RetrainOnDrift",
            dependencies: ["DSToolbox", "Workflows"],
            path: "Examples/RetrainOnDrift",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ExamplesTests",
            dependencies: ["ToolboxTesting", "SeismicClassification", "ShouldCost", "SemanticSearch", "CustomEstimator", "RetrainOnDrift"],
            swiftSettings: strictSettings
        ),
        // Every ```swift snippet of README.md, Documentation/ and the DocC catalogs, compiled.
        .testTarget(
            name: "SnippetTests",
            dependencies: ["DSToolbox", "Workflows", "ServeKit", "TrackServer", "ToolboxHTTP", "PostgresStore", "ToolboxTesting",
                           .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: [.enableUpcomingFeature("ExistentialAny")]
        ),
        .testTarget(
            name: "WorkflowsTests",
            dependencies: ["Workflows", "DSToolbox", "ToolboxCore", "ToolboxTesting", "TrackKit", "TuneKit"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "dstoolboxTests",
            dependencies: [
                "dstoolbox", "DSToolbox", "ToolboxCore", "ToolboxTesting", "SEGYKit", "FeatureKit", "DriftKit", "VectorKit", "StoreConformance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
    ]
)
