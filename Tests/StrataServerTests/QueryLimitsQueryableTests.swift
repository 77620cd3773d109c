import StrataChunks
@testable import StrataHTTP
import StrataLimits
import StrataModel
import Testing

/// The lookback clamp removes what stores return behind it: whole chunks that end before it, and
/// the older samples of a chunk that straddles it; fetched bytes are counted before the trim.
@Suite struct QueryLimitsQueryableTests {
    static func chunk(_ times: [Int64]) -> EncodedChunk {
        var c = XORChunk()
        for t in times { c.append(timestamp: t, value: Double(t)) }
        return c.encoded()
    }

    static func samples(_ series: QuerySeries) -> [Int64] {
        series.chunks.flatMap { chunk -> [Int64] in
            var it = XORIterator(bytes: chunk.data)
            var out: [Int64] = []
            while let s = it.next() { out.append(s.timestamp) }
            return out
        }
    }

    @Test func chunksBehindTheClampAreDroppedAndStraddlingOnesTrimmed() {
        let labels = Labels(["__name__": "m"])
        let answer = [
            QuerySeries(labels: labels, chunks: [Self.chunk([10, 20, 30]), Self.chunk([40, 50, 60]), Self.chunk([70, 80])]),
            QuerySeries(labels: Labels(["__name__": "old"]), chunks: [Self.chunk([1, 2])]),
        ]
        let dropped = QueryLimitsQueryable.dropChunks(before: 50, answer)
        #expect(dropped.count == 1)
        #expect(dropped.first?.chunks.count == 2)
        let trimmed = QueryLimitsQueryable.trimSamples(before: 50, dropped)
        #expect(trimmed.first.map(Self.samples) == [50, 60, 70, 80])
        #expect(trimmed.first?.chunks.first?.minTime == 50)
        // A series entirely after the clamp is returned as it is.
        #expect(QueryLimitsQueryable.trimSamples(before: 5, answer).first == answer.first)
    }
}
