import Hummingbird
import StrataModel
import StrataPromQL
import StrataQueryFrontend

/// `/series`, `/labels`, `/label/<name>/values`, `/metadata` and `/query_exemplars`: lookups
/// that need label sets but no evaluation.
extension PromAPIHandler {
    /// The warning Prometheus adds when `limit` cut a result short.
    static let truncatedWarning = "results truncated due to limit"

    func series(_ request: Request, _ params: PromAPIParams, _ tenants: [TenantID]) async throws(PromAPIError) -> Response {
        let matches = params.values("match[]")
        guard !matches.isEmpty else { throw PromAPIError(.badData, "no match[] parameter provided") }
        let limit = try PromAPITime.parseLimit(params.value("limit"))
        let (start, end) = try timeRange(params)
        let matcherSets = try Self.parseMatchers(matches)
        let storage = storage(for: tenants)
        var all: [Labels] = []
        for matchers in matcherSets {
            do {
                let selected = try await storage.select(SelectRequest(tenant: tenants.first ?? .anonymous,
                                                                      minTime: start, maxTime: end, matchers: matchers))
                all.reserveCapacity(all.count + selected.count)
                for s in selected { all.append(s.labels) }
            } catch {
                throw Self.storageError(error)
            }
        }
        // Several match[] may select the same series: merge as Prometheus's merged series set does.
        if matcherSets.count > 1 {
            all.sort()
            all = Self.uniqueSorted(all)
        }
        var warnings: [String] = []
        if limit > 0, all.count > limit {
            all.removeLast(all.count - limit)
            warnings.append(Self.truncatedWarning)
        }
        var json = Self.beginSuccess(capacity: 64 + all.count * 96)
        json.byte(UInt8(ascii: "["))
        for (i, labels) in all.enumerated() {
            if i > 0 { json.byte(UInt8(ascii: ",")) }
            json.labels(labels)
        }
        json.byte(UInt8(ascii: "]"))
        return Self.finishSuccess(json, warnings: warnings, request: request)
    }

    func labelNames(_ request: Request, _ params: PromAPIParams, _ tenants: [TenantID]) async throws(PromAPIError) -> Response {
        let limit = try PromAPITime.parseLimit(params.value("limit"))
        let (start, end) = try timeRange(params)
        let matcherSets = try Self.parseMatchers(params.values("match[]"))
        let storage = storage(for: tenants)
        let tenant = tenants.first ?? .anonymous
        var names: [String]
        do {
            if matcherSets.isEmpty {
                names = try await storage.labelNames(tenant: tenant, minTime: start, maxTime: end, matchers: [])
            } else {
                var set = Set<String>()
                for matchers in matcherSets {
                    set.formUnion(try await storage.labelNames(tenant: tenant, minTime: start, maxTime: end, matchers: matchers))
                }
                names = set.sorted()
            }
        } catch {
            throw Self.storageError(error)
        }
        return stringListResponse(names, limit: limit, request: request)
    }

    func labelValues(_ request: Request, _ params: PromAPIParams, _ tenants: [TenantID], rawName: String) async throws(PromAPIError) -> Response {
        var name = PromAPIParams.unescapePath(Substring(rawName)) ?? rawName
        if name.hasPrefix("U__") { name = Self.unescapeLabelName(name) }
        guard Self.isLegacyLabelName(name) else {
            throw PromAPIError(.badData, "invalid label name: \(goQuote(name))")
        }
        let limit = try PromAPITime.parseLimit(params.value("limit"))
        let (start, end) = try timeRange(params)
        let matcherSets = try Self.parseMatchers(params.values("match[]"))
        let storage = storage(for: tenants)
        let tenant = tenants.first ?? .anonymous
        var values: [String]
        do {
            if matcherSets.isEmpty {
                values = try await storage.labelValues(tenant: tenant, name: name, minTime: start, maxTime: end, matchers: [])
            } else {
                var set = Set<String>()
                for matchers in matcherSets {
                    set.formUnion(try await storage.labelValues(tenant: tenant, name: name, minTime: start, maxTime: end, matchers: matchers))
                }
                values = set.sorted()
            }
        } catch {
            throw Self.storageError(error)
        }
        return stringListResponse(values, limit: limit, request: request)
    }

