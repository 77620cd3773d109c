import Synchronization
import StrataLimits
import StrataModel

/// Where the write path hands exemplars and metadata (the in-process ingester's store).
public protocol ExemplarMetadataSink: Sendable {
    /// Stores what `extras` carries for `tenant`; returns how many exemplars were stored.
    func store(tenant: TenantID, extras: WriteExtras) -> Int
}

/// Exemplars and metric metadata of every tenant, in memory.
///
/// Exemplars: one circular buffer per tenant of this ingester's share of
/// `max_global_exemplars_per_user` entries (the whole limit alone; in a shared ring RF/N of it,
/// as the global series limit and as Mimir; 0, the default as in Mimir, stores none), oldest
/// overwritten first, as Prometheus's
/// `CircularExemplarStorage`. As there, an exemplar equal to its series' latest is a duplicate
/// and skipped, one older than its series' latest is out of order and dropped, and one whose
/// labels are longer than 128 runes (OpenMetrics' limit) or without a timestamp is refused.
///
/// Metadata: per tenant and metric family name, the `maxEntriesPerMetric` most recently sent
/// distinct (type, help, unit) entries, for at most `maxMetricsPerTenant` metric names; names
/// past that bound are dropped until the store restarts.
///
/// Neither survives a restart: Prometheus keeps exemplars in its WAL, Strata does not (they are
/// examples, and the next scrape brings new ones), and a sender resends metadata periodically
/// (1.0) or with every series (2.0).
public final class ExemplarMetadataStore: ExemplarMetadataSink, ExemplarQueryable, MetadataQueryable, Sendable {
    /// Metric names with metadata per tenant.
    public static let maxMetricsPerTenant = 50_000
    /// Distinct metadata entries per metric name.
    public static let maxEntriesPerMetric = 10
    /// OpenMetrics' bound on an exemplar's label set, in runes of names and values.
    public static let maxExemplarLabelRunes = 128

    private let overrides: Overrides
    private let limitShare: (@Sendable () -> Double)?
    private let exemplars = Mutex<[TenantID: ExemplarRing]>([:])
    private let metadataState = Mutex<[TenantID: [String: [MetricMetadata]]]>([:])

    /// Creates an empty store reading each tenant's exemplar limit from `overrides`.
    /// `limitShare` is the fraction of a tenant's series this ingester holds in a shared ring
    /// (replication factor over ingesters, read at each push, as `Ingester`'s
    /// `seriesLimitShare`); the store keeps that share of the global limit, rounded up. Nil:
    /// the whole limit (one ingester).
    public init(overrides: Overrides, limitShare: (@Sendable () -> Double)? = nil) {
        self.overrides = overrides
        self.limitShare = limitShare
    }

    /// The exemplars this store keeps for `tenant`: its share of `max_global_exemplars_per_user`.
    public func exemplarCapacity(tenant: TenantID) -> Int {
        Ingester.localLimit(overrides.limits(for: tenant).maxGlobalExemplarsPerUser, share: limitShare?() ?? 1)
    }

    public func store(tenant: TenantID, extras: WriteExtras) -> Int {
        var stored = 0
        if !extras.exemplars.isEmpty {
            let capacity = exemplarCapacity(tenant: tenant)
            stored = exemplars.withLock { all -> Int in
                guard capacity > 0 else {
                    all[tenant] = nil
                    return 0
                }
                var ring = all[tenant] ?? ExemplarRing(capacity: capacity)
                all[tenant] = nil
                if ring.capacity != capacity { ring.resize(to: capacity) }
                var n = 0
                for group in extras.exemplars {
                    for exemplar in group.exemplars where Self.isValid(exemplar) {
                        if ring.append(series: group.seriesLabels, exemplar) { n += 1 }
                    }
                }
                all[tenant] = ring
                return n
            }
        }
        if !extras.metadata.isEmpty {
            metadataState.withLock { all in
                var byMetric = all[tenant] ?? [:]
                all[tenant] = nil
                for entry in extras.metadata {
                    var list = byMetric[entry.metricFamilyName] ?? []
                    if list.isEmpty && byMetric.count >= Self.maxMetricsPerTenant { continue }
                    // Most recent last: a resent entry moves to the end, the oldest falls off.
                    list.removeAll { $0 == entry }
                    list.append(entry)
                    if list.count > Self.maxEntriesPerMetric { list.removeFirst(list.count - Self.maxEntriesPerMetric) }
                    byMetric[entry.metricFamilyName] = list
                }
                all[tenant] = byMetric
            }
        }
        return stored
    }

