import StrataLimits
import StrataModel
import StrataPromQL
import Synchronization
import Testing
@testable import StrataQueryFrontend

/// Exemplars and metadata requests: their bytes (docs/format/query-messages.md), the querier's
/// runner answering them from its own source, and the frontend's adapter sending them through
/// the queue to queriers, over the codec as a querier process receives them.
@Suite struct ExemplarMetadataForwardingTests {
    static let tenant: TenantID = (try? TenantID(validating: "team-a")) ?? .anonymous

    static let getSeries = Labels(["__name__": "rpc_requests_total", "method": "Get"])
    static let putSeries = Labels(["__name__": "rpc_requests_total", "method": "Put"])
    static let exemplars = [
        SeriesExemplars(seriesLabels: putSeries, exemplars: [Exemplar(labels: Labels(["trace_id": "ccc"]), value: 3, timestamp: 1_000)]),
        SeriesExemplars(seriesLabels: getSeries, exemplars: [Exemplar(labels: Labels(["trace_id": "aaa"]), value: 10, timestamp: -5),
                                                             Exemplar(labels: Labels(["trace_id": "bbb"]), value: 11, timestamp: 2_000)]),
    ]
    static let counter = MetricMetadata(metricFamilyName: "rpc_requests_total", type: .counter, help: "RPCs served.", unit: "")
    static let counterOld = MetricMetadata(metricFamilyName: "rpc_requests_total", type: .counter, help: "RPCs.", unit: "")
    static let gauge = MetricMetadata(metricFamilyName: "queue_bytes", type: .gauge, help: "Bytes queued.", unit: "bytes")
    static let stateset = MetricMetadata(metricFamilyName: "feature", type: .stateset, help: "", unit: "")

    // MARK: - Codec

    @Test func exemplarsAndMetadataRequestsRoundTrip() throws {
        var ex = QueryRequest(kind: .exemplars, tenants: [Self.tenant], query: "", start: -60_000, end: 1_700_000_000_000, step: 0)
        ex.selectors = ["{__name__=\"rpc_requests_total\",method=~\"G.*\"}", "{job=\"api\"}"]
        #expect(try QueryCodec.decodeRequest(QueryCodec.encode(ex)) == ex)
        var md = QueryRequest(kind: .metadata, tenants: [Self.tenant, try TenantID(validating: "team-b")], query: "", start: 0, end: 0, step: 0)
        md.metric = "rpc_requests_total"
        md.limit = 10
        md.limitPerMetric = 2
        #expect(try QueryCodec.decodeRequest(QueryCodec.encode(md)) == md)
        md.metric = ""
        md.limit = -1
        md.limitPerMetric = 0
        #expect(try QueryCodec.decodeRequest(QueryCodec.encode(md)) == md)
        // The metadata fields are written for metadata requests only: a series request's bytes
        // are those queriers of before these kinds read.
        var series = QueryRequest(kind: .series, tenants: [Self.tenant], query: "", start: 1, end: 2, step: 0)
        series.selectors = ["{job=\"api\"}"]
        let seriesBytes = QueryCodec.encode(series)
        var asMetadata = series
        asMetadata.kind = .metadata
        #expect(QueryCodec.encode(asMetadata).count == seriesBytes.count + 3)
        // A metadata request cut before its limits is refused, not read with defaults.
        let mdBytes = QueryCodec.encode(md)
        #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeRequest(Array(mdBytes.dropLast())) }
        // An unknown kind (a newer frontend) is refused with a clear error.
        var unknown = QueryCodec.encode(series)
        unknown[1] = 8
        #expect(throws: QueryCodecError.malformed("unknown request kind")) { _ = try QueryCodec.decodeRequest(unknown) }
    }

