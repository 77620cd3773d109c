import StrataModel
import Testing

/// The shared computations of the cardinality API: ordering, limits and counts.
@Suite struct CardinalityStatisticsTests {
    static let far = ContinuousClock.now + .seconds(3600)

    @Test("top keeps the largest counts, ties by byte order of the name, bounded by the limit")
    func topOrdering() {
        let items = [("b", 5), ("a", 5), ("c", 9), ("_z", 5), ("d", 1), ("B", 5)].map { NamedCount(name: $0.0, value: $0.1) }
        #expect(CardinalityStatistics.top(items, limit: 4).map(\.name) == ["c", "B", "_z", "a"])
        #expect(CardinalityStatistics.top(items, limit: 100).map(\.name) == ["c", "B", "_z", "a", "b", "d"])
        #expect(CardinalityStatistics.top(items, limit: 0).isEmpty)
        // Against a full sort on many entries.
        var many: [NamedCount] = []
        var x: UInt64 = 12345
        for i in 0..<5000 {
            x = x &* 6364136223846793005 &+ 1442695040888963407
            many.append(NamedCount(name: "n\(i)", value: Int(x >> 54)))
        }
        let sorted = many.sorted(by: CardinalityStatistics.ranksBefore)
        #expect(CardinalityStatistics.top(many, limit: 37) == Array(sorted.prefix(37)))
    }

    @Test("label names and values over series match the counts from an index")
    func fromSeriesAndFromIndex() throws {
        let series = [
            Labels(["__name__": "up", "job": "a", "instance": "1"]),
            Labels(["__name__": "up", "job": "a", "instance": "2"]),
            Labels(["__name__": "up", "job": "b", "instance": "3"]),
            Labels(["__name__": "rpc", "job": "b"]),
        ]
        let names = try CardinalityStatistics.labelNames(series: series, limit: 2, deadline: Self.far)
        #expect(names.labelNamesCount == 3)
        #expect(names.labelValuesCountTotal == 2 + 2 + 3)
        #expect(names.cardinality == [NamedCount(name: "instance", value: 3), NamedCount(name: "__name__", value: 2)])

        let values = try CardinalityStatistics.labelValues(series: series, names: ["instance", "job", "missing", "job"], limit: 1,
                                                           deadline: Self.far)
        #expect(values.seriesCountTotal == 4)
        #expect(values.labels.map(\.labelName) == ["job", "instance", "missing"])
        #expect(values.labels[0] == LabelCardinality(labelName: "job", labelValuesCount: 2, seriesCount: 4,
                                                      cardinality: [NamedCount(name: "a", value: 2)]))
        #expect(values.labels[1].seriesCount == 3 && values.labels[1].labelValuesCount == 3)
        #expect(values.labels[2] == LabelCardinality(labelName: "missing"))

        // The same from per-value counts, as an inverted index gives them.
        let index: [String: [NamedCount]] = ["job": [NamedCount(name: "a", value: 2), NamedCount(name: "b", value: 2)],
                                             "instance": ["1", "2", "3"].map { NamedCount(name: $0, value: 1) }]
        let fromIndex = CardinalityStatistics.labelValues(seriesTotal: 4, names: ["instance", "job", "missing", "job"], limit: 1) { index[$0] ?? [] }
        #expect(fromIndex == values)
    }

    @Test("status/tsdb lists: pairs, metrics, values and bytes per name")
    func tsdbLists() {
        let pairs: [(String, String, Int)] = [("__name__", "up", 3), ("__name__", "rpc", 1), ("job", "a", 2), ("job", "bb", 2), ("instance", "x", 1)]
        let lists = CardinalityStatistics.tsdbLists(limit: 2) { body in for p in pairs { body(p.0, p.1, p.2) } }
        #expect(lists.pairs == 5)
        #expect(lists.byMetric == [NamedCount(name: "up", value: 3), NamedCount(name: "rpc", value: 1)])
        #expect(lists.byPair == [NamedCount(name: "__name__=up", value: 3), NamedCount(name: "job=a", value: 2)])
        #expect(lists.valuesByName == [NamedCount(name: "__name__", value: 2), NamedCount(name: "job", value: 2)])
        // up×3 + rpc×1 = 9 bytes for __name__; a×2 + bb×2 = 6 for job.
        #expect(lists.memoryByName == [NamedCount(name: "__name__", value: 9), NamedCount(name: "job", value: 6)])
    }

    @Test("a passed deadline stops a pass over many series")
    func deadline() {
        let series = (0..<10_000).map { Labels(["__name__": "m", "i": "\($0)"]) }
        #expect(throws: CardinalityError.timeout) {
            try CardinalityStatistics.labelNames(series: series, limit: 5, deadline: ContinuousClock.now - .seconds(1))
        }
        #expect(throws: CardinalityError.timeout) {
            try CardinalityStatistics.labelValues(series: series, names: ["i"], limit: 5, deadline: ContinuousClock.now - .seconds(1))
        }
    }
}
