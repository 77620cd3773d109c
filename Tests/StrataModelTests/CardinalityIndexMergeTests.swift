import StrataModel
import Testing

@Suite struct CardinalityIndexMergeTests {
    private static func labels(_ pairs: [String: String]) -> Labels { Labels(pairs) }

    /// Three replicas each holding every series (RF=3): counts come out as one copy, not three.
    @Test func fullReplicationDividesByTheReplicationFactor() {
        let one = CardinalityIndex(numSeries: 100, chunkCount: 100, minTime: 10, maxTime: 90,
                                   labels: ["__name__": ["bomb": 98, "up": 2], "id": Dictionary(uniqueKeysWithValues: (0..<98).map { ("v\($0)", 1) })])
        let merged = CardinalityIndex.merged([one, one, one], replicationFactor: 3)
        #expect(merged == one)
        let names = merged.labelNames(limit: 1)
        #expect(names.cardinality == [NamedCount(name: "id", value: 98)])
        #expect(names.labelNamesCount == 2 && names.labelValuesCountTotal == 100)
        let values = merged.labelValues(names: ["__name__"], limit: 5)
        #expect(values.seriesCountTotal == 100)
        #expect(values.labels.first?.cardinality.first == NamedCount(name: "bomb", value: 98))
        let status = merged.tsdbStatus(limit: 1)
        #expect(status.numSeries == 100 && status.chunkCount == 100 && status.minTime == 10 && status.maxTime == 90)
        #expect(status.seriesCountByMetricName == [NamedCount(name: "bomb", value: 98)])
        #expect(status.numLabelPairs == 100)
    }

    /// With more ingesters than copies each holds a share: values unite, counts add up, and a
    /// series that reached fewer replicas than RF still counts once.
    @Test func sharesUniteAndPartialReplicasCountOnce() {
        // Series a,b,c with RF=2 over 3 ingesters; c reached only one replica.
        let i0 = CardinalityIndex(numSeries: 2, minTime: 5, maxTime: 50, labels: ["id": ["a": 1, "b": 1]])
        let i1 = CardinalityIndex(numSeries: 2, minTime: 1, maxTime: 40, labels: ["id": ["a": 1, "c": 1]])
        let i2 = CardinalityIndex(numSeries: 1, minTime: 7, maxTime: 70, labels: ["id": ["b": 1]])
        let empty = CardinalityIndex()
        let merged = CardinalityIndex.merged([i0, i1, i2, empty], replicationFactor: 2)
        #expect(merged.labels == ["id": ["a": 1, "b": 1, "c": 1]])
        #expect(merged.numSeries == 3)
        #expect(merged.minTime == 1 && merged.maxTime == 70)
        #expect(CardinalityIndex.merged([empty, empty], replicationFactor: 3) == CardinalityIndex())
    }

    /// Active series de-duplicate, sort and truncate at the limit; a truncated replica truncates the answer.
    @Test func activeSeriesDeduplicateAndTruncate() {
        let a = Self.labels(["__name__": "m", "i": "a"]), b = Self.labels(["__name__": "m", "i": "b"])
        let c = Self.labels(["__name__": "m", "i": "c"])
        let merged = ActiveSeries.merged([ActiveSeries(series: [a, c]), ActiveSeries(series: [a, b]), ActiveSeries(series: [b, c])], limit: 10)
        #expect(merged == ActiveSeries(series: [a, b, c], truncated: false))
        #expect(ActiveSeries.merged([ActiveSeries(series: [b, c]), ActiveSeries(series: [a])], limit: 2) == ActiveSeries(series: [a, b], truncated: true))
        #expect(ActiveSeries.merged([ActiveSeries(series: [a], truncated: true), ActiveSeries(series: [a])], limit: 1).truncated)
    }
}
