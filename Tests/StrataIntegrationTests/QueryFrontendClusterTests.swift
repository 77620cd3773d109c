import AsyncHTTPClient
import Foundation
import StrataModel
import StrataTestSupport
import Testing

/// The query-frontend as its own process (`-target=query-frontend`) with queriers of other
/// processes pulling from its queue over gRPC (`-querier.frontend-address`), in front of a
/// storage process whose ingester the queriers find in an etcd ring.
@Suite("Query-frontend in a cluster", .serialized)
struct QueryFrontendClusterTests {
    static let tenantA = "qf-cluster-a"
    static let tenantB = "qf-cluster-b"
    /// Series of the load metric (tenant A), in `groups` groups.
    static let loadSeries = 600
    static let groups = 6
    static let scrapeMs: Int64 = 15_000

    /// The pushed window: one hour ending a minute before `now`, on the scrape grid.
    struct Window {
        let start: Int64
        let end: Int64
        init(now: Int64 = qfNowMs()) {
            end = (now / 15_000) * 15_000 - 60_000
            start = end - 3_600_000
        }
    }

    /// Pushes tenant A's `qf_load` (many series) and `qf_small`, and tenant B's `qf_small`.
    static func pushData(_ cluster: QueryFrontendCluster, window: Window) async throws {
        let times = Array(stride(from: window.start, through: window.end, by: Int(scrapeMs)))
        var a: [(labels: Labels, samples: [Sample])] = []
        for i in 0..<loadSeries {
            let labels = Labels(["__name__": "qf_load", "group": "g\(i % groups)", "instance": "i\(i)"])
            // Counters with a per-series slope and a wiggle, so rates differ by series and time.
            a.append((labels, times.enumerated().map { k, t in
                Sample(timestamp: t, value: Double(k * (1 + i % 7)) + Double((k * 31 + i) % 11))
            }))
        }
        for i in 0..<3 {
            let labels = Labels(["__name__": "qf_small", "job": "frontend-test", "instance": "a\(i)"])
            a.append((labels, times.enumerated().map { k, t in Sample(timestamp: t, value: Double(i * 100 + k)) }))
        }
        var b: [(labels: Labels, samples: [Sample])] = []
        for i in 0..<2 {
            let labels = Labels(["__name__": "qf_small", "job": "frontend-test", "instance": "b\(i)"])
            b.append((labels, times.enumerated().map { k, t in Sample(timestamp: t, value: Double(5000 + i * 100 + k)) }))
        }
        let url = cluster.url("storage") + "/api/v1/push"
        try await qfPushInTimeOrder(url: url, tenant: tenantA, series: a, samplesPerSeriesPerRequest: 40)
        try await qfPushInTimeOrder(url: url, tenant: tenantB, series: b, samplesPerSeriesPerRequest: 240)
    }

    /// A query that takes a querier a while: a subquery over every load series at every step.
    static let slowQuery = "sum by (group) (avg_over_time(rate(qf_load[1m])[10m:15s]))"

    /// Starts etcd, the storage process (with the data pushed), one frontend and `queriers`
    /// queriers pulling from it.
    static func startCluster(queriers: [String], concurrency: Int = 2, window: Window) async throws -> QueryFrontendCluster {
        let cluster = try await QueryFrontendCluster()
        do {
            try await cluster.startStorage()
            try await pushData(cluster, window: window)
            try await cluster.startFrontend("frontend")
            for q in queriers { try await cluster.startQuerier(q, frontend: "frontend", concurrency: concurrency) }
            try await cluster.waitForQueriers(queriers, frontend: "frontend")
        } catch {
            let logs = cluster.logs()
            cluster.shutdown()
            throw HarnessError("cannot start the cluster: \(error)\n\(logs)")
        }
        return cluster
    }

