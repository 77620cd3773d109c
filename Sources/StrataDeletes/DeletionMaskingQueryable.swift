import StrataModel

/// The querier's view of a tenant's data with its delete requests applied: deleted samples are
/// gone and redacted labels rewritten at once, whether the data comes from ingesters or from
/// blocks the compactor has not rewritten yet. Tenants without requests pay one cache lookup.
public struct DeletionMaskingQueryable: Queryable {
    /// The unmasked data.
    public let inner: any Queryable
    /// The tenants' delete requests.
    public let requests: DeleteRequestsCache

    /// Wraps `inner`.
    public init(inner: any Queryable, requests: DeleteRequestsCache) {
        self.inner = inner
        self.requests = requests
    }

    /// The requests that touch the range, or nil when the whole tenant is being deleted: one
    /// cache lookup answers both.
    func relevant(_ tenant: TenantID, _ minTime: Int64, _ maxTime: Int64) async throws -> [DeleteRequest]? {
        let entry = try await requests.entry(tenant)
        if entry.deleted { return nil }
        return DeleteMask.relevant(entry.requests, minTime: minTime, maxTime: maxTime)
    }

    public func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        guard let rs = try await relevant(request.tenant, request.minTime, request.maxTime) else { return [] }
        guard !rs.isEmpty else { return try await inner.select(request) }
        return try await masked(request, rs)
    }

    /// `select` through the mask. A redaction changes labels, so matchers on a redacted label
    /// cannot be pushed down: they are checked after the mask instead.
    func masked(_ request: SelectRequest, _ rs: [DeleteRequest]) async throws -> [QuerySeries] {
        let redacted = Set(rs.compactMap(\.redaction?.label))
        var pushed = request
        if !redacted.isEmpty {
            pushed.matchers = request.matchers.filter { !redacted.contains($0.name) }
            // Keep the request selective enough to be valid: a selector needs a matcher.
            if pushed.matchers.isEmpty { pushed.matchers = [LabelMatcher(literal: metricNameLabel, "", negated: true)] }
        }
        var series = try DeleteMask.apply(try await inner.select(pushed), requests: rs)
        if !redacted.isEmpty {
            series.removeAll { s in !request.matchers.allSatisfy { $0.matches(s.labels[$0.name] ?? "") } }
        }
        return series
    }

    public func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        guard let rs = try await relevant(tenant, minTime, maxTime) else { return [] }
        let names = try await inner.labelNames(tenant: tenant, minTime: minTime, maxTime: maxTime, matchers: matchers)
        guard !rs.isEmpty else { return names }
        let (before, after) = try await affected(tenant, minTime, maxTime, matchers, rs)
        let namesBefore = Set(before.flatMap { $0.labels.map(\.name) })
        let namesAfter = Set(after.flatMap { $0.labels.map(\.name) })
        var out = Set(names)
        for name in namesBefore.subtracting(namesAfter) where out.contains(name) {
            // Kept only when a series the mask leaves has it.
            let probe = SelectRequest(tenant: tenant, minTime: minTime, maxTime: maxTime,
                                      matchers: matchers + [LabelMatcher(literal: name, "", negated: true)])
            if try await masked(probe, rs).isEmpty { out.remove(name) }
        }
        return out.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    public func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        guard let rs = try await relevant(tenant, minTime, maxTime) else { return [] }
        let values = try await inner.labelValues(tenant: tenant, name: name, minTime: minTime, maxTime: maxTime, matchers: matchers)
        guard !rs.isEmpty else { return values }
        let (before, after) = try await affected(tenant, minTime, maxTime, matchers, rs)
        let valuesBefore = Set(before.compactMap { $0.labels[name] })
        let valuesAfter = Set(after.compactMap { $0.labels[name] })
        var out = Set(values).union(valuesAfter)
        for value in valuesBefore.subtracting(valuesAfter) where out.contains(value) {
            let probe = SelectRequest(tenant: tenant, minTime: minTime, maxTime: maxTime,
                                      matchers: matchers + [LabelMatcher(literal: name, value)])
            if try await masked(probe, rs).isEmpty { out.remove(value) }
        }
        return out.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The series the requests can change (those matching the query's matchers and a
    /// request's selector), before and after the mask. Bounded by the requests' selectivity,
    /// not by the tenant's size.
    func affected(_ tenant: TenantID, _ minTime: Int64, _ maxTime: Int64, _ matchers: [LabelMatcher],
                  _ rs: [DeleteRequest]) async throws -> (before: [QuerySeries], after: [QuerySeries]) {
        let redacted = Set(rs.compactMap(\.redaction?.label))
        let pushed = matchers.filter { !redacted.contains($0.name) }
        func matchesAll(_ s: QuerySeries) -> Bool { matchers.allSatisfy { $0.matches(s.labels[$0.name] ?? "") } }
        var lists: [[QuerySeries]] = []
        for r in rs {
            for set in r.matcherSets {
                guard max(minTime, r.startTime) <= min(maxTime, r.endTime) else { continue }
                lists.append(try await inner.select(SelectRequest(tenant: tenant, minTime: minTime, maxTime: maxTime,
                                                                  matchers: pushed + set)))
            }
        }
        let all = SeriesMerge.merge(lists)
        let after = try DeleteMask.apply(all, requests: rs).filter(matchesAll)
        return (all.filter(matchesAll), after)
    }
}