    /// `/metadata`: type, help and unit per metric name, in Prometheus's shape
    /// (`{"metric":[{"type":…,"help":…,"unit":…}]}`), with `limit`, `limit_per_metric` and
    /// `metric`. Reads the store remote write fills: this process's, the ingesters' of the
    /// ring merged, or a querier's through this process's query-frontend (empty without any).
    func metadata(_ request: Request, _ params: PromAPIParams, _ tenants: [TenantID]) async throws(PromAPIError) -> Response {
        var limits: [Int] = []
        for (name, message) in [("limit", "limit must be a number"), ("limit_per_metric", "limit_per_metric must be a number")] {
            let v = params.value(name)
            if v.isEmpty {
                limits.append(-1)
            } else if let n = Int(v) {
                limits.append(n)
            } else {
                throw PromAPIError(.badData, message)
            }
        }
        let metric = params.value("metric")
        // Federated reads merge the tenants' metadata; an entry sent by several appears once.
        var merged: [String: [MetricMetadata]] = [:]
        if let metadataSource {
            for tenant in tenants {
                let answer: [(metric: String, entries: [MetricMetadata])]
                do {
                    answer = try await metadataSource.metadata(tenant: tenant, metric: metric.isEmpty ? nil : metric, limit: -1, limitPerMetric: 0)
                } catch {
                    throw Self.storageError(error)
                }
                for (name, entries) in answer {
                    var list = merged[name] ?? []
                    for e in entries where !list.contains(e) { list.append(e) }
                    merged[name] = list
                }
            }
        }
        var names = merged.keys.sorted()
        if limits[0] >= 0 && names.count > limits[0] { names = Array(names.prefix(limits[0])) }
        var json = Self.beginSuccess(capacity: 64 + names.count * 96)
        json.byte(UInt8(ascii: "{"))
        for (i, name) in names.enumerated() {
            if i > 0 { json.byte(UInt8(ascii: ",")) }
            json.string(name)
            json.raw(":[")
            var entries = merged[name] ?? []
            if limits[1] > 0 && entries.count > limits[1] { entries = Array(entries.prefix(limits[1])) }
            for (j, e) in entries.enumerated() {
                if j > 0 { json.byte(UInt8(ascii: ",")) }
                json.raw("{\"type\":")
                json.string(e.type.rawValue)
                json.raw(",\"help\":")
                json.string(e.help)
                json.raw(",\"unit\":")
                json.string(e.unit)
                json.byte(UInt8(ascii: "}"))
            }
            json.byte(UInt8(ascii: "]"))
        }
        json.byte(UInt8(ascii: "}"))
        return Self.finishSuccess(json, request: request)
    }

    /// `/query_exemplars`: the exemplars of the series the query's selectors match, in
    /// Prometheus's shape (`[{"seriesLabels":{…},"exemplars":[{"labels":{…},"value":"…",
    /// "timestamp":…}]}]`). Reads the ingester's exemplar store: this process's, the
    /// ingesters' of the ring merged, or a querier's through this process's query-frontend
    /// (empty without any).
    func queryExemplars(_ request: Request, _ params: PromAPIParams, _ tenants: [TenantID]) async throws(PromAPIError) -> Response {
        let (start, end) = try timeRange(params)
        if end < start { throw PromAPIError(.badData, "end timestamp must not be before start timestamp") }
        let expr: Expr
        do {
            expr = try PromQL.parse(params.value("query"))
        } catch {
            throw .invalidParam("query", error.description)
        }
        let matcherSets = QueryInspection.selectors(in: expr).map(\.matchers)
        var groups: [SeriesExemplars] = []
        if let exemplarSource, !matcherSets.isEmpty {
            for tenant in tenants {
                do {
                    groups.append(contentsOf: try await exemplarSource.exemplars(tenant: tenant, start: start, end: end, matcherSets: matcherSets))
                } catch {
                    throw Self.storageError(error)
                }
            }
        }
        var json = Self.beginSuccess(capacity: 64 + groups.count * 256)
        json.byte(UInt8(ascii: "["))
        for (i, group) in groups.enumerated() {
            if i > 0 { json.byte(UInt8(ascii: ",")) }
            json.raw("{\"seriesLabels\":")
            json.labels(group.seriesLabels)
            json.raw(",\"exemplars\":[")
            for (j, e) in group.exemplars.enumerated() {
                if j > 0 { json.byte(UInt8(ascii: ",")) }
                json.raw("{\"labels\":")
                json.labels(e.labels)
                json.raw(",\"value\":")
                json.sampleValue(e.value)
                json.raw(",\"timestamp\":")
                json.timestamp(e.timestamp)
                json.byte(UInt8(ascii: "}"))
            }
            json.raw("]}")
        }
        json.byte(UInt8(ascii: "]"))
        return Self.finishSuccess(json, request: request)
    }

