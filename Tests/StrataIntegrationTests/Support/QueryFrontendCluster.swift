import AsyncHTTPClient
import Foundation
import StrataTestSupport

/// Processes on loopback for the query-frontend's cluster tests: etcd for the ingester ring, one
/// `-target=all` storage process whose ingester joins that ring (replication factor 1), and any
/// number of `-target=query-frontend` and `-target=querier` processes; queriers read the
/// ingester through the ring and pull queries from a frontend's gRPC port.
final class QueryFrontendCluster: @unchecked Sendable {
    // @unchecked: the mutable state is behind `lock`.
    struct Node {
        let name: String
        let httpPort: Int
        let grpcPort: Int
        var process: StrataProcess?
    }

    let root: URL
    let etcd: EtcdProcess
    private let lock = NSLock()
    private var nodes: [String: Node] = [:]
    private var started: [StrataProcess] = []

    /// Starts etcd; no strata process yet.
    init() async throws {
        root = try makeTempDirectory("strata-qf-cluster")
        etcd = try EtcdProcess()
        try await etcd.start()
    }

    /// `http://127.0.0.1:<port>` of a node's HTTP server.
    func url(_ name: String) -> String { "http://127.0.0.1:\(lock.withLock { nodes[name]?.httpPort ?? 0 })" }

    /// `127.0.0.1:<port>` of a node's gRPC server.
    func grpcAddress(_ name: String) -> String { "127.0.0.1:\(lock.withLock { nodes[name]?.grpcPort ?? 0 })" }

    /// The running process of a node.
    func process(_ name: String) -> StrataProcess? { lock.withLock { nodes[name]?.process } }

    /// The ingester ring in etcd, as every process that writes or reads the ingester sees it.
    private func ingesterRing(instance: String, dir: URL) -> [String] {
        [
            "-ingester.ring.store=etcd", "-ingester.ring.etcd.endpoints=\(etcd.endpoint)",
            "-ingester.ring.instance-id=\(instance)", "-ingester.ring.replication-factor=1",
            "-ingester.ring.heartbeat-period=1s",
            // A busy machine must not make the only ingester look dead.
            "-ingester.ring.heartbeat-timeout=60s",
            "-ingester.ring.tokens-file-path=\(dir.appendingPathComponent("tokens").path)",
        ]
    }

    /// The storage process: distributor, ingester (in the etcd ring), and its own querier and
    /// frontend, whose answers are the reference.
    func startStorage(_ name: String = "storage", extra: [String] = []) async throws {
        try await start(name, target: "all", extra: { dir in
            self.ingesterRing(instance: name, dir: dir) + [
                "-distributor.ingestion-rate-limit=1000000000", "-distributor.ingestion-burst-size=1000000000",
                "-distributor.remote-timeout=15s",
            ] + extra
        })
    }

    /// A query-frontend with no querier of its own: it serves its queue on its gRPC port.
    func startFrontend(_ name: String, extra: [String] = []) async throws {
        // Debug level: the frontend logs each querier that connects.
        try await start(name, target: "query-frontend", extra: { _ in ["-log.level=debug"] + extra })
    }

    /// A querier reading the ingester through the ring and pulling from `frontend`'s queue with
    /// `concurrency` streams.
    func startQuerier(_ name: String, frontend: String, concurrency: Int, extra: [String] = []) async throws {
        let address = grpcAddress(frontend)
        try await start(name, target: "querier", extra: { dir in
            self.ingesterRing(instance: name, dir: dir) + [
                "-querier.frontend-address=\(address)", "-querier.id=\(name)", "-querier.max-concurrent=\(concurrency)",
            ] + extra
        })
    }

    /// Waits until `frontend`'s log shows a stream of each of `queriers` connected.
    func waitForQueriers(_ queriers: [String], frontend: String, timeout: Duration = .seconds(120)) async throws {
        guard let process = process(frontend) else { throw HarnessError("no frontend \(frontend)") }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let connected = process.log().split(separator: "\n").filter { $0.contains("querier connected") }
            if queriers.allSatisfy({ q in connected.contains { $0.contains("querier=\(q)") || $0.contains("\"\(q)\"") } }) { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw HarnessError("queriers \(queriers) did not all connect to \(frontend) within \(timeout)\n\(logs())")
    }

    private func start(_ name: String, target: String, extra: (URL) -> [String]) async throws {
        let node = try lock.withLock { () throws -> Node in
            if let n = nodes[name] { return n }
            let n = Node(name: name, httpPort: try freePort(), grpcPort: try freePort(), process: nil)
            nodes[name] = n
            return n
        }
        let dir = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let arguments = [
            "-target=\(target)", "-log.level=info", "-auth.multitenancy-enabled=true",
            "-server.http-listen-address=127.0.0.1", "-server.http-listen-port=\(node.httpPort)",
            "-server.grpc-listen-address=127.0.0.1", "-server.grpc-listen-port=\(node.grpcPort)",
            "-blocks-storage.tsdb.dir=\(dir.appendingPathComponent("tsdb").path)",
            "-blocks-storage.filesystem.dir=\(dir.appendingPathComponent("blocks").path)",
            "-blocks-storage.bucket-store.sync-dir=\(dir.appendingPathComponent("sync").path)",
            "-compactor.data-dir=\(dir.appendingPathComponent("compactor").path)",
        ] + extra(dir)
        let process = try StrataProcess(port: node.httpPort, dataDirectory: dir, arguments: arguments)
        lock.withLock {
            nodes[name]?.process = process
            started.append(process)
        }
        try await process.waitUntilReady(client: .shared, timeout: .seconds(120))
    }

    /// Runs `body`; an error it throws comes back with every node's log.
    func withLogs<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw HarnessError("\(error)\n\(logs())")
        }
    }

    /// The last lines of every node's log, for a failing test's message.
    func logs() -> String {
        lock.withLock { nodes.values.sorted { $0.name < $1.name } }.map { node in
            "=== \(node.name)\n" + String((node.process?.log() ?? "(not started)").suffix(3000))
        }.joined(separator: "\n")
    }

    /// Kills every process (SIGKILL: the test is over) and etcd, and removes the data.
    func shutdown() {
        for process in lock.withLock({ started }) where process.isRunning { process.kill9() }
        etcd.kill()
        try? FileManager.default.removeItem(at: root)
    }
}
