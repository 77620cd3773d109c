import AsyncHTTPClient
import Foundation
import NIOCore
import StrataObjstore
import StrataTestSupport

/// A Strata cluster of separate processes on loopback, as `deploy/local/cluster.sh` starts it:
/// etcd for the rings, moto_server for the bucket, and one process per role instance.
final class LocalCluster: @unchecked Sendable {
    /// One role instance: its name, `-target`, ports, and process while it runs.
    struct Node {
        let name: String
        let target: String
        let httpPort: Int
        let grpcPort: Int
        let extra: [String]
        var process: StrataProcess?
    }

    let root: URL
    let etcd: EtcdProcess
    let moto: MotoServer
    let s3: S3Config
    private let lock = NSLock()
    private var nodes: [String: Node] = [:]
    /// Every process started, so a failing test leaves none behind.
    private var started: [StrataProcess] = []

    /// Starts etcd and moto, creates the bucket, and declares the nodes (not started yet).
    /// `queryFrontend`: also a `-target=query-frontend` node named `query-frontend`, which the
    /// querier pulls queries from (`-querier.frontend-address`).
    init(ingesters: Int = 3, storeGateways: Int = 2, compactors: Int = 0, queryFrontend: Bool = false,
         extra: [String: [String]] = [:]) async throws {
        root = try makeTempDirectory("strata-cluster")
        etcd = try EtcdProcess()
        try await etcd.start()
        moto = try await MotoServer.start()
        s3 = moto.config(bucket: "strata-cluster")
        let bucket = try S3Bucket(config: s3)
        try await bucket.createBucket()
        await bucket.shutdown()
        var declared: [(String, String)] = (1...ingesters).map { ("ingester-\($0)", "ingester") }
        declared += (1...max(1, storeGateways)).prefix(storeGateways).map { ("store-gateway-\($0)", "store-gateway") }
        declared += [("distributor", "distributor"), ("querier", "querier")]
        declared += (0..<compactors).map { ("compactor-\($0 + 1)", "compactor") }
        if queryFrontend { declared.append(("query-frontend", "query-frontend")) }
        for (name, target) in declared {
            nodes[name] = Node(name: name, target: target, httpPort: try freePort(), grpcPort: try freePort(),
                               extra: extra[name] ?? extra[target] ?? [])
        }
    }

    /// Names of the ingester nodes, in order.
    var ingesterNames: [String] { lock.withLock { nodes.keys.filter { $0.hasPrefix("ingester-") }.sorted() } }

    /// Base URL of a node's HTTP server.
    func url(_ name: String) -> String {
        "http://127.0.0.1:\(lock.withLock { nodes[name]?.httpPort ?? 0 })"
    }

    /// The running process of `name`.
    func process(_ name: String) -> StrataProcess? { lock.withLock { nodes[name]?.process } }

    /// Starts every node but those `skipping`, ingesters first (distributors and queriers find
    /// them in the ring).
    func startAll(client: HTTPClient, skipping: Set<String> = []) async throws {
        let order = lock.withLock { nodes.keys.sorted { rank($0) < rank($1) || (rank($0) == rank($1) && $0 < $1) } }
        for name in order where !skipping.contains(name) { try await start(name, client: client) }
    }

    private func rank(_ name: String) -> Int {
        // A query-frontend before the querier that connects to it.
        name.hasPrefix("ingester") ? 0 : name.hasPrefix("store-gateway") || name == "query-frontend" ? 1 : 2
    }

    /// Starts (or restarts) `name` on its ports and data, and waits until it is ready.
    func start(_ name: String, client: HTTPClient) async throws {
        guard let node = lock.withLock({ nodes[name] }) else { throw HarnessError("no node \(name)") }
        let dir = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let process = try StrataProcess(port: node.httpPort, dataDirectory: dir, arguments: arguments(node, dir: dir))
        lock.withLock {
            nodes[name]?.process = process
            started.append(process)
        }
        try await process.waitUntilReady(client: client, timeout: .seconds(120))
    }

    /// Every flag of one node: the rings in etcd with short heartbeats, blocks in moto.
    private func arguments(_ node: Node, dir: URL) -> [String] {
        let etcdURL = etcd.endpoint
        var args = [
            "-target=\(node.target)", "-log.level=info",
            "-server.http-listen-address=127.0.0.1", "-server.http-listen-port=\(node.httpPort)",
            "-server.grpc-listen-address=127.0.0.1", "-server.grpc-listen-port=\(node.grpcPort)",
            "-blocks-storage.tsdb.dir=\(dir.appendingPathComponent("tsdb").path)",
            "-blocks-storage.bucket-store.sync-dir=\(dir.appendingPathComponent("sync").path)",
            "-compactor.data-dir=\(dir.appendingPathComponent("compactor").path)",
            "-blocks-storage.bucket-store.sync-interval=2s",
            "-distributor.ingestion-rate-limit=100000000", "-distributor.ingestion-burst-size=100000000",
            // The test suite shares 2 cores with everything else it runs: a slow moment must not
            // count as a dead ingester.
            "-distributor.remote-timeout=15s",
        ]
        for flag in ["ingester.ring", "store-gateway.sharding-ring", "distributor.ring", "compactor.ring"] {
            args += [
                "-\(flag).store=etcd", "-\(flag).etcd.endpoints=\(etcdURL)", "-\(flag).instance-id=\(node.name)",
                "-\(flag).heartbeat-period=1s", "-\(flag).heartbeat-timeout=10s",
            ]
        }
        args += ["-ingester.ring.tokens-file-path=\(dir.appendingPathComponent("tokens").path)"]
        args += [
            "-blocks-storage.backend=s3", "-blocks-storage.s3.endpoint=\(s3.endpoint)",
            "-blocks-storage.s3.bucket-name=\(s3.bucketName)", "-blocks-storage.s3.region=\(s3.region)",
            "-blocks-storage.s3.access-key-id=\(s3.accessKeyID)", "-blocks-storage.s3.secret-access-key=\(s3.secretAccessKey)",
            "-blocks-storage.s3.insecure=true", "-blocks-storage.s3.bucket-lookup-type=path",
        ]
        if node.target == "distributor" {
            args += ["-distributor.ha-tracker.etcd.endpoints=\(etcdURL)"]
        }
        if node.target == "querier", let frontend = lock.withLock({ nodes["query-frontend"] }) {
            args += ["-querier.frontend-address=127.0.0.1:\(frontend.grpcPort)", "-querier.id=\(node.name)"]
        }
        return args + node.extra
    }

    /// Logs of every node, for a failing test's message.
    func logs() -> String {
        lock.withLock { nodes.values.sorted { $0.name < $1.name } }.map { node in
            "=== \(node.name)\n" + String((node.process?.log() ?? "(not started)").suffix(3000))
        }.joined(separator: "\n")
    }

    /// Stops every process (SIGKILL: the test is over), etcd and moto, and removes the data.
    func shutdown() {
        for process in lock.withLock({ started }) where process.isRunning { process.kill9() }
        etcd.kill()
        moto.stop()
        try? FileManager.default.removeItem(at: root)
    }
}
