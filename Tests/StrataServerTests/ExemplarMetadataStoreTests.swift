import StrataIngester
import StrataLimits
import StrataModel
import Testing

/// The in-memory exemplar ring and metadata table behind `query_exemplars` and `metadata`.
@Suite struct ExemplarMetadataStoreTests {
    let tenant = TenantID.anonymous
    let series = Labels(["__name__": "rpc_total", "job": "a"])
    let other = Labels(["__name__": "rpc_total", "job": "b"])

    func store(capacity: Int) -> ExemplarMetadataStore {
        var limits = Limits()
        limits.maxGlobalExemplarsPerUser = capacity
        return ExemplarMetadataStore(overrides: Overrides(defaults: limits))
    }

    func exemplar(_ t: Int64, _ v: Double = 1, trace: String = "x") -> Exemplar {
        Exemplar(labels: Labels(["trace_id": trace]), value: v, timestamp: t)
    }

    func all(_ s: ExemplarMetadataStore) -> [SeriesExemplars] {
        s.exemplars(tenant: tenant, start: .min, end: .max, matcherSets: [[LabelMatcher(literal: "__name__", "rpc_total")]])
    }

    @Test func oldestAreOverwrittenWhenTheRingIsFull() {
        let s = store(capacity: 3)
        let stored = s.store(tenant: tenant, extras: WriteExtras(exemplars: [
            SeriesExemplars(seriesLabels: series, exemplars: [exemplar(1), exemplar(2), exemplar(3)]),
            SeriesExemplars(seriesLabels: other, exemplars: [exemplar(10)]),
        ]))
        #expect(stored == 4)
        let got = all(s)
        #expect(got.map(\.seriesLabels) == [series, other])
        #expect(got[0].exemplars.map(\.timestamp) == [2, 3])
        #expect(got[1].exemplars.map(\.timestamp) == [10])
    }

    @Test func duplicatesOutOfOrderAndInvalidExemplarsAreSkipped() {
        let s = store(capacity: 10)
        let long = Exemplar(labels: Labels(["trace_id": String(repeating: "x", count: 121)]), value: 1, timestamp: 7)
        let stored = s.store(tenant: tenant, extras: WriteExtras(exemplars: [
            SeriesExemplars(seriesLabels: series, exemplars: [exemplar(5), exemplar(5), exemplar(4), exemplar(0), long, exemplar(6)]),
        ]))
        #expect(stored == 2)
        #expect(all(s).first?.exemplars.map(\.timestamp) == [5, 6])
    }

    @Test func timeRangeAndMatchersSelect() {
        let s = store(capacity: 10)
        _ = s.store(tenant: tenant, extras: WriteExtras(exemplars: [
            SeriesExemplars(seriesLabels: series, exemplars: [exemplar(1), exemplar(20)]),
            SeriesExemplars(seriesLabels: other, exemplars: [exemplar(15)]),
        ]))
        let got = s.exemplars(tenant: tenant, start: 10, end: 30, matcherSets: [[LabelMatcher(literal: "job", "a")]])
        #expect(got == [SeriesExemplars(seriesLabels: series, exemplars: [exemplar(20)])])
        #expect(s.exemplars(tenant: TenantID.anonymous, start: 0, end: 0, matcherSets: [[LabelMatcher(literal: "job", "a")]]).isEmpty)
    }

    @Test func aZeroLimitStoresNothing() {
        let s = store(capacity: 0)
        #expect(s.store(tenant: tenant, extras: WriteExtras(exemplars: [SeriesExemplars(seriesLabels: series, exemplars: [exemplar(1)])])) == 0)
        #expect(all(s).isEmpty)
    }

    @Test func metadataKeepsTheLatestDistinctEntriesPerMetric() {
        let s = store(capacity: 0)
        let a = MetricMetadata(metricFamilyName: "rpc_total", type: .counter, help: "RPCs.", unit: "")
        let b = MetricMetadata(metricFamilyName: "rpc_total", type: .counter, help: "RPCs served.", unit: "")
        let g = MetricMetadata(metricFamilyName: "queue", type: .gauge, help: "", unit: "bytes")
        _ = s.store(tenant: tenant, extras: WriteExtras(metadata: [a, g]))
        _ = s.store(tenant: tenant, extras: WriteExtras(metadata: [b, a]))
        let got = s.metadata(tenant: tenant, metric: nil, limit: -1, limitPerMetric: 0)
        #expect(got.map(\.metric) == ["queue", "rpc_total"])
        #expect(got.last?.entries == [b, a])
        #expect(s.metadata(tenant: tenant, metric: "rpc_total", limit: -1, limitPerMetric: 1).map(\.entries) == [[b]])
        #expect(s.metadata(tenant: tenant, metric: nil, limit: 0, limitPerMetric: 0).isEmpty)
        #expect(s.metadata(tenant: tenant, metric: "nope", limit: -1, limitPerMetric: 0).isEmpty)
        let many = (0..<20).map { MetricMetadata(metricFamilyName: "m", type: .gauge, help: "h\($0)", unit: "") }
        _ = s.store(tenant: tenant, extras: WriteExtras(metadata: many))
        #expect(s.metadata(tenant: tenant, metric: "m", limit: -1, limitPerMetric: 0).first?.entries.count == ExemplarMetadataStore.maxEntriesPerMetric)
        s.remove(tenant: tenant)
        #expect(s.metadata(tenant: tenant, metric: nil, limit: -1, limitPerMetric: 0).isEmpty)
    }
}