    @Test func exemplarsAndMetadataResponsesRoundTrip() throws {
        var stats = QueryStats()
        stats.querierRequests = 1
        var ex = QueryResponse(value: .vector([]), warnings: ["w"], stats: stats)
        ex.exemplars = Self.exemplars
        ex.exemplars[0].exemplars.append(Exemplar(labels: Labels(["trace_id": "ddd"]), value: .nan, timestamp: 3_000))
        let decoded = try QueryCodec.decodeResponse(QueryCodec.encode(ex))
        // NaN values compare unequal: compare the bits.
        #expect(decoded.exemplars.map(\.seriesLabels) == ex.exemplars.map(\.seriesLabels))
        #expect(decoded.exemplars.flatMap(\.exemplars).map(\.value.bitPattern) == ex.exemplars.flatMap(\.exemplars).map(\.value.bitPattern))
        #expect(decoded.exemplars.flatMap(\.exemplars).map(\.timestamp) == [1_000, 3_000, -5, 2_000])
        #expect(decoded.exemplars.flatMap(\.exemplars).map(\.labels) == ex.exemplars.flatMap(\.exemplars).map(\.labels))
        #expect(decoded.warnings == ["w"] && decoded.stats == stats && decoded.metadata.isEmpty)

        var md = QueryResponse(value: .vector([]))
        md.metadata = [Self.stateset, Self.gauge, Self.counter, Self.counterOld]
        #expect(try QueryCodec.decodeResponse(QueryCodec.encode(md)) == md)
        for type in MetricType.allCases {
            var one = QueryResponse(value: .vector([]))
            one.metadata = [MetricMetadata(metricFamilyName: "m", type: type, help: "h", unit: "u")]
            #expect(try QueryCodec.decodeResponse(QueryCodec.encode(one)).metadata.first?.type == type)
        }
        // A response without exemplars or metadata has no such section: its bytes are those of
        // before, and what the results cache stores is unchanged.
        let plain = QueryResponse(value: .vector([]), warnings: ["w"], stats: stats)
        var both = plain
        both.exemplars = Self.exemplars
        both.metadata = [Self.gauge]
        let plainBytes = QueryCodec.encode(plain)
        #expect(Array(QueryCodec.encode(both).prefix(plainBytes.count)) == plainBytes)
        #expect(try QueryCodec.decodeResponse(plainBytes) == plain)
    }

