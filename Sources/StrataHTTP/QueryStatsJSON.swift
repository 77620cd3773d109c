import StrataPromQL
import StrataQueryFrontend

extension QueryStats {
    /// Statistics of a query the engine ran in this process without the frontend.
    init(samples: Int) {
        self.init()
        samplesProcessed = samples
        querierRequests = 1
    }
}

extension JSONWriter {
    /// `{"resultType":…,"result":…}` and, when `stats` is set, `"stats"` as Prometheus writes it
    /// for `stats=all` (timings in seconds, samples) plus Strata's own `"strata"` object: series
    /// and chunk bytes fetched, split and shard counts, results-cache hits and the sharded rewrite.
    mutating func queryData(_ value: QueryValue, stats: QueryStats?, wallSeconds: Double) {
        queryData(value)
        guard let stats else { return }
        // Reopen the data object to add the statistics before its closing brace.
        buffer.moveWriterIndex(to: buffer.writerIndex - 1)
        raw(",\"stats\":{\"timings\":{\"evalTotalTime\":")
        goFloat(wallSeconds, exponentOutsideJSONRange: true)
        raw(",\"resultSortTime\":0,\"queryPreparationTime\":0,\"innerEvalTime\":")
        goFloat(max(0, wallSeconds - stats.queueSeconds), exponentOutsideJSONRange: true)
        raw(",\"execQueueTime\":")
        goFloat(stats.queueSeconds, exponentOutsideJSONRange: true)
        raw(",\"execTotalTime\":")
        goFloat(wallSeconds, exponentOutsideJSONRange: true)
        raw("},\"samples\":{\"totalQueryableSamples\":")
        int(Int64(stats.samplesProcessed))
        raw(",\"peakSamples\":")
        int(Int64(stats.samplesProcessed))
        raw("},\"strata\":{\"seriesFetched\":")
        int(Int64(stats.seriesFetched))
        raw(",\"chunkBytesFetched\":")
        int(Int64(stats.chunkBytesFetched))
        raw(",\"querierRequests\":")
        int(Int64(stats.querierRequests))
        raw(",\"splitQueries\":")
        int(Int64(stats.splitQueries))
        raw(",\"shards\":")
        int(Int64(stats.shards))
        raw(",\"shardedQueries\":")
        int(Int64(stats.shardedQueries))
        raw(",\"resultsCacheHits\":")
        int(Int64(stats.resultsCacheHits))
        raw(",\"resultsCacheMisses\":")
        int(Int64(stats.resultsCacheMisses))
        raw(",\"resultsCacheHitRatio\":")
        goFloat(stats.resultsCacheHitRatio, exponentOutsideJSONRange: true)
        raw(",\"resolutions\":")
        stringArray(stats.resolutions.map(SourceResolution.name))
        raw(",\"rewrittenQuery\":")
        string(stats.rewrittenQuery)
        raw("}}}")
    }
}