    @Test("answers through the frontend's queue equal the storage process's own, for queries, series and labels")
    func answersMatchStorage() async throws {
        let window = Window()
        let cluster = try await Self.startCluster(queriers: ["qf-querier-1", "qf-querier-2"], window: window)
        defer { cluster.shutdown() }
        try await cluster.withLogs {
            let frontend = cluster.url("frontend"), storage = cluster.url("storage")
            let start = window.start, end = window.end

            var ranges: [(String, [(String, String)])] = []
            for q in ["qf_small", "sum by (group) (rate(qf_load[5m]))", "max_over_time(qf_small[10m])", "count(qf_load) by (group)",
                      Self.slowQuery] {
                ranges.append((q, qfRangeParams(q, start: start, end: end, stepSeconds: 60)))
            }
            let at = String(Double(end - 90_000) / 1000)
            for q in ["qf_small", "topk(3, rate(qf_load[5m]))", "count(qf_load)", "sum(qf_small) by (job)"] {
                ranges.append((q + " (instant)", [("query", q), ("time", at)]))
            }
            for (name, params) in ranges {
                let path = params.contains { $0.0 == "step" } ? "query_range" : "query"
                for tenant in [Self.tenantA, Self.tenantB] {
                    let viaFrontend = try await qfGet(frontend, path, params, tenant: tenant)
                    let reference = try await qfGet(storage, path, params, tenant: tenant)
                    try #require(reference.status == 200, "storage answered \(name) for \(tenant) with \(reference)")
                    #expect(viaFrontend.status == 200, "\(name) for \(tenant) through the frontend: \(viaFrontend)\n\(cluster.logs())")
                    let got = qfSeries(viaFrontend), want = qfSeries(reference)
                    #expect(got != nil && got == want,
                            "\(name) for \(tenant): frontend \(got.map { "\($0.prefix(3))" } ?? viaFrontend.description), storage \(want.map { "\($0.prefix(3))" } ?? "-")")
                }
            }
            // Something to compare: tenant A has its series, tenant B only its own.
            let countA = try await qfGet(frontend, "query", [("query", "count(qf_load)"), ("time", at)], tenant: Self.tenantA)
            #expect(qfSeries(countA)?.first?.points.first?.value == String(Self.loadSeries), "\(countA)")
            let smallB = try await qfGet(frontend, "query", [("query", "qf_small"), ("time", at)], tenant: Self.tenantB)
            #expect(qfSeries(smallB)?.map(\.metric) == ["{__name__=\"qf_small\",instance=\"b0\",job=\"frontend-test\"}",
                                                        "{__name__=\"qf_small\",instance=\"b1\",job=\"frontend-test\"}"], "\(smallB)")

            // Series and label lookups are forwarded through the queue to a querier.
            let s = String(start / 1000), e = String(end / 1000)
            let metadata: [(String, [(String, String)], [String]?)] = [
                ("series", [("match[]", "qf_small"), ("start", s), ("end", e)], nil),
                ("series", [("match[]", "qf_load{group=\"g1\"}"), ("match[]", "qf_small{instance=\"a0\"}"), ("start", s), ("end", e)], nil),
                ("labels", [("start", s), ("end", e)], ["__name__", "group", "instance", "job"]),
                ("labels", [("match[]", "qf_small"), ("start", s), ("end", e)], ["__name__", "instance", "job"]),
                ("label/group/values", [("start", s), ("end", e)], (0..<Self.groups).map { "g\($0)" }),
                ("label/instance/values", [("match[]", "qf_small"), ("start", s), ("end", e)], ["a0", "a1", "a2"]),
                ("label/__name__/values", [("start", s), ("end", e)], ["qf_load", "qf_small"]),
            ]
            for (path, params, expected) in metadata {
                let viaFrontend = try await qfGet(frontend, path, params, tenant: Self.tenantA)
                let reference = try await qfGet(storage, path, params, tenant: Self.tenantA)
                #expect(viaFrontend.status == 200, "\(path) \(params) through the frontend: \(viaFrontend)\n\(cluster.logs())")
                let got = qfStrings(viaFrontend)
                #expect(got != nil && got == qfStrings(reference), "\(path) \(params): frontend \(viaFrontend.body.prefix(500)), storage \(reference.body.prefix(500))")
                if let expected { #expect(got == expected.sorted(), "\(path) \(params): \(viaFrontend.body.prefix(500))") }
            }
            let seriesCount = try await qfGet(frontend, "series", [("match[]", "qf_load{group=\"g1\"}"), ("match[]", "qf_small{instance=\"a0\"}"),
                                                                   ("start", s), ("end", e)], tenant: Self.tenantA)
            #expect(qfStrings(seriesCount)?.count == Self.loadSeries / Self.groups + 1, "\(seriesCount.body.prefix(300))")
            let valuesB = try await qfGet(frontend, "label/instance/values", [("start", s), ("end", e)], tenant: Self.tenantB)
            #expect(qfStrings(valuesB) == ["b0", "b1"], "tenant B sees only its own series: \(valuesB)")

            // Malformed __query_shard__ matchers: 400 bad_data naming the error, before anything is queued.
            for value in ["3_of_2", "x", "1_of_0", "1_of_100000", "0_of_4", "1_of_"] {
                for (path, params) in [("query", [("query", "up{__query_shard__=\"\(value)\"}"), ("time", at)]),
                                       ("query_range", qfRangeParams("sum(rate(qf_load{__query_shard__=\"\(value)\"}[5m]))",
                                                                     start: start, end: end, stepSeconds: 60))] {
                    let answer = try await qfGet(frontend, path, params, tenant: Self.tenantA)
                    #expect(answer.status == 400, "\(path) with __query_shard__=\"\(value)\": \(answer)")
                    #expect(answer.json?["errorType"] as? String == "bad_data", "\(path) with __query_shard__=\"\(value)\": \(answer)")
                    #expect((answer.json?["error"] as? String ?? "").contains("err-strata-invalid-query-shard"),
                            "\(path) with __query_shard__=\"\(value)\": \(answer)")
                }
            }
            // A well-formed one selects a shard: the two halves hold every series once.
            var halves: [Int] = []
            for shard in ["1_of_2", "2_of_2"] {
                let answer = try await qfGet(frontend, "query", [("query", "count(qf_load{__query_shard__=\"\(shard)\"})"), ("time", at)],
                                             tenant: Self.tenantA)
                #expect(answer.status == 200, "shard \(shard): \(answer)")
                halves.append(Int(qfSeries(answer)?.first?.points.first?.value ?? "") ?? -1)
            }
            #expect(halves.allSatisfy { $0 > 0 } && halves.reduce(0, +) == Self.loadSeries, "series per half: \(halves)")

            // Last, as it takes the frontend down: a label lookup without start and end (the
            // whole time range) overflows `end - start` in the frontend's query log line
            // (QueryLogLine.swift:19) and the process dies with SIGILL. The storage process
            // answers it (its lookups do not go through a frontend).
            let unbounded = try await qfGet(storage, "label/__name__/values", [], tenant: Self.tenantA)
            #expect(qfStrings(unbounded) == ["qf_load", "qf_small"], "\(unbounded)")
            // Without start/end the lookup spans the whole time axis; the frontend must survive it.
            let viaFrontend = try await qfGet(frontend, "label/__name__/values", [], tenant: Self.tenantA)
            #expect(viaFrontend.status == 200 && qfStrings(viaFrontend) == ["qf_load", "qf_small"], "\(viaFrontend)")
        }
    }

    @Test("a querier killed with queries in flight: every client request gets one 200 with the right answer")
    func killedQuerierIsRetried() async throws {
        let window = Window()
        let cluster = try await Self.startCluster(queriers: ["qf-querier-1", "qf-querier-2"], window: window)
        defer { cluster.shutdown() }
        try await cluster.withLogs {
            let frontend = cluster.url("frontend"), storage = cluster.url("storage")

            // Ten slow queries over slightly different ranges, each with its reference answer.
            let requests: [[(String, String)]] = (0..<10).map { i in
                qfRangeParams(Self.slowQuery, start: window.start + Int64(i) * 60_000, end: window.end, stepSeconds: 30)
            }
            var references: [[QFSeries]] = []
            for params in requests {
                let reference = try await qfGet(storage, "query_range", params, tenant: Self.tenantA)
                try #require(reference.status == 200, "storage: \(reference)")
                references.append(try #require(qfSeries(reference)))
            }

            let victim = try #require(cluster.process("qf-querier-1"))
            let answered = QFCounter()
            let answers = try await withThrowingTaskGroup(of: (Int, QFAnswer).self) { group in
                for (i, params) in requests.enumerated() {
                    group.addTask {
                        let a = try await qfGet(frontend, "query_range", params, tenant: Self.tenantA, timeout: .seconds(300))
                        answered.increment()
                        return (i, a)
                    }
                }
                // Two answers in, eight outstanding for four streams: both of querier-1's streams run
                // a query when it dies.
                group.addTask {
                    while answered.value < 2 { try await Task.sleep(for: .milliseconds(20)) }
                    victim.kill9()
                    return (-1, QFAnswer(status: 0, body: "", json: nil))
                }
                var out: [Int: QFAnswer] = [:]
                for try await (i, a) in group where i >= 0 { out[i] = a }
                return out
            }
            #expect(!victim.isRunning)
            #expect(answers.count == requests.count)
            for (i, reference) in references.enumerated() {
                guard let answer = answers[i] else {
                    Issue.record("request \(i) got no answer")
                    continue
                }
                #expect(answer.status == 200, "request \(i): \(answer)\n\(cluster.logs())")
                #expect(qfSeries(answer) == reference, "request \(i) answered differently from the storage process")
            }
            let frontendLog = cluster.process("frontend")?.log() ?? ""
            #expect(frontendLog.contains("retrying query on another querier"),
                    "no query was retried: querier-1 ran nothing when it died?\n\(cluster.logs())")

            // The survivor alone answers what comes next.
            let after = try await qfGet(frontend, "query_range", requests[0], tenant: Self.tenantA)
            #expect(after.status == 200 && qfSeries(after) == references[0], "\(after)")
        }
    }

    @Test("a tenant over -query-frontend.max-outstanding-requests-per-tenant gets 429 while another tenant is served")
    func outstandingRequestsLimit() async throws {
        let window = Window()
        let cluster = try await QueryFrontendCluster()
        defer { cluster.shutdown() }
        try await cluster.withLogs {
            do {
                try await cluster.startStorage()
                try await Self.pushData(cluster, window: window)
                // No querier yet: whatever is queued stays queued.
                try await cluster.startFrontend("frontend", extra: ["-query-frontend.max-outstanding-requests-per-tenant=1"])
            } catch {
                throw HarnessError("cannot start the cluster: \(error)\n\(cluster.logs())")
            }
            let frontend = cluster.url("frontend"), storage = cluster.url("storage")
            let at = String(Double(window.end - 90_000) / 1000)
            let query: [(String, String)] = [("query", "sum(qf_small)"), ("time", at)]

            // Five of tenant A's queries at once: one waits in the queue, the others are refused at once.
            let done = QFCollector()
            let flood = (0..<5).map { _ in
                Task {
                    let a = try await qfGet(frontend, "query", query, tenant: Self.tenantA, timeout: .seconds(300))
                    done.append(a)
                    return a
                }
            }
            let deadline = ContinuousClock.now + .seconds(120)
            while done.values.count < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            // Nothing more comes back while no querier is connected.
            try await Task.sleep(for: .seconds(2))
            let refused = done.values
            try #require(refused.count == 4, "expected 4 of 5 answers before any querier connected, got \(refused.count): \(refused)")
            for a in refused {
                #expect(a.status == 429, "\(a)")
                #expect(a.body.contains("err-strata-too-many-outstanding-requests"), "\(a)")
                #expect(a.json?["errorType"] as? String == "too_many_requests", "\(a)")
            }

            // Tenant B has a queue of its own: it is not refused while A's is full.
            let queryB: [(String, String)] = [("query", "qf_small"), ("time", at)]
            let b = Task { try await qfGet(frontend, "query", queryB, tenant: Self.tenantB, timeout: .seconds(300)) }
            try await Task.sleep(for: .seconds(1))

            // A querier connects and answers the waiting requests of both tenants.
            try await cluster.startQuerier("qf-querier-3", frontend: "frontend", concurrency: 1)
            let answerB = try await b.value
            #expect(answerB.status == 200, "tenant B: \(answerB)\n\(cluster.logs())")
            let referenceB = try await qfGet(storage, "query", queryB, tenant: Self.tenantB)
            #expect(qfSeries(answerB) != nil && qfSeries(answerB) == qfSeries(referenceB), "tenant B: \(answerB) vs \(referenceB)")
            #expect(qfSeries(answerB)?.count == 2, "\(answerB)")

            var queuedA: [QFAnswer] = []
            for task in flood { queuedA.append(try await task.value) }
            let referenceA = try await qfGet(storage, "query", query, tenant: Self.tenantA)
            let servedA = queuedA.filter { $0.status == 200 }
            #expect(servedA.count == 1, "tenant A: \(queuedA.map(\.status))")
            #expect(servedA.allSatisfy { qfSeries($0) == qfSeries(referenceA) }, "tenant A: \(servedA) vs \(referenceA)")

            // The limit is on the backlog, not a ban: with the queue drained, A is served again.
            let again = try await qfGet(frontend, "query", query, tenant: Self.tenantA)
            #expect(again.status == 200 && qfSeries(again) == qfSeries(referenceA), "\(again)")
        }
    }
}

/// A counter several tasks bump.
final class QFCounter: @unchecked Sendable {
    // @unchecked: `n` is behind `lock`.
    private let lock = NSLock()
    private var n = 0
    func increment() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}

/// Answers several tasks collect.
final class QFCollector: @unchecked Sendable {
    // @unchecked: `answers` is behind `lock`.
    private let lock = NSLock()
    private var answers: [QFAnswer] = []
    func append(_ a: QFAnswer) { lock.withLock { answers.append(a) } }
    var values: [QFAnswer] { lock.withLock { answers } }
}
