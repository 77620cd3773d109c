import StrataChunks
import StrataModel
import StrataQuerier
import Testing

/// A store that records what it was asked and answers from fixed series.
private final class RecordingStore: Queryable, @unchecked Sendable {
    let series: [QuerySeries]
    private(set) var asked: [ClosedRange<Int64>] = []
    init(series: [QuerySeries]) { self.series = series }

    func select(_ request: SelectRequest) async throws -> [QuerySeries] {
        asked.append(request.minTime...request.maxTime)
        return series
    }
    func labelNames(tenant: TenantID, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        asked.append(minTime...maxTime)
        return Array(Set(series.flatMap { $0.labels.map(\.name) })).sorted()
    }
    func labelValues(tenant: TenantID, name: String, minTime: Int64, maxTime: Int64, matchers: [LabelMatcher]) async throws -> [String] {
        asked.append(minTime...maxTime)
        return Array(Set(series.compactMap { $0.labels[name] })).sorted()
    }
}

private func chunk(_ samples: [(Int64, Double)]) -> EncodedChunk {
    var c = XORChunk()
    for (t, v) in samples { c.append(timestamp: t, value: v) }
    return c.encoded()
}

private func samples(_ s: QuerySeries, _ lo: Int64, _ hi: Int64) -> [Sample] {
    var it = ChunkSeriesIterator(chunks: s.chunks, minTime: lo, maxTime: hi)
    var out: [Sample] = []
    while let x = it.next() { out.append(x) }
    return out
}

@Suite("Querier split between ingesters and store-gateways")
struct SplitQueryableTests {
    let hour: Int64 = 3_600_000
    let now: Int64 = 100 * 3_600_000

    @Test("each side is asked only for its window, as Mimir's query-ingesters-within and query-store-after")
    func windows() async throws {
        let ing = RecordingStore(series: []), store = RecordingStore(series: [])
        let now = self.now
        let q = SplitQueryable(ingesters: ing, store: store, queryIngestersWithin: .seconds(13 * 3600),
                               queryStoreAfter: .seconds(12 * 3600), now: { now })
        let m = [try LabelMatcher(.equal, "__name__", "up")]
        // A query over the last hour: ingesters only.
        _ = try await q.select(SelectRequest(tenant: .anonymous, minTime: now - hour, maxTime: now, matchers: m))
        #expect(ing.asked == [(now - hour)...now])
        #expect(store.asked.isEmpty)
        // A query over days ago: store only.
        _ = try await q.select(SelectRequest(tenant: .anonymous, minTime: now - 72 * hour, maxTime: now - 48 * hour, matchers: m))
        #expect(ing.asked.count == 1)
        #expect(store.asked == [(now - 72 * hour)...(now - 48 * hour)])
        // A query over the last day: both, each clipped.
        _ = try await q.select(SelectRequest(tenant: .anonymous, minTime: now - 24 * hour, maxTime: now, matchers: m))
        #expect(ing.asked.last == (now - 13 * hour)...now)
        #expect(store.asked.last == (now - 24 * hour)...(now - 12 * hour))
        // Zero means "always".
        let always = SplitQueryable(ingesters: ing, store: store, queryIngestersWithin: .zero, queryStoreAfter: .zero, now: { now })
        _ = try await always.labelNames(tenant: .anonymous, minTime: 0, maxTime: now, matchers: [])
        #expect(ing.asked.last == 0...now)
        #expect(store.asked.last == 0...now)
    }

    @Test("series from both sides merge by labels and overlapping samples appear once")
    func merge() async throws {
        let a = Labels(["__name__": "up", "job": "a"]), b = Labels(["__name__": "up", "job": "b"]), c = Labels(["__name__": "up", "job": "c"])
        let ing = RecordingStore(series: [
            QuerySeries(labels: a, chunks: [chunk([(50, 5), (60, 6)])]),
            QuerySeries(labels: c, chunks: [chunk([(70, 7)])]),
        ])
        let store = RecordingStore(series: [
            QuerySeries(labels: a, chunks: [chunk([(10, 1), (20, 2), (50, 5)])]),
            QuerySeries(labels: b, chunks: [chunk([(30, 3)])]),
        ])
        let q = SplitQueryable(ingesters: ing, store: store, queryIngestersWithin: .zero, queryStoreAfter: .zero, now: { 0 })
        let got = try await q.select(SelectRequest(tenant: .anonymous, minTime: 0, maxTime: 100, matchers: [try LabelMatcher(.equal, "__name__", "up")]))
        #expect(got.map(\.labels) == [a, b, c])
        #expect(samples(got[0], 0, 100).map(\.timestamp) == [10, 20, 50, 60])
        #expect(samples(got[1], 0, 100).map(\.value) == [3])
        let values = try await q.labelValues(tenant: .anonymous, name: "job", minTime: 0, maxTime: 100, matchers: [])
        #expect(values == ["a", "b", "c"])
    }
}