    @Test func hostileExemplarsAndMetadataSectionsAreErrorsNotCrashes() {
        var both = QueryResponse(value: .vector([]))
        both.exemplars = Self.exemplars
        both.metadata = [Self.gauge, Self.counter]
        let bytes = QueryCodec.encode(both)
        let base = QueryCodec.encode(QueryResponse(value: .vector([]))).count
        // Cut anywhere inside the section: truncated (cut before it, it is a plain response).
        for cut in (base + 1)..<bytes.count {
            #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse(Array(bytes.prefix(cut))) }
        }
        let prefix = Array(bytes.prefix(base))
        // Counts claiming more groups, exemplars or entries than the bytes left can hold.
        #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse(prefix + [0xff, 0xff, 0xff, 0xff, 0x0f]) }
        #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse(prefix + [1, 0, 0xff, 0xff, 0x0f, 0, 0]) }
        #expect(throws: QueryCodecError.self) { _ = try QueryCodec.decodeResponse(prefix + [0, 0xff, 0xff, 0xff, 0x0f, 1, 1, 1]) }
        // An unknown metric type, and an entry without a name.
        #expect(throws: QueryCodecError.malformed("metadata of \"m\": unknown metric type 9")) {
            _ = try QueryCodec.decodeResponse(prefix + [0, 1, 1, UInt8(ascii: "m"), 9, 0, 0])
        }
        #expect(throws: QueryCodecError.malformed("metadata entry without a metric name")) {
            _ = try QueryCodec.decodeResponse(prefix + [0, 1, 0, 1, 0, 0, 0])
        }
    }

    // MARK: - Querier side

    @Test func querierAnswersFromItsSourceOrEmpty() async throws {
        let source = FakeExemplarMetadataSource()
        var runner = EngineQueryRunner(options: EngineOptions(), storage: { _ in EmptyQueryable() })
        var ex = QueryRequest(kind: .exemplars, tenants: [Self.tenant], query: "", start: 10, end: 20, step: 0)
        ex.selectors = ["{__name__=\"rpc_requests_total\"}"]
        let md = QueryRequest(kind: .metadata, tenants: [Self.tenant], query: "", start: 0, end: 0, step: 0)

        // Without a source (a querier that reads no ingester), both answer empty.
        #expect(try await runner.run(ex).exemplars.isEmpty)
        #expect(try await runner.run(md).metadata.isEmpty)

        runner.exemplars = source
        runner.metadata = source
        #expect(try await runner.run(ex).exemplars == Self.exemplars)
        #expect(source.calls == ["exemplars team-a 10..20 [__name__=\"rpc_requests_total\"]"])
        #expect(try await runner.run(md).metadata == [Self.gauge, Self.counter, Self.counterOld])

        var bad = ex
        bad.selectors = ["sum(x)"]
        await #expect(throws: QueryFailure.badData("invalid parameter \"query\": \"sum(x)\" is not a series selector")) {
            _ = try await runner.run(bad)
        }
    }

    // MARK: - Frontend side

    @Test func frontendForwardsThroughTheQueueToAQuerier() async throws {
        let source = FakeExemplarMetadataSource()
        var engine = EngineQueryRunner(options: EngineOptions(), storage: { _ in EmptyQueryable() })
        engine.exemplars = source
        engine.metadata = source
        let querier = WireRunner(inner: engine)
        let queue = RequestQueue()
        let frontend = QueryFrontend(config: QueryFrontendConfig(), overrides: Overrides(defaults: Limits()), cache: nil, queue: queue,
                                     now: { 0 }, logger: testLogger)
        let queriers = LocalQueriers(queue: queue, runner: querier, concurrency: 2)
        let workers = Task { await queriers.run() }
        defer {
            workers.cancel()
            queue.stop()
        }
        let reader = FrontendExemplarMetadataReader(frontend: frontend)

        let get = try LabelMatcher(.equal, "method", "Get")
        let name = try LabelMatcher(.regexMatch, "__name__", "rpc_.*")
        let groups = try await reader.exemplars(tenant: Self.tenant, start: -100, end: 5_000, matcherSets: [[name, get], []])
        // Sorted by series labels, as `ExemplarQueryable` answers.
        #expect(groups.map(\.seriesLabels) == [Self.getSeries, Self.putSeries])
        #expect(groups.flatMap(\.exemplars).map { $0.labels["trace_id"] ?? "" } == ["aaa", "bbb", "ccc"])
        #expect(source.calls == ["exemplars team-a -100..5000 [__name__=~\"rpc_.*\",method=\"Get\"] [__name__=~\".+\"]"])
        #expect(try await reader.exemplars(tenant: Self.tenant, start: 0, end: 1, matcherSets: []).isEmpty)

        let all = try await reader.metadata(tenant: Self.tenant, metric: nil, limit: -1, limitPerMetric: 0)
        #expect(all.map(\.metric) == ["queue_bytes", "rpc_requests_total"])
        #expect(all.map(\.entries) == [[Self.gauge], [Self.counter, Self.counterOld]])
        let cut = try await reader.metadata(tenant: Self.tenant, metric: "rpc_requests_total", limit: 1, limitPerMetric: 1)
        #expect(cut.map(\.metric) == ["rpc_requests_total"])
        #expect(cut.map(\.entries) == [[Self.counter]])
        #expect(source.calls.suffix(2) == ["metadata team-a all -1 0", "metadata team-a rpc_requests_total 1 1"])

        // Not cached: the same request asked again reaches the querier again.
        _ = try await reader.metadata(tenant: Self.tenant, metric: nil, limit: -1, limitPerMetric: 0)
        #expect(source.calls.count == 4)
        #expect(querier.kinds == [.exemplars, .metadata, .metadata, .metadata])
    }

    @Test func aQuerierFailureReachesTheCaller() async throws {
        let queue = RequestQueue()
        let frontend = QueryFrontend(config: QueryFrontendConfig(), overrides: Overrides(defaults: Limits()), cache: nil, queue: queue,
                                     now: { 0 }, logger: testLogger)
        var engine = EngineQueryRunner(options: EngineOptions(), storage: { _ in EmptyQueryable() })
        engine.exemplars = FailingSource()
        engine.metadata = FailingSource()
        let queriers = LocalQueriers(queue: queue, runner: WireRunner(inner: engine), concurrency: 1)
        let workers = Task { await queriers.run() }
        defer {
            workers.cancel()
            queue.stop()
        }
        let reader = FrontendExemplarMetadataReader(frontend: frontend)
        await #expect(throws: QueryFailure.self) {
            _ = try await reader.metadata(tenant: Self.tenant, metric: nil, limit: -1, limitPerMetric: 0)
        }
        let matcher = try LabelMatcher(.equal, "job", "api")
        await #expect(throws: QueryFailure.self) {
            _ = try await reader.exemplars(tenant: Self.tenant, start: 0, end: 1, matcherSets: [[matcher]])
        }
    }
}

