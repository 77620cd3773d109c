import Logging
import StrataPromQL

/// The structured line the frontend logs per query (and, past
/// `-query-frontend.log-queries-longer-than`, as a slow query): who asked what, how it was cut
/// up, what the cache answered, what was read, and how long it took. The metric names the query
/// touches are listed so that unused-metric reports can be built from these lines.
public enum QueryLogLine {
    /// The metadata of one query's line.
    public static func metadata(request: QueryRequest, response: QueryResponse?, failure: QueryFailure?,
                                wallSeconds: Double) -> Logger.Metadata {
        var m: Logger.Metadata = [
            "tenant": "\(request.tenantKey)",
            "query": "\(request.query)",
            "kind": "\(kindName(request.kind))",
            "start_ms": "\(request.start)",
            "end_ms": "\(request.end)",
            "step_ms": "\(request.step)",
            // Series and label lookups without start/end span the whole time axis: no overflow.
            "length_s": "\(request.end.subtractingReportingOverflow(request.start).overflow ? Int64.max / 1000 : (request.end - request.start) / 1000)",
            "metric_names": "\(metricNames(request.query).joined(separator: ","))",
            "wall_time_s": "\(formatSeconds(wallSeconds))",
        ]
        if let r = response {
            let s = r.stats
            m["status"] = "success"
            m["split_queries"] = "\(s.splitQueries)"
            m["shards"] = "\(s.shards)"
            m["sharded_queries"] = "\(s.shardedQueries)"
            m["querier_requests"] = "\(s.querierRequests)"
            m["results_cache_hits"] = "\(s.resultsCacheHits)"
            m["results_cache_misses"] = "\(s.resultsCacheMisses)"
            m["results_cache_hit_ratio"] = "\(formatSeconds(s.resultsCacheHitRatio))"
            m["fetched_series"] = "\(s.seriesFetched)"
            m["fetched_chunk_bytes"] = "\(s.chunkBytesFetched)"
            m["samples_processed"] = "\(s.samplesProcessed)"
            m["resolutions"] = "\(s.resolutions.map(SourceResolution.name).joined(separator: ","))"
            m["queue_time_s"] = "\(formatSeconds(s.queueSeconds))"
        }
        if let f = failure {
            m["status"] = "failed"
            m["status_code"] = "\(f.status)"
            m["err"] = "\(f.message)"
        }
        return m
    }

    /// The request kind as logged.
    static func kindName(_ kind: QueryRequest.Kind) -> String {
        switch kind {
        case .instant: return "instant"
        case .range: return "range"
        case .series: return "series"
        case .labelNames: return "label_names"
        case .labelValues: return "label_values"
        case .exemplars: return "exemplars"
        case .metadata: return "metadata"
        }
    }

    /// The metric names selected by `query` (`__name__="x"` or a bare name), sorted, unique.
    public static func metricNames(_ query: String) -> [String] {
        guard let expr = try? PromQL.parse(query) else { return [] }
        var names = Set<String>()
        for v in QueryInspection.selectors(in: expr) { add(v, to: &names) }
        return names.sorted()
    }

    private static func add(_ v: VectorSelector, to names: inout Set<String>) {
        if let n = v.name {
            names.insert(n)
            return
        }
        for m in v.matchers where m.name == "__name__" && m.type == .equal { names.insert(m.value) }
    }

    private static func formatSeconds(_ s: Double) -> String {
        let ms = (s * 1000).rounded() / 1000
        return String(ms)
    }
}
