import StrataModel
import StrataQuerier
import StrataRing
import StrataTestSupport
import Testing

/// One ingester's exemplars and metadata: fixed answers, or an error.
private struct FixedStore: ExemplarQueryable, MetadataQueryable {
    struct Down: Error, CustomStringConvertible { let description: String }
    var groups: [SeriesExemplars] = []
    var metadata: [(metric: String, entries: [MetricMetadata])] = []
    var failure: String?

    func exemplars(tenant: TenantID, start: Int64, end: Int64, matcherSets: [[LabelMatcher]]) async throws -> [SeriesExemplars] {
        if let failure { throw Down(description: failure) }
        return groups
    }

    func metadata(tenant: TenantID, metric: String?, limit: Int, limitPerMetric: Int) async throws -> [(metric: String, entries: [MetricMetadata])] {
        if let failure { throw Down(description: failure) }
        // The source asks without limits and applies them to the merged answer.
        #expect(limit == -1 && limitPerMetric == 0)
        return metadata
    }
}

private func position(_ instance: InstanceDesc) -> Int { Int(instance.id.split(separator: "-")[1]) ?? -1 }

@Suite struct RingReplicasExemplarMetadataSourceTests {
    let tenant: TenantID
    init() throws { tenant = try TenantID(validating: "t") }

    static let a = Labels(["__name__": "rpc_total", "job": "a"])
    static let b = Labels(["__name__": "rpc_total", "job": "b"])
    static func ex(_ t: Int64, _ trace: String, _ v: Double = 1) -> Exemplar { Exemplar(labels: Labels(["trace_id": trace]), value: v, timestamp: t) }
    static func md(_ name: String, _ help: String) -> MetricMetadata { MetricMetadata(metricFamilyName: name, type: .counter, help: help, unit: "") }

    /// Three replicas of the same exemplars answer them once, by series then timestamp; an
    /// exemplar differing only in value or labels is another exemplar.
    @Test func replicasAreDeduplicated() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let answers = [
            [SeriesExemplars(seriesLabels: Self.b, exemplars: [Self.ex(5, "x")]),
             SeriesExemplars(seriesLabels: Self.a, exemplars: [Self.ex(2, "y"), Self.ex(1, "x")])],
            [SeriesExemplars(seriesLabels: Self.a, exemplars: [Self.ex(1, "x"), Self.ex(2, "y"), Self.ex(2, "y", 3)])],
            [SeriesExemplars(seriesLabels: Self.a, exemplars: [Self.ex(1, "z")])],
        ]
        let source = RingReplicasExemplarMetadataSource(ring: ring, clients: { FixedStore(groups: answers[position($0)]) })
        let merged = try await source.exemplars(tenant: tenant, start: 0, end: 10, matcherSets: [[LabelMatcher(literal: "job", "a")]])
        #expect(merged.map(\.seriesLabels) == [Self.a, Self.b])
        #expect(merged[0].exemplars.count == 4)
        #expect(merged[0].exemplars.map(\.timestamp) == [1, 1, 2, 2])
        #expect(Set(merged[0].exemplars.map { $0.labels["trace_id"] ?? "" }) == ["x", "y", "z"])
        #expect(merged[1].exemplars == [Self.ex(5, "x")])
    }

    /// Metadata is merged per metric, each entry once, and the limits apply to the merged answer.
    @Test func metadataIsMergedThenLimited() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let answers: [[(metric: String, entries: [MetricMetadata])]] = [
            [("rpc_total", [Self.md("rpc_total", "one")]), ("up", [Self.md("up", "up")])],
            [("rpc_total", [Self.md("rpc_total", "one"), Self.md("rpc_total", "two")])],
            [("alpha", [Self.md("alpha", "a")])],
        ]
        let source = RingReplicasExemplarMetadataSource(ring: ring, clients: { FixedStore(metadata: answers[position($0)]) })
        let all = try await source.metadata(tenant: tenant, metric: nil, limit: -1, limitPerMetric: 0)
        #expect(all.map(\.metric) == ["alpha", "rpc_total", "up"])
        #expect(Set(all[1].entries.map(\.help)) == ["one", "two"] && all[1].entries.count == 2)
        let limited = try await source.metadata(tenant: tenant, metric: nil, limit: 2, limitPerMetric: 1)
        #expect(limited.map(\.metric) == ["alpha", "rpc_total"] && limited.allSatisfy { $0.entries.count == 1 })
        #expect(try await source.metadata(tenant: tenant, metric: nil, limit: 0, limitPerMetric: 0).isEmpty)
    }

    /// One ingester of three down is absorbed; two fail the read, naming an ingester.
    @Test func failuresFollowTheQuorum() async throws {
        let ring = try await startedRing(count: 3)
        defer { Task { await ring.stop() } }
        let group = SeriesExemplars(seriesLabels: Self.a, exemplars: [Self.ex(1, "x")])
        let one = RingReplicasExemplarMetadataSource(ring: ring, clients: {
            position($0) == 0 ? FixedStore(failure: "connection refused") : FixedStore(groups: [group])
        })
        #expect(try await one.exemplars(tenant: tenant, start: 0, end: 10, matcherSets: [[LabelMatcher(literal: "job", "a")]]) == [group])
        let two = RingReplicasExemplarMetadataSource(ring: ring, clients: {
            position($0) == 0 ? FixedStore(groups: [group]) : FixedStore(failure: "connection refused")
        })
        await #expect(throws: (any Error).self) {
            _ = try await two.metadata(tenant: tenant, metric: nil, limit: -1, limitPerMetric: 0)
        }
    }
}
