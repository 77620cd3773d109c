import StrataIngester
import StrataLimits
import StrataModel
import Synchronization
import Testing

/// `max_global_exemplars_per_user` is a cluster-wide limit, as in Mimir: in a ring where each
/// series is on RF of N ingesters, each ingester keeps RF/N of it, the same share it enforces of
/// the global series limit.
@Suite struct ExemplarLimitShareTests {
    let tenant = TenantID.anonymous
    let series = Labels(["__name__": "rpc_total", "job": "a"])

    func push(_ s: ExemplarMetadataStore, from: Int64, count: Int64) -> Int {
        s.store(tenant: tenant, extras: WriteExtras(exemplars: [SeriesExemplars(
            seriesLabels: series,
            exemplars: (from..<(from + count)).map { Exemplar(labels: Labels(["trace_id": "t\($0)"]), value: 1, timestamp: $0) })]))
    }

    func timestamps(_ s: ExemplarMetadataStore) -> [Int64] {
        s.exemplars(tenant: tenant, start: .min, end: .max, matcherSets: [[LabelMatcher(literal: "__name__", "rpc_total")]])
            .flatMap(\.exemplars).map(\.timestamp)
    }

    @Test func eachIngesterKeepsItsShareOfTheGlobalLimit() {
        var limits = Limits()
        limits.maxGlobalExemplarsPerUser = 30
        // 3 replicas over 9 ingesters: this one holds a third of the series, so 10 exemplars.
        let share = Mutex<Double>(3.0 / 9.0)
        let s = ExemplarMetadataStore(overrides: Overrides(defaults: limits), limitShare: { share.withLock { $0 } })
        #expect(s.exemplarCapacity(tenant: tenant) == 10)
        #expect(push(s, from: 1, count: 15) == 15)
        #expect(timestamps(s) == Array(6...15))

        // Six ingesters leave: 3 of 3 hold every series, and the whole limit; the newest stay.
        share.withLock { $0 = 1 }
        #expect(s.exemplarCapacity(tenant: tenant) == 30)
        #expect(push(s, from: 16, count: 5) == 5)
        #expect(timestamps(s) == Array(6...20))
    }

    @Test func theShareIsRoundedUpAndZeroStaysNone() {
        var limits = Limits()
        limits.maxGlobalExemplarsPerUser = 10
        // 1 replica over 7 ingesters: 10/7 rounds up to 2.
        let s = ExemplarMetadataStore(overrides: Overrides(defaults: limits), limitShare: { 1.0 / 7.0 })
        #expect(s.exemplarCapacity(tenant: tenant) == 2)
        #expect(ExemplarMetadataStore(overrides: Overrides(defaults: limits)).exemplarCapacity(tenant: tenant) == 10)
        limits.maxGlobalExemplarsPerUser = 0
        let none = ExemplarMetadataStore(overrides: Overrides(defaults: limits), limitShare: { 1.0 / 7.0 })
        #expect(none.exemplarCapacity(tenant: tenant) == 0)
        #expect(push(none, from: 1, count: 3) == 0)
    }
}
