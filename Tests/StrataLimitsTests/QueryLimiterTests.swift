import StrataLimits
import StrataModel
import Testing

/// Per-query limits: federation of tenants' limits, counting of series and chunk bytes, the
/// lookback clamp, both length limits, and Mimir's texts.
@Suite struct QueryLimiterTests {
    private func series(_ value: String, chunkBytes: [Int] = [10]) -> QuerySeries {
        QuerySeries(labels: Labels([Label(name: "__name__", value: "m"), Label(name: "i", value: value)]),
                    chunks: chunkBytes.map { EncodedChunk(minTime: 0, maxTime: 1, encoding: .xor, data: [UInt8](repeating: 0, count: $0)) })
    }

    @Test func federatedLimitsTakeTheSmallestNonZeroValue() {
        var a = Limits()
        a.maxFetchedSeriesPerQuery = 100
        a.maxQueryLookback = .seconds(3600)
        var b = Limits()
        b.maxFetchedSeriesPerQuery = 0
        b.maxFetchedChunkBytesPerQuery = 5
        b.maxQueryLookback = .seconds(600)
        let limits = QueryLimits([a, b])
        #expect(limits.maxFetchedSeries == 100)
        #expect(limits.maxFetchedChunkBytes == 5)
        #expect(limits.maxQueryLookback == .seconds(600))
        #expect(limits.maxPartialQueryLength == .zero)
        #expect(QueryLimits([Limits()]) == QueryLimits())
    }

    @Test func seriesAreCountedOncePerLabelSetAcrossSelects() throws {
        var limits = QueryLimits()
        limits.maxFetchedSeries = 2
        let limiter = QueryLimiter(limits: limits)
        try limiter.add([series("a"), series("b")])
        try limiter.add([series("a"), series("b")])  // the same series again, e.g. a second selector
        #expect(limiter.fetchedSeries == 2)
        #expect(throws: QueryLimitError.maxSeries(limit: 2)) { try limiter.add([series("c")]) }
    }

    @Test func chunkBytesAreSummedOverEveryChunkReturned() throws {
        var limits = QueryLimits()
        limits.maxFetchedChunkBytes = 100
        let limiter = QueryLimiter(limits: limits)
        // Replicas' chunks of one series are all kept by the merge, so all are counted.
        try limiter.add([series("a", chunkBytes: [30, 30]), series("b", chunkBytes: [40])])
        #expect(limiter.fetchedChunkBytes == 100)
        #expect(throws: QueryLimitError.maxChunkBytes(limit: 100)) { try limiter.add([series("a", chunkBytes: [1])]) }
    }

    @Test func nothingIsCountedWithoutLimits() throws {
        let limiter = QueryLimiter(limits: QueryLimits())
        try limiter.add((0..<1000).map { series("\($0)") })
        #expect(limiter.fetchedSeries == 0)
        #expect(limiter.fetchedChunkBytes == 0)
    }

    @Test func lookbackClampsTheStartAndEmptiesOlderRanges() throws {
        var limits = QueryLimits()
        limits.maxQueryLookback = .seconds(600)
        let now: Int64 = 10_000_000
        let clamped = try limits.window(minTime: 0, maxTime: now, now: now, checkLength: true)
        #expect(clamped?.minTime == now - 600_000)
        #expect(clamped?.maxTime == now)
        #expect(try limits.window(minTime: 0, maxTime: now - 600_001, now: now, checkLength: true) == nil)
        // Extreme times saturate rather than trap.
        #expect(try limits.window(minTime: .min, maxTime: .max, now: .min, checkLength: true)?.minTime == .min)
        #expect(try QueryLimits().window(minTime: .min, maxTime: .max, now: 0, checkLength: true)?.minTime == .min)
    }

    @Test func partialLengthIsCheckedOnTheClampedRange() throws {
        var limits = QueryLimits()
        limits.maxPartialQueryLength = .seconds(3600)
        #expect(try limits.window(minTime: 0, maxTime: 3_600_000, now: 0, checkLength: true) != nil)
        #expect(throws: QueryLimitError.maxQueryLength(length: .milliseconds(3_600_001), limit: .seconds(3600))) {
            try limits.window(minTime: 0, maxTime: 3_600_001, now: 0, checkLength: true)
        }
        #expect(try limits.window(minTime: 0, maxTime: 9_000_000, now: 0, checkLength: false) != nil)
        #expect(throws: QueryLimitError.self) { try limits.window(minTime: .min, maxTime: .max, now: 0, checkLength: true) }
        // With a lookback, only what is left after the clamp counts.
        limits.maxQueryLookback = .seconds(1800)
        #expect(try limits.window(minTime: 0, maxTime: 9_000_000, now: 9_000_000, checkLength: true)?.minTime == 7_200_000)
    }

    @Test func totalLengthIsEndMinusStartAfterTheLookbackClamp() throws {
        var limits = QueryLimits()
        limits.maxTotalQueryLength = .seconds(3600)
        try limits.checkTotalLength(start: 0, end: 3_600_000, now: 0)
        #expect(throws: QueryLimitError.maxTotalQueryLength(length: .seconds(7200), limit: .seconds(3600))) {
            try limits.checkTotalLength(start: 0, end: 7_200_000, now: 0)
        }
        #expect(throws: QueryLimitError.self) { try limits.checkTotalLength(start: .min, end: .max, now: 0) }
        limits.maxQueryLookback = .seconds(1800)
        try limits.checkTotalLength(start: 0, end: 7_200_000, now: 7_200_000)
    }

    @Test func messagesAreMimirsWithStrataIDs() {
        #expect(QueryLimitError.maxSeries(limit: 5).description
            == "the query exceeded the maximum number of series (limit: 5 series) (err-strata-max-series-per-query). Consider reducing the time range and/or number of series selected by the query. One way to reduce the number of selected series is to add more label matchers to the query. Otherwise, to adjust the related per-tenant limit, configure -querier.max-fetched-series-per-query, or contact your service administrator.")
        #expect(QueryLimitError.maxChunkBytes(limit: 1024).description
            == "the query exceeded the aggregated chunks size limit (limit: 1024 bytes) (err-strata-max-chunks-bytes-per-query). Consider reducing the time range and/or number of series selected by the query. One way to reduce the number of selected series is to add more label matchers to the query. Otherwise, to adjust the related per-tenant limit, configure -querier.max-fetched-chunk-bytes-per-query, or contact your service administrator.")
        #expect(QueryLimitError.maxQueryLength(length: .milliseconds(7_200_500), limit: .seconds(3600)).description
            == "the query time range exceeds the limit (query length: 2h0m0.5s, limit: 1h0m0s) (err-strata-max-query-length). To adjust the related per-tenant limit, configure -querier.max-partial-query-length, or contact your service administrator.")
        #expect(QueryLimitError.maxTotalQueryLength(length: .seconds(31 * 86400), limit: .seconds(30 * 86400)).description
            == "the total query time range exceeds the limit (query length: 744h0m0s, limit: 720h0m0s) (err-strata-max-total-query-length). To adjust the related per-tenant limit, configure -query-frontend.max-total-query-length, or contact your service administrator.")
    }

    @Test func everyFlagNamedByAQueryLimitErrorIsALimitFlag() {
        let flags = Set(LimitKey.all.map(\.flag))
        for flag in [QueryLimitError.maxFetchedSeriesFlag, QueryLimitError.maxFetchedChunkBytesFlag,
                     QueryLimitError.maxPartialQueryLengthFlag, QueryLimitError.maxTotalQueryLengthFlag] {
            #expect(flags.contains(flag), "\(flag)")
        }
    }
}
