// swift-tools-version: 6.1
// Strata: a multi-tenant, horizontally scalable, long-term store for Prometheus metrics.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "strata",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "strata", targets: ["strata"]),
        .executable(name: "strata-loadgen", targets: ["StrataLoadGen"]),
        .executable(name: "strata-promql-fuzz", targets: ["strata-promql-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.0"),
        // 3.x or 4.x: swift-certificates (via async-http-client) already resolves 4.x.
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // gRPC between roles (distributor → ingester, querier → ingester / store-gateway).
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        // `strata admin`: subcommands, options, help.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // libsnappy (Debian libsnappy-dev): remote-write bodies are snappy block format.
        .systemLibrary(
            name: "CSnappy",
            path: "Sources/CSnappy",
            providers: [.apt(["libsnappy-dev"])]
        ),
        // zlib (Debian zlib1g-dev): gzip compression of API responses.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // RE2 (Debian libre2-dev) behind a C API: linear-time regexes for matchers and label_replace.
        .target(
            name: "CRE2",
            path: "Sources/CRE2",
            linkerSettings: [.linkedLibrary("re2")]
        ),
        // Value types every module shares: labels, samples, matchers, tenant IDs, Queryable.
        .target(name: "StrataModel", dependencies: ["CRE2"], swiftSettings: swiftSettings),
        // Chunk encodings (Prometheus XOR): encoder, decoder, sample iteration over chunks.
        .target(name: "StrataChunks", dependencies: ["StrataModel"], swiftSettings: swiftSettings),
        // Remote-write / remote-read protobuf codecs and snappy framing.
        .target(name: "StrataWire", dependencies: ["StrataModel", "CSnappy"], swiftSettings: swiftSettings),
        // Head, XOR chunks, postings, WAL and checkpoints.
        .target(
            name: "StrataTSDB",
            dependencies: ["StrataModel", "StrataChunks", "StrataBlocks", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Every per-tenant limit and the runtime overrides file.
        .target(
            name: "StrataLimits",
            dependencies: [
                "StrataModel",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Role: ingester (per-tenant TSDBs behind the IngesterClient protocol).
        .target(
            name: "StrataIngester",
            dependencies: [
                "StrataModel", "StrataWire", "StrataTSDB", "StrataLimits", "StrataBlocks", "StrataObjstore", "StrataBucketIndex", "StrataDeletes",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Role: distributor (validation, rate limits, forwarding to ingesters).
        .target(
            name: "StrataDistributor",
            dependencies: [
                "StrataModel", "StrataWire", "StrataLimits", "StrataIngester", "StrataRing", "StrataHATracker",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP routes, tenant middleware, status codes.
        .target(
            name: "StrataHTTP",
            dependencies: [
                "StrataModel", "StrataWire", "StrataChunks", "StrataLimits", "StrataDistributor", "StrataIngester", "StrataPromQL", "CZlib",
                "StrataQueryFrontend", "StrataDeletes", "StrataCardinality",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Config (flags + YAML), -target wiring, lifecycle.
        .target(
            name: "StrataServer",
            dependencies: [
                "StrataModel", "StrataLimits", "StrataTSDB", "StrataIngester", "StrataDistributor", "StrataHTTP", "StrataPromQL",
                "StrataObjstore", "StrataBlocks", "StrataQuerier", "StrataStoreGateway", "StrataRing", "StrataHATracker", "StrataRPC",
                "StrataCompactor", "StrataBucketIndex", "StrataQueryFrontend", "StrataCache", "StrataDeletes", "StrataCardinality",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "StrataPromQL", dependencies: ["StrataModel", "StrataChunks"], swiftSettings: swiftSettings),
        // Object storage for blocks: Bucket protocol, filesystem and S3 backends.
        .target(
            name: "StrataObjstore",
            dependencies: [
                "StrataModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Prometheus TSDB blocks on disk: meta.json, index v2, chunk segments, tombstones.
        .target(name: "StrataBlocks", dependencies: ["StrataModel"], swiftSettings: swiftSettings),
        // Bucket index: <tenant>/bucket-index.json.gz (Mimir's format), read, build and update.
        .target(
            name: "StrataBucketIndex",
            dependencies: ["StrataModel", "StrataBlocks", "StrataObjstore", "CZlib", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The store-gateway role: blocks from the bucket, index-headers, caches, Queryable.
        .target(
            name: "StrataStoreGateway",
            dependencies: ["StrataModel", "StrataBlocks", "StrataObjstore", "StrataBucketIndex", "StrataCache", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Cardinality over days: the query log of metric names (query-stats files) and the bucket
        // index's per-day series history joined with the in-memory series.
        .target(
            name: "StrataCardinality",
            dependencies: ["StrataModel", "StrataObjstore", "StrataBucketIndex", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Delete requests and label redactions: stored in the bucket, applied on read, audited.
        .target(
            name: "StrataDeletes",
            dependencies: ["StrataModel", "StrataChunks", "StrataObjstore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // The compactor role: downsampling to 5m and 1h (Thanos's aggregates and chunk sizes).
        .target(
            name: "StrataCompactor",
            dependencies: [
                "StrataModel", "StrataChunks", "StrataBlocks", "StrataObjstore", "StrataBucketIndex", "StrataDeletes",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The hash ring: tokens, instance states, replication sets, KV store (in-memory, etcd v3), lifecycler.
        .target(
            name: "StrataRing",
            dependencies: [
                "StrataModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // gRPC between roles: ingester push, reads from ingesters and store-gateways (hand-written protobuf).
        .target(
            name: "StrataRPC",
            dependencies: [
                "StrataModel", "StrataWire", "StrataIngester", "StrataQueryFrontend", "StrataPromQL",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Prometheus HA-pair deduplication: the elected replica per tenant and cluster, kept in the KV store.
        .target(
            name: "StrataHATracker",
            dependencies: [
                "StrataModel", "StrataRing",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // The querier's merge of ingesters (recent) and store-gateways (blocks) into one Queryable.
        .target(
            name: "StrataQuerier",
            dependencies: ["StrataModel", "StrataRing", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Byte caches shared by the query path: in-process LRU bounded in bytes, memcached (own SwiftNIO client).
        .target(
            name: "StrataCache",
            dependencies: [
                "StrataModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Role: query-frontend (per-tenant fair queue, splitting, sharding, results cache, query limits).
        .target(
            name: "StrataQueryFrontend",
            dependencies: [
                "StrataModel", "StrataPromQL", "StrataChunks", "StrataLimits", "StrataCache", "StrataWire",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "strata", dependencies: ["StrataServer", "StrataAdmin"], swiftSettings: swiftSettings),
        // `strata admin …`: the operator's CLI over the admin HTTP API (no server module: it only talks HTTP,
        // and reads local blocks with StrataBlocks to validate a backfill before uploading it).
        .target(
            name: "StrataAdmin",
            dependencies: [
                "StrataModel", "StrataBlocks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StrataAdminTests", dependencies: ["StrataAdmin", "StrataBlocks", "StrataModel", "StrataChunks"], swiftSettings: swiftSettings),
        // Remote-write load generator (loadtest/).
        .executableTarget(
            name: "StrataLoadGen",
            dependencies: [
                "StrataModel", "StrataWire", "StrataChunks", "StrataBlocks",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "loadtest/Sources/strata-loadgen",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StrataLoadGenTests",
                    dependencies: ["StrataLoadGen", "StrataModel", "StrataWire", "StrataDistributor", "StrataTestSupport",
                                   .product(name: "NIOCore", package: "swift-nio")],
                    swiftSettings: swiftSettings),

        // The promqltest script reader, result comparison and runner, the corpus locator, the
        // in-memory store and the query fuzzer: shared by the in-process conformance run
        // (StrataPromQLTests), the run over HTTP (StrataIntegrationTests) and strata-promql-fuzz.
        .target(
            name: "StrataPromQLTestSupport",
            dependencies: ["StrataPromQL", "StrataModel", "StrataChunks", "StrataSeededRandom"],
            path: "Tests/StrataPromQLTestSupport",
            swiftSettings: swiftSettings
        ),
        // Query-API fuzzer (fuzz/): random and mutated corpus expressions through the engine.
        .executableTarget(
            name: "strata-promql-fuzz",
            dependencies: ["StrataPromQLTestSupport"],
            path: "fuzz/Sources/strata-promql-fuzz",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StrataPromQLTests", dependencies: ["StrataPromQL", "StrataModel", "StrataChunks", "StrataPromQLTestSupport"], swiftSettings: swiftSettings),
        // The seeded generator (SplitMix64) every test target and the query fuzzer draw from.
        .target(name: "StrataSeededRandom", path: "Tests/StrataSeededRandom", swiftSettings: swiftSettings),
        // Real components for tests: moto_server (S3) and a fault-injecting HTTP proxy.
        .target(
            name: "StrataTestSupport",
            dependencies: [
                "StrataModel", "StrataObjstore", "StrataRing", "StrataSeededRandom",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/StrataTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataObjstoreTests",
            dependencies: [
                "StrataObjstore", "StrataTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataStoreGatewayTests",
            dependencies: [
                "StrataModel", "StrataChunks", "StrataBlocks", "StrataObjstore", "StrataBucketIndex", "StrataStoreGateway", "StrataTestSupport",
                "StrataCache",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataRingTests",
            dependencies: [
                "StrataModel", "StrataRing", "StrataTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataRPCTests",
            dependencies: [
                "StrataRPC", "StrataModel", "StrataWire", "StrataIngester", "StrataTSDB", "StrataLimits", "StrataChunks", "StrataTestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataHATrackerTests",
            dependencies: [
                "StrataHATracker", "StrataRing", "StrataModel", "StrataTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StrataBlocksTests", dependencies: ["StrataBlocks", "StrataModel", "StrataChunks", "StrataTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "StrataQuerierTests", dependencies: ["StrataQuerier", "StrataModel", "StrataChunks", "StrataRing", "StrataTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "StrataModelTests", dependencies: ["StrataModel", "StrataTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "StrataWireTests", dependencies: ["StrataModel", "StrataWire", "StrataSeededRandom", "StrataTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StrataCompactorTests",
            dependencies: [
                "StrataCompactor", "StrataModel", "StrataChunks", "StrataBlocks", "StrataObjstore", "StrataBucketIndex", "StrataTestSupport",
                "StrataStoreGateway", "StrataPromQL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataCacheTests",
            dependencies: ["StrataCache", "StrataModel", "StrataTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataQueryFrontendTests",
            dependencies: [
                "StrataQueryFrontend", "StrataModel", "StrataPromQL", "StrataChunks", "StrataLimits", "StrataCache",
                "StrataPromQLTestSupport", "StrataSeededRandom", "StrataTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataDeletesTests",
            dependencies: ["StrataDeletes", "StrataModel", "StrataChunks", "StrataObjstore", "StrataTestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "StrataChunksTests", dependencies: ["StrataModel", "StrataChunks", "StrataSeededRandom"], swiftSettings: swiftSettings),
        .testTarget(name: "StrataTSDBTests", dependencies: ["StrataModel", "StrataChunks", "StrataTSDB", "StrataBlocks", "StrataTestSupport", .product(name: "Logging", package: "swift-log")], swiftSettings: swiftSettings),
        .testTarget(
            name: "StrataLimitsTests",
            dependencies: [
                "StrataLimits", "StrataModel",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataDistributorTests",
            dependencies: [
                "StrataDistributor", "StrataLimits", "StrataModel", "StrataIngester", "StrataRing", "StrataTestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StrataServerTests",
            dependencies: [
                "StrataModel", "StrataWire", "StrataServer", "StrataHTTP", "StrataLimits", "StrataIngester", "StrataDistributor", "StrataPromQL", "StrataRing",
                "StrataObjstore", "StrataPromQLTestSupport", "StrataTestSupport", "StrataCardinality", "StrataBlocks", "StrataChunks",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        // Starts real processes: strata itself, Prometheus.
        .testTarget(
            name: "StrataIntegrationTests",
            dependencies: [
                "StrataModel", "StrataWire", "StrataObjstore", "StrataTestSupport", "StrataBlocks", "StrataChunks",
                "StrataPromQL", "StrataPromQLTestSupport", "StrataBucketIndex",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
