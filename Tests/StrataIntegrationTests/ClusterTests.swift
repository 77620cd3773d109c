import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel
import StrataTestSupport
import StrataWire
import Testing

/// The cluster as separate processes (etcd, moto, 3 ingesters, 2 store-gateways, a distributor and
/// a querier): replication survives an ingester killed mid-stream, and a scaled-down ingester
/// hands its data to the bucket.
@Suite(.serialized)
struct ClusterTests {
    static let tenant = "cluster-test"

    /// Samples the load generator recorded as acknowledged, by series hash.
    struct AckedSamples {
        var bySeries: [String: [(timestamp: Int64, bits: UInt64)]] = [:]
        var count = 0

        /// The key of a series in `bySeries`: its label hash as 16 hex digits, as the load
        /// generator writes it.
        static func key(_ hash: UInt64) -> String {
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: max(0, 16 - hex.count)) + hex
        }

        init(file: URL) throws {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("A ") {
                let f = line.split(separator: " ")
                guard f.count == 4, let ts = Int64(f[2]), let bits = UInt64(f[3], radix: 16) else {
                    throw HarnessError("bad acked line: \(line)")
                }
                bySeries[String(f[1]), default: []].append((ts, bits))
                count += 1
            }
        }
    }

    /// Runs strata-loadgen in real-time mode against the distributor; returns its exit status and output.
    static func runLoadgen(cluster: LocalCluster, seconds: Int, series: Int, acked: URL) async throws -> (Int32, String) {
        let output = cluster.root.appendingPathComponent("loadgen.out")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try loadgenBinary())
        process.arguments = [
            "-url", cluster.url("distributor") + "/api/v1/push", "-header", "X-Scope-OrgID: \(tenant)",
            "-series", String(series), "-scrape-interval", "1s", "-duration", "\(seconds)s",
            "-batch-size", "500", "-concurrency", "2", "-timeout", "10s", "-record-acked", acked.path,
        ]
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        while process.isRunning { try await Task.sleep(for: .milliseconds(200)) }
        try handle.close()
        return (process.terminationStatus, (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    /// Instant queries through the querier every 500 ms until cancelled; returns the failures.
    static func queryContinuously(cluster: LocalCluster) async -> [String] {
        var failures: [String] = []
        var queries = 0
        while !Task.isCancelled {
            var components = URLComponents(string: cluster.url("querier") + "/prometheus/api/v1/query")!
            components.queryItems = [URLQueryItem(name: "query", value: "count({__name__=~\".+\"})")]
            var request = HTTPClientRequest(url: components.url!.absoluteString)
            request.headers.add(name: "X-Scope-OrgID", value: tenant)
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                if response.status != .ok { failures.append("\(response.status): \(body)") }
            } catch {
                if Task.isCancelled { break }
                failures.append("\(error)")
            }
            queries += 1
            try? await Task.sleep(for: .milliseconds(500))
        }
        return failures
    }

    /// Reads every series of the tenant through the querier and checks each acknowledged sample is
    /// there exactly once: same value bits, timestamps strictly increasing, nothing extra.
    static func verifyExactlyOnce(_ acked: AckedSamples, cluster: LocalCluster) async throws {
        let read = try await remoteRead(client: .shared, baseURL: cluster.url("querier"), tenant: tenant,
                                        matchers: [WireMatcher(type: .regexMatch, name: "__name__", value: ".+")],
                                        start: 0, end: Int64.max / 2)
        var stored: [String: [Int64: UInt64]] = [:]
        var storedCount = 0
        for series in read {
            let key = AckedSamples.key(series.labels.stableHash)
            var byTime: [Int64: UInt64] = [:]
            var previous = Int64.min
            for sample in series.samples {
                #expect(sample.timestamp > previous, "series \(series.labels) repeats or reorders timestamp \(sample.timestamp)")
                previous = sample.timestamp
                byTime[sample.timestamp] = sample.value.bitPattern
            }
            storedCount += series.samples.count
            stored[key] = byTime
        }
        var missing = 0
        var firstMissing = ""
        for (hash, samples) in acked.bySeries {
            for sample in samples where stored[hash]?[sample.timestamp] != sample.bits {
                missing += 1
                if firstMissing.isEmpty { firstMissing = "\(hash) @ \(sample.timestamp)" }
            }
        }
        #expect(missing == 0, "\(missing) of \(acked.count) acknowledged samples missing; first: \(firstMissing)")
        #expect(storedCount == acked.count, "stored \(storedCount) samples, acknowledged \(acked.count)")
    }

    @Test("kill -9 of one ingester mid-stream: no failed write or read, every acknowledged sample read back once")
    func killNineOneIngester() async throws {
        let cluster = try await LocalCluster()
        defer { cluster.shutdown() }
        try await cluster.startAll(client: .shared)
        let acked = cluster.root.appendingPathComponent("acked.txt")

        let queries = Task { await Self.queryContinuously(cluster: cluster) }
        let loadgen = Task { try await Self.runLoadgen(cluster: cluster, seconds: 30, series: 300, acked: acked) }
        try await Task.sleep(for: .seconds(8))
        let victim = try #require(cluster.process("ingester-2"))
        victim.kill9()
        try await Task.sleep(for: .seconds(8))
        try await cluster.start("ingester-2", client: .shared)
        let (status, output) = try await loadgen.value
        queries.cancel()
        let failedQueries = await queries.value

        #expect(status == 0, "the load generator saw failed writes:\n\(output)\n\(cluster.logs())")
        #expect(output.contains("errors        none"), "\(output)")
        #expect(failedQueries.isEmpty, "queries failed while 2 of 3 ingesters were up: \(failedQueries.prefix(3))")
        let samples = try AckedSamples(file: acked)
        #expect(samples.count >= 300 * 25, "only \(samples.count) samples were acknowledged:\n\(output)")
        try await Self.verifyExactlyOnce(samples, cluster: cluster)
    }

    @Test("SIGTERM in scale-down mode ships the ingester's data, leaves the ring, and queries still return all of it")
    func scaleDownShipsAndLeaves() async throws {
        let cluster = try await LocalCluster(extra: [
            "ingester-3": ["-blocks-storage.tsdb.flush-blocks-on-shutdown=true", "-ingester.ring.unregister-on-shutdown=true"],
            // One copy of each block: the two store-gateways split the blocks between them.
            "store-gateway": ["-store-gateway.sharding-ring.replication-factor=1"],
            // A second querier that asks the ingesters only for the last second, so everything
            // older must come from the blocks ingester-3 shipped.
            "querier": ["-store-gateway.sharding-ring.replication-factor=1", "-querier.query-store-after=0s",
                        "-querier.query-ingesters-within=1s"],
        ])
        defer { cluster.shutdown() }
        try await cluster.startAll(client: .shared)
        let acked = cluster.root.appendingPathComponent("acked.txt")
        let (status, output) = try await Self.runLoadgen(cluster: cluster, seconds: 8, series: 200, acked: acked)
        #expect(status == 0, "\(output)")
        let samples = try AckedSamples(file: acked)

        let leaving = try #require(cluster.process("ingester-3"))
        #expect(await leaving.terminateGracefully() == 0, "ingester-3 did not exit cleanly:\n\(leaving.log())")
        #expect(leaving.log().contains("flushed the heads to the bucket on shutdown"), "\(leaving.log())")

        // Gone from the ring, as every other process sees it.
        let ring = try await Self.getJSON(cluster.url("distributor") + "/ingester/ring")
        #expect(!ring.contains("\"ingester-3\""), "ingester-3 is still in the ring: \(ring)")
        #expect(ring.contains("\"ingester-1\"") && ring.contains("\"ingester-2\""))

        // With replication factor 3 over 3 ingesters, ingester-3 held every series: once the
        // store-gateways have loaded its blocks, the querier reads all of it from them.
        let deadline = ContinuousClock.now + .seconds(90)
        var stored = 0
        while ContinuousClock.now < deadline {
            let read = try? await remoteRead(client: .shared, baseURL: cluster.url("querier"), tenant: Self.tenant,
                                             matchers: [WireMatcher(type: .regexMatch, name: "__name__", value: ".+")],
                                             start: 0, end: Int64.max / 2)
            stored = read?.reduce(0) { $0 + $1.samples.count } ?? 0
            if stored == samples.count { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(stored == samples.count, "the store-gateways serve \(stored) of \(samples.count) samples\n\(cluster.logs())")
        var loaded: [Int] = []
        for name in ["store-gateway-1", "store-gateway-2"] {
            let metrics = try await Self.getJSON(cluster.url(name) + "/metrics")
            let line = metrics.split(separator: "\n").first { $0.hasPrefix("strata_bucket_store_blocks_loaded") }
            loaded.append(line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) } ?? -1)
        }
        // Replication factor 1: each shipped block is loaded by exactly one of the two.
        #expect(loaded.allSatisfy { $0 >= 0 } && loaded.reduce(0, +) >= 1, "blocks loaded per store-gateway: \(loaded)")
        try await Self.verifyExactlyOnce(samples, cluster: cluster)
    }

    static func getJSON(_ url: String) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 1 << 24))
    }
}
