import StrataModel
import StrataPromQL

/// The exemplars and metadata lookups a frontend without storage forwards to a querier
/// (`QueryRequest.Kind.exemplars`, `.metadata`), answered from the querier's own exemplar and
/// metadata source: the one its HTTP API reads. Answers travel in `QueryResponse.exemplars` and
/// `QueryResponse.metadata`, with an empty vector as the value.
public enum ExemplarMetadataRequest {
    /// Runs an exemplars or metadata request. A querier without a source answers empty, as its
    /// HTTP API does.
    static func run(_ request: QueryRequest, exemplars: (any ExemplarQueryable)?,
                    metadata: (any MetadataQueryable)?) async throws(QueryFailure) -> QueryResponse {
        var response = QueryResponse(value: .vector([]))
        response.stats.querierRequests = 1
        do {
            switch request.kind {
            case .exemplars:
                let matcherSets = try matcherSets(request.selectors)
                guard let exemplars, !matcherSets.isEmpty else { return response }
                for tenant in request.tenants {
                    response.exemplars += try await exemplars.exemplars(tenant: tenant, start: request.start, end: request.end,
                                                                        matcherSets: matcherSets)
                }
            case .metadata:
                guard let metadata else { return response }
                response.metadata = try await Self.metadata(request, source: metadata)
            case .instant, .range, .series, .labelNames, .labelValues:
                throw QueryFailure.internal("a \(QueryLogLine.kindName(request.kind)) request is not an exemplars or metadata request")
            }
        } catch let failure as QueryFailure {
            throw failure
        } catch {
            throw .internal("\(error)")
        }
        return response
    }

    /// The request's selectors as matcher sets; a selector that is not one is the client's
    /// `query` at fault.
    static func matcherSets(_ selectors: [String]) throws(QueryFailure) -> [[LabelMatcher]] {
        var sets: [[LabelMatcher]] = []
        for text in selectors {
            guard case .vectorSelector(let v)? = try? PromQL.parse(text) else {
                throw .badData("invalid parameter \"query\": \(quoteLabelValue(text)) is not a series selector")
            }
            sets.append(v.matchers)
        }
        return sets
    }

    /// Metadata of the request's tenants merged (an entry several tenants sent appears once), cut
    /// to the request's limits, flat in metric-name order.
    private static func metadata(_ request: QueryRequest, source: any MetadataQueryable) async throws -> [MetricMetadata] {
        let limit = Int(truncatingIfNeeded: request.limit)
        let perMetric = Int(truncatingIfNeeded: request.limitPerMetric)
        let metric: String? = request.metric.isEmpty ? nil : request.metric
        var merged: [String: [MetricMetadata]] = [:]
        for tenant in request.tenants {
            // Each tenant's first `limit` names hold the first `limit` names of the union.
            for (name, entries) in try await source.metadata(tenant: tenant, metric: metric, limit: limit, limitPerMetric: perMetric) {
                var list = merged[name] ?? []
                for e in entries where !list.contains(e) { list.append(e) }
                merged[name] = list
            }
        }
        var names = merged.keys.sorted()
        if limit >= 0, names.count > limit { names = Array(names.prefix(limit)) }
        var out: [MetricMetadata] = []
        for name in names {
            var entries = merged[name] ?? []
            if perMetric > 0, entries.count > perMetric { entries = Array(entries.prefix(perMetric)) }
            // Grouped again by name on the frontend, so each entry carries its group's name.
            out += entries.map { e in
                var copy = e
                copy.metricFamilyName = name
                return copy
            }
        }
        return out
    }

    /// A metadata answer as `MetadataQueryable` returns it: entries grouped by metric name, in
    /// name order.
    public static func grouped(_ entries: [MetricMetadata]) -> [(metric: String, entries: [MetricMetadata])] {
        var byName: [String: [MetricMetadata]] = [:]
        for e in entries { byName[e.metricFamilyName, default: []].append(e) }
        return byName.keys.sorted().map { (metric: $0, entries: byName[$0] ?? []) }
    }
}