    /// Prometheus's checks on a single exemplar.
    static func isValid(_ exemplar: Exemplar) -> Bool {
        guard exemplar.timestamp != 0 else { return false }
        var runes = 0
        for label in exemplar.labels {
            runes += label.name.unicodeScalars.count + label.value.unicodeScalars.count
        }
        return runes <= maxExemplarLabelRunes
    }

    public func exemplars(tenant: TenantID, start: Int64, end: Int64, matcherSets: [[LabelMatcher]]) -> [SeriesExemplars] {
        let entries = exemplars.withLock { all in all[tenant]?.inOrder() ?? [] }
        var groups: [Labels: [Exemplar]] = [:]
        var matched: [Labels: Bool] = [:]
        for entry in entries where entry.exemplar.timestamp >= start && entry.exemplar.timestamp <= end {
            let hit: Bool
            if let known = matched[entry.series] {
                hit = known
            } else {
                hit = matcherSets.contains { set in set.allSatisfy { $0.matches(entry.series[$0.name] ?? "") } }
                matched[entry.series] = hit
            }
            if hit { groups[entry.series, default: []].append(entry.exemplar) }
        }
        return groups.map { SeriesExemplars(seriesLabels: $0.key, exemplars: $0.value) }
            .sorted { $0.seriesLabels < $1.seriesLabels }
    }

    public func metadata(tenant: TenantID, metric: String?, limit: Int, limitPerMetric: Int) -> [(metric: String, entries: [MetricMetadata])] {
        let byMetric = metadataState.withLock { all in all[tenant] ?? [:] }
        var names = metric.map { byMetric[$0] == nil ? [] : [$0] } ?? byMetric.keys.sorted()
        if limit >= 0 && names.count > limit { names = Array(names.prefix(limit)) }
        return names.map { name in
            var entries = byMetric[name] ?? []
            if limitPerMetric > 0 && entries.count > limitPerMetric { entries = Array(entries.prefix(limitPerMetric)) }
            return (name, entries)
        }
    }

    /// Drops everything of `tenant` (tenant deletion).
    public func remove(tenant: TenantID) {
        exemplars.withLock { _ = $0.removeValue(forKey: tenant) }
        metadataState.withLock { _ = $0.removeValue(forKey: tenant) }
    }
}

/// One exemplar with its series.
struct StoredExemplar: Sendable {
    var series: Labels
    var exemplar: Exemplar
}

/// A fixed-capacity circular buffer of exemplars with each series' latest, for the duplicate
/// and out-of-order checks. Bounded: a series leaves `latest` when its last exemplar is
/// overwritten.
struct ExemplarRing: Sendable {
    private(set) var capacity: Int
    private var slots: [StoredExemplar?]
    private var next = 0
    /// Latest exemplar of each series in the buffer and how many of its exemplars it holds.
    private var latest: [Labels: (exemplar: Exemplar, count: Int)] = [:]

    init(capacity: Int) {
        self.capacity = capacity
        self.slots = Array(repeating: nil, count: capacity)
    }

    /// Appends unless duplicate or out of order; true when stored.
    mutating func append(series: Labels, _ exemplar: Exemplar) -> Bool {
        if let last = latest[series]?.exemplar {
            if last.timestamp == exemplar.timestamp && last.value.bitPattern == exemplar.value.bitPattern
                && last.labels == exemplar.labels {
                return false
            }
            if exemplar.timestamp < last.timestamp { return false }
        }
        if let evicted = slots[next] {
            if let state = latest[evicted.series] {
                if state.count <= 1 { latest[evicted.series] = nil } else { latest[evicted.series] = (state.exemplar, state.count - 1) }
            }
        }
        slots[next] = StoredExemplar(series: series, exemplar: exemplar)
        latest[series] = (exemplar, (latest[series]?.count ?? 0) + 1)
        next = (next + 1) % capacity
        return true
    }

    /// The stored exemplars, oldest first.
    func inOrder() -> [StoredExemplar] {
        var out: [StoredExemplar] = []
        out.reserveCapacity(capacity)
        for i in 0..<capacity {
            if let e = slots[(next + i) % capacity] { out.append(e) }
        }
        return out
    }

    /// Changes the capacity, keeping the newest exemplars that fit.
    mutating func resize(to newCapacity: Int) {
        let kept = inOrder().suffix(newCapacity)
        self = ExemplarRing(capacity: newCapacity)
        for e in kept { _ = append(series: e.series, e.exemplar) }
    }
}
