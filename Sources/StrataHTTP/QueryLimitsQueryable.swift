import StrataChunks
import StrataLimits
import StrataModel
import StrataPromQL

/// The storage of one API request, under the tenants' per-query limits.
///
/// Every read of the request goes through it, whatever serves the data below (the in-process
/// ingester, store-gateways, remote ingesters over RPC, several tenants federated): it clamps each
/// read to `max_query_lookback` (data older than that reads as absent, as Mimir's querier does),
/// refuses a selector whose storage range is longer than `max_partial_query_length`, and counts
/// the series and chunk bytes fetched against `max_fetched_series_per_query` and
/// `max_fetched_chunk_bytes_per_query`. A limit error is thrown as a `QueryError.execution`, so
/// the engine stops and the API answers 422 `execution`, as Mimir answers a limit error.
struct QueryLimitsQueryable: Queryable {
    let inner: any Queryable
    let limiter: QueryLimiter
    /// The request's wall clock in ms, fixed for the whole request.
    let now: Int64

    func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        guard let window = try Self.window(limiter.limits, minTime: request.minTime, maxTime: request.maxTime, now: now, checkLength: true) else {
            return []
        }
        var clamped = request
        clamped.minTime = window.minTime
        clamped.maxTime = window.maxTime
        var answer = try await inner.select(clamped)
        if window.minTime > request.minTime { answer = Self.dropChunks(before: window.minTime, answer) }
        do throws(QueryLimitError) {
            try limiter.add(answer)
        } catch {
            throw QueryError.execution(error.description)
        }
        if window.minTime > request.minTime { answer = Self.trimSamples(before: window.minTime, answer) }
        return answer
    }

    /// The answer without the chunks that end before `minTime`, and without series left empty:
    /// stores return whole chunks and the engine clips only to the range it asked for, so data
    /// behind the lookback limit is removed here.
    static func dropChunks(before minTime: Int64, _ answer: [QuerySeries]) -> [QuerySeries] {
        answer.compactMap { series in
            let kept = series.chunks.filter { $0.maxTime >= minTime }
            return kept.isEmpty ? nil : QuerySeries(labels: series.labels, chunks: kept)
        }
    }

    /// Re-encodes the chunks that start before `minTime` with only their samples from `minTime`
    /// on (after `dropChunks`, so each chunk has some). Counted fetched bytes stay those fetched.
    static func trimSamples(before minTime: Int64, _ answer: [QuerySeries]) -> [QuerySeries] {
        answer.map { series in
            guard series.chunks.contains(where: { $0.minTime < minTime }) else { return series }
            let chunks = series.chunks.compactMap { chunk -> EncodedChunk? in
                guard chunk.minTime < minTime else { return chunk }
                switch chunk.encoding {
                case .xor, .aggregate: break
                case .histogram:
                    var it = HistogramIterator(bytes: chunk.data)
                    var kept: [HistogramSample] = []
                    while let s = it.next(), s.timestamp <= chunk.maxTime {
                        if s.timestamp >= minTime { kept.append(s) }
                    }
                    // The samples of one chunk always fit one chunk again.
                    return HistogramRechunker.chunks(of: kept, samplesPerChunk: HistogramChunk.maxEncodableSamples).first
                case .floatHistogram:
                    var it = FloatHistogramIterator(bytes: chunk.data)
                    var kept: [FloatHistogramSample] = []
                    while let s = it.next(), s.timestamp <= chunk.maxTime {
                        if s.timestamp >= minTime { kept.append(s) }
                    }
                    // The samples of one chunk always fit one chunk again.
                    return HistogramRechunker.chunks(of: kept, samplesPerChunk: HistogramChunk.maxEncodableSamples).first
                }
                var trimmed = XORChunk()
                var samples = XORIterator(bytes: chunk.data)
                var any = false
                while let sample = samples.next() {
                    if sample.timestamp > chunk.maxTime { break }
                    if sample.timestamp >= minTime {
                        trimmed.append(timestamp: sample.timestamp, value: sample.value)
                        any = true
                    }
                }
                return any ? trimmed.encoded() : nil
            }
            return QuerySeries(labels: series.labels, chunks: chunks)
        }
    }

    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        guard let window = try Self.window(limiter.limits, minTime: minTime, maxTime: maxTime, now: now, checkLength: false) else {
            return []
        }
        return try await inner.labelNames(tenant: tenant, minTime: window.minTime, maxTime: window.maxTime, matchers: matchers)
    }

    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        guard let window = try Self.window(limiter.limits, minTime: minTime, maxTime: maxTime, now: now, checkLength: false) else {
            return []
        }
        return try await inner.labelValues(tenant: tenant, name: name, minTime: window.minTime, maxTime: window.maxTime, matchers: matchers)
    }

    private static func window(_ limits: QueryLimits, minTime: Int64, maxTime: Int64, now: Int64,
                               checkLength: Bool) throws(QueryError) -> (minTime: Int64, maxTime: Int64)? {
        do throws(QueryLimitError) {
            return try limits.window(minTime: minTime, maxTime: maxTime, now: now, checkLength: checkLength)
        } catch {
            throw .execution(error.description)
        }
    }
}

extension QueryLimitsQueryable {
    /// `base` under `limits` for one request at wall clock `now` (ms), or `base` itself when no
    /// limit is set. One limiter per call: call it once per request.
    static func limiting(_ base: any Queryable, _ limits: QueryLimits, now: Int64) -> any Queryable {
        if limits == QueryLimits() { return base }
        return QueryLimitsQueryable(inner: base, limiter: QueryLimiter(limits: limits), now: now)
    }
}

extension Overrides {
    /// The per-query limits of a request reading `tenants`.
    func queryLimits(for tenants: [TenantID]) -> QueryLimits {
        QueryLimits(tenants.map { limits(for: $0) })
    }
}

extension PromAPIHandler {
    /// Refuses a range query longer than the tenants' `max_total_query_length` before it is
    /// evaluated: 400 `bad_data`, as Mimir's query-frontend answers it.
    func checkTotalQueryLength(start: Int64, end: Int64, tenants: [TenantID]) throws(PromAPIError) {
        do throws(QueryLimitError) {
            try overrides.queryLimits(for: tenants).checkTotalLength(start: start, end: end, now: now())
        } catch {
            throw PromAPIError(.badData, error.description)
        }
    }
}
