import AsyncHTTPClient
import Foundation
import NIOCore
import StrataModel
import StrataPromQL
@testable import StrataPromQLTestSupport

/// A series that remote write refused while a `load` block was pushed, and why.
struct ConformanceRefusedSeries: Sendable {
    /// The script and the 1-based line of the `load` command.
    var file: String
    var loadLine: Int
    /// The refused series.
    var labels: Labels
    /// The HTTP status and body of the refusal.
    var status: Int
    var message: String
}

/// Runs the conformance runner's loads and queries against a running Strata, through the
/// public HTTP API only: `load` blocks go through remote write 1.0 (`POST /api/v1/push`, snappy
/// protobuf), or 2.0 when they hold native histograms (`ConformanceHTTPHistogramLoad`), evals through `GET /prometheus/api/v1/query` and `POST /prometheus/api/v1/query_range`
/// (a form body), so that both ways of passing parameters are used.
///
/// Every `load` block gets a tenant of its own (`X-Scope-OrgID`), holding everything the script
/// loaded since its last `clear`, so that the block sees exactly the data the in-process runner
/// sees. The samples are pushed in timestamp order, all series interleaved, in requests of about
/// `samplesPerRequest` samples, so no series ever receives an out-of-order sample.
struct ConformanceHTTPBackend: ConformanceBackend {
    /// Samples per remote-write request.
    static let samplesPerRequest = 5000

    let client: HTTPClient
    /// `http://127.0.0.1:<port>`.
    let baseURL: String
    /// Tenant IDs are `<tenantPrefix>-<n>`.
    let tenantPrefix: String
    /// The script's file name, for the refusal records.
    let file: String

    /// Loads since the last `clear`, in script order.
    private var loads: [ConformanceLoad] = []
    /// How many tenants this backend created.
    private var tenantCount = 0
    /// The tenant of the latest `load`; queries before any load go to an empty tenant.
    private(set) var tenant: String
    /// Series remote write refused, per load.
    private(set) var refused: [ConformanceRefusedSeries] = []
    /// Pushes that failed for another reason than a refusal (the server is unreachable, …): the
    /// run cannot be trusted when this is not empty.
    private(set) var problems: [String] = []
    /// Remote-write requests sent, samples pushed.
    private(set) var requests = 0, samples = 0

    init(client: HTTPClient, baseURL: String, tenantPrefix: String, file: String) {
        self.client = client
        self.baseURL = baseURL
        self.tenantPrefix = tenantPrefix
        self.file = file
        tenant = "\(tenantPrefix)-0"
    }

    mutating func clear() async {
        loads.removeAll()
        tenantCount += 1
        tenant = "\(tenantPrefix)-\(tenantCount)"
    }

    mutating func load(_ load: ConformanceLoad) async {
        loads.append(load)
        tenantCount += 1
        tenant = "\(tenantPrefix)-\(tenantCount)"
        let mixed = ConformanceHTTPHistogramLoad.merged(loads)
        if ConformanceHTTPHistogramLoad.hasHistograms(mixed) {
            await loadWithHistograms(mixed, load: load)
            return
        }
        let series = Self.merged(loads)
        var refusals: [(status: Int, body: String)] = []
        for batch in Self.batches(series, samplesPerRequest: Self.samplesPerRequest) {
            requests += 1
            samples += batch.reduce(0) { $0 + $1.samples.count }
            do {
                let result = try await pushRemoteWrite(client: client, url: baseURL + "/api/v1/push", tenant: tenant, series: batch,
                                                       timeout: .seconds(60))
                if !(200..<300).contains(result.status) { refusals.append((result.status, result.body)) }
            } catch {
                problems.append("\(file):\(load.line): remote write to tenant \(tenant) failed: \(error)")
                return
            }
        }
        if !refusals.isEmpty {
            let client = client, url = baseURL + "/api/v1/push"
            await findRefusedSeries(series, labels: \.labels, load: load) { s, probeTenant in
                guard let first = s.samples.first else { return nil }
                return try await pushRemoteWrite(client: client, url: url, tenant: probeTenant, series: [(s.labels, [first])])
            }
        }
    }

