import Foundation
import GRPCCore
import Logging
import Metrics
import StrataChunks
import StrataIngester
import StrataLimits
import StrataModel
import StrataRPC
import StrataTSDB
import StrataTestSupport

/// Tenant used by every test.
let testTenant = TenantID.anonymous

/// A temp directory removed when the value is dropped by `withTempDirectory`.
func withTempDirectory<R>(_ tag: String, _ body: (String) async throws -> R) async throws -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("strata-rpc-\(tag)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url.path)
}

/// An opened in-process ingester over `directory`, with default limits.
/// Deadline of calls that are expected to succeed: long, because the whole test suite runs in
/// parallel on 2 cores and a busy moment must not fail a functional test.
let testCallTimeout: Duration = .seconds(60)

func makeIngester(directory: String) async throws -> Ingester {
    let ingester = Ingester(config: .init(directory: directory, headOptions: HeadOptions()),
                            overrides: Overrides(defaults: Limits()),
                            metricsFactory: NOOPMetricsHandler.instance,
                            logger: Logger(label: "test.ingester"))
    try await ingester.open()
    return ingester
}

/// A running RPC server on a kernel-chosen loopback port.
struct RunningServer {
    let server: RPCServer
    let task: Task<Void, any Error>
    let address: String

    /// Stops the server and waits for `run()` to return.
    func stop() async throws {
        server.shutdown()
        try await task.value
    }
}

/// Starts an `RPCServer` for `services` on 127.0.0.1, port 0, and waits until it listens.
func startServer(_ services: [any RegistrableRPCService]) async throws -> RunningServer {
    let server = try RPCServer(host: "127.0.0.1", port: 0, services: services)
    let task = Task<Void, any Error> { try await server.run() }
    let port = try await server.listeningPort()
    return RunningServer(server: server, task: task, address: "127.0.0.1:\(port)")
}

/// A batch of `count` series `rpc_test_metric{instance="i<n>", job="<job>"}` with
/// `samplesPerSeries` samples each, at `startMs`, `startMs + stepMs`, …; values encode the series
/// index and sample number so a mix-up shows.
func makeBatch(series count: Int, samplesPerSeries: Int = 1, startMs: Int64 = 1_000_000, stepMs: Int64 = 15_000,
               job: String = "rpc", metric: String = "rpc_test_metric") -> SeriesBatch {
    var batch = SeriesBatch()
    for i in 0..<count {
        let labels = Labels([
            Label(name: metricNameLabel, value: metric),
            Label(name: "instance", value: "i\(i)"),
            Label(name: "job", value: job),
        ])
        let samples = (0..<samplesPerSeries).map { s in
            Sample(timestamp: startMs + Int64(s) * stepMs, value: Double(i) * 1000 + Double(s))
        }
        batch.append(labels: labels, samples: samples)
    }
    return batch
}

/// Every sample of `series`, decoded from its chunks, within the range.
func decodeSamples(_ series: QuerySeries, minTime: Int64 = .min, maxTime: Int64 = .max) -> [Sample] {
    var it = ChunkSeriesIterator(chunks: series.chunks, minTime: minTime, maxTime: maxTime)
    var out: [Sample] = []
    while let s = it.next() { out.append(s) }
    return out
}

/// The samples a batch carries, by labels.
func expectedSamples(_ batch: SeriesBatch) -> [Labels: [Sample]] {
    var out: [Labels: [Sample]] = [:]
    for i in 0..<batch.series.count {
        out[batch.labels(of: i), default: []].append(contentsOf: batch.samples(of: i))
    }
    return out
}

/// An `IngesterClient` that always fails with `error`.
struct FailingIngester: IngesterClient {
    let error: IngesterError

    func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult {
        throw error
    }
}

/// A `Queryable` that answers from a fixed list (already sorted by labels) or fails.
struct FixedQueryable: Queryable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    var series: [QuerySeries] = []
    var failure: String?
    /// How long `select` takes (it honours cancellation).
    var delay: Duration = .zero

    func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        if delay > .zero { try await Task.sleep(for: delay) }
        if let failure { throw Failure(description: failure) }
        return series
    }

    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        if let failure { throw Failure(description: failure) }
        return Array(Set(series.flatMap { $0.labels.map(\.name) })).sorted()
    }

    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        if let failure { throw Failure(description: failure) }
        return Array(Set(series.compactMap { $0.labels[name] })).sorted()
    }
}

/// `count` series with one XOR chunk of `samplesPerChunk` samples each, sorted by labels.
func makeQuerySeries(count: Int, samplesPerChunk: Int) -> [QuerySeries] {
    var out: [QuerySeries] = []
    out.reserveCapacity(count)
    for i in 0..<count {
        var chunk = XORChunk()
        for s in 0..<samplesPerChunk {
            chunk.append(timestamp: Int64(s) * 15_000, value: Double(i) + Double(s) / 1000)
        }
        // Zero-padded so label order equals index order.
        let name = String(repeating: "0", count: 6 - String(i).count) + String(i)
        out.append(QuerySeries(labels: Labels([Label(name: metricNameLabel, value: "big"), Label(name: "n", value: name)]),
                               chunks: [chunk.encoded()]))
    }
    return out
}

/// A loopback port nothing listens on.
func deadAddress() throws -> String {
    "127.0.0.1:\(try freePort())"
}

/// The matcher `__name__="<name>"`.
func nameMatcher(_ name: String) throws -> LabelMatcher {
    try LabelMatcher(.equal, metricNameLabel, name)
}

/// An `IngesterClient` that answers only after `delay` (a hung or overloaded ingester), and
/// reports each push's arrival on `arrivals`.
struct SlowIngester: IngesterClient {
    let delay: Duration
    let arrivals: AsyncStream<Void>
    private let arrived: AsyncStream<Void>.Continuation

    init(delay: Duration) {
        self.delay = delay
        (arrivals, arrived) = AsyncStream<Void>.makeStream()
    }

    func push(tenant: TenantID, batch: SeriesBatch) async throws(IngesterError) -> IngestResult {
        arrived.yield()
        do { try await Task.sleep(for: delay) } catch { throw .unavailable("cancelled while stalling") }
        return IngestResult(appendedSamples: batch.sampleCount)
    }
}
