import StrataModel
import Testing

@Suite("Merging answers of several stores")
struct SeriesMergeTests {
    static func chunk(_ lo: Int64, _ tag: UInt8) -> EncodedChunk {
        EncodedChunk(minTime: lo, maxTime: lo + 9, encoding: .xor, data: [0, 0, tag])
    }

    static func series(_ name: String, _ chunks: [EncodedChunk], resolution: Int64 = 0) -> QuerySeries {
        QuerySeries(labels: Labels(["__name__": name]), chunks: chunks, resolution: resolution)
    }

    @Test("many lists merge like merging them two at a time: label order, chunks by minTime, the earlier list first on ties")
    func manyListsMergeAsPairs() {
        let lists: [[QuerySeries]] = [
            [Self.series("a", [Self.chunk(20, 1)]), Self.series("c", [Self.chunk(0, 1)])],
            [Self.series("a", [Self.chunk(0, 2), Self.chunk(20, 2)]), Self.series("b", [Self.chunk(5, 2)], resolution: 300_000)],
            [Self.series("a", [Self.chunk(10, 3)], resolution: 3_600_000)],
            [],
            [Self.series("b", [Self.chunk(0, 4)])],
        ]
        let merged = SeriesMerge.merge(lists)
        var pairwise = lists[0]
        for list in lists.dropFirst() { pairwise = SeriesMerge.merge([pairwise, list]) }
        #expect(merged == pairwise)
        #expect(merged.map(\.labels.metricName) == ["a", "b", "c"])
        #expect(merged[0].chunks.map(\.data[2]) == [2, 3, 1, 2], "minTime order; at 20 the first list's chunk first")
        #expect(merged[0].resolution == 3_600_000)
        #expect(merged[1].chunks.map(\.minTime) == [0, 5])
        #expect(merged[1].resolution == 300_000)
    }
}
