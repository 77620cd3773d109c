import StrataModel
import StrataPromQL

/// A querier's answer to a `QueryRequest`: the value, the rendered warnings and infos, and what
/// it cost.
public struct QueryResponse: Sendable, Equatable {
    /// The result: a matrix for a range query.
    public var value: QueryValue
    /// `PromQL warning: …` texts as the API lists them.
    public var warnings: [String]
    /// `PromQL info: …` texts.
    public var infos: [String]
    /// What was read and how the frontend answered.
    public var stats: QueryStats
    /// The answer to an exemplars request, grouped by series (`value` is then an empty vector).
    public var exemplars: [SeriesExemplars] = []
    /// The answer to a metadata request: entries in metric-name order, those of one metric
    /// together (`value` is then an empty vector).
    public var metadata: [MetricMetadata] = []

    /// Creates a response.
    public init(value: QueryValue, warnings: [String] = [], infos: [String] = [], stats: QueryStats = QueryStats()) {
        self.value = value
        self.warnings = warnings
        self.infos = infos
        self.stats = stats
    }

    /// Adds another part's warnings and infos (each text once) and statistics.
    public mutating func mergeAnnotations(of other: QueryResponse) {
        for w in other.warnings where !warnings.contains(w) { warnings.append(w) }
        for i in other.infos where !infos.contains(i) { infos.append(i) }
        stats.add(other.stats)
    }
}

/// What answering one query cost: filled by the querier (series, samples, resolutions) and by
/// the frontend (splits, shards, cache), reported in `stats=all` and in the query log.
public struct QueryStats: Sendable, Equatable {
    /// Series the queriers read from storage.
    public var seriesFetched = 0
    /// Samples the queriers' engines loaded.
    public var samplesProcessed = 0
    /// Bytes of chunks the queriers read.
    public var chunkBytesFetched = 0
    /// Downsampling resolutions read (ms, 0 = raw), coarsest first.
    public var resolutions: [Int64] = []
    /// Queries the queriers ran for this one (after splitting and sharding).
    public var querierRequests = 0
    /// Parts the range was split into by interval.
    public var splitQueries = 0
    /// Shard queries run (each shard of each sharded leg of each split part).
    public var shardedQueries = 0
    /// Shards per sharded leg (0 when the query was not sharded).
    public var shards = 0
    /// Split parts answered, wholly or partly, from the results cache.
    public var resultsCacheHits = 0
    /// Split parts that needed a querier for some of their range.
    public var resultsCacheMisses = 0
    /// The sharded form of the query, when it was rewritten.
    public var rewrittenQuery = ""
    /// Wall time the request waited in the queue, seconds (summed over parts).
    public var queueSeconds = 0.0

    /// No statistics yet.
    public init() {}

    /// The share of split parts answered from the cache, 0 when nothing was looked up.
    public var resultsCacheHitRatio: Double {
        let total = resultsCacheHits + resultsCacheMisses
        return total == 0 ? 0 : Double(resultsCacheHits) / Double(total)
    }

    /// Sums another part's statistics into these (the rewrite and shard count are kept if set).
    public mutating func add(_ o: QueryStats) {
        seriesFetched += o.seriesFetched
        samplesProcessed += o.samplesProcessed
        chunkBytesFetched += o.chunkBytesFetched
        for r in o.resolutions where !resolutions.contains(r) { resolutions.append(r) }
        resolutions.sort(by: >)
        querierRequests += o.querierRequests
        splitQueries += o.splitQueries
        shardedQueries += o.shardedQueries
        shards = max(shards, o.shards)
        resultsCacheHits += o.resultsCacheHits
        resultsCacheMisses += o.resultsCacheMisses
        if rewrittenQuery.isEmpty { rewrittenQuery = o.rewrittenQuery }
        queueSeconds += o.queueSeconds
    }
}