/// A querier's runner as the frontend reaches it over gRPC: the request and the answer go
/// through their bytes.
final class WireRunner: QueryRunner {
    let inner: any QueryRunner
    private let seen = Mutex<[QueryRequest.Kind]>([])

    init(inner: any QueryRunner) { self.inner = inner }

    var kinds: [QueryRequest.Kind] { seen.withLock { $0 } }

    func run(_ request: QueryRequest) async throws(QueryFailure) -> QueryResponse {
        let received: QueryRequest
        do {
            received = try QueryCodec.decodeRequest(QueryCodec.encode(request))
        } catch {
            throw .internal("request: \(error)")
        }
        seen.withLock { $0.append(received.kind) }
        let response = try await inner.run(received)
        do {
            return try QueryCodec.decodeResponse(QueryCodec.encode(response))
        } catch {
            throw .internal("response: \(error)")
        }
    }
}

/// Fixed exemplars and metadata; records each call.
final class FakeExemplarMetadataSource: ExemplarQueryable, MetadataQueryable {
    private let log = Mutex<[String]>([])

    var calls: [String] { log.withLock { $0 } }

    func exemplars(tenant: TenantID, start: Int64, end: Int64, matcherSets: [[LabelMatcher]]) async throws -> [SeriesExemplars] {
        let sets = matcherSets.map { "[" + $0.map(\.description).joined(separator: ",") + "]" }.joined(separator: " ")
        log.withLock { $0.append("exemplars \(tenant) \(start)..\(end) \(sets)") }
        return ExemplarMetadataForwardingTests.exemplars
    }

    func metadata(tenant: TenantID, metric: String?, limit: Int, limitPerMetric: Int) async throws -> [(metric: String, entries: [MetricMetadata])] {
        log.withLock { $0.append("metadata \(tenant) \(metric ?? "all") \(limit) \(limitPerMetric)") }
        let t = ExemplarMetadataForwardingTests.self
        var out: [(metric: String, entries: [MetricMetadata])] = [("queue_bytes", [t.gauge]), ("rpc_requests_total", [t.counter, t.counterOld])]
        if let metric { out = out.filter { $0.metric == metric } }
        if limit >= 0 { out = Array(out.prefix(limit)) }
        if limitPerMetric > 0 { out = out.map { ($0.metric, Array($0.entries.prefix(limitPerMetric))) } }
        return out
    }
}

/// A source whose ingesters cannot be reached.
struct FailingSource: ExemplarQueryable, MetadataQueryable {
    struct Unreachable: Error {}

    func exemplars(tenant: TenantID, start: Int64, end: Int64, matcherSets: [[LabelMatcher]]) async throws -> [SeriesExemplars] {
        throw Unreachable()
    }

    func metadata(tenant: TenantID, metric: String?, limit: Int, limitPerMetric: Int) async throws -> [(metric: String, entries: [MetricMetadata])] {
        throw Unreachable()
    }
}

/// Storage with no series.
struct EmptyQueryable: Queryable {
    func select(_ request: SelectRequest) async throws -> [QuerySeries] { [] }
    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] { [] }
    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] { [] }
}
