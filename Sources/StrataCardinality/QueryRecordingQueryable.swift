import StrataModel

/// The querier's storage with every read recorded in the query log of metric names: each
/// `select` records the metric names its selector names (`__name__="x"`, or the alternatives of
/// `__name__=~"x|y"`), and otherwise the names of the series it returned; label lookups record
/// the names their matchers name. Everything the querier evaluates reads through it — instant and
/// range queries, `series`, `labels`, `label/<name>/values`, remote read — so whatever a query
/// touched is known to `cardinality/unused`.
public struct QueryRecordingQueryable: Queryable {
    /// The storage read.
    public let inner: any Queryable
    /// Where the names go.
    public let log: QueriedMetricsLog

    /// Wraps `inner`.
    public init(inner: any Queryable, log: QueriedMetricsLog) {
        self.inner = inner
        self.log = log
    }

    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        let series = try await inner.select(request)
        if let named = Self.metricNames(in: request.matchers) {
            log.record(tenant: request.tenant, names: named)
        } else {
            log.record(tenant: request.tenant, names: Self.metricNames(of: series))
        }
        return series
    }

    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let names = try await inner.labelNames(tenant: tenant, minTime: minTime, maxTime: maxTime, matchers: matchers)
        if let named = Self.metricNames(in: matchers) { log.record(tenant: tenant, names: named) }
        return names
    }

    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        let values = try await inner.labelValues(tenant: tenant, name: name, minTime: minTime, maxTime: maxTime, matchers: matchers)
        if let named = Self.metricNames(in: matchers) { log.record(tenant: tenant, names: named) }
        return values
    }

    /// The metric names a selector names outright: the value of a `__name__` equality matcher,
    /// or the alternatives of a `__name__` regex that is a plain list (`a|b`); nil when the
    /// selector does not name them (no name matcher, a pattern, a negation).
    static func metricNames(in matchers: [LabelMatcher]) -> [String]? {
        for m in matchers where m.name == metricNameLabel {
            if m.type == .equal { return m.value.isEmpty ? nil : [m.value] }
            if m.type == .regexMatch, let set = m.setMatches { return set }
        }
        return nil
    }

    /// The distinct metric names of `series`. Series come sorted by labels, so runs of one name
    /// are skipped with one string comparison each.
    static func metricNames(of series: [QuerySeries]) -> [String] {
        var names = Set<String>()
        var last: String?
        for s in series {
            guard let name = s.labels.metricName, name != last else { continue }
            last = name
            names.insert(name)
        }
        return Array(names)
    }
}