    /// Loads series that hold native histograms through remote write 2.0
    /// (`ConformanceHTTPHistogramLoad`); refused series are found as for 1.0.
    private mutating func loadWithHistograms(_ series: [ConformanceHTTPHistogramLoad.Part], load: ConformanceLoad) async {
        var refusals = 0
        for request in ConformanceHTTPHistogramLoad.requests(series, samplesPerRequest: Self.samplesPerRequest) {
            requests += 1
            samples += request.reduce(0) { $0 + $1.samples.count }
            do {
                let result = try await ConformanceHTTPHistogramLoad.push(client: client, url: baseURL + "/api/v1/push", tenant: tenant, request)
                if !(200..<300).contains(result.status) { refusals += 1 }
            } catch {
                problems.append("\(file):\(load.line): remote write 2.0 to tenant \(tenant) failed: \(error)")
                return
            }
        }
        guard refusals > 0 else { return }
        let client = client, url = baseURL + "/api/v1/push"
        await findRefusedSeries(series, labels: \.labels, load: load) { s, probeTenant in
            guard let first = s.samples.first else { return nil }
            return try await ConformanceHTTPHistogramLoad.push(client: client, url: url, tenant: probeTenant, [(s.labels, [first])])
        }
    }

    /// Pushes each series' first sample alone to a throwaway tenant to learn which series remote
    /// write refuses (a refused request names only its first problem).
    private mutating func findRefusedSeries<S>(_ series: [S], labels: (S) -> Labels, load: ConformanceLoad,
                                               probe: (S, String) async throws -> (status: Int, body: String)?) async {
        let probeTenant = "\(tenant)-probe"
        for s in series {
            do {
                guard let result = try await probe(s, probeTenant) else { continue }
                if !(200..<300).contains(result.status) {
                    refused.append(ConformanceRefusedSeries(file: file, loadLine: load.line, labels: labels(s), status: result.status,
                                                            message: result.body.trimmingCharacters(in: .whitespacesAndNewlines)))
                }
            } catch {
                problems.append("\(file):\(load.line): remote write to tenant \(probeTenant) failed: \(error)")
                return
            }
        }
    }

    /// Every series of `loads` with its float samples in time order. A later load's sample at a
    /// timestamp already loaded replaces the earlier one (remote write would refuse the second
    /// as a duplicate).
    static func merged(_ loads: [ConformanceLoad]) -> [(labels: Labels, samples: [Sample])] {
        var order: [Labels] = []
        var byLabels: [Labels: [Int64: Double]] = [:]
        for load in loads {
            for series in load.series {
                let samples = series.floatSamples(interval: load.interval)
                if samples.isEmpty { continue }
                if byLabels[series.labels] == nil { order.append(series.labels) }
                for s in samples { byLabels[series.labels, default: [:]][s.timestamp] = s.value }
            }
        }
        return order.map { labels in
            let points = byLabels[labels] ?? [:]
            return (labels, points.keys.sorted().map { Sample(timestamp: $0, value: points[$0] ?? .nan) })
        }
    }

    /// The last timestamp of each window of the time line holding about `samplesPerRequest` of
    /// `timestamps` (whole timestamps only: a window ends once it has gathered enough).
    static func windowEnds(_ timestamps: [Int64], samplesPerRequest: Int) -> [Int64] {
        var perTimestamp: [Int64: Int] = [:]
        for t in timestamps { perTimestamp[t, default: 0] += 1 }
        var ends: [Int64] = []
        var count = 0
        for t in perTimestamp.keys.sorted() {
            count += perTimestamp[t] ?? 0
            if count >= samplesPerRequest {
                ends.append(t)
                count = 0
            }
        }
        if count > 0, let last = perTimestamp.keys.max() { ends.append(last) }
        return ends
    }