    // MARK: - Helpers

    /// `start` and `end`, defaulting to the whole time range.
    private func timeRange(_ params: PromAPIParams) throws(PromAPIError) -> (Int64, Int64) {
        let start = try PromAPITime.parseTimeParam(params.value("start"), name: "start", fallback: PromAPITime.minTime)
        let end = try PromAPITime.parseTimeParam(params.value("end"), name: "end", fallback: PromAPITime.maxTime)
        return (start, end)
    }

    /// A sorted string list, cut to `limit` with Prometheus's warning.
    private func stringListResponse(_ list: [String], limit: Int, request: Request) -> Response {
        var list = list
        var warnings: [String] = []
        if limit > 0, list.count > limit {
            list.removeLast(list.count - limit)
            warnings.append(Self.truncatedWarning)
        }
        var json = Self.beginSuccess(capacity: 64 + list.count * 24)
        json.stringArray(list)
        return Self.finishSuccess(json, warnings: warnings, request: request)
    }

    /// Each `match[]` as a series selector's matchers; at least one matcher of each set must
    /// not match the empty string, as Prometheus requires.
    static func parseMatchers(_ matches: [String]) throws(PromAPIError) -> [[LabelMatcher]] {
        var sets: [[LabelMatcher]] = []
        for text in matches {
            let expr: Expr
            do {
                expr = try PromQL.parse(text)
            } catch {
                // Prometheus parses match[] without the expression checks, so `{a=~".*"}` fails
                // later with the match[] wording below.
                if error.message == "vector selector must contain at least one non-empty matcher" {
                    throw .invalidParam("match[]", "match[] must contain at least one non-empty matcher")
                }
                throw .invalidParam("match[]", error.description)
            }
            guard case .vectorSelector(let selector) = expr, selector.offset == .zero, selector.at == nil else {
                let column = expr.position.start + 1
                throw .invalidParam("match[]", "1:\(column): parse error: expected a series selector such as metric{label=\"value\"}, got \(PromQL.format(expr))")
            }
            guard selector.matchers.contains(where: { !$0.matchesEmpty }) else {
                throw .invalidParam("match[]", "match[] must contain at least one non-empty matcher")
            }
            sets.append(selector.matchers)
        }
        return sets
    }

    /// `sorted` without repeats.
    static func uniqueSorted(_ sorted: [Labels]) -> [Labels] {
        var out: [Labels] = []
        out.reserveCapacity(sorted.count)
        for l in sorted where out.last != l { out.append(l) }
        return out
    }

    /// The legacy Prometheus label name scheme Strata validates writes with: `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func isLegacyLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first else { return false }
        func letter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == UInt8(ascii: "_") }
        return letter(first) && name.utf8.dropFirst().allSatisfy { letter($0) || ($0 >= 48 && $0 <= 57) }
    }

    /// Prometheus's `U__` value-encoding escape of label names in URL paths: `__` is `_`,
    /// `_<hex>_` is a code point, anything else stands for itself. Invalid escapes leave the
    /// name as given.
    static func unescapeLabelName(_ escaped: String) -> String {
        let body = Array(escaped.unicodeScalars.dropFirst(3))
        var out = String.UnicodeScalarView()
        var i = 0
        while i < body.count {
            let c = body[i]
            guard c == "_" else {
                out.append(c)
                i += 1
                continue
            }
            if i + 1 < body.count, body[i + 1] == "_" {
                out.append("_")
                i += 2
                continue
            }
            var j = i + 1
            var hex = ""
            while j < body.count, body[j] != "_" {
                hex.unicodeScalars.append(body[j])
                j += 1
            }
            guard j < body.count, !hex.isEmpty, let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                return escaped
            }
            out.append(scalar)
            i = j + 1
        }
        return String(out)
    }
}

extension PromAPIHandler {
    /// A store's failure in a series or label lookup: a malformed `__query_shard__` matcher is
    /// the client's (400); anything else is `execution` (422), as before.
    static func storageError(_ error: any Error) -> PromAPIError {
        if let shard = error as? QueryShardError { return .invalidParam("match[]", shard.description) }
        return PromAPIError(.execution, "\(error)")
    }
}
