// swift-tools-version:6.1
import Foundation
import PackageDescription

// Cross-module optimization lets the generic engine specialize for the domain's types in release
// builds (measured: the unspecialized generics cost about a tenth of replay time). Exclusivity is
// checked statically and by debug builds (every test run); release builds skip the dynamic
// checks, which cost several percent on every access to class-held state.
let releaseFlags: SwiftSetting = .unsafeFlags(
    ["-cross-module-optimization", "-enforce-exclusivity=unchecked"], .when(configuration: .release))
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6), releaseFlags]

// jemalloc replaces glibc's malloc in the `flywheel` binary when the machine has it (Debian:
// `apt install libjemalloc-dev`). Memory allocated on one thread and freed on another goes back
// under an arena lock with glibc, through per-thread caches with jemalloc; since the shards hand
// events back to the decoding thread (ChatEventPool), a replay of 1M events with glibc takes about
// the same wall time and 8-16 % more CPU than with jemalloc (it was 20 % and 25 % more). Without it, the
// build uses glibc, tuned at start-up (see AllocatorTuning). FLYWHEEL_SYSTEM_MALLOC=1 forces glibc.
let jemallocLibraries = ["x86_64-linux-gnu", "aarch64-linux-gnu", ""].flatMap { arch in
    ["/usr/lib", "/usr/local/lib"].map { "\($0)/\(arch.isEmpty ? "" : arch + "/")libjemalloc.so" }
}
let useJemalloc =
    ProcessInfo.processInfo.environment["FLYWHEEL_SYSTEM_MALLOC"] == nil
    && jemallocLibraries.contains { FileManager.default.fileExists(atPath: $0) }

// Kafka support (the FlywheelKafka target and `flywheel kafka`) is built only where librdkafka's headers
// are installed (Debian: `apt install librdkafka-dev`), so that everything else builds and tests
// without them. FLYWHEEL_NO_KAFKA=1 builds without it where the headers are installed.
let hasKafka =
    ProcessInfo.processInfo.environment["FLYWHEEL_NO_KAFKA"] == nil
    && FileManager.default.fileExists(atPath: "/usr/include/librdkafka/rdkafka.h")
let kafkaTargets: [Target] =
    hasKafka
    ? [
        .systemLibrary(name: "CRdkafka", path: "Sources/CRdkafka"),
        .target(
            name: "FlywheelKafka",
            dependencies: ["CRdkafka", "FlywheelRuntime", "FlywheelSignals", "FlywheelConnectors"],
            swiftSettings: strict),
        .testTarget(
            name: "FlywheelKafkaTests", dependencies: ["FlywheelKafka", "FlywheelRuntime", "FlywheelTesting"],
            swiftSettings: strict),
    ] : []

let package = Package(
    name: "Flywheel",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "flywheel", targets: ["flywheel"]),
        .library(name: "FlywheelEngine", targets: ["FlywheelEngine"]),
        .library(name: "FlywheelSignals", targets: ["FlywheelSignals"]),
        .library(name: "FlywheelRuntime", targets: ["FlywheelRuntime"]),
        .library(name: "FlywheelConnectors", targets: ["FlywheelConnectors"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // Forwarding: HTTP delivery (async-http-client on SwiftNIO) and per-destination metrics.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // Serving: the HTTP ingest/health server and the graceful-shutdown service group.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Serving: GET /metrics in the Prometheus text format (a swift-metrics backend).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // OTLP/HTTP ingest: the runtime library only (the generated code is committed, see
        // Sources/FlywheelService/OTLP/Generated/README.md).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        // Micro-benchmarks that count the heap allocations of each stage (Tests/Benchmarks).
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        // `swift package benchmark --target FlywheelBenchmarks`: each stage's time and mallocs per event.
        // Swift 5 mode: the benchmark closures keep their state from one iteration to the next.
        .executableTarget(
            name: "FlywheelBenchmarks",
            dependencies: [
                "FlywheelEngine", "FlywheelSignals", "FlywheelRuntime",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Tests/Benchmarks/FlywheelBenchmarks",
            swiftSettings: [.swiftLanguageMode(.v5), releaseFlags],
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // CRC-32C of log records with the CPU's instructions (SSE 4.2, ARMv8 CRC32), tables elsewhere.
        .target(name: "CCRC32C", path: "Sources/CCRC32C"),
        // Writing a file's dirty pages back to the disk without a journal commit (Linux sync_file_range).
        .target(name: "CFileIO", path: "Sources/CFileIO"),
        // Cache prefetch hints, to overlap the misses on memory another core wrote last (pooled events).
        .target(name: "CPrefetch", path: "Sources/CPrefetch"),
        .target(
            name: "FlywheelEngine",
            dependencies: [
                "CPrefetch",
                .product(name: "Collections", package: "swift-collections"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FlywheelSignals",
            dependencies: ["FlywheelEngine", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "FlywheelRuntime",
            dependencies: ["FlywheelEngine", "FlywheelSignals", "CZlib"],
            swiftSettings: strict
        ),
        .target(
            name: "FlywheelConnectors",
            dependencies: ["FlywheelEngine", "FlywheelSignals", "FlywheelRuntime", "CZlib", "CCRC32C", "CFileIO"],
            swiftSettings: strict
        ),
        .target(
            name: "FlywheelForward",
            dependencies: [
                "FlywheelEngine", "FlywheelSignals", "FlywheelRuntime", "FlywheelConnectors",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FlywheelService",
            dependencies: [
                "FlywheelConnectors", "FlywheelRuntime", "FlywheelSignals", "FlywheelInspect", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["OTLP/Generated/README.md", "OTLP/Generated/status.proto"],
            swiftSettings: strict
        ),
        .target(
            name: "FlywheelTesting",
            dependencies: ["FlywheelEngine", "FlywheelSignals", "FlywheelRuntime", "FlywheelConnectors"],
            swiftSettings: strict
        ),
        .target(
            name: "FlywheelInspect",
            dependencies: ["FlywheelEngine", "FlywheelSignals", "FlywheelConnectors"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "flywheel",
            dependencies: [
                "FlywheelConnectors", "FlywheelRuntime", "FlywheelSignals", "FlywheelInspect", "FlywheelForward",
                "FlywheelService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ] + (hasKafka ? ["FlywheelKafka"] : []),
            swiftSettings: strict,
            linkerSettings: useJemalloc ? [.linkedLibrary("jemalloc")] : []
        ),
        .testTarget(
            name: "FlywheelEngineTests", dependencies: ["FlywheelEngine", "FlywheelTesting"], swiftSettings: strict),
        .testTarget(
            name: "FlywheelSignalsTests",
            dependencies: ["FlywheelSignals", "FlywheelRuntime", "FlywheelTesting"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FlywheelConnectorsTests",
            dependencies: ["FlywheelConnectors", "FlywheelTesting"],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FlywheelRuntimeTests", dependencies: ["FlywheelRuntime", "FlywheelSignals", "FlywheelTesting"],
            swiftSettings: strict),
        .testTarget(
            name: "FlywheelForwardTests", dependencies: ["FlywheelForward", "FlywheelTesting"], swiftSettings: strict),
        .testTarget(
            name: "FlywheelServiceTests",
            dependencies: [
                "FlywheelService", "FlywheelTesting", "FlywheelForward",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(name: "FlywheelCLITests", dependencies: ["FlywheelTesting"], swiftSettings: strict),
        .testTarget(
            name: "FlywheelInspectTests",
            dependencies: ["FlywheelInspect", "FlywheelTesting"],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
    ] + kafkaTargets
)