    /// Cuts `series` into requests by time: each request holds, for every series, its samples in
    /// one window of timestamps, and the windows follow each other in time.
    static func batches(_ series: [(labels: Labels, samples: [Sample])], samplesPerRequest: Int) -> [[(labels: Labels, samples: [Sample])]] {
        let ends = windowEnds(series.flatMap { $0.samples.map(\.timestamp) }, samplesPerRequest: samplesPerRequest)

        var cursor = [Int](repeating: 0, count: series.count)
        var out: [[(labels: Labels, samples: [Sample])]] = []
        for end in ends {
            var request: [(labels: Labels, samples: [Sample])] = []
            for (i, s) in series.enumerated() {
                var j = cursor[i]
                while j < s.samples.count && s.samples[j].timestamp <= end { j += 1 }
                if j > cursor[i] { request.append((s.labels, Array(s.samples[cursor[i]..<j]))) }
                cursor[i] = j
            }
            out.append(request)
        }
        return out
    }

    // MARK: queries

    func instantQuery(_ query: String, at time: Int64) async -> ConformanceAnswer {
        await send("/query", [("query", query), ("time", Self.seconds(time))], post: false)
    }

    func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async -> ConformanceAnswer {
        await send("/query_range", [("query", query), ("start", Self.seconds(start)), ("end", Self.seconds(end)), ("step", "\(step)ms")],
                   post: true)
    }

    private func send(_ path: String, _ params: [(String, String)], post: Bool) async -> ConformanceAnswer {
        let endpoint = ComparisonEndpoint(name: "strata", apiBase: baseURL + "/prometheus/api/v1", headers: [("X-Scope-OrgID", tenant)])
        do {
            let (status, body) = try await endpoint.fetch(client: client, path: path, params: params, post: post)
            return Self.answer(status: status, body: body)
        } catch {
            return .error("no answer from strata: \(error)")
        }
    }

    /// A millisecond time as the decimal seconds the API reads exactly (`-1.500`).
    static func seconds(_ ms: Int64) -> String {
        let magnitude = ms.magnitude
        let fraction = String(magnitude % 1000)
        return (ms < 0 ? "-" : "") + "\(magnitude / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    /// The prefix Prometheus's API (and Strata's) puts before an error of the `query` parameter;
    /// the engine's own text follows it.
    static let queryParamPrefix = "invalid parameter \"query\": "

    /// A query API response as the runner sees the engine's: the value with its warnings and
    /// infos, or the error text (without the API's `invalid parameter "query": ` prefix).
    static func answer(status: Int, body: Data) -> ConformanceAnswer {
        let envelope = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        if let envelope, (envelope["status"] as? String) == "error" || !(200..<300).contains(status) {
            var message = envelope["error"] as? String ?? "HTTP \(status) without an error text"
            if message.hasPrefix(queryParamPrefix) { message = String(message.dropFirst(queryParamPrefix.count)) }
            return .error(message)
        }
        let warnings = envelope?["warnings"] as? [String] ?? []
        let infos = envelope?["infos"] as? [String] ?? []
        switch ComparisonAnswer.parse(status: status, body: body) {
        case .error(let type, let message):
            return .error("unreadable answer (\(type)): \(message)")
        case .scalar(let p):
            return .value(.scalar(t: p.t, f: p.v), warnings: warnings, infos: infos)
        case .string(let t, let value):
            return .value(.string(t: t, value: value), warnings: warnings, infos: infos)
        case .vector(let series):
            let vector = series.compactMap { s in
                s.points.first.map { p in
                    p.h.map { VectorSample(metric: Labels(s.labels), t: p.t, h: ConformanceHTTPHistograms.histogram($0)) }
                        ?? VectorSample(metric: Labels(s.labels), t: p.t, f: p.v)
                }
            }
            return .value(.vector(vector), warnings: warnings, infos: infos)
        case .matrix(let series):
            let matrix = series.map { s in
                SeriesResult(metric: Labels(s.labels), floats: s.points.filter { $0.h == nil }.map { FPoint(t: $0.t, f: $0.v) },
                             histograms: s.points.compactMap { p in p.h.map { HPoint(t: p.t, h: ConformanceHTTPHistograms.histogram($0)) } })
            }
            return .value(.matrix(matrix), warnings: warnings, infos: infos)
        }
    }
}
