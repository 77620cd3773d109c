import StrataModel
import StrataQuerier
import StrataRing
import StrataTestSupport
import Testing

/// One ingester's cardinality: a fixed index and active series, or an error.
private struct FixedReplica: CardinalityReplica {
    struct Down: Error, CustomStringConvertible { let description: String }
    var index = CardinalityIndex()
    var active = ActiveSeries()
    var failure: String?

    func cardinalityIndex(_ request: CardinalityRequest, labelNames: [String]) async throws -> CardinalityIndex {
        if let failure { throw Down(description: failure) }
        guard !labelNames.isEmpty else { return index }
        var out = index
        out.labels = index.labels.filter { labelNames.contains($0.key) }
        return out
    }

    func activeSeries(_ request: CardinalityRequest) async throws -> ActiveSeries {
        if let failure { throw Down(description: failure) }
        return active
    }
}

private func position(_ instance: InstanceDesc) -> Int { Int(instance.id.split(separator: "-")[1]) ?? -1 }

@Suite struct RingReplicasCardinalitySourceTests {
    let tenant: TenantID
    init() throws { tenant = try TenantID(validating: "t") }

    private func request(limit: Int = 10) -> CardinalityRequest {
        CardinalityRequest(tenant: tenant, limit: limit, deadline: .now + .seconds(60))
    }

    /// Three ingesters with RF=3 each hold every series: the answers count each series once.
    @Test func countsAreDividedByTheReplicationFactor() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let index = CardinalityIndex(numSeries: 12, chunkCount: 12, minTime: 1, maxTime: 2,
                                     labels: ["__name__": ["bomb": 10, "up": 2],
                                              "id": Dictionary(uniqueKeysWithValues: (0..<10).map { ("r\($0)", 1) })])
        let source = RingReplicasCardinalitySource(ring: ring, timeout: .seconds(60), clients: { _ in FixedReplica(index: index) })
        let names = try await source.labelNamesCardinality(request())
        #expect(names.cardinality.first == NamedCount(name: "id", value: 10))
        let values = try await source.labelValuesCardinality(request(), labelNames: ["__name__"])
        #expect(values.seriesCountTotal == 12)
        #expect(values.labels.first?.cardinality == [NamedCount(name: "bomb", value: 10), NamedCount(name: "up", value: 2)])
        let status = try await source.tsdbStatus(request(limit: 1))
        #expect(status.numSeries == 12 && status.seriesCountByMetricName == [NamedCount(name: "bomb", value: 10)])
        #expect(try await source.seriesCountByMetricName(tenant: tenant) == ["bomb": 10, "up": 2])
    }

    /// One ingester down is absorbed (RF=3, quorum 2); two are not, and the error names one.
    @Test func toleratesOneFailureNotTwo() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let a = Labels(["__name__": "up", "i": "a"]), b = Labels(["__name__": "up", "i": "b"])
        let good = FixedReplica(active: ActiveSeries(series: [a, b]))
        let down = FixedReplica(failure: "connection refused")
        let oneDown = RingReplicasCardinalitySource(ring: ring, timeout: .seconds(60), clients: { position($0) == 0 ? down : good })
        #expect(try await oneDown.activeSeries(request()) == ActiveSeries(series: [a, b]))
        let twoDown = RingReplicasCardinalitySource(ring: ring, timeout: .seconds(60), clients: { position($0) == 2 ? good : down })
        await #expect {
            _ = try await twoDown.activeSeries(request())
        } throws: { error in
            "\(error)".contains("connection refused") && "\(error)".contains("ingester-")
        }
    }
}
